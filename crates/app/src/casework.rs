//! Working a centre case: assessments on the agency's forms, the case plan, sessions and
//! appointments (in each worker's and each office's calendar) with attendance, services
//! given, follow-ups and attachments. Each write is decided by the engine on the case
//! (`RecordCasework`, `AddAttachment`), leaves a timeline event of codes only, and is
//! audited with the record it made; each read goes through `ReadCase`.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use sila_domain::audit::SubjectKind;
use sila_domain::case::Case;
use sila_domain::casework::{
    Approval, Assessment, AssessmentForm, Attachment, Attendance, FollowUp, PlanItem, PlanStatus, ServiceKind,
    ServiceRecord, Session, SessionKind, check_upload,
};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{
    AssessmentId, AttachmentId, CaseId, FollowUpId, FormId, OfficeId, PlanItemId, ServiceId, SessionId, UserId,
};
use sila_domain::text::{Text, limits};
use sila_domain::time::{local_date, parse_date, parse_instant};
pub use sila_store::TransferRecord;
use sila_store::{Calendar, Tx};

use crate::access::Action;
use crate::audit::Audit;
use crate::cases::{ensure_open, record_event, touch_case};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// Everything of a centre case's work the actor may see.
#[derive(Debug, Clone, Default)]
pub struct CaseworkView {
    /// Assessments, oldest first, with the form each used.
    pub assessments: Vec<(Assessment, Option<AssessmentForm>)>,
    /// The plan.
    pub plan: Vec<PlanItem>,
    /// Sessions by start.
    pub sessions: Vec<Session>,
    /// Services by day.
    pub services: Vec<ServiceRecord>,
    /// Follow-ups by due date.
    pub follow_ups: Vec<FollowUp>,
    /// Attachments (when the actor may read them).
    pub attachments: Vec<Attachment>,
    /// Requests for closure or transfer and their decisions.
    pub approvals: Vec<Approval>,
    /// Transfers to authorities, with what each carried.
    pub transfers: Vec<TransferRecord>,
}

/// A session as typed.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    /// Kind code.
    pub kind: String,
    /// Start (RFC 3339, or local date and time).
    pub starts_at: String,
    /// Length in minutes (default 60).
    pub minutes: Option<String>,
    /// Who holds it (default the actor).
    pub worker_id: Option<String>,
    /// Where (default the case's office).
    pub office_id: Option<String>,
}

/// A plan item as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The goal.
    pub goal: String,
    /// The action towards it.
    pub action: String,
    /// Who is responsible (default the actor).
    pub responsible_id: Option<String>,
    /// By when (`YYYY-MM-DD`).
    pub due_on: String,
}

/// A service as typed.
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    /// Kind code.
    pub kind: String,
    /// Day given (default today).
    pub given_on: Option<String>,
    /// What exactly.
    pub description: String,
}

/// A follow-up as typed.
#[derive(Debug, Clone, Default)]
pub struct FollowUpInput {
    /// By when.
    pub due_on: String,
    /// What for.
    pub purpose: String,
    /// Who does it (default the actor).
    pub assigned_to: Option<String>,
}

/// One question of a new form version, as typed.
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    /// Code (lower-case Latin letters, digits, `_`).
    pub code: String,
    /// Arabic label.
    pub label_ar: String,
    /// English label.
    pub label_en: String,
    /// `text`, `choice` or `scale`.
    pub kind: String,
    /// Options of a choice (codes).
    pub options: Vec<String>,
    /// Whether an answer is required.
    pub required: bool,
}

/// A new version of an assessment form, as typed.
#[derive(Debug, Clone, Default)]
pub struct FormInput {
    /// The form's code (a new code starts a new form).
    pub code: String,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// The questions, in order.
    pub questions: Vec<QuestionInput>,
}

/// The longest session, in minutes.
const SESSION_MAX_MINUTES: i64 = 8 * 60;

impl App {
    /// Loads a case for a casework write: visible, the action allowed, still open.
    async fn case_for_work(
        &self,
        tx: &mut Tx,
        audit: &mut Audit,
        actor: &Actor,
        case_id: CaseId,
        action: Action,
    ) -> Result<Case, AppError> {
        let case = self.visible_case(tx, audit, actor, case_id, action).await?;
        ensure_open(&case)?;
        Ok(case)
    }

    /// A colleague of the actor's agency named in a field (default the actor).
    async fn colleague(tx: &mut Tx, actor: &Actor, field: &str, typed: Option<&str>) -> Result<UserId, AppError> {
        let Some(text) = typed.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(actor.user.id);
        };
        let id = UserId::parse(text).map_err(|problem| AppError::invalid(field, problem))?;
        match tx.user(id).await? {
            Some(user) if user.agency_id == actor.agency.id && !user.disabled => Ok(id),
            _ => Err(AppError::invalid(field, Problem::UnknownValue)),
        }
    }

    /// The assessment forms of the actor's agency (latest versions).
    pub async fn assessment_forms(&self, actor: &Actor) -> Result<Vec<AssessmentForm>, AppError> {
        let mut tx = self.store.read().await?;
        Ok(tx.assessment_forms(actor.agency.id).await?)
    }

    /// Adds a version of one of the agency's assessment forms (its administrators). Earlier
    /// assessments keep the version they were made with.
    pub async fn add_assessment_form(
        &self,
        actor: &Actor,
        input: &FormInput,
        context: &RequestContext,
    ) -> Result<AssessmentForm, AppError> {
        use sila_domain::casework::{Question, QuestionKind};
        let (mut tx, mut audit) = self.begin(Some(actor), "assessment_form.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::Administer, crate::access::Resource::Nothing)
                != crate::access::Decision::Allow
                || actor.agency.kind != sila_domain::agency::AgencyKind::Centre
            {
                return Err(AppError::Forbidden);
            }
            let mut errors = Errors::new();
            let code = errors.check("code", sila_domain::text::parse_code(&input.code));
            let name_ar = errors.check("name_ar", Text::parse(&input.name_ar, 200));
            let name_en = errors.check("name_en", Text::parse(&input.name_en, 200));
            if input.questions.is_empty() {
                errors.add("questions", Problem::EmptyList);
            }
            let mut questions = Vec::new();
            for (index, question) in input.questions.iter().enumerate() {
                let field = |name: &str| format!("questions[{index}].{name}");
                let code = errors.check(field("code"), sila_domain::text::parse_code(&question.code));
                if code.as_ref().is_some_and(|code| questions.iter().any(|other: &Question| &other.code == code)) {
                    errors.add(field("code"), Problem::Duplicate);
                }
                let label_ar = errors.check(field("label_ar"), Text::parse(&question.label_ar, 300));
                let label_en = errors.check(field("label_en"), Text::parse(&question.label_en, 300));
                let kind = errors.check(field("kind"), QuestionKind::parse(&question.kind));
                let mut options = Vec::new();
                for (position, option) in question.options.iter().enumerate() {
                    if let Some(option) =
                        errors.check(format!("{}[{position}]", field("options")), sila_domain::text::parse_code(option))
                    {
                        options.push(option);
                    }
                }
                if kind == Some(QuestionKind::Choice) && options.len() < 2 {
                    errors.add(field("options"), Problem::EmptyList);
                }
                if let (Some(code), Some(label_ar), Some(label_en), Some(kind)) = (code, label_ar, label_en, kind) {
                    questions.push(Question {
                        code,
                        label_ar: label_ar.as_str().to_string(),
                        label_en: label_en.as_str().to_string(),
                        kind,
                        options,
                        required: question.required,
                    });
                }
            }
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(code), Some(name_ar), Some(name_en)) = (code, name_ar, name_en) else {
                return Err(AppError::invalid("code", Problem::Required));
            };
            let version = tx
                .assessment_forms(actor.agency.id)
                .await?
                .iter()
                .find(|form| form.code == code)
                .map_or(1, |form| form.version + 1);
            let form = AssessmentForm {
                id: FormId::from_uuid(new_uuid()),
                agency_id: actor.agency.id,
                code,
                version,
                name_ar: name_ar.as_str().to_string(),
                name_en: name_en.as_str().to_string(),
                questions,
            };
            tx.insert_assessment_form(&form, self.now()).await?;
            audit.detail("form", &form.code);
            audit.detail("version", &form.version.to_string());
            Ok(form)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records an assessment on one of the agency's forms.
    pub async fn record_assessment(
        &self,
        actor: &Actor,
        case_id: CaseId,
        form_id: &str,
        answers: &BTreeMap<String, String>,
        context: &RequestContext,
    ) -> Result<Assessment, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "assessment.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let form_id = FormId::parse(form_id).map_err(|problem| AppError::invalid("form_id", problem))?;
            let form = tx
                .assessment_form(form_id)
                .await?
                .filter(|form| form.agency_id == actor.agency.id)
                .ok_or_else(|| AppError::invalid("form_id", Problem::UnknownValue))?;
            let answers = form.check_answers(answers).map_err(AppError::Invalid)?;
            let now = self.now();
            let assessment = Assessment {
                id: AssessmentId::from_uuid(new_uuid()),
                case_id: case.id,
                form_id: form.id,
                answers: Some(answers),
                assessed_by: actor.user.id,
                created_at: now,
            };
            tx.insert_assessment(&assessment).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "assessment.recorded", None, &[("form", &form.code)], now)
                .await?;
            audit.detail("form", &form.code);
            Ok(assessment)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Books a session in the worker's calendar; a worker is never booked twice at once.
    pub async fn book_session(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &SessionInput,
        context: &RequestContext,
    ) -> Result<Session, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "session.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let mut errors = Errors::new();
            let kind = errors.check("kind", SessionKind::parse(&input.kind));
            let starts_at = errors.check("starts_at", parse_instant(&input.starts_at));
            let minutes = match input.minutes.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                None => Some(60),
                Some(text) => errors.check(
                    "minutes",
                    sila_domain::time::ascii_digits(text)
                        .parse::<i64>()
                        .ok()
                        .filter(|minutes| (5..=SESSION_MAX_MINUTES).contains(minutes))
                        .ok_or(Problem::OutOfRange),
                ),
            };
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(kind), Some(starts_at), Some(minutes)) = (kind, starts_at, minutes) else {
                return Err(AppError::invalid("kind", Problem::Required));
            };
            let worker = Self::colleague(&mut tx, actor, "worker_id", input.worker_id.as_deref()).await?;
            let office = match input.office_id.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                None => case.office_id,
                Some(text) => {
                    let id = OfficeId::parse(text).map_err(|problem| AppError::invalid("office_id", problem))?;
                    tx.office(id)
                        .await?
                        .filter(|office| office.agency_id == actor.agency.id)
                        .ok_or_else(|| AppError::invalid("office_id", Problem::UnknownValue))?
                        .id
                }
            };
            let ends_at = starts_at + SignedDuration::from_mins(minutes);
            let day_before = starts_at - SignedDuration::from_hours(SESSION_MAX_MINUTES / 60);
            let taken = tx
                .calendar(Calendar::Worker(worker), day_before, ends_at)
                .await?
                .iter()
                .any(|other| other.attendance != Some(Attendance::Cancelled) && other.ends_at > starts_at);
            if taken {
                return Err(AppError::Conflict(Conflict::SlotTaken));
            }
            let now = self.now();
            let session = Session {
                id: SessionId::from_uuid(new_uuid()),
                case_id: case.id,
                kind,
                worker_id: worker,
                office_id: office,
                starts_at,
                ends_at,
                attendance: None,
                created_by: actor.user.id,
                created_at: now,
            };
            tx.insert_case_session(&session).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "session.booked", None, &[("kind", kind.code())], now).await?;
            audit.detail("kind", kind.code());
            Ok(session)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records whether she came to a session.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        case_id: CaseId,
        session_id: SessionId,
        attendance: &str,
        context: &RequestContext,
    ) -> Result<Session, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "session.attendance").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let attendance =
                Attendance::parse(attendance).map_err(|problem| AppError::invalid("attendance", problem))?;
            let mut session = tx
                .case_session(session_id)
                .await?
                .filter(|session| session.case_id == case.id)
                .ok_or(AppError::NotFound)?;
            tx.set_attendance(session.id, attendance).await?;
            session.attendance = Some(attendance);
            let now = self.now();
            touch_case(&mut tx, &case, now).await?;
            record_event(
                &mut tx,
                &case,
                Some(actor),
                "session.attendance",
                None,
                &[("attendance", attendance.code())],
                now,
            )
            .await?;
            audit.detail("attendance", attendance.code());
            Ok(session)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Adds an item to the case plan.
    pub async fn add_plan_item(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &PlanInput,
        context: &RequestContext,
    ) -> Result<PlanItem, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "plan.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let mut errors = Errors::new();
            let goal = errors.check("goal", Text::parse(&input.goal, limits::SHORT));
            let action = errors.check("action", Text::parse(&input.action, limits::SHORT));
            let due_on = errors.check("due_on", parse_date(&input.due_on));
            errors.finish().map_err(AppError::Invalid)?;
            let responsible =
                Self::colleague(&mut tx, actor, "responsible_id", input.responsible_id.as_deref()).await?;
            let now = self.now();
            let item = PlanItem {
                id: PlanItemId::from_uuid(new_uuid()),
                case_id: case.id,
                goal,
                action,
                responsible_id: responsible,
                due_on: due_on.ok_or_else(|| AppError::invalid("due_on", Problem::Required))?,
                status: PlanStatus::Planned,
                created_by: actor.user.id,
                created_at: now,
                updated_at: now,
            };
            tx.insert_plan_item(&item).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "plan.added", None, &[], now).await?;
            Ok(item)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Moves a plan item to a status.
    pub async fn set_plan_status(
        &self,
        actor: &Actor,
        case_id: CaseId,
        item_id: PlanItemId,
        status: &str,
        context: &RequestContext,
    ) -> Result<PlanStatus, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "plan.status").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let status = PlanStatus::parse(status).map_err(|problem| AppError::invalid("status", problem))?;
            if !tx.plan_items(case.id).await?.iter().any(|item| item.id == item_id) {
                return Err(AppError::NotFound);
            }
            let now = self.now();
            tx.set_plan_status(item_id, status, now).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "plan.status", None, &[("status", status.code())], now).await?;
            audit.detail("status", status.code());
            Ok(status)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records a service given.
    pub async fn record_service(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &ServiceInput,
        context: &RequestContext,
    ) -> Result<ServiceRecord, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "service.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let now = self.now();
            let today = local_date(now);
            let mut errors = Errors::new();
            let kind = errors.check("kind", ServiceKind::parse(&input.kind));
            let given_on = match input.given_on.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                None => Some(today),
                Some(text) => errors.check(
                    "given_on",
                    parse_date(text).and_then(|date| if date > today { Err(Problem::DateInFuture) } else { Ok(date) }),
                ),
            };
            let description = errors.check("description", Text::parse(&input.description, limits::SHORT));
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(kind), Some(given_on)) = (kind, given_on) else {
                return Err(AppError::invalid("kind", Problem::Required));
            };
            let service = ServiceRecord {
                id: ServiceId::from_uuid(new_uuid()),
                case_id: case.id,
                kind,
                given_on,
                description,
                given_by: actor.user.id,
                created_at: now,
            };
            tx.insert_service(&service).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "service.given", None, &[("kind", kind.code())], now).await?;
            audit.detail("kind", kind.code());
            Ok(service)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Adds a follow-up.
    pub async fn add_follow_up(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &FollowUpInput,
        context: &RequestContext,
    ) -> Result<FollowUp, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "follow_up.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            let now = self.now();
            let mut errors = Errors::new();
            let due_on = errors.check(
                "due_on",
                parse_date(&input.due_on)
                    .and_then(|date| if date < local_date(now) { Err(Problem::DateNotInFuture) } else { Ok(date) }),
            );
            let purpose = errors.check("purpose", Text::parse(&input.purpose, limits::SHORT));
            errors.finish().map_err(AppError::Invalid)?;
            let assigned_to = Self::colleague(&mut tx, actor, "assigned_to", input.assigned_to.as_deref()).await?;
            let follow_up = FollowUp {
                id: FollowUpId::from_uuid(new_uuid()),
                case_id: case.id,
                due_on: due_on.ok_or_else(|| AppError::invalid("due_on", Problem::Required))?,
                purpose,
                assigned_to,
                done_at: None,
                created_by: actor.user.id,
                created_at: now,
            };
            tx.insert_follow_up(&follow_up).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "follow_up.added", None, &[], now).await?;
            Ok(follow_up)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Marks a follow-up done. Follow-ups outlive closure: a check after the case closed
    /// is the point of many of them.
    pub async fn complete_follow_up(
        &self,
        actor: &Actor,
        case_id: CaseId,
        id: FollowUpId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "follow_up.done").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::RecordCasework).await?;
            if !tx.follow_ups(case.id).await?.iter().any(|item| item.id == id) {
                return Err(AppError::NotFound);
            }
            let now = self.now();
            tx.complete_follow_up(id, now).await?;
            record_event(&mut tx, &case, Some(actor), "follow_up.done", None, &[], now).await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Attaches a file: typed by its content, no larger than the configured limit, sealed
    /// with the case's key.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: CaseId,
        file_name: &str,
        content: &[u8],
        context: &RequestContext,
    ) -> Result<Attachment, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "attachment.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.case_for_work(&mut tx, &mut audit, actor, case_id, Action::AddAttachment).await?;
            let (name, content_type) = check_upload(file_name, content, self.config.attachment_max_bytes)
                .map_err(|error| AppError::Invalid(vec![error]))?;
            let now = self.now();
            let attachment = Attachment {
                id: AttachmentId::from_uuid(new_uuid()),
                case_id: case.id,
                file_name: Some(name),
                content_type,
                size: i64::try_from(content.len()).unwrap_or(i64::MAX),
                uploaded_by: actor.user.id,
                created_at: now,
            };
            tx.insert_attachment(&attachment, content).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "attachment.added", None, &[("type", content_type.mime())], now)
                .await?;
            audit.detail("type", content_type.mime());
            Ok(attachment)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// One attachment and its content.
    pub async fn attachment(
        &self,
        actor: &Actor,
        case_id: CaseId,
        id: AttachmentId,
    ) -> Result<(Attachment, Vec<u8>), AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "attachment.read").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::ReadAttachment).await?;
            let attachment =
                tx.attachments(case.id).await?.into_iter().find(|item| item.id == id).ok_or(AppError::NotFound)?;
            let content = tx
                .attachment_content(case.id, id)
                .await?
                .ok_or(AppError::NotFound)?
                .ok_or(AppError::Conflict(Conflict::Shredded))?;
            Ok((attachment, content))
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// The case's work as far as the actor may see it.
    pub async fn casework(&self, actor: &Actor, case_id: CaseId) -> Result<CaseworkView, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "casework.read").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::ReadCase).await?;
            let persons = tx.case_person_ids(case.id).await?;
            let mut assessments = Vec::new();
            for assessment in tx.assessments(case.id).await? {
                let form = tx.assessment_form(assessment.form_id).await?;
                assessments.push((assessment, form));
            }
            let reads_attachments =
                self.verdict(actor, Action::ReadAttachment, crate::access::Resource::Case(&case, &persons)).allowed;
            Ok(CaseworkView {
                assessments,
                plan: tx.plan_items(case.id).await?,
                sessions: tx.sessions_of_case(case.id).await?,
                services: tx.services(case.id).await?,
                follow_ups: tx.follow_ups(case.id).await?,
                attachments: if reads_attachments { tx.attachments(case.id).await? } else { Vec::new() },
                approvals: tx.approvals_of_case(case.id).await?,
                transfers: tx.transfers_of_case(case.id).await?,
            })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// A calendar between two instants: the actor's own sessions, or an office's the actor
    /// works at. Sessions of cases the actor may not read show as busy time only — the
    /// case is left out.
    pub async fn calendar(
        &self,
        actor: &Actor,
        office: Option<OfficeId>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Session, bool)>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "calendar.read").await?;
        let result = async {
            let of = match office {
                Some(office) if actor.user.office_ids.contains(&office) => Calendar::Office(office),
                Some(_) => return Err(AppError::Forbidden),
                None => Calendar::Worker(actor.user.id),
            };
            if to <= from || to.duration_since(from) > SignedDuration::from_hours(24 * 62) {
                return Err(AppError::invalid("to", Problem::OutOfRange));
            }
            let mut items = Vec::new();
            for session in tx.calendar(of, from, to).await? {
                let readable = match tx.case(session.case_id).await? {
                    Some(case) => {
                        let persons = tx.case_person_ids(case.id).await?;
                        self.verdict(actor, Action::ReadCase, crate::access::Resource::Case(&case, &persons)).allowed
                    }
                    None => false,
                };
                if readable {
                    audit.subject(SubjectKind::Case, session.case_id);
                }
                items.push((session, readable));
            }
            Ok(items)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }
}
