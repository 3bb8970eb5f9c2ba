//! Consultations and awareness activities: recorded by a centre's staff, read by who
//! recorded them (consultations) or the agency (activities), and counted for the
//! managers and analysts with cells under five suppressed.

use std::collections::BTreeMap;

use jiff::civil::Date;
use sila_domain::audit::SubjectKind;
use sila_domain::engagement::{
    Activity, ActivityKind, AgeGroup, Channel, Consultation, ConsultationKind, CountedSex, check_attendance, suppressed,
};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{ActivityId, ConsultationId, PersonId};
use sila_domain::text::{Text, limits};
use sila_domain::time::{local_date, parse_date};

use crate::access::{Action, Decision, Resource};
use crate::cases::knows_person;
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// A consultation as typed.
#[derive(Debug, Clone, Default)]
pub struct ConsultationInput {
    /// Kind code.
    pub kind: String,
    /// Channel code.
    pub channel: String,
    /// The person (absent: anonymous).
    pub person_id: Option<String>,
    /// Sex code, when known.
    pub sex: Option<String>,
    /// Age group code, when known.
    pub age_group: Option<String>,
    /// What was asked and advised.
    pub summary: String,
    /// The day (default today).
    pub held_on: Option<String>,
}

/// An activity as typed.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    /// Kind code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Audience.
    pub audience: String,
    /// Place.
    pub place: String,
    /// Partner.
    pub partner: Option<String>,
    /// The day.
    pub held_on: String,
    /// (sex, age group, number) rows.
    pub attendance: Vec<(String, String, String)>,
}

/// The counts of a period, as published (cells of 1–4 shown as `<5`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngagementCounts {
    /// Consultations by kind.
    pub consultations_by_kind: BTreeMap<String, String>,
    /// Consultations by channel.
    pub consultations_by_channel: BTreeMap<String, String>,
    /// Anonymous consultations.
    pub anonymous_consultations: String,
    /// Activities by kind.
    pub activities_by_kind: BTreeMap<String, String>,
    /// Attendees by `sex/age_group`.
    pub attendees: BTreeMap<String, String>,
}

fn optional<T>(
    errors: &mut Errors,
    field: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Problem>,
) -> Option<T> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => errors.check(field, parse(text)),
        None => None,
    }
}

/// A period `from`–`to` as typed (dates, inclusive), at most a year.
pub(crate) fn period(from: &str, to: &str) -> Result<(Date, Date), AppError> {
    let mut errors = Errors::new();
    let first = errors.check("from", parse_date(from));
    let last = errors.check("to", parse_date(to));
    if let (Some(first), Some(last)) = (first, last) {
        if last < first {
            errors.add("to", Problem::EndBeforeStart);
        } else if (last - first).get_days() > 366 {
            errors.add("to", Problem::OutOfRange);
        }
    }
    errors.finish().map_err(AppError::Invalid)?;
    match (first, last) {
        (Some(first), Some(last)) => Ok((first, last)),
        _ => Err(AppError::invalid("from", Problem::Required)),
    }
}

impl App {
    /// Records a consultation (anonymous unless a person is named).
    pub async fn record_consultation(
        &self,
        actor: &Actor,
        input: &ConsultationInput,
        context: &RequestContext,
    ) -> Result<Consultation, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "consultation.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::RecordConsultation, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let now = self.now();
            let today = local_date(now);
            let mut errors = Errors::new();
            let kind = errors.check("kind", ConsultationKind::parse(&input.kind));
            let channel = errors.check("channel", Channel::parse(&input.channel));
            let person = optional(&mut errors, "person_id", input.person_id.as_deref(), PersonId::parse);
            let sex = optional(&mut errors, "sex", input.sex.as_deref(), CountedSex::parse);
            let age_group = optional(&mut errors, "age_group", input.age_group.as_deref(), AgeGroup::parse);
            let summary = errors.check("summary", Text::parse(&input.summary, limits::SHORT));
            let held_on = optional(&mut errors, "held_on", input.held_on.as_deref(), |text| {
                parse_date(text).and_then(|date| if date > today { Err(Problem::DateInFuture) } else { Ok(date) })
            });
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(kind), Some(channel)) = (kind, channel) else {
                return Err(AppError::invalid("kind", Problem::Required));
            };
            if let Some(person) = person
                && !knows_person(&mut tx, actor, person).await?
            {
                return Err(AppError::invalid("person_id", Problem::UnknownValue));
            }
            let consultation = Consultation {
                id: ConsultationId::from_uuid(new_uuid()),
                agency_id: actor.agency.id,
                kind,
                channel,
                person_id: person,
                sex,
                age_group,
                summary,
                recorded_by: actor.user.id,
                held_on: held_on.unwrap_or(today),
                created_at: now,
            };
            tx.insert_consultation(&consultation).await?;
            audit.subject(SubjectKind::Consultation, consultation.id);
            if let Some(person) = person {
                audit.subject(SubjectKind::Person, person);
            }
            audit.detail("kind", kind.code());
            Ok(consultation)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The consultations of a period the actor may read (their own; all, for managers).
    pub async fn consultations(&self, actor: &Actor, from: &str, to: &str) -> Result<Vec<Consultation>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "consultation.list").await?;
        let result = async {
            let (first, last) = period(from, to)?;
            let mut items = Vec::new();
            for consultation in tx.consultations(actor.agency.id, first, last).await? {
                let resource =
                    Resource::Consultation(consultation.id, consultation.agency_id, consultation.recorded_by);
                if self.verdict(actor, Action::ReadConsultation, resource).allowed {
                    audit.subject(SubjectKind::Consultation, consultation.id);
                    if let Some(person) = consultation.person_id {
                        audit.subject(SubjectKind::Person, person);
                    }
                    items.push(consultation);
                }
            }
            Ok(items)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Records an awareness activity.
    pub async fn record_activity(
        &self,
        actor: &Actor,
        input: &ActivityInput,
        context: &RequestContext,
    ) -> Result<Activity, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "activity.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::RecordActivity, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let now = self.now();
            let today = local_date(now);
            let mut errors = Errors::new();
            let kind = errors.check("kind", ActivityKind::parse(&input.kind));
            let title = errors.check("title", Text::parse(&input.title, 200));
            let audience = errors.check("audience", Text::parse(&input.audience, 200));
            let place = errors.check("place", Text::parse(&input.place, 200));
            let partner = errors.check("partner", Text::parse_optional(input.partner.as_deref(), 200)).flatten();
            let held_on = errors.check(
                "held_on",
                parse_date(&input.held_on)
                    .and_then(|date| if date > today { Err(Problem::DateInFuture) } else { Ok(date) }),
            );
            let attendance = match check_attendance(&input.attendance) {
                Ok(rows) => rows,
                Err(found) => {
                    for error in found {
                        errors.add(error.field, error.problem);
                    }
                    Vec::new()
                }
            };
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(kind), Some(title), Some(audience), Some(place), Some(held_on)) =
                (kind, title, audience, place, held_on)
            else {
                return Err(AppError::invalid("kind", Problem::Required));
            };
            let activity = Activity {
                id: ActivityId::from_uuid(new_uuid()),
                agency_id: actor.agency.id,
                kind,
                title,
                audience,
                place,
                partner,
                held_on,
                attendance,
                recorded_by: actor.user.id,
                created_at: now,
            };
            tx.insert_activity(&activity).await?;
            audit.subject(SubjectKind::Activity, activity.id);
            audit.detail("kind", kind.code());
            Ok(activity)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The agency's activities of a period with their attendance, for its working roles
    /// (analysts read only the suppressed counts); the reading is audited.
    pub async fn activities(&self, actor: &Actor, from: &str, to: &str) -> Result<Vec<Activity>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "activity.list").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::ReadActivities, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let (first, last) = period(from, to)?;
            let activities = tx.activities(actor.agency.id, first, last).await?;
            for activity in &activities {
                audit.subject(SubjectKind::Activity, activity.id);
            }
            Ok(activities)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// The period's counts for managers and analysts, small cells suppressed.
    pub async fn engagement_counts(&self, actor: &Actor, from: &str, to: &str) -> Result<EngagementCounts, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "stats.engagement").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::ReadStatistics, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let (first, last) = period(from, to)?;
            let consultations = tx.consultations(actor.agency.id, first, last).await?;
            let activities = tx.activities(actor.agency.id, first, last).await?;
            let tally = |keys: Vec<String>| {
                let mut counts: BTreeMap<String, u64> = BTreeMap::new();
                for key in keys {
                    *counts.entry(key).or_default() += 1;
                }
                counts.into_iter().map(|(key, count)| (key, suppressed(count))).collect::<BTreeMap<_, _>>()
            };
            let mut attendees: BTreeMap<String, u64> = BTreeMap::new();
            for (sex, age, number) in activities.iter().flat_map(|activity| &activity.attendance) {
                *attendees.entry(format!("{}/{}", sex.code(), age.code())).or_default() += u64::from(*number);
            }
            Ok(EngagementCounts {
                consultations_by_kind: tally(consultations.iter().map(|item| item.kind.code().to_string()).collect()),
                consultations_by_channel: tally(
                    consultations.iter().map(|item| item.channel.code().to_string()).collect(),
                ),
                anonymous_consultations: suppressed(
                    consultations.iter().filter(|item| item.person_id.is_none()).count() as u64,
                ),
                activities_by_kind: tally(activities.iter().map(|item| item.kind.code().to_string()).collect()),
                attendees: attendees.into_iter().map(|(key, count)| (key, suppressed(count))).collect(),
            })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }
}
