//! Referrals: making one (what travels planned and packed in `packets.rs`, deadlines
//! fixed), reading and listing them from either side, and moving them along the
//! lifecycle — where acceptance opens the centre case and completion closes the loop.

use std::collections::BTreeSet;

use sila_domain::agency::AgencyKind;
use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CasePerson, CaseStatus};
use sila_domain::consent::DataClass;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, CaseId, OfficeId, PersonId, ReferralId};
use sila_domain::referral::{
    Outcome, Referral, ReferralStatus, Requirement, Side, Step, TransitionError, check_transition, requirements,
};
use sila_domain::text::{Text, limits};
use sila_store::{Cursor, Page, ReferralBox, ReferralFilter, Tx};

use crate::access::{Action, Decision, Resource, side_of};
use crate::cases::{NewCase, ensure_open, new_case, record_event, touch_case};
use crate::packets::{Asked, Plan, receiving_desk};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A referral as typed.
#[derive(Debug, Clone, Default)]
pub struct ReferralInput {
    /// The case (id).
    pub case_id: String,
    /// The receiving office (id).
    pub to_office_id: String,
    /// Why.
    pub reason: String,
    /// Priority code; raised to the case's risk level when lower.
    pub priority: Option<String>,
    /// Data class codes to send.
    pub data_classes: Vec<String>,
    /// The persons of the case who go with the referral (ids); all of them when absent.
    /// Each carries only the classes her own consent (or, for a child, the recorded
    /// mandatory basis) covers; one without cover travels as her role and age.
    pub persons: Option<Vec<String>>,
}

/// A lifecycle step as typed.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    /// The status to move to.
    pub to: String,
    /// Why (rejection, cancellation, hold, redirection).
    pub reason: Option<String>,
    /// Outcome code (completion).
    pub outcome: Option<String>,
    /// The authority (agency id) a case is transferred to.
    pub authority_agency_id: Option<String>,
    /// The office (id) a referral is redirected to.
    pub to_office_id: Option<String>,
    /// The version the client last saw; a different stored version is a conflict.
    pub version: Option<i64>,
}

/// A referral as one side of it may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralView {
    /// The referral. For the referrer, the centre's side is removed: no centre case id,
    /// no centre's reason for a rejection or hold.
    pub referral: Referral,
    /// Which side the actor is on.
    pub side: Side,
}

impl ReferralView {
    /// The view of `referral` for an actor on `side` (masks the centre's side for the
    /// referrer).
    pub(crate) fn new(mut referral: Referral, side: Side) -> ReferralView {
        if side == Side::Referrer {
            referral.centre_case_id = None;
            if referral.status != ReferralStatus::Cancelled {
                referral.status_reason = None;
            }
        }
        ReferralView { referral, side }
    }
}

/// What an accepted referral produced, for the answer to the transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionResult {
    /// The referral after the step.
    pub referral: ReferralView,
    /// The referral that continues a redirection.
    pub redirected_to: Option<ReferralId>,
}

impl App {
    /// Refers a case to another agency's desk, under the protocol in force and within
    /// the consent given.
    pub async fn refer_case(
        &self,
        actor: &Actor,
        input: &ReferralInput,
        context: &RequestContext,
    ) -> Result<ReferralView, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "referral.create").await?;
        let result = async {
            let Asked { case_id, to_office, reason, priority, classes, persons: chosen } = Asked::parse(input)?;
            audit.subject(SubjectKind::Case, case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::ReferCase).await?;
            ensure_open(&case)?;
            let office = receiving_desk(&mut tx, actor, to_office).await?;
            let open_to_same = tx
                .referrals_of_case(case.id)
                .await?
                .into_iter()
                .any(|referral| referral.to_agency_id == office.agency_id && !referral.status.is_terminal());
            if open_to_same {
                return Err(AppError::Conflict(Conflict::ReferralAlreadyOpen));
            }
            let now = self.now();
            let plan =
                self.plan_referral(&mut tx, &case, office.agency_id, priority, &classes, chosen.as_deref()).await?;
            let referral = self
                .make_referral(&mut tx, actor, &case, office.agency_id, office.id, reason, &classes, plan, None)
                .await?;
            record_event(
                &mut tx,
                &case,
                Some(actor),
                "referral.requested",
                Some(referral.id),
                &[("priority", referral.priority.code())],
                now,
            )
            .await?;
            touch_case(&mut tx, &case, now).await?;
            audit.subject(SubjectKind::Referral, referral.id);
            audit.detail("priority", referral.priority.code());
            Ok(ReferralView::new(referral, Side::Referrer))
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Stores a planned referral, alerts the desk and records which classes of each
    /// person reached the receiving agency (also used when a desk redirects one: the plan
    /// is made again for the new recipient).
    #[expect(clippy::too_many_arguments, reason = "one private step of two use cases, each argument named at its call")]
    async fn make_referral(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        case: &Case,
        to_agency: AgencyId,
        to_office: OfficeId,
        reason: Text,
        classes: &BTreeSet<DataClass>,
        plan: Plan,
        redirected_from: Option<&Referral>,
    ) -> Result<Referral, AppError> {
        let now = self.now();
        let Plan { protocol, priority, packet, carried } = plan;
        let referral = Referral {
            id: ReferralId::from_uuid(new_uuid()),
            case_id: case.id,
            from_agency_id: case.agency_id,
            from_office_id: case.office_id,
            to_agency_id: to_agency,
            to_office_id: to_office,
            protocol_id: protocol.id,
            priority,
            reason: Some(reason),
            data_classes: classes.clone(),
            status: ReferralStatus::Requested,
            status_reason: None,
            outcome: None,
            authority_agency_id: None,
            redirected_from_id: redirected_from.map(|referral| referral.id),
            centre_case_id: None,
            packet: Some(packet),
            created_by: actor.user.id,
            created_at: now,
            updated_at: now,
            due: protocol.deadlines.due_times(priority, now),
            reached: Default::default(),
            closed_at: None,
            version: 1,
        };
        tx.insert_referral(&referral).await?;
        for desk in tx.users_with_role_at(sila_domain::agency::Role::DeskCoordinator, referral.to_office_id).await? {
            crate::monitor::raise(tx, desk, "referral.new", referral.id, now).await?;
        }
        // Each person's own classes reach the agency only as far as her own cover went.
        for (person, own) in &carried {
            for class in own {
                tx.grant_person_access(*person, to_agency, *class, referral.id, now).await?;
            }
        }
        Ok(referral)
    }

    /// One referral, as the actor's side may see it.
    pub async fn referral(&self, actor: &Actor, id: ReferralId) -> Result<ReferralView, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "referral.read").await?;
        audit.subject(SubjectKind::Referral, id);
        let result = async {
            let referral = tx.referral(id).await?.ok_or(AppError::NotFound)?;
            let related = related_cases(&mut tx, actor, &referral).await?;
            if self.authorize(&mut audit, actor, Action::ReadReferral, related.resource(&referral)) != Decision::Allow {
                return Err(AppError::Hidden);
            }
            let side = side_of(actor, &referral);
            if side == Side::Receiver {
                for person in referral.packet.iter().flat_map(|packet| &packet.persons) {
                    audit.subject(SubjectKind::Person, person.person_id);
                }
            }
            audit.subject(SubjectKind::Case, referral.case_id);
            Ok(ReferralView::new(referral, side))
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// A page of incoming (to the actor's desks) or outgoing (from cases the actor may
    /// see) referrals, newest first.
    pub async fn list_referrals(
        &self,
        actor: &Actor,
        referral_box: ReferralBox,
        status: Option<&str>,
        cursor: Option<Cursor>,
        limit: Option<i64>,
    ) -> Result<Page<ReferralView>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "referral.list").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::ListReferrals, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let mut errors = Errors::new();
            let status = match status {
                None | Some("") => None,
                Some(code) => errors.check("status", ReferralStatus::parse(code)),
            };
            let limit = limit.unwrap_or(25);
            if !(1..=100).contains(&limit) {
                errors.add("limit", Problem::UnknownValue);
            }
            errors.finish().map_err(AppError::Invalid)?;
            let user = &actor.user;
            let offices = match referral_box {
                ReferralBox::Incoming if user.has_role(sila_domain::agency::Role::CentreManager) => None,
                _ => Some(user.office_ids.clone()),
            };
            let page = tx
                .list_referrals(&ReferralFilter {
                    agency_id: actor.agency.id,
                    referral_box,
                    offices,
                    status,
                    cursor,
                    limit,
                })
                .await?;
            // The cases each referral's decision needs, loaded together.
            let wanted: Vec<CaseId> = page
                .items
                .iter()
                .flat_map(|referral| {
                    let source = (actor.agency.id == referral.from_agency_id).then_some(referral.case_id);
                    let centre = referral.centre_case_id.filter(|_| actor.agency.id == referral.to_agency_id);
                    source.into_iter().chain(centre)
                })
                .collect();
            let cases = tx.cases_for_decisions(&wanted).await?;
            let mut items = Vec::with_capacity(page.items.len());
            for referral in page.items {
                let related = Related {
                    source: (actor.agency.id == referral.from_agency_id)
                        .then(|| cases.get(&referral.case_id).cloned())
                        .flatten(),
                    centre: referral
                        .centre_case_id
                        .filter(|_| actor.agency.id == referral.to_agency_id)
                        .and_then(|id| cases.get(&id).cloned()),
                };
                if self.verdict(actor, Action::ReadReferral, related.resource(&referral)).allowed {
                    audit.subject(SubjectKind::Referral, referral.id);
                    let side = side_of(actor, &referral);
                    // The receiver's rows carry the packet's persons: the entry names
                    // each, so "who looked at her" finds the desk's list too.
                    if side == Side::Receiver {
                        for person in referral.packet.iter().flat_map(|packet| &packet.persons) {
                            audit.subject(SubjectKind::Person, person.person_id);
                        }
                    }
                    items.push(ReferralView::new(referral, side));
                }
            }
            Ok(Page { items, next_cursor: page.next_cursor })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Moves a referral one step along its lifecycle.
    pub async fn transition_referral(
        &self,
        actor: &Actor,
        id: ReferralId,
        input: &TransitionInput,
        context: &RequestContext,
    ) -> Result<TransitionResult, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "referral.transition").await?;
        audit.subject(SubjectKind::Referral, id);
        let result = async {
            let to = ReferralStatus::parse(&input.to).map_err(|problem| AppError::invalid("to", problem))?;
            audit.detail("to", to.code());
            let mut referral = tx.referral(id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::Case, referral.case_id);
            let related = related_cases(&mut tx, actor, &referral).await?;
            let centre = related.centre.as_ref().map(|(case, _)| case.clone());
            match self.authorize(&mut audit, actor, Action::TransitionReferral(to), related.resource(&referral)) {
                Decision::Allow => {}
                Decision::Hide => return Err(AppError::Hidden),
                Decision::Deny => {
                    // The step may simply not exist from here; say so before "forbidden".
                    if check_transition(referral.status, to, Side::Receiver).is_err()
                        && check_transition(referral.status, to, Side::Referrer).is_err()
                    {
                        return Err(AppError::Conflict(Conflict::TransitionNotAllowed));
                    }
                    return Err(AppError::Forbidden);
                }
            }
            let side = side_of(actor, &referral);
            audit.detail("from", referral.status.code());
            if let Some(version) = input.version
                && version != referral.version
            {
                return Err(AppError::Conflict(Conflict::StaleVersion));
            }
            match check_transition(referral.status, to, side) {
                Ok(()) => {}
                Err(TransitionError::NotAllowed) => {
                    return Err(AppError::Conflict(Conflict::TransitionNotAllowed));
                }
                Err(TransitionError::WrongSide) => return Err(AppError::Forbidden),
            }
            let step = StepInput::validate(to, input)?;
            let now = self.now();
            let mut redirected_to = None;
            match to {
                ReferralStatus::Accepted => {
                    let centre_case = self.open_centre_case(&mut tx, actor, &referral).await?;
                    audit.subject(SubjectKind::Case, centre_case.id);
                    referral.centre_case_id = Some(centre_case.id);
                }
                ReferralStatus::Completed | ReferralStatus::Transferred => {
                    if let Some(authority) = step.authority {
                        let agency = App::authority(&mut tx, authority, "authority_agency_id").await?;
                        audit.subject(SubjectKind::Agency, agency.id);
                    }
                    if let Some(mut centre_case) = centre.clone() {
                        centre_case.status =
                            if to == ReferralStatus::Completed { CaseStatus::Closed } else { CaseStatus::Transferred };
                        centre_case.outcome = step.outcome;
                        centre_case.closed_at = Some(now);
                        centre_case.updated_at = now;
                        tx.update_case(&centre_case).await?;
                    }
                }
                ReferralStatus::Redirected => {
                    let office = step.office.ok_or_else(|| AppError::invalid("to_office_id", Problem::Required))?;
                    let office = tx
                        .office(office)
                        .await?
                        .filter(|office| {
                            office.is_desk
                                && office.id != referral.to_office_id
                                && office.agency_id != referral.from_agency_id
                        })
                        .ok_or_else(|| AppError::invalid("to_office_id", Problem::UnknownValue))?;
                    let source_case = tx.case(referral.case_id).await?.ok_or(AppError::NotFound)?;
                    let reason = referral.reason.clone().ok_or(AppError::Conflict(Conflict::Shredded))?;
                    // The same persons go on; what each carries is decided again for the
                    // new recipient.
                    let persons: Vec<PersonId> = referral
                        .packet
                        .iter()
                        .flat_map(|packet| &packet.persons)
                        .map(|person| person.person_id)
                        .collect();
                    let plan = self
                        .plan_referral(
                            &mut tx,
                            &source_case,
                            office.agency_id,
                            referral.priority,
                            &referral.data_classes,
                            Some(&persons),
                        )
                        .await?;
                    let next = self
                        .make_referral(
                            &mut tx,
                            actor,
                            &source_case,
                            office.agency_id,
                            office.id,
                            reason,
                            &referral.data_classes,
                            plan,
                            Some(&referral),
                        )
                        .await?;
                    audit.subject(SubjectKind::Referral, next.id);
                    redirected_to = Some(next.id);
                }
                _ => {}
            }
            apply_step(&mut tx, actor, &mut referral, to, step.reason, step.outcome, step.authority, now).await?;
            Ok(TransitionResult { referral: ReferralView::new(referral, side), redirected_to })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Opens the centre case of an accepted referral: the receiving office's case, in
    /// the referral's category, with the persons the referral carried — and nothing else.
    async fn open_centre_case(&self, tx: &mut Tx, actor: &Actor, referral: &Referral) -> Result<Case, AppError> {
        let kind = actor
            .agency
            .default_case_kind
            .ok_or_else(|| AppError::Internal("receiving agency has no case kind".into()))?;
        let packet = referral.packet.as_ref().ok_or(AppError::Conflict(Conflict::Shredded))?;
        let now = self.now();
        let mut case = new_case(
            tx,
            actor,
            NewCase {
                kind,
                office_id: referral.to_office_id,
                category: packet.category.clone(),
                subcategory: packet.subcategory.clone(),
                narrative: None,
            },
            now,
        )
        .await?;
        case.origin_referral_id = Some(referral.id);
        tx.set_case_origin(case.id, referral.id).await?;
        for person in &packet.persons {
            tx.insert_case_person(
                case.id,
                &CasePerson { person_id: person.person_id, role: person.role, added_by: actor.user.id, added_at: now },
            )
            .await?;
        }
        Ok(case)
    }
}

/// The referral's own cases the actor's agency holds, each with its persons: the
/// referred case for the referring agency, the centre case for the receiving one.
pub(crate) struct Related {
    source: Option<(Case, Vec<sila_domain::ids::PersonId>)>,
    centre: Option<(Case, Vec<sila_domain::ids::PersonId>)>,
}

impl Related {
    pub(crate) fn resource<'a>(&'a self, referral: &'a Referral) -> Resource<'a> {
        Resource::Referral {
            referral,
            source: self.source.as_ref().map(|(case, persons)| (case, persons.as_slice())),
            centre: self.centre.as_ref().map(|(case, persons)| (case, persons.as_slice())),
        }
    }
}

pub(crate) async fn related_cases(tx: &mut Tx, actor: &Actor, referral: &Referral) -> Result<Related, AppError> {
    let mut with_persons = async |id: CaseId| -> Result<Option<(Case, Vec<sila_domain::ids::PersonId>)>, AppError> {
        match tx.case(id).await? {
            Some(case) => {
                let persons = tx.case_person_ids(case.id).await?;
                Ok(Some((case, persons)))
            }
            None => Ok(None),
        }
    };
    let source = if actor.agency.id == referral.from_agency_id { with_persons(referral.case_id).await? } else { None };
    let centre = match referral.centre_case_id {
        Some(id) if actor.agency.id == referral.to_agency_id => with_persons(id).await?,
        _ => None,
    };
    Ok(Related { source, centre })
}

/// The validated extra fields of one step.
struct StepInput {
    reason: Option<Text>,
    outcome: Option<Outcome>,
    authority: Option<AgencyId>,
    office: Option<OfficeId>,
}

impl StepInput {
    fn validate(to: ReferralStatus, input: &TransitionInput) -> Result<StepInput, AppError> {
        let mut errors = Errors::new();
        let needs = requirements(to);
        let reason = errors.check("reason", Text::parse_optional(input.reason.as_deref(), limits::SHORT)).flatten();
        if needs.contains(&Requirement::Reason) && reason.is_none() {
            errors.add("reason", Problem::Required);
        }
        let outcome = if needs.contains(&Requirement::Outcome) {
            errors.check("outcome", Outcome::parse(input.outcome.as_deref().unwrap_or("")))
        } else {
            None
        };
        let authority = if needs.contains(&Requirement::Authority) {
            match input.authority_agency_id.as_deref().map(str::trim) {
                None | Some("") => {
                    errors.add("authority_agency_id", Problem::Required);
                    None
                }
                Some(text) => errors.check("authority_agency_id", AgencyId::parse(text)),
            }
        } else {
            None
        };
        let office = if needs.contains(&Requirement::Office) {
            match input.to_office_id.as_deref().map(str::trim) {
                None | Some("") => {
                    errors.add("to_office_id", Problem::Required);
                    None
                }
                Some(text) => errors.check("to_office_id", OfficeId::parse(text)),
            }
        } else {
            None
        };
        errors.finish().map_err(AppError::Invalid)?;
        Ok(StepInput { reason, outcome, authority, office })
    }
}

impl App {
    /// Checks that an agency id names an authority (for transfers).
    pub(crate) async fn authority(
        tx: &mut Tx,
        id: AgencyId,
        field: &str,
    ) -> Result<sila_domain::agency::Agency, AppError> {
        tx.agency(id)
            .await?
            .filter(|agency| agency.kind == AgencyKind::Authority)
            .ok_or_else(|| AppError::invalid(field, Problem::UnknownValue))
    }
}

/// Moves a referral to `to` (already checked against the lifecycle and the policies) and
/// writes the step on both timelines: the referrer's shows the step and never who at the
/// centre took it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_step(
    tx: &mut Tx,
    actor: &Actor,
    referral: &mut Referral,
    to: ReferralStatus,
    reason: Option<Text>,
    outcome: Option<Outcome>,
    authority: Option<AgencyId>,
    now: jiff::Timestamp,
) -> Result<(), AppError> {
    for reached in Step::completed_by(to) {
        referral.reached.entry(*reached).or_insert(now);
    }
    referral.status = to;
    if reason.is_some() {
        referral.status_reason = reason;
    }
    referral.outcome = outcome.or(referral.outcome);
    referral.authority_agency_id = authority.or(referral.authority_agency_id);
    referral.updated_at = now;
    if to.is_terminal() {
        referral.closed_at = Some(now);
    }
    tx.update_referral(referral).await?;
    referral.version += 1;
    let kind = format!("referral.{}", to.code());
    let mut details: Vec<(&str, &str)> = Vec::new();
    if let Some(outcome) = outcome {
        details.push(("outcome", outcome.code()));
    }
    // The referrer's timeline: the step, never who at the centre took it.
    let source_case = tx.case(referral.case_id).await?.ok_or(AppError::NotFound)?;
    let own = (source_case.agency_id == actor.agency.id).then_some(actor);
    record_event(tx, &source_case, own, &kind, Some(referral.id), &details, now).await?;
    if let Some(centre_id) = referral.centre_case_id
        && let Some(centre_case) = tx.case(centre_id).await?
    {
        let own = (centre_case.agency_id == actor.agency.id).then_some(actor);
        record_event(tx, &centre_case, own, &kind, Some(referral.id), &details, now).await?;
    }
    Ok(())
}
