//! Break-glass and conflicts of interest.
//!
//! Break-glass: a police supervisor or a centre manager opens a case outside their
//! scope in an emergency, after typing a reason. The grant lasts an hour (configurable),
//! every access under it is flagged in the audit log, and the agency's auditors get an
//! alert at once. A conflict of interest — a declared tie between a user and a person —
//! closes that person's cases to the user, break-glass or not.

use jiff::Timestamp;
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::error::Problem;
use sila_domain::ids::{CaseId, PersonId, UserId};
use sila_domain::text::{limits, parse_reason};
use sila_store::Alert;

use crate::access::{Action, Decision, Resource};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// A granted break-glass access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassGrant {
    /// The case.
    pub case_id: CaseId,
    /// When the access ends.
    pub expires_at: Timestamp,
}

/// The shortest reason accepted for breaking the glass: a word or two is not a reason.
const MIN_REASON: usize = 10;
/// The fewest distinct words (with letters, in Arabic or English) a reason must have.
const MIN_REASON_WORDS: usize = 3;

impl App {
    /// Opens a case outside the actor's scope for a limited time, with a reason.
    pub async fn break_glass(
        &self,
        actor: &Actor,
        case_id: CaseId,
        reason: &str,
        context: &RequestContext,
    ) -> Result<BreakGlassGrant, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "break_glass.open").await?;
        audit.subject(SubjectKind::Case, case_id);
        audit.detail("break_glass", "true");
        let result = async {
            let case = tx.case(case_id).await?.ok_or(AppError::NotFound)?;
            let persons = tx.case_person_ids(case.id).await?;
            match self.authorize(&mut audit, actor, Action::BreakGlass, Resource::Case(&case, &persons)) {
                Decision::Allow => {}
                // Breaking the glass is for cases one cannot read: a refusal says nothing
                // of whether the case exists.
                Decision::Hide | Decision::Deny => return Err(AppError::Hidden),
            }
            let reason = parse_reason(reason, limits::SHORT, MIN_REASON, MIN_REASON_WORDS)
                .map_err(|problem| AppError::invalid("reason", problem))?;
            let now = self.now();
            let expires_at = now.checked_add(self.config.break_glass_duration).unwrap_or(now);
            tx.insert_break_glass(new_uuid(), actor.user.id, case.id, reason.as_str(), now, expires_at).await?;
            for auditor in tx.users_with_role(actor.agency.id, Role::Auditor).await? {
                tx.insert_alert(&Alert {
                    id: new_uuid(),
                    user_id: auditor,
                    kind: "break_glass.opened".into(),
                    subject_kind: Some("case".into()),
                    subject_id: Some(case.id.to_string()),
                    created_at: now,
                    read_at: None,
                })
                .await?;
            }
            Ok(BreakGlassGrant { case_id: case.id, expires_at })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Declares a tie between a user and a person: the actor themselves (`user` absent
    /// or their own id), or — for a colleague of their agency — a police supervisor or a
    /// centre manager.
    pub async fn declare_conflict(
        &self,
        actor: &Actor,
        person: &str,
        user: Option<&str>,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "conflict.declare").await?;
        let result = async {
            let person = PersonId::parse(person).map_err(|problem| AppError::invalid("person_id", problem))?;
            let user = match user.map(str::trim).filter(|text| !text.is_empty()) {
                None => actor.user.id,
                Some(text) => UserId::parse(text).map_err(|problem| AppError::invalid("user_id", problem))?,
            };
            if user != actor.user.id {
                let manages = actor.user.has_role(Role::PoliceSupervisor) || actor.user.has_role(Role::CentreManager);
                let colleague = tx.user(user).await?.is_some_and(|other| other.agency_id == actor.agency.id);
                if !colleague {
                    return Err(AppError::invalid("user_id", Problem::UnknownValue));
                }
                if !manages {
                    return Err(AppError::Forbidden);
                }
            }
            audit.subject(SubjectKind::User, user);
            audit.subject(SubjectKind::Person, person);
            // The answer is the same whether or not the id names a person, in this
            // agency or another: a declaration must not tell who exists. A tie to a
            // person of another agency is kept (it closes her file to the user should
            // a referral ever bring it); an id that names nobody records nothing, and
            // only the audit entry says so.
            if tx.person(person).await?.is_some() {
                tx.insert_conflict(user, person, actor.user.id, self.now()).await?;
            } else {
                audit.detail("person", "unknown");
            }
            Ok(())
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The actor's alerts, newest first.
    pub async fn alerts(&self, actor: &Actor) -> Result<Vec<Alert>, AppError> {
        Ok(self.store.read().await?.alerts_of(actor.user.id, 100).await?)
    }
}
