//! Family-court orders carried out at a centre (Wifaq): the order, its recurring
//! schedule (a subset of RFC 5545 recurrence rules), the visits it produces — with
//! staggered arrival and departure so that parents who must not meet never do — and
//! what is recorded at each visit.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::error::{Errors, FieldError, Problem};
use crate::ids::{CaseId, CourtOrderId, OfficeId, PersonId, UserId, VisitId};
use crate::text::Text;

code_enum!(
    /// What the court ordered.
    OrderKind {
        /// The non-custodial parent visits the children.
        Visitation = "visitation",
        /// The children are handed from one parent to the other.
        CustodyHandover = "custody_handover",
        /// A phone or video call, supervised at the centre.
        RemoteContact = "remote_contact",
    }
);

code_enum!(
    /// Which party of a visit.
    Party {
        /// The custodial parent, who brings the children.
        Custodial = "custodial",
        /// The visiting (non-custodial) parent.
        Visiting = "visiting",
    }
);

code_enum!(
    /// What happened at a visit.
    VisitEventKind {
        /// A party arrived (and checked in).
        Arrived = "arrived",
        /// The children were handed to the visiting parent.
        Handover = "handover",
        /// The children were returned to the custodial parent.
        Returned = "returned",
        /// A party did not come.
        NoShow = "no_show",
        /// Something happened that the court should know.
        Incident = "incident",
        /// A note.
        Note = "note",
    }
);

code_enum!(
    /// Where a visit stands.
    VisitStatus {
        /// Ahead, or not yet recorded.
        Scheduled = "scheduled",
        /// Both parties came and the children were returned.
        Held = "held",
        /// A party did not come.
        Missed = "missed",
    }
);

/// How often a schedule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// Every `interval` weeks, on the given weekdays.
    Weekly,
    /// Every `interval` months, on the given day of the month.
    Monthly,
}

/// A recurrence rule: the subset of RFC 5545 `RRULE` that court orders use —
/// `FREQ=DAILY|WEEKLY|MONTHLY`, `INTERVAL`, `BYDAY` (weekly), `BYMONTHDAY` (monthly),
/// `COUNT` and `UNTIL` (a date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// How often.
    pub frequency: Frequency,
    /// Every how many periods (1 or more).
    pub interval: u32,
    /// Weekdays of a weekly rule (empty: the weekday of the first date).
    pub by_day: Vec<Weekday>,
    /// Day of the month of a monthly rule (`None`: the day of the first date).
    pub by_month_day: Option<i8>,
    /// At most this many occurrences.
    pub count: Option<u32>,
    /// No occurrence after this date.
    pub until: Option<Date>,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Monday),
    ("TU", Weekday::Tuesday),
    ("WE", Weekday::Wednesday),
    ("TH", Weekday::Thursday),
    ("FR", Weekday::Friday),
    ("SA", Weekday::Saturday),
    ("SU", Weekday::Sunday),
];

impl Recurrence {
    /// Parses a rule (`FREQ=WEEKLY;BYDAY=FR`); an optional `RRULE:` prefix is accepted.
    pub fn parse(text: &str) -> Result<Recurrence, Problem> {
        let text = text.trim();
        let text = text.strip_prefix("RRULE:").unwrap_or(text);
        if text.is_empty() {
            return Err(Problem::Required);
        }
        let mut frequency = None;
        let mut rule = Recurrence {
            frequency: Frequency::Weekly,
            interval: 1,
            by_day: Vec::new(),
            by_month_day: None,
            count: None,
            until: None,
        };
        let mut seen = BTreeSet::new();
        for part in text.split(';').filter(|part| !part.is_empty()) {
            let (name, value) = part.split_once('=').ok_or(Problem::InvalidRecurrence)?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            if !seen.insert(name.clone()) {
                return Err(Problem::InvalidRecurrence);
            }
            match name.as_str() {
                "FREQ" => {
                    frequency = Some(match value.as_str() {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        _ => return Err(Problem::InvalidRecurrence),
                    })
                }
                "INTERVAL" => {
                    rule.interval =
                        value.parse().ok().filter(|n| (1..=52).contains(n)).ok_or(Problem::InvalidRecurrence)?
                }
                "BYDAY" => {
                    for day in value.split(',') {
                        let weekday = WEEKDAYS
                            .iter()
                            .find(|(code, _)| *code == day.trim())
                            .map(|(_, weekday)| *weekday)
                            .ok_or(Problem::InvalidRecurrence)?;
                        if !rule.by_day.contains(&weekday) {
                            rule.by_day.push(weekday);
                        }
                    }
                }
                "BYMONTHDAY" => {
                    rule.by_month_day =
                        Some(value.parse().ok().filter(|n| (1..=31).contains(n)).ok_or(Problem::InvalidRecurrence)?)
                }
                "COUNT" => {
                    rule.count =
                        Some(value.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or(Problem::InvalidRecurrence)?)
                }
                "UNTIL" => {
                    let digits = value.get(..8).ok_or(Problem::InvalidRecurrence)?;
                    let date = format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..8]);
                    rule.until = Some(crate::time::parse_date(&date).map_err(|_| Problem::InvalidRecurrence)?);
                }
                _ => return Err(Problem::InvalidRecurrence),
            }
        }
        rule.frequency = frequency.ok_or(Problem::InvalidRecurrence)?;
        let fits = match rule.frequency {
            Frequency::Daily => rule.by_day.is_empty() && rule.by_month_day.is_none(),
            Frequency::Weekly => rule.by_month_day.is_none(),
            Frequency::Monthly => rule.by_day.is_empty(),
        };
        if !fits {
            return Err(Problem::InvalidRecurrence);
        }
        Ok(rule)
    }

    /// The rule as text, in RFC 5545 form.
    pub fn to_rule(&self) -> String {
        let mut parts = vec![format!(
            "FREQ={}",
            match self.frequency {
                Frequency::Daily => "DAILY",
                Frequency::Weekly => "WEEKLY",
                Frequency::Monthly => "MONTHLY",
            }
        )];
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        if !self.by_day.is_empty() {
            let days: Vec<&str> = self
                .by_day
                .iter()
                .filter_map(|day| WEEKDAYS.iter().find(|(_, weekday)| weekday == day).map(|(code, _)| *code))
                .collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        if let Some(day) = self.by_month_day {
            parts.push(format!("BYMONTHDAY={day}"));
        }
        if let Some(count) = self.count {
            parts.push(format!("COUNT={count}"));
        }
        if let Some(until) = self.until {
            parts.push(format!("UNTIL={}", until.strftime("%Y%m%d")));
        }
        parts.join(";")
    }

    /// The dates of the rule from `start` (its first possible date) through `last`, in
    /// order. `COUNT` counts occurrences from `start`, whatever the window.
    pub fn dates(&self, start: Date, last: Date) -> Vec<Date> {
        let last = self.until.map_or(last, |until| until.min(last));
        let limit = self.count.map_or(usize::MAX, |count| count as usize);
        let mut dates = Vec::new();
        let mut period = 0i64;
        // Each period is one day, week or month after the first; a period yields the
        // dates of the rule that fall in it.
        while dates.len() < limit {
            let steps = period * i64::from(self.interval);
            let candidates: Vec<Date> = match self.frequency {
                Frequency::Daily => start.checked_add(steps.days()).into_iter().collect(),
                Frequency::Weekly => {
                    let Ok(week_start) = start.checked_add((steps * 7).days()) else { break };
                    let days = if self.by_day.is_empty() { vec![start.weekday()] } else { self.by_day.clone() };
                    let mut found: Vec<Date> = (0..7)
                        .filter_map(|offset| week_start.checked_add(offset.days()).ok())
                        .filter(|date| days.contains(&date.weekday()))
                        .collect();
                    found.sort();
                    found
                }
                Frequency::Monthly => {
                    let Ok(month) = start.first_of_month().checked_add(steps.months()) else { break };
                    let day = self.by_month_day.unwrap_or(start.day());
                    // A month without that day (the 31st of April) has no occurrence.
                    Date::new(month.year(), month.month(), day).into_iter().collect()
                }
            };
            let Some(first) = candidates.first() else {
                period += 1;
                if period > 5000 {
                    break;
                }
                continue;
            };
            if *first > last && self.frequency != Frequency::Weekly {
                break;
            }
            if candidates.iter().all(|date| *date > last) {
                break;
            }
            for date in candidates {
                if date >= start && date <= last && dates.len() < limit {
                    dates.push(date);
                }
            }
            period += 1;
        }
        dates
    }
}

/// A court order's schedule: the rule, the first and last dates, the hours, the gap
/// between the parties' arrivals and departures, and the dates struck out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The recurrence rule.
    pub rule: Recurrence,
    /// The first date the order applies.
    pub starts_on: Date,
    /// The last date (absent: until the court says otherwise).
    pub ends_on: Option<Date>,
    /// When the children are handed over (local time in Doha).
    pub start_time: Time,
    /// When they are returned.
    pub end_time: Time,
    /// Minutes between the visiting parent's arrival and the custodial parent's (and
    /// between the return and the visiting parent's departure), so that they never meet.
    pub gap_minutes: i64,
    /// Dates without a visit (besides public holidays).
    pub exceptions: BTreeSet<Date>,
}

/// The longest gap between arrivals, in minutes.
pub const GAP_MAX: i64 = 120;

/// How far ahead visits are generated when the order has no end.
pub const HORIZON_DAYS: i64 = 183;

/// A schedule as typed.
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    /// RFC 5545 rule.
    pub rule: String,
    /// First date.
    pub starts_on: String,
    /// Last date.
    pub ends_on: Option<String>,
    /// `HH:MM`.
    pub start_time: String,
    /// `HH:MM`.
    pub end_time: String,
    /// Minutes (default 15).
    pub gap_minutes: Option<String>,
    /// Dates without a visit.
    pub exceptions: Vec<String>,
}

impl Schedule {
    /// Validates a typed schedule; field paths are under `schedule.`.
    pub fn validate(input: &ScheduleInput) -> Result<Schedule, Vec<FieldError>> {
        let mut errors = Errors::new();
        let rule = errors.check("schedule.rule", Recurrence::parse(&input.rule));
        let starts_on = errors.check("schedule.starts_on", crate::time::parse_date(&input.starts_on));
        let ends_on = match input.ends_on.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => errors.check("schedule.ends_on", crate::time::parse_date(text)),
        };
        let start_time = errors.check("schedule.start_time", crate::time::parse_time(&input.start_time));
        let end_time = errors.check("schedule.end_time", crate::time::parse_time(&input.end_time));
        let gap_minutes = match input.gap_minutes.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            None => Some(15),
            Some(text) => errors.check(
                "schedule.gap_minutes",
                crate::time::ascii_digits(text)
                    .parse::<i64>()
                    .ok()
                    .filter(|gap| (0..=GAP_MAX).contains(gap))
                    .ok_or(Problem::OutOfRange),
            ),
        };
        let mut exceptions = BTreeSet::new();
        for (index, text) in input.exceptions.iter().enumerate() {
            if let Some(date) = errors.check(format!("schedule.exceptions[{index}]"), crate::time::parse_date(text)) {
                exceptions.insert(date);
            }
        }
        if let (Some(start), Some(end)) = (start_time, end_time)
            && end <= start
        {
            errors.add("schedule.end_time", Problem::EndBeforeStart);
        }
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.add("schedule.ends_on", Problem::EndBeforeStart);
        }
        errors.finish()?;
        match (rule, starts_on, start_time, end_time, gap_minutes) {
            (Some(rule), Some(starts_on), Some(start_time), Some(end_time), Some(gap_minutes)) => {
                Ok(Schedule { rule, starts_on, ends_on, start_time, end_time, gap_minutes, exceptions })
            }
            _ => Err(vec![FieldError::new("schedule.rule", Problem::Required)]),
        }
    }

    /// The visit dates from the start through `last` (or the order's end, whichever
    /// comes first), without the exceptions and the public holidays.
    pub fn visit_dates(&self, last: Date, holidays: &BTreeSet<Date>) -> Vec<Date> {
        let last = self.ends_on.map_or(last, |end| end.min(last));
        self.rule
            .dates(self.starts_on, last)
            .into_iter()
            .filter(|date| !self.exceptions.contains(date) && !holidays.contains(date))
            .collect()
    }

    /// The times of a visit on `date` (Doha time, UTC+3).
    pub fn times_on(&self, date: Date) -> Option<VisitTimes> {
        let offset = jiff::tz::Offset::constant(3);
        let starts_at = offset.to_timestamp(date.to_datetime(self.start_time)).ok()?;
        let ends_at = offset.to_timestamp(date.to_datetime(self.end_time)).ok()?;
        let gap = SignedDuration::from_mins(self.gap_minutes);
        Some(VisitTimes { visiting_arrives_at: starts_at - gap, starts_at, ends_at, visiting_leaves_at: ends_at + gap })
    }
}

/// The staggered times of one visit: the visiting parent arrives first and is seated
/// apart; the custodial parent brings the children at the start and collects them at the
/// end, and leaves before the visiting parent may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitTimes {
    /// The visiting parent arrives (start − gap).
    pub visiting_arrives_at: Timestamp,
    /// The custodial parent arrives with the children: the handover.
    pub starts_at: Timestamp,
    /// The children are returned; the custodial parent leaves with them.
    pub ends_at: Timestamp,
    /// The visiting parent may leave (end + gap).
    pub visiting_leaves_at: Timestamp,
}

/// A court order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourtOrder {
    /// Its id.
    pub id: CourtOrderId,
    /// The court-order case that carries it.
    pub case_id: CaseId,
    /// The court (as named on the decision).
    pub court: Text,
    /// The decision number.
    pub decision_number: Text,
    /// The decision date (Gregorian; shown with its Hijri date).
    pub decision_date: Date,
    /// What was ordered.
    pub kind: OrderKind,
    /// Whether the visits are supervised.
    pub supervised: bool,
    /// Conditions of the order (absent once shredded).
    pub conditions: Option<Text>,
    /// Where the visits take place.
    pub office_id: OfficeId,
    /// The custodial parent.
    pub custodial_person_id: PersonId,
    /// The visiting parent.
    pub visiting_person_id: PersonId,
    /// The children.
    pub children: Vec<PersonId>,
    /// The schedule.
    pub schedule: Schedule,
    /// Who registered it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// One visit of a court order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Its id.
    pub id: VisitId,
    /// The order.
    pub order_id: CourtOrderId,
    /// The date.
    pub on: Date,
    /// The staggered times.
    pub times: VisitTimes,
    /// Where it stands.
    pub status: VisitStatus,
}

/// Something recorded at a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitEvent {
    /// Its id.
    pub id: uuid::Uuid,
    /// The visit.
    pub visit_id: VisitId,
    /// What happened.
    pub kind: VisitEventKind,
    /// Which party, when it concerns one.
    pub party: Option<Party>,
    /// What was written (absent once shredded).
    pub note: Option<Text>,
    /// When.
    pub at: Timestamp,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// A correction: the event it supersedes (which stays on the record and in the report,
    /// marked as corrected).
    pub supersedes: Option<uuid::Uuid>,
    /// A correction's reason (absent once shredded, and on events that correct nothing).
    pub reason: Option<Text>,
    /// When it was recorded, for a correction made after the fact (`at` is then the time
    /// it corrects to); `None`: recorded as it happened, at `at`.
    pub recorded_at: Option<Timestamp>,
}

impl VisitEvent {
    /// Whether it records who came and what happened to the children: arrivals, the
    /// handover, the return and no-shows — what must happen on the visit's day, in order,
    /// once each.
    pub fn is_attendance(kind: VisitEventKind) -> bool {
        matches!(
            kind,
            VisitEventKind::Arrived | VisitEventKind::Handover | VisitEventKind::Returned | VisitEventKind::NoShow
        )
    }
}

/// The events that stand: those no later event supersedes, in time order.
pub fn standing(events: &[VisitEvent]) -> Vec<&VisitEvent> {
    let superseded: BTreeSet<uuid::Uuid> = events.iter().filter_map(|event| event.supersedes).collect();
    let mut standing: Vec<&VisitEvent> = events.iter().filter(|event| !superseded.contains(&event.id)).collect();
    standing.sort_by_key(|event| (event.at, event.recorded_at.unwrap_or(event.at)));
    standing
}

/// Checks that a visit's standing events, in time order, follow the visit's course: each
/// party arrives once, or is recorded absent once (never both); the handover follows both
/// arrivals and comes once; the return follows the handover and comes once; nothing of
/// attendance follows the return. The problem names the first step out of order.
pub fn check_sequence(events: &[(VisitEventKind, Option<Party>)]) -> Result<(), Problem> {
    let mut arrived = BTreeSet::new();
    let mut absent = BTreeSet::new();
    let (mut handed, mut returned) = (false, false);
    for (kind, party) in events {
        let out_of_order = match kind {
            VisitEventKind::Arrived | VisitEventKind::NoShow => {
                let Some(party) = party else { return Err(Problem::Required) };
                let seen = arrived.contains(party) || absent.contains(party);
                if *kind == VisitEventKind::Arrived {
                    arrived.insert(*party);
                } else {
                    absent.insert(*party);
                }
                seen || handed || returned
            }
            VisitEventKind::Handover => {
                let out = handed || !(arrived.contains(&Party::Custodial) && arrived.contains(&Party::Visiting));
                handed = true;
                out
            }
            VisitEventKind::Returned => {
                let out = returned || !handed;
                returned = true;
                out
            }
            VisitEventKind::Incident | VisitEventKind::Note => false,
        };
        if out_of_order {
            return Err(Problem::OutOfOrder);
        }
    }
    Ok(())
}

/// Checks what an event needs: arrivals and no-shows name the party; a no-show, an
/// incident and a note say what happened.
pub fn check_event(kind: VisitEventKind, party: Option<Party>, note: Option<&Text>) -> Result<(), FieldError> {
    let needs_party = matches!(kind, VisitEventKind::Arrived | VisitEventKind::NoShow);
    let needs_note = matches!(kind, VisitEventKind::NoShow | VisitEventKind::Incident | VisitEventKind::Note);
    if needs_party && party.is_none() {
        return Err(FieldError::new("party", Problem::Required));
    }
    if needs_note && note.is_none() {
        return Err(FieldError::new("note", Problem::Required));
    }
    Ok(())
}

/// The status a visit reaches with its standing events: missed once a party did not
/// come; held once the children were returned; scheduled otherwise.
pub fn status_after(events: &[VisitEventKind]) -> VisitStatus {
    if events.contains(&VisitEventKind::NoShow) {
        VisitStatus::Missed
    } else if events.contains(&VisitEventKind::Returned) {
        VisitStatus::Held
    } else {
        VisitStatus::Scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_visit_s_steps_come_in_order_and_once_each() {
        use Party::{Custodial, Visiting};
        use VisitEventKind::*;
        let good = [
            (Arrived, Some(Visiting)),
            (Arrived, Some(Custodial)),
            (Handover, None),
            (Incident, None),
            (Returned, None),
            (Note, None),
        ];
        assert_eq!(check_sequence(&good), Ok(()));
        assert_eq!(check_sequence(&[(NoShow, Some(Visiting)), (Note, None)]), Ok(()));
        for bad in [
            vec![(Arrived, Some(Visiting)), (Arrived, Some(Visiting))],
            vec![(Arrived, Some(Visiting)), (Handover, None)],
            vec![(Returned, None)],
            vec![(Arrived, Some(Visiting)), (Arrived, Some(Custodial)), (Handover, None), (Handover, None)],
            vec![(NoShow, Some(Visiting)), (Arrived, Some(Visiting))],
            vec![(Arrived, Some(Custodial)), (NoShow, Some(Custodial))],
            vec![
                (Arrived, Some(Visiting)),
                (Arrived, Some(Custodial)),
                (Handover, None),
                (Returned, None),
                (Returned, None),
            ],
        ] {
            assert_eq!(check_sequence(&bad), Err(Problem::OutOfOrder), "{bad:?}");
        }
    }

    #[test]
    fn weekly_on_fridays_skips_the_national_day() {
        let rule = Recurrence::parse("FREQ=WEEKLY;BYDAY=FR").unwrap();
        let schedule = Schedule {
            rule,
            starts_on: date(2026, 12, 1),
            ends_on: None,
            start_time: Time::new(16, 0, 0, 0).unwrap(),
            end_time: Time::new(18, 0, 0, 0).unwrap(),
            gap_minutes: 15,
            exceptions: BTreeSet::new(),
        };
        let holidays = BTreeSet::from([date(2026, 12, 18)]);
        assert_eq!(
            schedule.visit_dates(date(2026, 12, 31), &holidays),
            [date(2026, 12, 4), date(2026, 12, 11), date(2026, 12, 25)]
        );
        let times = schedule.times_on(date(2026, 12, 4)).unwrap();
        assert_eq!(times.visiting_arrives_at.to_string(), "2026-12-04T12:45:00Z");
        assert_eq!(times.starts_at.to_string(), "2026-12-04T13:00:00Z");
        assert_eq!(times.visiting_leaves_at.to_string(), "2026-12-04T15:15:00Z");
    }

    #[test]
    fn rules_of_the_subset() {
        let dates = |rule: &str, start: Date, last: Date| Recurrence::parse(rule).unwrap().dates(start, last);
        assert_eq!(
            dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR", date(2026, 12, 1), date(2026, 12, 31)),
            [date(2026, 12, 1), date(2026, 12, 4), date(2026, 12, 15), date(2026, 12, 18), date(2026, 12, 29)]
        );
        assert_eq!(dates("FREQ=DAILY;COUNT=3", date(2026, 12, 30), date(2027, 12, 31)).len(), 3);
        assert_eq!(
            dates("FREQ=MONTHLY;BYMONTHDAY=31", date(2027, 1, 1), date(2027, 5, 31)),
            [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]
        );
        assert_eq!(dates("RRULE:FREQ=WEEKLY;UNTIL=20261210", date(2026, 12, 3), date(2026, 12, 31)).len(), 2);
        let rule = Recurrence::parse("freq=weekly;byday=FR;count=4").unwrap();
        assert_eq!(Recurrence::parse(&rule.to_rule()), Ok(rule));
    }

    #[test]
    fn rules_outside_the_subset_are_refused() {
        for rule in
            ["", "FREQ=YEARLY", "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;BYDAY=FR", "FREQ=WEEKLY;FREQ=DAILY", "BYDAY=FR"]
        {
            assert!(Recurrence::parse(rule).is_err(), "{rule}");
        }
        assert_eq!(Recurrence::parse(""), Err(Problem::Required));
    }

    #[test]
    fn schedules_are_validated_field_by_field() {
        let errors = Schedule::validate(&ScheduleInput {
            rule: "FREQ=WEEKLY;BYDAY=FR".into(),
            starts_on: "2026-12-01".into(),
            ends_on: Some("2026-11-01".into()),
            start_time: "18:00".into(),
            end_time: "16:00".into(),
            gap_minutes: Some("500".into()),
            exceptions: vec!["2026-13-01".into()],
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["schedule.gap_minutes", "schedule.exceptions[0]", "schedule.end_time", "schedule.ends_on"]);
    }

    #[test]
    fn events_need_their_party_and_note() {
        let note = Text::parse("لم يحضر", 100).unwrap();
        assert!(check_event(VisitEventKind::NoShow, Some(Party::Visiting), Some(&note)).is_ok());
        assert_eq!(check_event(VisitEventKind::NoShow, None, Some(&note)).unwrap_err().field, "party");
        assert_eq!(check_event(VisitEventKind::Incident, None, None).unwrap_err().field, "note");
        assert!(check_event(VisitEventKind::Handover, None, None).is_ok());
        assert_eq!(status_after(&[VisitEventKind::Arrived, VisitEventKind::Returned]), VisitStatus::Held);
        assert_eq!(status_after(&[VisitEventKind::NoShow]), VisitStatus::Missed);
    }
}
