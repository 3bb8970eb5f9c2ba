//! Sending a police case to a competent authority, under the rule the cooperation
//! agreement exists for: **centre before authorities**. A police case in a category that
//! a protocol in force marks "centre first" goes to the prosecution or a court only
//! after a centre has recorded an outcome on its referral — or when a police supervisor
//! records a bypass with its ground, which is audited and counted. Like a centre's, a
//! police transfer goes out only with a superior's approval (a police supervisor of the
//! case's office) and carries exactly the authority's redaction profile
//! (`approvals.rs` carries it out).

use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CaseKind};
use sila_domain::casework::{Approval, ApprovalKind};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, CaseId};
use sila_domain::protocol::{BypassGround, ReferralState, check_centre_first};
use sila_domain::text::{Text, limits};
use sila_domain::time::local_date;
use sila_store::Tx;

use crate::access::Action;
use crate::cases::{check_version, ensure_open, record_event};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A transfer as typed.
#[derive(Debug, Clone, Default)]
pub struct TransferInput {
    /// The authority (agency id).
    pub authority_agency_id: String,
    /// The authority's reference, when known.
    pub authority_reference: Option<String>,
    /// Data class codes (not used: what goes is the authority's redaction profile).
    pub data_classes: Vec<String>,
    /// The version of the case the client last saw.
    pub version: Option<i64>,
    /// Why (centre cases: for the manager who approves).
    pub reason: Option<String>,
}

/// What a transfer request did.
#[derive(Debug, Clone)]
pub enum TransferAnswer {
    /// The transfer waits for (or, asked by the one who approves, got) approval.
    Requested(Approval),
}

impl App {
    /// Asks for a case to go to an authority: a police case through a police
    /// supervisor's approval (centre first applies), a centre case through its manager's;
    /// either carries exactly the authority's redaction profile.
    pub async fn transfer(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &TransferInput,
        context: &RequestContext,
    ) -> Result<TransferAnswer, AppError> {
        // Which path only; each path authorises the actor on the case itself.
        let kind = self.store.read().await?.case(case_id).await?.map(|case| case.kind);
        if kind.is_none_or(|kind| kind == CaseKind::Police) {
            return self.transfer_case(actor, case_id, input, context).await.map(TransferAnswer::Requested);
        }
        let request = crate::approvals::TransferRequestInput {
            authority_agency_id: input.authority_agency_id.clone(),
            authority_reference: input.authority_reference.clone(),
            reason: input.reason.clone().unwrap_or_default(),
            version: input.version,
        };
        self.request_transfer(actor, case_id, &request, context).await.map(TransferAnswer::Requested)
    }

    /// Records a police supervisor's bypass of the centre-first rule for a case.
    pub async fn bypass_centre_first(
        &self,
        actor: &Actor,
        case_id: CaseId,
        ground: &str,
        note: &str,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "centre_first.bypass").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::BypassCentreFirst).await?;
            let mut errors = Errors::new();
            let ground = errors.check("ground", BypassGround::parse(ground));
            let note = errors.check("note", Text::parse(note, limits::SHORT));
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(ground), Some(note)) = (ground, note) else {
                return Err(AppError::invalid("ground", Problem::Required));
            };
            ensure_police_case(&case)?;
            let now = self.now();
            tx.insert_bypass(new_uuid(), case.id, ground, &note, actor.user.id, now).await?;
            record_event(&mut tx, &case, Some(actor), "centre_first.bypassed", None, &[("ground", ground.code())], now)
                .await?;
            audit.detail("ground", ground.code());
            Ok(())
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Asks for a police case to go to an authority, subject to the centre-first rule:
    /// the request waits for a police supervisor of the case's office, who approves it
    /// (`App::decide_approval`; a supervisor's own request is approved at once). What
    /// goes is the authority's redaction profile — the classes the request names are not
    /// the officer's to choose.
    pub async fn transfer_case(
        &self,
        actor: &Actor,
        case_id: CaseId,
        input: &TransferInput,
        context: &RequestContext,
    ) -> Result<Approval, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "case.transfer").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::TransferCase).await?;
            let mut errors = Errors::new();
            let authority = errors.check("authority_agency_id", AgencyId::parse(&input.authority_agency_id));
            let reference = errors
                .check("authority_reference", Text::parse_optional(input.authority_reference.as_deref(), 200))
                .flatten();
            let reason = errors.check("reason", Text::parse(input.reason.as_deref().unwrap_or(""), limits::SHORT));
            errors.finish().map_err(AppError::Invalid)?;
            let Some(authority) = authority else {
                return Err(AppError::invalid("authority_agency_id", Problem::Required));
            };
            check_version(&case, input.version)?;
            ensure_police_case(&case)?;
            ensure_open(&case)?;
            let authority = App::authority(&mut tx, authority, "authority_agency_id").await?;
            audit.subject(SubjectKind::Agency, authority.id);
            if self.centre_first_allows(&mut tx, &case).await? {
                audit.detail("bypass", "true");
            }
            let draft = crate::approvals::Draft {
                kind: ApprovalKind::Transfer,
                outcome: None,
                authority: Some(authority.id),
                reference,
                reason,
            };
            self.file_request(&mut tx, &mut audit, actor, case, draft).await
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Checks the centre-first rule for a police case: refused while a protocol in force
    /// sends its category to a centre first and no centre recorded an outcome; `true`
    /// when a supervisor's bypass is what allows it.
    pub(crate) async fn centre_first_allows(&self, tx: &mut Tx, case: &Case) -> Result<bool, AppError> {
        let today = local_date(self.now());
        let protocols = tx.protocols_of(case.agency_id).await?;
        let in_force: Vec<_> = protocols.iter().filter(|protocol| protocol.in_force_on(today)).collect();
        let mut referrals = Vec::new();
        for referral in tx.referrals_of_case(case.id).await? {
            let to_centre = tx
                .agency(referral.to_agency_id)
                .await?
                .is_some_and(|agency| agency.kind == sila_domain::agency::AgencyKind::Centre);
            referrals.push(ReferralState { status: referral.status, to_centre });
        }
        let bypass = tx.has_bypass(case.id).await?;
        check_centre_first(&in_force, &case.category, &referrals, bypass).map_err(AppError::Rule)?;
        Ok(bypass)
    }
}

fn ensure_police_case(case: &Case) -> Result<(), AppError> {
    if case.kind == CaseKind::Police { Ok(()) } else { Err(AppError::Conflict(Conflict::TransferThroughReferral)) }
}
