//! Court orders at a centre: a counsellor registers the family court's decision, which
//! opens a court-order case with the parents and children in their roles and generates
//! the visits of its schedule (public holidays and struck-out dates skipped); the desk
//! records arrivals, handovers, returns, no-shows and incidents; the manager issues the
//! court's report for a period (see `court_report.rs`).

use std::collections::BTreeSet;

use jiff::SignedDuration;
use jiff::civil::Date;
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CaseKind, CasePerson};
use sila_domain::court::{
    CourtOrder, HORIZON_DAYS, OrderKind, Party, Schedule, ScheduleInput, Visit, VisitEvent, VisitEventKind,
    VisitStatus, check_event, check_sequence, standing, status_after,
};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{CourtOrderId, OfficeId, PersonId, VisitId};
use sila_domain::person::PersonRole;
use sila_domain::text::{Text, limits};
use sila_domain::time::{local_date, parse_date};
use sila_store::{Alert, Tx};

use crate::access::{Action, Decision, Resource};
use crate::cases::{NewCase, knows_person, new_case, record_event};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// A court order as typed.
#[derive(Debug, Clone, Default)]
pub struct CourtOrderInput {
    /// The court.
    pub court: String,
    /// The decision number.
    pub decision_number: String,
    /// The decision date (`YYYY-MM-DD`).
    pub decision_date: String,
    /// Kind code.
    pub kind: String,
    /// Whether visits are supervised.
    pub supervised: bool,
    /// Conditions of the order.
    pub conditions: Option<String>,
    /// Where the visits take place (default the registering user's first office).
    pub office_id: Option<String>,
    /// The custodial parent.
    pub custodial_person_id: String,
    /// The visiting parent.
    pub visiting_person_id: String,
    /// The children.
    pub child_person_ids: Vec<String>,
    /// The schedule.
    pub schedule: ScheduleInput,
}

/// A court order with its case and visits.
#[derive(Debug, Clone)]
pub struct CourtOrderView {
    /// The order.
    pub order: CourtOrder,
    /// Its case.
    pub case: Case,
    /// Its visits, by day.
    pub visits: Vec<Visit>,
}

/// Something recorded at a visit, as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitEventInput {
    /// Kind code.
    pub kind: String,
    /// Party code.
    pub party: Option<String>,
    /// What happened.
    pub note: Option<String>,
    /// The one-time check-in code a parent shows on arrival: it names the party.
    pub code: Option<String>,
    /// A correction: the id of the event it supersedes.
    pub corrects: Option<String>,
    /// A correction's reason (required with `corrects`).
    pub reason: Option<String>,
    /// A correction's time of day, `HH:MM` local, on the visit's date (the corrected
    /// event's time when absent).
    pub time: Option<String>,
}

/// The shortest correction reason accepted, in characters, and the fewest words.
const MIN_CORRECTION_REASON: usize = 10;
const MIN_CORRECTION_WORDS: usize = 3;

impl App {
    /// Registers a family-court order: opens its court-order case and generates its visits.
    pub async fn register_court_order(
        &self,
        actor: &Actor,
        input: &CourtOrderInput,
        context: &RequestContext,
    ) -> Result<CourtOrderView, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "court_order.create").await?;
        let result = async {
            match self.authorize(&mut audit, actor, Action::CreateCase, Resource::Nothing) {
                Decision::Allow => {}
                _ => return Err(AppError::Forbidden),
            }
            if !CaseKind::CourtOrder.owned_by(actor.agency.kind) {
                return Err(AppError::Forbidden);
            }
            let now = self.now();
            let today = local_date(now);
            let mut errors = Errors::new();
            let court = errors.check("court", Text::parse(&input.court, 200));
            let decision_number = errors.check("decision_number", Text::parse(&input.decision_number, 100));
            let decision_date = errors.check(
                "decision_date",
                parse_date(&input.decision_date)
                    .and_then(|date| if date > today { Err(Problem::DateInFuture) } else { Ok(date) }),
            );
            let kind = errors.check("kind", OrderKind::parse(&input.kind));
            let conditions =
                errors.check("conditions", Text::parse_optional(input.conditions.as_deref(), limits::SHORT)).flatten();
            let custodial = errors.check("custodial_person_id", PersonId::parse(&input.custodial_person_id));
            let visiting = errors.check("visiting_person_id", PersonId::parse(&input.visiting_person_id));
            let mut children = Vec::new();
            for (index, text) in input.child_person_ids.iter().enumerate() {
                if let Some(id) = errors.check(format!("child_person_ids[{index}]"), PersonId::parse(text)) {
                    children.push(id);
                }
            }
            if input.child_person_ids.is_empty() {
                errors.add("child_person_ids", Problem::EmptyList);
            }
            if custodial.is_some() && custodial == visiting {
                errors.add("visiting_person_id", Problem::SamePerson);
            }
            let schedule = match Schedule::validate(&input.schedule) {
                Ok(schedule) => Some(schedule),
                Err(found) => {
                    for error in found {
                        errors.add(error.field, error.problem);
                    }
                    None
                }
            };
            errors.finish().map_err(AppError::Invalid)?;
            let (
                Some(court),
                Some(decision_number),
                Some(decision_date),
                Some(kind),
                Some(custodial),
                Some(visiting),
                Some(schedule),
            ) = (court, decision_number, decision_date, kind, custodial, visiting, schedule)
            else {
                return Err(AppError::invalid("court", Problem::Required));
            };
            let mut people =
                vec![("custodial_person_id".to_string(), custodial), ("visiting_person_id".to_string(), visiting)];
            people.extend(children.iter().enumerate().map(|(index, id)| (format!("child_person_ids[{index}]"), *id)));
            for (field, person) in &people {
                if !knows_person(&mut tx, actor, *person).await? {
                    return Err(AppError::invalid(field.clone(), Problem::UnknownValue));
                }
            }
            let office = match input.office_id.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                Some(text) => {
                    let id = OfficeId::parse(text).map_err(|problem| AppError::invalid("office_id", problem))?;
                    tx.office(id)
                        .await?
                        .filter(|office| office.agency_id == actor.agency.id)
                        .ok_or_else(|| AppError::invalid("office_id", Problem::UnknownValue))?
                        .id
                }
                None => *actor.user.office_ids.first().ok_or(AppError::Forbidden)?,
            };
            let mut case = new_case(
                &mut tx,
                actor,
                NewCase {
                    kind: CaseKind::CourtOrder,
                    office_id: office,
                    category: "custody_visitation".into(),
                    subcategory: None,
                    narrative: None,
                },
                now,
            )
            .await?;
            case.assigned_user_id = Some(actor.user.id);
            tx.update_case(&case).await?;
            case.version += 1;
            let roles = [(custodial, PersonRole::CustodialParent), (visiting, PersonRole::NonCustodialParent)];
            for (person_id, role) in roles.into_iter().chain(children.iter().map(|id| (*id, PersonRole::Child))) {
                let entry = CasePerson { person_id, role, added_by: actor.user.id, added_at: now };
                tx.insert_case_person(case.id, &entry).await?;
                audit.subject(SubjectKind::Person, person_id);
            }
            let order = CourtOrder {
                id: CourtOrderId::from_uuid(new_uuid()),
                case_id: case.id,
                court,
                decision_number,
                decision_date,
                kind,
                supervised: input.supervised,
                conditions,
                office_id: office,
                custodial_person_id: custodial,
                visiting_person_id: visiting,
                children,
                schedule,
                created_by: actor.user.id,
                created_at: now,
            };
            tx.insert_court_order(&order).await?;
            let visits = generate_visits(&mut tx, &order, today).await?;
            audit.subject(SubjectKind::Case, case.id);
            audit.subject(SubjectKind::CourtOrder, order.id);
            audit.detail("visits", &visits.len().to_string());
            let count = visits.len().to_string();
            record_event(&mut tx, &case, Some(actor), "court_order.registered", None, &[("visits", &count)], now)
                .await?;
            Ok(CourtOrderView { order, case, visits })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// A court order with its visits (those who may read the case, and the desk).
    pub async fn court_order(&self, actor: &Actor, id: CourtOrderId) -> Result<CourtOrderView, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "court_order.read").await?;
        audit.subject(SubjectKind::CourtOrder, id);
        let result = async {
            let order = tx.court_order(id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::Case, order.case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, order.case_id, Action::ReadVisits).await?;
            let visits = tx.visits_of_order(order.id, Date::MIN, Date::MAX).await?;
            Ok(CourtOrderView { order, case, visits })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Records what happened at a visit. A no-show alerts the case's worker and the
    /// centre's managers.
    pub async fn record_visit_event(
        &self,
        actor: &Actor,
        visit_id: VisitId,
        input: &VisitEventInput,
        context: &RequestContext,
    ) -> Result<(Visit, VisitEvent), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "visit.event").await?;
        audit.subject(SubjectKind::Visit, visit_id);
        // A wrong check-in code counts against the visit even though nothing else is
        // written: the refusal then commits with the count.
        let mut wrong_code = false;
        let result = async {
            let mut visit = tx.visit(visit_id).await?.ok_or(AppError::NotFound)?;
            let order = tx.court_order(visit.order_id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::CourtOrder, order.id);
            audit.subject(SubjectKind::Case, order.case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, order.case_id, Action::RecordVisitEvent).await?;
            crate::cases::ensure_open(&case)?;
            let mut errors = Errors::new();
            let kind = errors.check("kind", VisitEventKind::parse(&input.kind));
            let party = match input.party.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                Some(text) => errors.check("party", Party::parse(text)),
                None => None,
            };
            let note = errors.check("note", Text::parse_optional(input.note.as_deref(), limits::SHORT)).flatten();
            errors.finish().map_err(AppError::Invalid)?;
            let kind = kind.ok_or_else(|| AppError::invalid("kind", Problem::Required))?;
            let now = self.now();
            let mut party = party;
            let corrects = match input.corrects.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                Some(text) => {
                    Some(uuid::Uuid::try_parse(text).map_err(|_| AppError::invalid("corrects", Problem::InvalidId))?)
                }
                None => None,
            };
            if corrects.is_none()
                && let Some(code) = input.code.as_deref().map(str::trim).filter(|code| !code.is_empty())
            {
                // A check-in: the code (used once, before it expires) says who arrived.
                // The attempt is claimed before any code is compared: past the limit of
                // wrong codes for the visit, none is compared again.
                if !tx.claim_check_in_attempt(visit.id, CHECK_IN_ATTEMPTS).await? {
                    return Err(AppError::invalid("code", Problem::AttemptsExhausted));
                }
                let code = sila_domain::time::ascii_digits(code);
                let keys = self.store.keys().derived(CHECK_IN_KEY);
                let mut found = None;
                'search: for key in &keys {
                    for candidate in Party::ALL {
                        let hash = code_mac(key, visit.id, *candidate, &code);
                        if let Some(used) = tx.use_visit_code(visit.id, &hash, now).await? {
                            found = Some(used);
                            break 'search;
                        }
                    }
                }
                let found =
                    found.filter(|found| kind == VisitEventKind::Arrived && party.is_none_or(|party| party == *found));
                let Some(found) = found else {
                    wrong_code = true;
                    return Err(AppError::invalid("code", Problem::UnknownValue));
                };
                tx.refund_check_in_attempt(visit.id).await?;
                party = Some(found);
                audit.detail("check_in", "code");
            }
            check_event(kind, party, note.as_ref()).map_err(|error| AppError::Invalid(vec![error]))?;
            // The visit's day, local time, widened by the tolerance: its steps are taken
            // then; nothing is recorded before it; a late incident or note may follow.
            let tolerance = self.config.visit_day_tolerance;
            let day = |date: Date| {
                jiff::tz::Offset::constant(3).to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            };
            let opens = day(visit.on).map_err(|error| AppError::Internal(error.to_string()))? - tolerance;
            let closes = day(visit.on.tomorrow().map_err(|error| AppError::Internal(error.to_string()))?)
                .map_err(|error| AppError::Internal(error.to_string()))?
                + tolerance;
            if now < opens {
                return Err(AppError::invalid("kind", Problem::NotOnVisitDay));
            }
            let recorded = tx.visit_events(case.id, visit.id).await?;
            let (at, reason, recorded_at) = match corrects {
                None => {
                    if VisitEvent::is_attendance(kind) && now >= closes {
                        return Err(AppError::invalid("kind", Problem::NotOnVisitDay));
                    }
                    (now, None, None)
                }
                Some(id) => {
                    let original = recorded
                        .iter()
                        .find(|event| event.id == id)
                        .ok_or_else(|| AppError::invalid("corrects", Problem::UnknownValue))?;
                    if recorded.iter().any(|event| event.supersedes == Some(id)) {
                        return Err(AppError::invalid("corrects", Problem::AlreadyCorrected));
                    }
                    let reason = sila_domain::text::parse_reason(
                        input.reason.as_deref().unwrap_or(""),
                        limits::SHORT,
                        MIN_CORRECTION_REASON,
                        MIN_CORRECTION_WORDS,
                    )
                    .map_err(|problem| AppError::invalid("reason", problem))?;
                    let at = match input.time.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                        None => original.at,
                        Some(text) => {
                            let time = sila_domain::time::parse_time(text)
                                .map_err(|problem| AppError::invalid("time", problem))?;
                            jiff::tz::Offset::constant(3)
                                .to_timestamp(visit.on.to_datetime(time))
                                .map_err(|_| AppError::invalid("time", Problem::InvalidTime))?
                        }
                    };
                    if at < opens || at >= closes {
                        return Err(AppError::invalid("time", Problem::NotOnVisitDay));
                    }
                    if at > now {
                        return Err(AppError::invalid("time", Problem::DateInFuture));
                    }
                    (at, Some(reason), Some(now))
                }
            };
            let event = VisitEvent {
                id: new_uuid(),
                visit_id: visit.id,
                kind,
                party,
                note,
                at,
                recorded_by: actor.user.id,
                supersedes: corrects,
                reason,
                recorded_at,
            };
            // The visit's course with this event: in order, once each.
            let mut all = recorded.clone();
            all.push(event.clone());
            let course: Vec<_> = standing(&all).iter().map(|event| (event.kind, event.party)).collect();
            check_sequence(&course).map_err(|problem| AppError::invalid("kind", problem))?;
            tx.insert_visit_event(case.id, &event).await?;
            let kinds: Vec<VisitEventKind> = standing(&all).iter().map(|event| event.kind).collect();
            let status = status_after(&kinds);
            if status != visit.status {
                tx.set_visit_status(visit.id, status).await?;
                visit.status = status;
            }
            // What the court report's proofs rest on: codes and times, never the note.
            audit.detail("event", &event.id.hyphenated().to_string());
            audit.detail("visit", &visit.id.to_string());
            audit.detail("kind", kind.code());
            audit.detail("party", party.map(|party| party.code()).unwrap_or(""));
            audit.detail("at", &at.to_string());
            if let Some(original) = corrects {
                audit.detail("supersedes", &original.hyphenated().to_string());
                audit.detail("recorded_at", &now.to_string());
            }
            let mut details = vec![("kind", kind.code())];
            if let Some(party) = party {
                details.push(("party", party.code()));
            }
            record_event(&mut tx, &case, Some(actor), "visit.event", None, &details, now).await?;
            if kind == VisitEventKind::NoShow {
                let mut recipients: BTreeSet<_> =
                    tx.users_with_role(case.agency_id, Role::CentreManager).await?.into_iter().collect();
                recipients.extend(case.assigned_user_id);
                for user in recipients {
                    tx.insert_alert(&Alert {
                        id: new_uuid(),
                        user_id: user,
                        kind: "court_order.no_show".into(),
                        subject_kind: Some("court_order".into()),
                        subject_id: Some(order.id.to_string()),
                        created_at: now,
                        read_at: None,
                    })
                    .await?;
                }
            }
            Ok((visit, event))
        }
        .await;
        if wrong_code && let Err(error) = result {
            return self.keep_refused(tx, audit, error).await;
        }
        self.finish(tx, audit, context, result).await
    }

    /// The agency's court orders the actor may see (the counsellor's, the desk's, the
    /// manager's lists), newest first.
    pub async fn court_orders(&self, actor: &Actor) -> Result<Vec<CourtOrderView>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "court_order.list").await?;
        let result = async {
            let mut items = Vec::new();
            for id in tx.court_orders_of_agency(actor.agency.id).await? {
                let Some(order) = tx.court_order(id).await? else { continue };
                let Some(case) = tx.case(order.case_id).await? else { continue };
                let persons = tx.case_person_ids(case.id).await?;
                if self.verdict(actor, Action::ReadVisits, Resource::Case(&case, &persons)).allowed {
                    audit.subject(SubjectKind::CourtOrder, order.id);
                    items.push(CourtOrderView { order, case, visits: Vec::new() });
                }
            }
            Ok(items)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// The visits of a day at the actor's centre that the actor may see (the desk's day),
    /// each with its order.
    pub async fn visits_on(&self, actor: &Actor, day: Date) -> Result<Vec<(Visit, CourtOrder)>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "visit.list").await?;
        let result = async {
            let mut items = Vec::new();
            for visit in tx.visits_of_agency_on(actor.agency.id, day).await? {
                let Some(order) = tx.court_order(visit.order_id).await? else { continue };
                let Some(case) = tx.case(order.case_id).await? else { continue };
                let persons = tx.case_person_ids(case.id).await?;
                if self.verdict(actor, Action::ReadVisits, Resource::Case(&case, &persons)).allowed {
                    audit.subject(SubjectKind::Visit, visit.id);
                    items.push((visit, order));
                }
            }
            Ok(items)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// The persons the actor's agency registered most recently (to pick parties from).
    pub async fn recent_persons(&self, actor: &Actor) -> Result<Vec<sila_domain::person::Person>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "person.list").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::CreatePerson, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let persons = tx.recent_persons(actor.agency.id, 200).await?;
            for person in &persons {
                audit.subject(SubjectKind::Person, person.id);
            }
            Ok(persons)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Sends each parent a one-time check-in code for a visit, by text message to the
    /// number their safe-contact rules allow (or their first phone). A parent whose rules
    /// forbid messages, or who has no phone, is not sent one: the desk checks them in by
    /// sight. Returns, for each party, whether a code went out.
    pub async fn send_check_in_codes(
        &self,
        actor: &Actor,
        visit_id: VisitId,
        context: &RequestContext,
    ) -> Result<Vec<(Party, bool)>, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "visit.codes").await?;
        audit.subject(SubjectKind::Visit, visit_id);
        let mut outgoing = Vec::new();
        let result = async {
            let visit = tx.visit(visit_id).await?.ok_or(AppError::NotFound)?;
            let order = tx.court_order(visit.order_id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::CourtOrder, order.id);
            let case = self.visible_case(&mut tx, &mut audit, actor, order.case_id, Action::RecordVisitEvent).await?;
            crate::cases::ensure_open(&case)?;
            let expires = visit.times.visiting_leaves_at + SignedDuration::from_hours(2);
            let mut answer = Vec::new();
            for (party, person) in
                [(Party::Custodial, order.custodial_person_id), (Party::Visiting, order.visiting_person_id)]
            {
                let Some(phone) = text_phone(&mut tx, person).await? else {
                    answer.push((party, false));
                    continue;
                };
                let code = format!("{:06}", rand::random_range(0..1_000_000u32));
                let key = self.store.keys().derived(CHECK_IN_KEY).swap_remove(0);
                tx.set_visit_code(visit.id, party, &code_mac(&key, visit.id, party, &code), expires).await?;
                outgoing.push((phone, format!("رمز الحضور لموعدك: {code} — Your check-in code: {code}")));
                answer.push((party, true));
                audit.subject(SubjectKind::Person, person);
            }
            audit.detail("sent", &outgoing.len().to_string());
            Ok(answer)
        }
        .await;
        let answer = self.finish(tx, audit, context, result).await?;
        // Sent once the codes are stored: a code a parent holds always works.
        let sender = self.text_sender();
        for (phone, text) in outgoing {
            if let Err(error) = sender.send_text(&phone, &text) {
                tracing::warn!(channel = sender.channel(), error = %error, "a check-in code could not be sent");
            }
        }
        Ok(answer)
    }

    /// A visit's events (for the desk's and the counsellor's pages).
    pub async fn visit_events(&self, actor: &Actor, visit_id: VisitId) -> Result<(Visit, Vec<VisitEvent>), AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "visit.read").await?;
        audit.subject(SubjectKind::Visit, visit_id);
        let result = async {
            let visit = tx.visit(visit_id).await?.ok_or(AppError::NotFound)?;
            let order = tx.court_order(visit.order_id).await?.ok_or(AppError::NotFound)?;
            let case = self.visible_case(&mut tx, &mut audit, actor, order.case_id, Action::ReadVisits).await?;
            let events = tx.visit_events(case.id, visit.id).await?;
            Ok((visit, events))
        }
        .await;
        self.finish_read(tx, audit, result).await
    }
}

/// Generates the visits of an order from its start to its end, or half a year ahead of
/// today when it has none.
async fn generate_visits(tx: &mut Tx, order: &CourtOrder, today: Date) -> Result<Vec<Visit>, AppError> {
    let horizon = today
        .checked_add(SignedDuration::from_hours(24 * HORIZON_DAYS))
        .map_err(|_| AppError::Internal("date out of range".into()))?;
    let last = order.schedule.ends_on.unwrap_or(horizon);
    let holidays = tx.holidays(order.schedule.starts_on, last).await?;
    let mut visits = Vec::new();
    for day in order.schedule.visit_dates(last, &holidays) {
        let Some(times) = order.schedule.times_on(day) else { continue };
        let visit = Visit {
            id: VisitId::from_uuid(new_uuid()),
            order_id: order.id,
            on: day,
            times,
            status: VisitStatus::Scheduled,
        };
        tx.insert_visit(&visit).await?;
        visits.push(visit);
    }
    Ok(visits)
}

/// What the key check-in codes are kept under is derived for (from the master key,
/// which never enters the database).
const CHECK_IN_KEY: &str = "check-in codes";

/// Wrong check-in codes compared for one visit before the desk must check in by sight.
pub const CHECK_IN_ATTEMPTS: i64 = 5;

/// The form a check-in code is kept in: HMAC-SHA-256, under a key derived from the
/// master key, of the visit, the party and the code. Six digits have a million values,
/// so an unkeyed hash would give the code away to anyone with the database; this one
/// needs the key file too.
fn code_mac(key: &[u8; 32], visit: VisitId, party: Party, code: &str) -> String {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key) else { return String::new() };
    mac.update(format!("sila-check-in:{visit}:{}:{code}", party.code()).as_bytes());
    sila_reports::court::hex(&mac.finalize().into_bytes())
}

/// The number a text may go to: the one her safe-contact rules name (if they allow
/// calls or texts at all), else her first phone.
async fn text_phone(tx: &mut Tx, person: PersonId) -> Result<Option<String>, AppError> {
    use sila_domain::contact::ContactChannel;
    if let Some(rules) = tx.safe_contact(person).await? {
        match rules.channel {
            Some(ContactChannel::Call | ContactChannel::Text) | None => {
                if let Some(phone) = rules.phone {
                    return Ok(Some(phone));
                }
            }
            Some(_) => return Ok(None),
        }
        if rules.never_at_home && rules.phone.is_none() {
            return Ok(None);
        }
    }
    Ok(tx
        .person(person)
        .await?
        .and_then(|person| person.details.phones.first().map(|line| line.phone.as_str().to_string())))
}
