//! Opening, reading, listing and working cases: persons in roles, the risk checklist,
//! assignment, and the timeline every change leaves.

use std::collections::BTreeMap;

use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CaseEvent, CaseKind, CasePerson, CaseReference, CaseStatus, Taxonomy};
use sila_domain::consent::Consent;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{CaseId, EventId, OfficeId, PersonId, ReferralId, RiskAssessmentId, TeamId, UserId};
use sila_domain::person::PersonRole;
use sila_domain::referral::Side;
use sila_domain::risk::AssessmentInput;
use sila_domain::text::{Text, limits, parse_code};
use sila_store::{CaseFilter, Cursor, Page, RiskAssessmentRecord, Tx};

use crate::access::{Action, Decision, Resource, case_scope};
use crate::audit::Audit;
use crate::persons::PersonView;
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A case as typed when opening it.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    /// Case kind code; defaults to the agency's usual kind.
    pub kind: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Sub-category code.
    pub subcategory: Option<String>,
    /// What happened.
    pub narrative: Option<String>,
    /// The office (id) it belongs to; defaults to the actor's first office.
    pub office_id: Option<String>,
}

/// A case with everything the actor may see of it.
#[derive(Debug, Clone)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// Its persons, each as the actor may see them.
    pub persons: Vec<(CasePerson, PersonView)>,
    /// The latest risk assessment.
    pub risk: Option<RiskAssessmentRecord>,
    /// The consent ledger.
    pub consents: Vec<Consent>,
    /// Referrals made from this case (the reader is on their referring side).
    pub referrals: Vec<crate::referrals::ReferralView>,
    /// For a centre case: the referral that opened it, with what it carried (the reader
    /// is on its receiving side).
    pub origin: Option<crate::referrals::ReferralView>,
    /// The timeline, oldest first.
    pub events: Vec<CaseEvent>,
    /// The case's retention ended and its content was shredded.
    pub shredded: bool,
}

/// A list query as typed.
#[derive(Debug, Clone, Default)]
pub struct CaseListQuery {
    /// Status code.
    pub status: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// `me` for cases assigned to the caller.
    pub assigned: Option<String>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// Page size (1–100, default 25).
    pub limit: Option<i64>,
}

impl App {
    /// Opens a case in the actor's agency.
    pub async fn open_case(
        &self,
        actor: &Actor,
        input: &CaseInput,
        context: &RequestContext,
    ) -> Result<Case, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "case.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::CreateCase, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let taxonomy = Taxonomy::new(tx.categories().await?);
            let mut errors = Errors::new();
            let kind = match input.kind.as_deref().map(str::trim) {
                None | Some("") => actor.agency.default_case_kind.or(Some(CaseKind::Police)),
                Some(code) => errors.check("kind", CaseKind::parse(code)),
            };
            if let Some(kind) = kind
                && !kind.owned_by(actor.agency.kind)
            {
                errors.add("kind", Problem::UnknownValue);
            }
            let category = input.category.as_deref().unwrap_or("").trim().to_string();
            let subcategory = input.subcategory.as_deref().map(str::trim).filter(|code| !code.is_empty());
            if let Err((field, problem)) = taxonomy.check(&category, subcategory) {
                errors.add(field, problem);
            }
            let narrative =
                errors.check("narrative", Text::parse_optional(input.narrative.as_deref(), limits::LONG)).flatten();
            let office_id = match input.office_id.as_deref().map(str::trim) {
                None | Some("") => actor.user.office_ids.first().copied(),
                Some(text) => errors.check("office_id", OfficeId::parse(text)),
            };
            match office_id {
                Some(office) if actor.user.office_ids.contains(&office) => {}
                Some(_) => errors.add("office_id", Problem::UnknownValue),
                None => errors.add("office_id", Problem::Required),
            }
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(kind), Some(office_id)) = (kind, office_id) else {
                return Err(AppError::invalid("kind", Problem::Required));
            };
            let now = self.now();
            let case = new_case(
                &mut tx,
                actor,
                NewCase { kind, office_id, category, subcategory: subcategory.map(str::to_string), narrative },
                now,
            )
            .await?;
            audit.subject(SubjectKind::Case, case.id);
            Ok(case)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// One case with its persons, latest risk assessment, consents, referrals and
    /// timeline. Another agency's case is not found.
    pub async fn case(&self, actor: &Actor, id: CaseId) -> Result<CaseView, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "case.read").await?;
        audit.subject(SubjectKind::Case, id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, id, Action::ReadCase).await?;
            let mut persons = Vec::new();
            for entry in tx.case_persons(case.id).await? {
                audit.subject(SubjectKind::Person, entry.person_id);
                let person = tx.person(entry.person_id).await?.ok_or(AppError::NotFound)?;
                let scope = tx.person_scope(&person, actor.agency.id).await?;
                let mut view = self.person_view(actor, person, &scope, crate::access::Reach::IN_SCOPE);
                if view.contact {
                    view.safe_contact = tx.safe_contact(view.person.id).await?;
                }
                persons.push((entry, view));
            }
            let risk = tx.risk_assessments(case.id).await?.into_iter().next();
            let consents = tx.consents(case.id).await?;
            let referrals = tx
                .referrals_of_case(case.id)
                .await?
                .into_iter()
                .map(|referral| crate::referrals::ReferralView::new(referral, Side::Referrer))
                .collect();
            let origin = match case.origin_referral_id {
                Some(referral) => tx
                    .referral(referral)
                    .await?
                    .map(|referral| crate::referrals::ReferralView::new(referral, Side::Receiver)),
                None => None,
            };
            let events = tx.events(case.id).await?;
            let shredded = tx.is_shredded(case.id.as_uuid()).await?;
            Ok(CaseView { case, persons, risk, consents, referrals, origin, events, shredded })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// A page of the agency's cases the actor may see, newest first.
    pub async fn list_cases(&self, actor: &Actor, query: &CaseListQuery) -> Result<Page<Case>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "case.list").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::ListCases, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let scope = case_scope(actor).ok_or(AppError::Forbidden)?;
            let mut errors = Errors::new();
            let status = match query.status.as_deref() {
                None | Some("") => None,
                Some(code) => errors.check("status", CaseStatus::parse(code)),
            };
            let category = match query.category.as_deref() {
                None | Some("") => None,
                Some(code) => errors.check("category", parse_code(code)),
            };
            let assigned_to = match query.assigned.as_deref() {
                None | Some("") => None,
                Some("me") => Some(actor.user.id),
                Some(_) => errors.check("assigned", Err(Problem::UnknownValue)),
            };
            let limit = query.limit.unwrap_or(25);
            if !(1..=100).contains(&limit) {
                errors.add("limit", Problem::UnknownValue);
            }
            errors.finish().map_err(AppError::Invalid)?;
            let filter = CaseFilter {
                agency_id: actor.agency.id,
                scope,
                status,
                category,
                assigned_to,
                cursor: query.cursor,
                limit,
            };
            let mut page = tx.list_cases(&filter).await?;
            // The list's scope is a query; each case on it is still decided by the engine
            // (a conflict of interest, for one, removes a case the scope would show).
            let mut visible = Vec::with_capacity(page.items.len());
            for case in page.items {
                let persons = tx.case_person_ids(case.id).await?;
                if self.verdict(actor, Action::ReadCase, Resource::Case(&case, &persons)).allowed {
                    audit.subject(SubjectKind::Case, case.id);
                    visible.push(case);
                }
            }
            page.items = visible;
            Ok(page)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Adds a person to a case in a role. The person must be one the agency holds with
    /// their identity.
    pub async fn add_case_person(
        &self,
        actor: &Actor,
        case_id: CaseId,
        person_id: &str,
        role: &str,
        context: &RequestContext,
    ) -> Result<CasePerson, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "case.person.add").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::WorkCase).await?;
            let mut errors = Errors::new();
            let person_id = errors.check("person_id", PersonId::parse(person_id));
            let role = errors.check("role", PersonRole::parse(role));
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(person_id), Some(role)) = (person_id, role) else {
                return Err(AppError::invalid("person_id", Problem::Required));
            };
            ensure_open(&case)?;
            if !knows_person(&mut tx, actor, person_id).await? {
                return Err(AppError::invalid("person_id", Problem::UnknownValue));
            }
            audit.subject(SubjectKind::Person, person_id);
            audit.detail("role", role.code());
            let now = self.now();
            let entry = CasePerson { person_id, role, added_by: actor.user.id, added_at: now };
            tx.insert_case_person(case.id, &entry).await.map_err(|error| match AppError::from(error) {
                AppError::Conflict(Conflict::Duplicate) => AppError::Conflict(Conflict::PersonAlreadyInCase),
                other => other,
            })?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "person.added", None, &[("role", role.code())], now).await?;
            Ok(entry)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records a risk checklist on a case; answers with the scored assessment.
    pub async fn assess_risk(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &AssessmentInput,
        context: &RequestContext,
    ) -> Result<RiskAssessmentRecord, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "risk.assess").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::WorkCase).await?;
            let instrument = &self.config.risk_instrument;
            let assessment = instrument.assess(input).map_err(AppError::Invalid)?;
            ensure_open(&case)?;
            let now = self.now();
            let record = RiskAssessmentRecord {
                id: RiskAssessmentId::from_uuid(new_uuid()),
                case_id: case.id,
                instrument_code: instrument.code.clone(),
                instrument_version: instrument.version,
                assessment,
                assessed_by: actor.user.id,
                created_at: now,
            };
            tx.insert_risk_assessment(&record).await?;
            touch_case(&mut tx, &case, now).await?;
            let level = record.assessment.level.code();
            record_event(&mut tx, &case, Some(actor), "risk.assessed", None, &[("level", level)], now).await?;
            audit.subject(SubjectKind::RiskAssessment, record.id);
            audit.detail("level", level);
            Ok(record)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Assigns a case to a colleague of the same agency and/or a team.
    pub async fn assign_case(
        &self,
        actor: &Actor,
        case_id: CaseId,
        user_id: Option<&str>,
        team_id: Option<&str>,
        expected_version: Option<i64>,
        context: &RequestContext,
    ) -> Result<Case, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "case.assign").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let mut case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::AssignCase).await?;
            let mut errors = Errors::new();
            let user_id = user_id
                .filter(|text| !text.trim().is_empty())
                .and_then(|text| errors.check("user_id", UserId::parse(text)));
            let team_id = team_id
                .filter(|text| !text.trim().is_empty())
                .and_then(|text| errors.check("team_id", TeamId::parse(text)));
            if user_id.is_none() && team_id.is_none() && errors.is_empty() {
                errors.add("user_id", Problem::Required);
            }
            errors.finish().map_err(AppError::Invalid)?;
            check_version(&case, expected_version)?;
            ensure_open(&case)?;
            if let Some(user_id) = user_id {
                let assignee = tx.user(user_id).await?;
                if assignee
                    .is_none_or(|user| user.agency_id != actor.agency.id || user.disabled || !user.reads_case_content())
                {
                    return Err(AppError::invalid("user_id", Problem::UnknownValue));
                }
                audit.subject(SubjectKind::User, user_id);
            }
            let now = self.now();
            case.assigned_user_id = user_id.or(case.assigned_user_id);
            case.assigned_team_id = team_id.or(case.assigned_team_id);
            case.updated_at = now;
            tx.update_case(&case).await?;
            case.version += 1;
            record_event(&mut tx, &case, Some(actor), "case.assigned", None, &[], now).await?;
            if let Some(user) = user_id.filter(|user| *user != actor.user.id) {
                tx.insert_alert(&sila_store::Alert {
                    id: new_uuid(),
                    user_id: user,
                    kind: "case.assigned".into(),
                    subject_kind: Some("case".into()),
                    subject_id: Some(case.id.to_string()),
                    created_at: now,
                    read_at: None,
                })
                .await?;
            }
            Ok(case)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }
}

/// What a new case needs.
pub(crate) struct NewCase {
    pub kind: CaseKind,
    pub office_id: OfficeId,
    pub category: String,
    pub subcategory: Option<String>,
    pub narrative: Option<Text>,
}

/// Stores a new case with the next reference of the agency's year, and its first event.
pub(crate) async fn new_case(tx: &mut Tx, actor: &Actor, new: NewCase, now: jiff::Timestamp) -> Result<Case, AppError> {
    let year = sila_domain::time::local_date(now).year();
    let serial = tx.next_case_serial(actor.agency.id, year).await?;
    let reference = CaseReference::new(&actor.agency.case_prefix, year, serial)
        .map_err(|_| AppError::Internal("case reference out of range".into()))?;
    let case = Case {
        id: CaseId::from_uuid(new_uuid()),
        agency_id: actor.agency.id,
        office_id: new.office_id,
        kind: new.kind,
        reference,
        category: new.category,
        subcategory: new.subcategory,
        status: CaseStatus::Open,
        narrative: new.narrative,
        assigned_user_id: None,
        assigned_team_id: None,
        origin_referral_id: None,
        outcome: None,
        created_by: actor.user.id,
        created_at: now,
        updated_at: now,
        closed_at: None,
        version: 1,
    };
    tx.insert_case(&case).await?;
    record_event(tx, &case, Some(actor), "case.opened", None, &[("kind", case.kind.code())], now).await?;
    Ok(case)
}

impl App {
    /// Loads a case and authorises `action` on it: another agency's case, or one outside
    /// the actor's scope, is not found.
    pub(crate) async fn visible_case(
        &self,
        tx: &mut Tx,
        audit: &mut Audit,
        actor: &Actor,
        id: CaseId,
        action: Action,
    ) -> Result<Case, AppError> {
        let case = tx.case(id).await?.ok_or(AppError::NotFound)?;
        let persons = tx.case_person_ids(case.id).await?;
        match self.authorize(audit, actor, action, Resource::Case(&case, &persons)) {
            Decision::Allow => Ok(case),
            Decision::Hide => Err(AppError::Hidden),
            Decision::Deny => Err(AppError::Forbidden),
        }
    }
}

/// Whether the actor's agency knows who a person is (registered them, or received their
/// identity by referral): only such a person can be put into one of its cases.
pub(crate) async fn knows_person(tx: &mut Tx, actor: &Actor, person_id: PersonId) -> Result<bool, AppError> {
    let Some(person) = tx.person(person_id).await? else { return Ok(false) };
    Ok(match tx.person_scope(&person, actor.agency.id).await? {
        sila_store::PersonScope::Registered => true,
        sila_store::PersonScope::Shared(classes) => classes.contains(&sila_domain::consent::DataClass::Identity),
        sila_store::PersonScope::None => false,
    })
}

/// Refuses changes to a closed or transferred case.
pub(crate) fn ensure_open(case: &Case) -> Result<(), AppError> {
    if case.status == CaseStatus::Open { Ok(()) } else { Err(AppError::Conflict(Conflict::CaseNotOpen)) }
}

/// Refuses a change based on an older version than the stored one.
pub(crate) fn check_version(case: &Case, expected: Option<i64>) -> Result<(), AppError> {
    match expected {
        Some(version) if version != case.version => Err(AppError::Conflict(Conflict::StaleVersion)),
        _ => Ok(()),
    }
}

/// Marks a case changed (its version increments), so that concurrent edits based on
/// the old version are refused.
pub(crate) async fn touch_case(tx: &mut Tx, case: &Case, now: jiff::Timestamp) -> Result<(), AppError> {
    let mut touched = case.clone();
    touched.updated_at = now;
    tx.update_case(&touched).await?;
    Ok(())
}

/// Appends an event to a case's timeline. `actor` is `None` when the event is written
/// into another agency's case (a referral's progress on the referrer's timeline), so
/// that one agency's staff are never named to another.
pub(crate) async fn record_event(
    tx: &mut Tx,
    case: &Case,
    actor: Option<&Actor>,
    kind: &str,
    referral: Option<ReferralId>,
    details: &[(&str, &str)],
    now: jiff::Timestamp,
) -> Result<(), AppError> {
    let details: BTreeMap<String, String> =
        details.iter().map(|(key, value)| ((*key).to_string(), (*value).to_string())).collect();
    tx.insert_event(&CaseEvent {
        id: EventId::from_uuid(new_uuid()),
        case_id: case.id,
        at: now,
        actor_id: actor.map(|actor| actor.user.id),
        kind: kind.to_string(),
        referral_id: referral,
        details,
    })
    .await?;
    Ok(())
}
