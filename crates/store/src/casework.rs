//! Centre case work: assessment forms and assessments, sessions, plan items, services,
//! follow-ups, attachments, approvals and redaction profiles. Everything a person typed
//! is sealed with the case's data key (field names in the AAD), like notes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::{Value, json};
use sila_domain::casework::{
    Approval, ApprovalKind, ApprovalStatus, Assessment, AssessmentForm, Attachment, Attendance, AuthorityKind,
    ContentType, FollowUp, PlanItem, PlanStatus, Question, QuestionKind, ServiceKind, ServiceRecord, Session,
    SessionKind,
};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, ApprovalId, AttachmentId, CaseId, FollowUpId, FormId, OfficeId, PlanItemId, UserId};
use sila_domain::referral::Outcome;
use sila_domain::text::Text;

use crate::codec::{Columns, date_text, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

/// A calendar query: sessions of one worker, or of one office (a desk), in a window.
#[derive(Debug, Clone, Copy)]
pub enum Calendar {
    /// The sessions a worker holds.
    Worker(UserId),
    /// The sessions at an office.
    Office(OfficeId),
}

const SESSION_COLUMNS: &str =
    "id, case_id, kind, worker_id, office_id, starts_at, ends_at, attendance, created_by, created_at";

fn session_of(columns: &Columns<'_>) -> Result<Session, StoreError> {
    Ok(Session {
        id: columns.id("id")?,
        case_id: columns.id("case_id")?,
        kind: columns.code("kind", SessionKind::parse)?,
        worker_id: columns.id("worker_id")?,
        office_id: columns.id("office_id")?,
        starts_at: columns.instant("starts_at")?,
        ends_at: columns.instant("ends_at")?,
        attendance: columns.opt_code("attendance", Attendance::parse)?,
        created_by: columns.id("created_by")?,
        created_at: columns.instant("created_at")?,
    })
}

fn questions_json(questions: &[Question]) -> String {
    Value::Array(
        questions
            .iter()
            .map(|question| {
                json!({
                    "code": question.code, "label_ar": question.label_ar, "label_en": question.label_en,
                    "kind": question.kind.code(), "options": question.options, "required": question.required,
                })
            })
            .collect(),
    )
    .to_string()
}

fn questions_of(text: &str) -> Result<Vec<Question>, StoreError> {
    let corrupt = || StoreError::Corrupt { table: "assessment_forms", column: "questions" };
    let value: Value = serde_json::from_str(text).map_err(|_| corrupt())?;
    let items = value.as_array().ok_or(corrupt())?;
    items
        .iter()
        .map(|item| {
            let text = |key: &str| item[key].as_str().map(str::to_string).ok_or(corrupt());
            Ok(Question {
                code: text("code")?,
                label_ar: text("label_ar")?,
                label_en: text("label_en")?,
                kind: QuestionKind::parse(&text("kind")?).map_err(|_| corrupt())?,
                options: item["options"]
                    .as_array()
                    .map(|options| options.iter().filter_map(|option| option.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
                required: item["required"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

impl Tx {
    async fn seal_text(&mut self, case: CaseId, field: &str, text: Option<&Text>) -> Result<Vec<u8>, StoreError> {
        let text = text.ok_or(StoreError::Shredded)?;
        self.seal(case.as_uuid(), field, text.as_str()).await
    }

    async fn open_text(
        &mut self,
        case: CaseId,
        field: &str,
        table: &'static str,
        sealed: &[u8],
    ) -> Result<Option<Text>, StoreError> {
        Ok(self.open(case.as_uuid(), field, table, sealed).await?.map(Text::from_stored))
    }

    /// Stores an assessment form version.
    pub async fn insert_assessment_form(&mut self, form: &AssessmentForm, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO assessment_forms (id, agency_id, code, version, name_ar, name_en, questions, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id_text(form.id))
        .bind(id_text(form.agency_id))
        .bind(&form.code)
        .bind(form.version)
        .bind(&form.name_ar)
        .bind(&form.name_en)
        .bind(questions_json(&form.questions))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// The latest version of each of an agency's assessment forms, by code.
    pub async fn assessment_forms(&mut self, agency: AgencyId) -> Result<Vec<AssessmentForm>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, agency_id, code, version, name_ar, name_en, questions FROM assessment_forms f
             WHERE agency_id = $1
               AND version = (SELECT MAX(version) FROM assessment_forms g WHERE g.agency_id = f.agency_id AND g.code = f.code)
             ORDER BY code",
        )
        .bind(id_text(agency))
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter().map(|row| form_of(&Columns::new(row, "assessment_forms"))).collect()
    }

    /// One form version.
    pub async fn assessment_form(&mut self, id: FormId) -> Result<Option<AssessmentForm>, StoreError> {
        let row = sqlx::query(
            "SELECT id, agency_id, code, version, name_ar, name_en, questions FROM assessment_forms WHERE id = $1",
        )
        .bind(id_text(id))
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| form_of(&Columns::new(row, "assessment_forms"))).transpose()
    }

    /// Stores an assessment; its answers are sealed.
    pub async fn insert_assessment(&mut self, assessment: &Assessment) -> Result<(), StoreError> {
        let answers = assessment.answers.as_ref().ok_or(StoreError::Shredded)?;
        let answers = serde_json::to_string(answers).map_err(|_| StoreError::Shredded)?;
        let sealed = self.seal(assessment.case_id.as_uuid(), "assessment.answers", &answers).await?;
        sqlx::query(
            "INSERT INTO assessments (id, case_id, form_id, answers, assessed_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_text(assessment.id))
        .bind(id_text(assessment.case_id))
        .bind(id_text(assessment.form_id))
        .bind(sealed)
        .bind(id_text(assessment.assessed_by))
        .bind(micros(assessment.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A case's assessments, oldest first.
    pub async fn assessments(&mut self, case: CaseId) -> Result<Vec<Assessment>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, form_id, answers, assessed_by, created_at FROM assessments
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "assessments");
            let answers =
                match self.open(case.as_uuid(), "assessment.answers", "assessments", &columns.bytes("answers")?).await?
                {
                    Some(text) => Some(
                        serde_json::from_str::<BTreeMap<String, String>>(&text)
                            .map_err(|_| StoreError::Corrupt { table: "assessments", column: "answers" })?,
                    ),
                    None => None,
                };
            items.push(Assessment {
                id: columns.id("id")?,
                case_id: columns.id("case_id")?,
                form_id: columns.id("form_id")?,
                answers,
                assessed_by: columns.id("assessed_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }

    /// Books a session.
    pub async fn insert_case_session(&mut self, session: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_sessions (id, case_id, kind, worker_id, office_id, starts_at, ends_at, attendance,
                created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id_text(session.id))
        .bind(id_text(session.case_id))
        .bind(session.kind.code())
        .bind(id_text(session.worker_id))
        .bind(id_text(session.office_id))
        .bind(micros(session.starts_at))
        .bind(micros(session.ends_at))
        .bind(session.attendance.map(|attendance| attendance.code()))
        .bind(id_text(session.created_by))
        .bind(micros(session.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Records whether she came to a session.
    pub async fn set_attendance(
        &mut self,
        session: sila_domain::ids::SessionId,
        attendance: Attendance,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE case_sessions SET attendance = $1 WHERE id = $2")
            .bind(attendance.code())
            .bind(id_text(session))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A case's sessions, by start.
    pub async fn sessions_of_case(&mut self, case: CaseId) -> Result<Vec<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM case_sessions WHERE case_id = $1 ORDER BY starts_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_text(case)).fetch_all(&mut *self.transaction).await?;
        rows.iter().map(|row| session_of(&Columns::new(row, "case_sessions"))).collect()
    }

    /// One session.
    pub async fn case_session(&mut self, id: sila_domain::ids::SessionId) -> Result<Option<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM case_sessions WHERE id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        row.as_ref().map(|row| session_of(&Columns::new(row, "case_sessions"))).transpose()
    }

    /// A calendar: the sessions of a worker or an office starting in `[from, to)`.
    pub async fn calendar(&mut self, of: Calendar, from: Timestamp, to: Timestamp) -> Result<Vec<Session>, StoreError> {
        let (column, id) = match of {
            Calendar::Worker(user) => ("worker_id", id_text(user)),
            Calendar::Office(office) => ("office_id", id_text(office)),
        };
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM case_sessions WHERE {column} = $1 AND starts_at >= $2 AND starts_at < $3
             ORDER BY starts_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(micros(from))
            .bind(micros(to))
            .fetch_all(&mut *self.transaction)
            .await?;
        rows.iter().map(|row| session_of(&Columns::new(row, "case_sessions"))).collect()
    }

    /// Stores a plan item.
    pub async fn insert_plan_item(&mut self, item: &PlanItem) -> Result<(), StoreError> {
        let goal = self.seal_text(item.case_id, "plan.goal", item.goal.as_ref()).await?;
        let action = self.seal_text(item.case_id, "plan.action", item.action.as_ref()).await?;
        sqlx::query(
            "INSERT INTO plan_items (id, case_id, goal, action, responsible_id, due_on, status, created_by, created_at,
                updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id_text(item.id))
        .bind(id_text(item.case_id))
        .bind(goal)
        .bind(action)
        .bind(id_text(item.responsible_id))
        .bind(date_text(item.due_on))
        .bind(item.status.code())
        .bind(id_text(item.created_by))
        .bind(micros(item.created_at))
        .bind(micros(item.updated_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Moves a plan item to a status.
    pub async fn set_plan_status(
        &mut self,
        id: PlanItemId,
        status: PlanStatus,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE plan_items SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.code())
            .bind(micros(at))
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A case's plan, oldest item first.
    pub async fn plan_items(&mut self, case: CaseId) -> Result<Vec<PlanItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, goal, action, responsible_id, due_on, status, created_by, created_at, updated_at
             FROM plan_items WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "plan_items");
            items.push(PlanItem {
                id: columns.id("id")?,
                case_id: case,
                goal: self.open_text(case, "plan.goal", "plan_items", &columns.bytes("goal")?).await?,
                action: self.open_text(case, "plan.action", "plan_items", &columns.bytes("action")?).await?,
                responsible_id: columns.id("responsible_id")?,
                due_on: columns.date("due_on")?,
                status: columns.code("status", PlanStatus::parse)?,
                created_by: columns.id("created_by")?,
                created_at: columns.instant("created_at")?,
                updated_at: columns.instant("updated_at")?,
            });
        }
        Ok(items)
    }

    /// Stores a service given.
    pub async fn insert_service(&mut self, service: &ServiceRecord) -> Result<(), StoreError> {
        let description = self.seal_text(service.case_id, "service.description", service.description.as_ref()).await?;
        sqlx::query(
            "INSERT INTO case_services (id, case_id, kind, given_on, description, given_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_text(service.id))
        .bind(id_text(service.case_id))
        .bind(service.kind.code())
        .bind(date_text(service.given_on))
        .bind(description)
        .bind(id_text(service.given_by))
        .bind(micros(service.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A case's services, by day.
    pub async fn services(&mut self, case: CaseId) -> Result<Vec<ServiceRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, given_on, description, given_by, created_at FROM case_services
             WHERE case_id = $1 ORDER BY given_on, created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "case_services");
            items.push(ServiceRecord {
                id: columns.id("id")?,
                case_id: case,
                kind: columns.code("kind", ServiceKind::parse)?,
                given_on: columns.date("given_on")?,
                description: self
                    .open_text(case, "service.description", "case_services", &columns.bytes("description")?)
                    .await?,
                given_by: columns.id("given_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }

    /// Stores a follow-up.
    pub async fn insert_follow_up(&mut self, follow_up: &FollowUp) -> Result<(), StoreError> {
        let purpose = self.seal_text(follow_up.case_id, "follow_up.purpose", follow_up.purpose.as_ref()).await?;
        sqlx::query(
            "INSERT INTO follow_ups (id, case_id, due_on, purpose, assigned_to, done_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id_text(follow_up.id))
        .bind(id_text(follow_up.case_id))
        .bind(date_text(follow_up.due_on))
        .bind(purpose)
        .bind(id_text(follow_up.assigned_to))
        .bind(follow_up.done_at.map(micros))
        .bind(id_text(follow_up.created_by))
        .bind(micros(follow_up.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Marks a follow-up done.
    pub async fn complete_follow_up(&mut self, id: FollowUpId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE follow_ups SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
            .bind(micros(at))
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A case's follow-ups, by due date.
    pub async fn follow_ups(&mut self, case: CaseId) -> Result<Vec<FollowUp>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, due_on, purpose, assigned_to, done_at, created_by, created_at FROM follow_ups
             WHERE case_id = $1 ORDER BY due_on, created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "follow_ups");
            items.push(FollowUp {
                id: columns.id("id")?,
                case_id: case,
                due_on: columns.date("due_on")?,
                purpose: self.open_text(case, "follow_up.purpose", "follow_ups", &columns.bytes("purpose")?).await?,
                assigned_to: columns.id("assigned_to")?,
                done_at: columns.opt_instant("done_at")?,
                created_by: columns.id("created_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }

    /// Stores an attachment: its name and content sealed with the case's key.
    pub async fn insert_attachment(&mut self, attachment: &Attachment, content: &[u8]) -> Result<(), StoreError> {
        let name = self.seal_text(attachment.case_id, "attachment.name", attachment.file_name.as_ref()).await?;
        let sealed = self.seal_bytes(attachment.case_id.as_uuid(), "attachment.content", content).await?;
        sqlx::query(
            "INSERT INTO attachments (id, case_id, file_name, content_type, size, content, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id_text(attachment.id))
        .bind(id_text(attachment.case_id))
        .bind(name)
        .bind(attachment.content_type.mime())
        .bind(attachment.size)
        .bind(sealed)
        .bind(id_text(attachment.uploaded_by))
        .bind(micros(attachment.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A case's attachments (without their content), oldest first.
    pub async fn attachments(&mut self, case: CaseId) -> Result<Vec<Attachment>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, file_name, content_type, size, uploaded_by, created_at FROM attachments
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "attachments");
            items.push(Attachment {
                id: columns.id("id")?,
                case_id: case,
                file_name: self.open_text(case, "attachment.name", "attachments", &columns.bytes("file_name")?).await?,
                content_type: ContentType::from_mime(&columns.text("content_type")?)
                    .ok_or(StoreError::Corrupt { table: "attachments", column: "content_type" })?,
                size: columns.int("size")?,
                uploaded_by: columns.id("uploaded_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }

    /// An attachment's content, opened; `None` when there is no such attachment on the
    /// case, `Some(None)` when the case's content was shredded.
    pub async fn attachment_content(
        &mut self,
        case: CaseId,
        id: AttachmentId,
    ) -> Result<Option<Option<Vec<u8>>>, StoreError> {
        let row = sqlx::query("SELECT content FROM attachments WHERE id = $1 AND case_id = $2")
            .bind(id_text(id))
            .bind(id_text(case))
            .fetch_optional(&mut *self.transaction)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed = Columns::new(&row, "attachments").bytes("content")?;
        Ok(Some(self.open_bytes(case.as_uuid(), "attachment.content", "attachments", &sealed).await?))
    }

    /// Stores a request for approval.
    pub async fn insert_approval(&mut self, approval: &Approval) -> Result<(), StoreError> {
        let reason = self.seal_text(approval.case_id, "approval.reason", approval.reason.as_ref()).await?;
        sqlx::query(
            "INSERT INTO approvals (id, case_id, kind, outcome, authority_agency_id, authority_reference, reason, status,
                requested_by, requested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id_text(approval.id))
        .bind(id_text(approval.case_id))
        .bind(approval.kind.code())
        .bind(approval.outcome.map(|outcome| outcome.code()))
        .bind(opt_id_text(approval.authority_agency_id))
        .bind(approval.authority_reference.as_ref().map(|text| text.as_str().to_string()))
        .bind(reason)
        .bind(approval.status.code())
        .bind(id_text(approval.requested_by))
        .bind(micros(approval.requested_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Records a manager's decision on a pending request; `false` when it was no longer
    /// pending (decided by someone else meanwhile).
    pub async fn decide_approval(&mut self, approval: &Approval) -> Result<bool, StoreError> {
        let note = match &approval.decision_note {
            Some(text) => Some(self.seal(approval.case_id.as_uuid(), "approval.decision", text.as_str()).await?),
            None => None,
        };
        let result = sqlx::query(
            "UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(approval.status.code())
        .bind(opt_id_text(approval.decided_by))
        .bind(approval.decided_at.map(micros))
        .bind(note)
        .bind(id_text(approval.id))
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// One request for approval.
    pub async fn approval(&mut self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        let rows = self.approvals_where("id = $1", id_text(id)).await?;
        Ok(rows.into_iter().next())
    }

    /// A case's requests for approval, oldest first.
    pub async fn approvals_of_case(&mut self, case: CaseId) -> Result<Vec<Approval>, StoreError> {
        self.approvals_where("case_id = $1", id_text(case)).await
    }

    /// The pending requests of an agency's cases, oldest first.
    pub async fn pending_approvals(&mut self, agency: AgencyId) -> Result<Vec<Approval>, StoreError> {
        self.approvals_where(
            "status = 'pending' AND case_id IN (SELECT id FROM cases WHERE agency_id = $1)",
            id_text(agency),
        )
        .await
    }

    async fn approvals_where(&mut self, condition: &'static str, value: String) -> Result<Vec<Approval>, StoreError> {
        let sql = format!(
            "SELECT id, case_id, kind, outcome, authority_agency_id, authority_reference, reason, status, requested_by,
                requested_at, decided_by, decided_at, decision_note
             FROM approvals WHERE {condition} ORDER BY requested_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(&mut *self.transaction).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "approvals");
            let case: CaseId = columns.id("case_id")?;
            let decision_note = match columns.opt_bytes("decision_note")? {
                Some(sealed) => self.open_text(case, "approval.decision", "approvals", &sealed).await?,
                None => None,
            };
            items.push(Approval {
                id: columns.id("id")?,
                case_id: case,
                kind: columns.code("kind", ApprovalKind::parse)?,
                outcome: columns.opt_code("outcome", Outcome::parse)?,
                authority_agency_id: columns.opt_id("authority_agency_id")?,
                authority_reference: columns.opt_text("authority_reference")?.map(Text::from_stored),
                reason: self.open_text(case, "approval.reason", "approvals", &columns.bytes("reason")?).await?,
                status: columns.code("status", ApprovalStatus::parse)?,
                requested_by: columns.id("requested_by")?,
                requested_at: columns.instant("requested_at")?,
                decided_by: columns.opt_id("decided_by")?,
                decided_at: columns.opt_instant("decided_at")?,
                decision_note,
            });
        }
        Ok(items)
    }

    /// The data classes a transfer to an authority of `kind` carries.
    pub async fn redaction_profile(&mut self, kind: AuthorityKind) -> Result<BTreeSet<DataClass>, StoreError> {
        let row = sqlx::query("SELECT data_classes FROM redaction_profiles WHERE authority_kind = $1")
            .bind(kind.code())
            .fetch_optional(&mut *self.transaction)
            .await?;
        let Some(row) = row else {
            return Ok(sila_domain::casework::default_redaction(kind));
        };
        let text = Columns::new(&row, "redaction_profiles").text("data_classes")?;
        text.split(',')
            .filter(|code| !code.is_empty())
            .map(|code| {
                DataClass::parse(code)
                    .map_err(|_| StoreError::Corrupt { table: "redaction_profiles", column: "data_classes" })
            })
            .collect()
    }

    /// Seals and stores what a transfer carried (JSON of exactly its data classes).
    pub async fn set_transfer_packet(
        &mut self,
        transfer: uuid::Uuid,
        case: CaseId,
        packet: &Value,
        approval: Option<ApprovalId>,
    ) -> Result<(), StoreError> {
        let sealed = self.seal(case.as_uuid(), "transfer.packet", &packet.to_string()).await?;
        sqlx::query("UPDATE case_transfers SET packet = $1, approval_id = $2 WHERE id = $3")
            .bind(sealed)
            .bind(opt_id_text(approval))
            .bind(transfer.hyphenated().to_string())
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A case's transfers with what each carried, oldest first: (authority, reference,
    /// data classes, packet, when).
    pub async fn transfers_of_case(&mut self, case: CaseId) -> Result<Vec<TransferRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, authority_agency_id, authority_reference, data_classes, packet, transferred_by, transferred_at
             FROM case_transfers WHERE case_id = $1 ORDER BY transferred_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "case_transfers");
            let corrupt = || StoreError::Corrupt { table: "case_transfers", column: "packet" };
            let packet = match columns.opt_bytes("packet")? {
                Some(sealed) => match self.open(case.as_uuid(), "transfer.packet", "case_transfers", &sealed).await? {
                    Some(text) => Some(serde_json::from_str(&text).map_err(|_| corrupt())?),
                    None => None,
                },
                None => None,
            };
            items.push(TransferRecord {
                authority_agency_id: columns.id("authority_agency_id")?,
                authority_reference: columns.opt_text("authority_reference")?,
                data_classes: columns
                    .text("data_classes")?
                    .split(',')
                    .filter(|code| !code.is_empty())
                    .map(|code| DataClass::parse(code).map_err(|_| corrupt()))
                    .collect::<Result<_, _>>()?,
                packet,
                transferred_by: columns.id("transferred_by")?,
                transferred_at: columns.instant("transferred_at")?,
            });
        }
        Ok(items)
    }
}

/// A transfer as stored, with the packet it carried.
#[derive(Debug, Clone)]
pub struct TransferRecord {
    /// The authority.
    pub authority_agency_id: AgencyId,
    /// The authority's reference.
    pub authority_reference: Option<String>,
    /// The data classes it carried.
    pub data_classes: BTreeSet<DataClass>,
    /// What it carried, by data class (absent for police transfers made before packets
    /// were kept, and once shredded).
    pub packet: Option<Value>,
    /// Who sent it.
    pub transferred_by: UserId,
    /// When.
    pub transferred_at: Timestamp,
}

fn form_of(columns: &Columns<'_>) -> Result<AssessmentForm, StoreError> {
    Ok(AssessmentForm {
        id: columns.id("id")?,
        agency_id: columns.id("agency_id")?,
        code: columns.text("code")?,
        version: columns.int("version")?,
        name_ar: columns.text("name_ar")?,
        name_en: columns.text("name_en")?,
        questions: questions_of(&columns.text("questions")?)?,
    })
}
