//! Safe contact and the warm handoff. Safe-contact rules are recorded by whoever may see
//! how to reach her (`ReadPersonContact`) and shown wherever her contact details are. The
//! warm handoff: the referring officer books a slot at the co-located desk, records that
//! she walked her over; the desk records her reception — her first contact with the
//! centre, and the minutes since her police intake.

use jiff::{SignedDuration, Timestamp};
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::contact::{Handoff, SLOT_AHEAD_HOURS, SafeContact, SafeContactInput};
use sila_domain::error::Problem;
use sila_domain::ids::{PersonId, ReferralId};
use sila_domain::referral::{ReferralStatus, Side};
use sila_domain::time::parse_instant;

use crate::access::{Action, Decision, side_of};
use crate::cases::record_event;
use crate::monitor::raise;
use crate::referrals::{apply_step, related_cases};
use crate::{Actor, App, AppError, RequestContext};

/// A referral's handoff, with the minutes from the police intake (the referring case's
/// opening) to her reception at the desk.
#[derive(Debug, Clone)]
pub struct HandoffView {
    /// The handoff.
    pub handoff: Handoff,
    /// Minutes from intake to first contact, once she was received.
    pub intake_to_contact_minutes: Option<i64>,
}

/// Which step of a handoff is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffStep {
    /// The officer walked her to the desk.
    Escorted,
    /// The desk received her.
    Received,
}

impl App {
    /// Records (replaces) a person's safe-contact rules.
    pub async fn set_safe_contact(
        &self,
        actor: &Actor,
        person_id: PersonId,
        input: &SafeContactInput,
        context: &RequestContext,
    ) -> Result<SafeContact, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.safe_contact").await?;
        audit.subject(SubjectKind::Person, person_id);
        let result = async {
            let standing = self.standing(&mut tx, actor, person_id).await?.ok_or(AppError::NotFound)?;
            let person = &standing.person;
            let resource = standing.resource();
            match self.authorize(&mut audit, actor, Action::ReadPersonContact, resource) {
                Decision::Allow => {}
                Decision::Hide => return Err(AppError::Hidden),
                Decision::Deny => return Err(AppError::Forbidden),
            }
            let rules = SafeContact::validate(input).map_err(AppError::Invalid)?;
            tx.set_safe_contact(person.id, &rules, actor.user.id, self.now()).await?;
            Ok(rules)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Books (or moves) a desk slot for a referral, from its referring side; the desk's
    /// coordinators are alerted.
    pub async fn book_handoff(
        &self,
        actor: &Actor,
        referral_id: ReferralId,
        slot: &str,
        context: &RequestContext,
    ) -> Result<HandoffView, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "handoff.book").await?;
        audit.subject(SubjectKind::Referral, referral_id);
        let result = async {
            let referral = self.handoff_referral(&mut tx, &mut audit, actor, referral_id, Side::Referrer).await?;
            let now = self.now();
            let slot_at = parse_instant(slot).map_err(|problem| AppError::invalid("slot_at", problem))?;
            let earliest = now - SignedDuration::from_mins(5);
            if slot_at < earliest || slot_at > now + SignedDuration::from_hours(SLOT_AHEAD_HOURS) {
                return Err(AppError::invalid("slot_at", Problem::OutOfRange));
            }
            tx.book_handoff(referral.id, slot_at, actor.user.id, now).await?;
            for desk in tx.users_with_role_at(Role::DeskCoordinator, referral.to_office_id).await? {
                raise(&mut tx, desk, "handoff.booked", referral.id, now).await?;
            }
            let handoff = tx.handoff(referral.id).await?.ok_or(AppError::NotFound)?;
            Ok(HandoffView { handoff, intake_to_contact_minutes: None })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records the escort (the referring officer) or the reception (the desk). The
    /// reception is her first contact with the centre; a referral still `requested` is
    /// then `received`.
    pub async fn record_handoff(
        &self,
        actor: &Actor,
        referral_id: ReferralId,
        step: HandoffStep,
        context: &RequestContext,
    ) -> Result<HandoffView, AppError> {
        let action = if step == HandoffStep::Received { "handoff.received" } else { "handoff.escorted" };
        let (mut tx, mut audit) = self.begin(Some(actor), action).await?;
        audit.subject(SubjectKind::Referral, referral_id);
        let result = async {
            let side = if step == HandoffStep::Received { Side::Receiver } else { Side::Referrer };
            let mut referral = self.handoff_referral(&mut tx, &mut audit, actor, referral_id, side).await?;
            if tx.handoff(referral.id).await?.is_none() {
                return Err(AppError::NotFound);
            }
            let now = self.now();
            tx.mark_handoff(referral.id, step == HandoffStep::Received, actor.user.id, now).await?;
            if step == HandoffStep::Received {
                if referral.status == ReferralStatus::Requested {
                    apply_step(&mut tx, actor, &mut referral, ReferralStatus::Received, None, None, None, now).await?;
                }
                // After the step, which writes the referral back as it was loaded.
                tx.mark_first_contact(referral.id, now).await?;
                if let Some(source) = tx.case(referral.case_id).await? {
                    record_event(&mut tx, &source, None, "referral.handoff_received", Some(referral.id), &[], now)
                        .await?;
                }
            }
            self.handoff_view(&mut tx, referral.id, referral.case_id).await
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// A referral's handoff, for either side.
    pub async fn handoff(&self, actor: &Actor, referral_id: ReferralId) -> Result<Option<HandoffView>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "handoff.read").await?;
        audit.subject(SubjectKind::Referral, referral_id);
        let result = async {
            let referral = tx.referral(referral_id).await?.ok_or(AppError::NotFound)?;
            let related = related_cases(&mut tx, actor, &referral).await?;
            if self.authorize(&mut audit, actor, Action::ReadReferral, related.resource(&referral)) != Decision::Allow {
                return Err(AppError::Hidden);
            }
            if tx.handoff(referral.id).await?.is_none() {
                return Ok(None);
            }
            self.handoff_view(&mut tx, referral.id, referral.case_id).await.map(Some)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    async fn handoff_view(
        &self,
        tx: &mut sila_store::Tx,
        referral: ReferralId,
        source: sila_domain::ids::CaseId,
    ) -> Result<HandoffView, AppError> {
        let handoff = tx.handoff(referral).await?.ok_or(AppError::NotFound)?;
        let intake: Option<Timestamp> = tx.case(source).await?.map(|case| case.created_at);
        let minutes = match (intake, handoff.received) {
            (Some(intake), Some((_, at))) => Some(at.duration_since(intake).as_secs() / 60),
            _ => None,
        };
        Ok(HandoffView { handoff, intake_to_contact_minutes: minutes })
    }

    /// The referral of a handoff, with the actor on the required side: the referrer
    /// (who may read the referring case), or the receiving desk (who may receive it).
    async fn handoff_referral(
        &self,
        tx: &mut sila_store::Tx,
        audit: &mut crate::audit::Audit,
        actor: &Actor,
        id: ReferralId,
        side: Side,
    ) -> Result<sila_domain::referral::Referral, AppError> {
        let referral = tx.referral(id).await?.ok_or(AppError::NotFound)?;
        let related = related_cases(tx, actor, &referral).await?;
        let action = match side {
            Side::Referrer => Action::ReadReferral,
            Side::Receiver => Action::TransitionReferral(ReferralStatus::Received),
        };
        match self.authorize(audit, actor, action, related.resource(&referral)) {
            Decision::Allow => {}
            Decision::Hide => return Err(AppError::Hidden),
            Decision::Deny => return Err(AppError::Forbidden),
        }
        if side_of(actor, &referral) != side {
            return Err(AppError::Forbidden);
        }
        if referral.status.is_terminal() || referral.closed_at.is_some() {
            return Err(AppError::Conflict(crate::Conflict::TransitionNotAllowed));
        }
        Ok(referral)
    }
}
