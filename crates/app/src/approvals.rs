//! Ending a centre case: the worker asks to close it with an outcome, or to send it to a
//! competent authority; the centre's manager approves (or sends it back with a reason).
//! On approval the case closes or is transferred — carrying exactly the data classes of
//! the authority kind's redaction profile — and the referral that opened it moves to
//! `completed` or `transferred` with the outcome, which is what the referring officer
//! sees: the closed loop.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CaseStatus};
use sila_domain::casework::{Approval, ApprovalKind, ApprovalStatus, AuthorityKind};
use sila_domain::consent::DataClass;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, ApprovalId, CaseId};
use sila_domain::referral::{Outcome, ReferralStatus};
use sila_domain::text::{Text, limits};
use sila_store::{Alert, CaseTransfer, Tx};

use crate::access::{Action, Resource};
use crate::cases::{check_version, ensure_open, record_event};
use crate::referrals::apply_step;
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A request to close a case, as typed.
#[derive(Debug, Clone, Default)]
pub struct ClosureInput {
    /// Outcome code.
    pub outcome: String,
    /// Why the case can close.
    pub reason: String,
    /// The case version the worker saw.
    pub version: Option<i64>,
}

/// A request to send a centre case to an authority, as typed.
#[derive(Debug, Clone, Default)]
pub struct TransferRequestInput {
    /// The authority (agency id).
    pub authority_agency_id: String,
    /// The authority's reference, when known.
    pub authority_reference: Option<String>,
    /// Why.
    pub reason: String,
    /// The case version the worker saw.
    pub version: Option<i64>,
}

impl App {
    /// Asks the manager to close a centre case with an outcome. A manager's own request
    /// is approved at once.
    pub async fn request_closure(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &ClosureInput,
        context: &RequestContext,
    ) -> Result<Approval, AppError> {
        let mut errors = Errors::new();
        let outcome = errors.check("outcome", Outcome::parse(&input.outcome));
        let reason = errors.check("reason", Text::parse(&input.reason, limits::SHORT));
        errors.finish().map_err(AppError::Invalid)?;
        let draft = Draft { kind: ApprovalKind::Closure, outcome, authority: None, reference: None, reason };
        self.request_approval(actor, case_id, draft, input.version, "closure.request", context).await
    }

    /// Asks the manager to send a centre case to a competent authority. A manager's own
    /// request is approved at once.
    pub async fn request_transfer(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &TransferRequestInput,
        context: &RequestContext,
    ) -> Result<Approval, AppError> {
        let mut errors = Errors::new();
        let authority = errors.check("authority_agency_id", AgencyId::parse(&input.authority_agency_id));
        let reference = errors
            .check("authority_reference", Text::parse_optional(input.authority_reference.as_deref(), 200))
            .flatten();
        let reason = errors.check("reason", Text::parse(&input.reason, limits::SHORT));
        errors.finish().map_err(AppError::Invalid)?;
        let draft = Draft { kind: ApprovalKind::Transfer, outcome: None, authority, reference, reason };
        self.request_approval(actor, case_id, draft, input.version, "transfer.request", context).await
    }

    async fn request_approval(
        &self,
        actor: &Actor,
        case_id: CaseId,
        draft: Draft,
        version: Option<i64>,
        action: &'static str,
        context: &RequestContext,
    ) -> Result<Approval, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), action).await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::RequestClosure).await?;
            ensure_open(&case)?;
            check_version(&case, version)?;
            if let Some(authority) = draft.authority {
                let agency = App::authority(&mut tx, authority, "authority_agency_id").await?;
                audit.subject(SubjectKind::Agency, agency.id);
            }
            self.file_request(&mut tx, &mut audit, actor, case, draft).await
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Files a request for a case that is open and has none pending: the one who may
    /// approve it (a police supervisor of the office for a police case, the centre's
    /// manager for a centre case) is alerted — or, asking themselves, has it approved and
    /// carried out at once.
    pub(crate) async fn file_request(
        &self,
        tx: &mut Tx,
        audit: &mut crate::audit::Audit,
        actor: &Actor,
        case: Case,
        draft: Draft,
    ) -> Result<Approval, AppError> {
        if tx.approvals_of_case(case.id).await?.iter().any(|approval| approval.status == ApprovalStatus::Pending) {
            return Err(AppError::Conflict(Conflict::ApprovalPending));
        }
        let now = self.now();
        let mut approval = Approval {
            id: ApprovalId::from_uuid(new_uuid()),
            case_id: case.id,
            kind: draft.kind,
            outcome: draft.outcome,
            authority_agency_id: draft.authority,
            authority_reference: draft.reference,
            reason: draft.reason,
            status: ApprovalStatus::Pending,
            requested_by: actor.user.id,
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        tx.insert_approval(&approval).await?;
        audit.subject(SubjectKind::Approval, approval.id);
        audit.detail("kind", approval.kind.code());
        let kind = format!("{}.requested", approval.kind.code());
        record_event(tx, &case, Some(actor), &kind, None, &[], now).await?;
        let persons = tx.case_person_ids(case.id).await?;
        if self.verdict(actor, Action::ApproveCase, Resource::Case(&case, &persons)).allowed {
            approval.status = ApprovalStatus::Approved;
            approval.decided_by = Some(actor.user.id);
            approval.decided_at = Some(now);
            self.carry_out(tx, actor, case, &approval).await?;
            tx.decide_approval(&approval).await?;
            audit.detail("decision", "approved");
        } else {
            let approvers = if case.kind == sila_domain::case::CaseKind::Police {
                tx.users_with_role_at(Role::PoliceSupervisor, case.office_id).await?
            } else {
                tx.users_with_role(case.agency_id, Role::CentreManager).await?
            };
            for approver in approvers {
                notify(tx, approver, "approval.requested", approval.id, now).await?;
            }
        }
        Ok(approval)
    }

    /// The manager's decision on a request: `approve` carries it out; `refuse` sends it
    /// back to the worker with a note, and the case stays open.
    pub async fn decide_approval(
        &self,
        actor: &Actor,
        id: ApprovalId,
        approve: bool,
        note: Option<&str>,
        context: &RequestContext,
    ) -> Result<Approval, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "approval.decide").await?;
        audit.subject(SubjectKind::Approval, id);
        let result = async {
            let mut approval = tx.approval(id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::Case, approval.case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, approval.case_id, Action::ApproveCase).await?;
            let note =
                Text::parse_optional(note, limits::SHORT).map_err(|problem| AppError::invalid("note", problem))?;
            if !approve && note.is_none() {
                return Err(AppError::invalid("note", Problem::Required));
            }
            if approval.status != ApprovalStatus::Pending {
                return Err(AppError::Conflict(Conflict::AlreadyDecided));
            }
            ensure_open(&case)?;
            let now = self.now();
            approval.status = if approve { ApprovalStatus::Approved } else { ApprovalStatus::Refused };
            approval.decided_by = Some(actor.user.id);
            approval.decided_at = Some(now);
            approval.decision_note = note;
            if !tx.decide_approval(&approval).await? {
                return Err(AppError::Conflict(Conflict::AlreadyDecided));
            }
            audit.detail("kind", approval.kind.code());
            audit.detail("decision", approval.status.code());
            if approve {
                self.carry_out(&mut tx, actor, case, &approval).await?;
            } else {
                let kind = format!("{}.refused", approval.kind.code());
                record_event(&mut tx, &case, Some(actor), &kind, None, &[], now).await?;
            }
            let kind = if approve { "approval.approved" } else { "approval.refused" };
            notify(&mut tx, approval.requested_by, kind, approval.id, now).await?;
            Ok(approval)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The requests waiting for the actor's approval, oldest first, with their cases.
    pub async fn pending_approvals(&self, actor: &Actor) -> Result<Vec<(Approval, Case)>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "approval.list").await?;
        let result = async {
            let mut items = Vec::new();
            for approval in tx.pending_approvals(actor.agency.id).await? {
                let Some(case) = tx.case(approval.case_id).await? else { continue };
                let persons = tx.case_person_ids(case.id).await?;
                if self.verdict(actor, Action::ApproveCase, Resource::Case(&case, &persons)).allowed {
                    audit.subject(SubjectKind::Case, case.id);
                    items.push((approval, case));
                }
            }
            Ok(items)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Closes or transfers the case of an approved request, and moves the referral that
    /// opened it along (completed with the outcome, or transferred to the authority).
    pub(crate) async fn carry_out(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        mut case: Case,
        approval: &Approval,
    ) -> Result<(), AppError> {
        let now = self.now();
        let referral_step = match approval.kind {
            ApprovalKind::Closure => {
                case.status = CaseStatus::Closed;
                case.outcome = approval.outcome;
                let outcome = approval.outcome.map(|outcome| outcome.code()).unwrap_or("");
                record_event(tx, &case, Some(actor), "case.closed", None, &[("outcome", outcome)], now).await?;
                ReferralStatus::Completed
            }
            ApprovalKind::Transfer => {
                if case.kind == sila_domain::case::CaseKind::Police {
                    // Centre before authorities, checked again when the transfer goes.
                    self.centre_first_allows(tx, &case).await?;
                }
                let authority_id = approval
                    .authority_agency_id
                    .ok_or_else(|| AppError::Internal("transfer approval without an authority".into()))?;
                let authority = App::authority(tx, authority_id, "authority_agency_id").await?;
                let kind = authority.authority_kind.unwrap_or(AuthorityKind::Other);
                let classes = tx.redaction_profile(kind).await?;
                let (packet, sent) = transfer_packet(tx, &case, &classes, approval).await?;
                let transfer = new_uuid();
                tx.insert_transfer(&CaseTransfer {
                    id: transfer,
                    case_id: case.id,
                    authority_agency_id: authority.id,
                    authority_reference: approval.authority_reference.clone(),
                    data_classes: sent.into_iter().collect(),
                    transferred_by: actor.user.id,
                    transferred_at: now,
                })
                .await?;
                tx.set_transfer_packet(transfer, case.id, &packet, Some(approval.id)).await?;
                case.status = CaseStatus::Transferred;
                record_event(tx, &case, Some(actor), "case.transferred", None, &[("authority", &authority.code)], now)
                    .await?;
                ReferralStatus::Transferred
            }
        };
        case.closed_at = Some(now);
        case.updated_at = now;
        tx.update_case(&case).await?;
        if let Some(referral_id) = case.origin_referral_id
            && let Some(mut referral) = tx.referral(referral_id).await?
            && matches!(referral.status, ReferralStatus::Accepted | ReferralStatus::InProgress | ReferralStatus::OnHold)
        {
            if referral.status != ReferralStatus::InProgress {
                apply_step(tx, actor, &mut referral, ReferralStatus::InProgress, None, None, None, now).await?;
            }
            let authority = approval.authority_agency_id.filter(|_| referral_step == ReferralStatus::Transferred);
            apply_step(tx, actor, &mut referral, referral_step, None, approval.outcome, authority, now).await?;
        }
        Ok(())
    }
}

/// A request as asked, before it is filed.
pub(crate) struct Draft {
    pub(crate) kind: ApprovalKind,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) authority: Option<AgencyId>,
    pub(crate) reference: Option<Text>,
    pub(crate) reason: Option<Text>,
}

async fn notify(
    tx: &mut Tx,
    user: sila_domain::ids::UserId,
    kind: &str,
    approval: ApprovalId,
    now: jiff::Timestamp,
) -> Result<(), AppError> {
    tx.insert_alert(&Alert {
        id: new_uuid(),
        user_id: user,
        kind: kind.into(),
        subject_kind: Some("approval".into()),
        subject_id: Some(approval.to_string()),
        created_at: now,
        read_at: None,
    })
    .await?;
    Ok(())
}

/// What the referral that opened a centre case carried, if it opened one.
async fn origin_packet(tx: &mut Tx, case: &Case) -> Result<Option<sila_domain::referral::Packet>, AppError> {
    Ok(match case.origin_referral_id {
        Some(referral) => tx.referral(referral).await?.and_then(|referral| referral.packet),
        None => None,
    })
}

/// What a transfer carries: one key per data class of the profile that has content, and
/// nothing else — with the classes it lists, each holding its content (a class with
/// nothing to send is neither listed nor sent). A centre case's narrative and risk are
/// its own, or else those the referral that opened it carried.
async fn transfer_packet(
    tx: &mut Tx,
    case: &Case,
    classes: &BTreeSet<DataClass>,
    approval: &Approval,
) -> Result<(Value, BTreeSet<DataClass>), AppError> {
    let mut packet = Map::new();
    // Of each person, only what the sending agency holds goes on: her identity and
    // contact when it registered her or a referral carried them to it.
    let entries = tx.case_persons(case.id).await?;
    let mut persons = Vec::new();
    for entry in &entries {
        if let Some(person) = tx.person(entry.person_id).await? {
            let held = match tx.person_scope(&person, case.agency_id).await? {
                sila_store::PersonScope::Registered => [DataClass::Identity, DataClass::Contact].into(),
                sila_store::PersonScope::Shared(classes) => classes,
                sila_store::PersonScope::None => BTreeSet::new(),
            };
            persons.push((entry.role, person, held));
        }
    }
    for class in classes {
        let value = match class {
            DataClass::Identity => Value::Array(
                persons
                    .iter()
                    .filter(|(_, _, held)| held.contains(&DataClass::Identity))
                    .map(|(role, person, _)| {
                        let details = &person.details;
                        json!({
                            "role": role.code(),
                            "name_ar": details.name_ar.full(),
                            "name_latin": details.name_latin.as_ref().map(|name| name.as_str()),
                            "sex": details.sex.code(),
                            "birth_date": details.birth_date.map(|date| date.to_string()),
                            "nationality": details.nationality.as_ref().map(|country| country.alpha2()),
                            "qid": details.qid.as_ref().map(|qid| qid.as_str()),
                        })
                    })
                    .collect(),
            ),
            DataClass::Contact => Value::Array(
                persons
                    .iter()
                    .filter(|(_, _, held)| held.contains(&DataClass::Contact))
                    .map(|(role, person, _)| {
                        json!({
                            "role": role.code(),
                            "phones": person.details.phones.iter().map(|line| line.phone.as_str()).collect::<Vec<_>>(),
                            "municipality": person.details.municipality.as_ref().map(|text| text.as_str()),
                        })
                    })
                    .collect(),
            ),
            DataClass::Summary => json!({
                "reference": case.reference.as_str(),
                "category": case.category,
                "subcategory": case.subcategory,
                "opened_on": case.created_at.to_string(),
                "reason": approval.reason.as_ref().map(|text| text.as_str()),
            }),
            DataClass::Risk => match tx.risk_assessments(case.id).await?.into_iter().next() {
                Some(record) => json!({
                    "level": record.assessment.level.code(),
                    "score": record.assessment.score,
                    "assessed_at": record.created_at.to_string(),
                }),
                // A centre case's risk is the one the referral that opened it carried.
                None => match origin_packet(tx, case).await?.and_then(|packet| packet.risk) {
                    Some(risk) => json!({ "level": risk.level.code(), "score": risk.score }),
                    None => Value::Null,
                },
            },
            DataClass::Narrative => match &case.narrative {
                Some(text) => json!(text.as_str()),
                None => json!(origin_packet(tx, case).await?.and_then(|packet| packet.narrative)),
            },
            DataClass::Attachments => Value::Array(
                tx.attachments(case.id)
                    .await?
                    .iter()
                    .map(|item| {
                        json!({
                            "id": item.id.to_string(),
                            "file_name": item.file_name.as_ref().map(|name| name.as_str()),
                            "content_type": item.content_type.mime(),
                            "size": item.size,
                        })
                    })
                    .collect(),
            ),
        };
        let empty = match &value {
            Value::Null => true,
            Value::String(text) => text.trim().is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => false,
        };
        if !empty {
            packet.insert(class.code().to_string(), value);
        }
    }
    let sent = classes.iter().copied().filter(|class| packet.contains_key(class.code())).collect();
    Ok((Value::Object(packet), sent))
}
