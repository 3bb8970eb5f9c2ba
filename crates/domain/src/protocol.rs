//! Protocols: the sub-agreements between two agencies that say which case categories
//! may be referred, which data classes travel, the deadlines by priority, which
//! categories go to the centre before any authority, and from when to when it holds.
//! A protocol is versioned; a referral is checked against — and its deadlines computed
//! from — the version in force when it is made, and keeps pointing at that version.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::consent::DataClass;
use crate::ids::{AgencyId, ProtocolId};
use crate::referral::{Priority, ReferralStatus, Step};

/// Deadlines of a protocol, per priority and step, as durations from the referral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deadlines {
    durations: BTreeMap<(Priority, Step), SignedDuration>,
}

impl Deadlines {
    /// Sets the deadline of `step` for `priority`.
    pub fn set(&mut self, priority: Priority, step: Step, within: SignedDuration) {
        self.durations.insert((priority, step), within);
    }

    /// The deadline of `step` for `priority`, if the protocol sets one.
    pub fn get(&self, priority: Priority, step: Step) -> Option<SignedDuration> {
        self.durations.get(&(priority, step)).copied()
    }

    /// Every deadline set.
    pub fn iter(&self) -> impl Iterator<Item = (Priority, Step, SignedDuration)> + '_ {
        self.durations.iter().map(|((priority, step), within)| (*priority, *step, *within))
    }

    /// The due instant of each step for a referral of `priority` made at `made_at`.
    pub fn due_times(&self, priority: Priority, made_at: Timestamp) -> BTreeMap<Step, Timestamp> {
        Step::ALL
            .into_iter()
            .filter_map(|step| {
                let within = self.get(priority, step)?;
                made_at.checked_add(within).ok().map(|due| (step, due))
            })
            .collect()
    }
}

/// One version of a protocol between two agencies. Referrals may go either way between
/// them; "centre first" concerns the police side's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// This version's id.
    pub id: ProtocolId,
    /// One party.
    pub agency_a: AgencyId,
    /// The other party.
    pub agency_b: AgencyId,
    /// The version number, from 1.
    pub version: u32,
    /// First day in force.
    pub valid_from: Date,
    /// Last day in force, if it ends.
    pub valid_until: Option<Date>,
    /// Case category codes that may be referred (a sub-category is covered through its
    /// parent).
    pub categories: BTreeSet<String>,
    /// Of those, the categories that must go to the centre before any authority.
    pub centre_first: BTreeSet<String>,
    /// Data classes that may travel.
    pub data_classes: BTreeSet<DataClass>,
    /// Deadlines by priority and step.
    pub deadlines: Deadlines,
    /// Whether an administrator has revoked it.
    pub revoked: bool,
    /// The parties whose administrators accepted this version: it is in force only when
    /// both did (one proposes it, which is its acceptance; the other accepts it).
    pub accepted_by: BTreeSet<AgencyId>,
    /// How a person of the case whom no consent covers travels with a referral.
    pub uncovered: Uncovered,
}

code_enum!(
    /// How a person of a referred case whose own consent (or, for a child, the recorded
    /// mandatory basis) does not cover her identity travels: as her role and age ("a
    /// child, 7 years"), or not at all.
    Uncovered {
        /// As her role and her age, nothing else.
        RoleAndAge = "role_and_age",
        /// Not at all.
        Omitted = "omitted",
    }
);

impl Protocol {
    /// Whether this protocol is between `first` and `second` (in either order).
    pub fn connects(&self, first: AgencyId, second: AgencyId) -> bool {
        (self.agency_a == first && self.agency_b == second) || (self.agency_a == second && self.agency_b == first)
    }

    /// Whether an administrator of each party has accepted this version.
    pub fn accepted(&self) -> bool {
        self.accepted_by.contains(&self.agency_a) && self.accepted_by.contains(&self.agency_b)
    }

    /// Whether it is in force on `day`: accepted by both parties, not revoked, and within
    /// its dates.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.accepted() && !self.revoked && self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }

    /// Whether a case of `category` (with its parent category, for a sub-category) may
    /// be referred under it.
    pub fn covers_category(&self, category: &str) -> bool {
        self.categories.contains(category)
    }
}

/// The version in force on `day` between two agencies: of those in force, the highest
/// version number.
pub fn in_force(protocols: &[Protocol], from: AgencyId, to: AgencyId, day: Date) -> Option<&Protocol> {
    protocols
        .iter()
        .filter(|protocol| protocol.connects(from, to) && protocol.in_force_on(day))
        .max_by_key(|protocol| protocol.version)
}

/// A referral rule that a request breaks. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleViolation {
    /// No protocol between the two agencies is in force.
    NoActiveProtocol,
    /// The protocol in force does not cover the case's category.
    CategoryNotCovered,
    /// The protocol in force does not allow these data classes to travel.
    DataClassNotInProtocol(BTreeSet<DataClass>),
    /// No valid consent (or mandatory basis) covers these data classes.
    ConsentMissing(BTreeSet<DataClass>),
    /// A centre-first case may not go to an authority before the centre's outcome.
    CentreFirst,
}

impl RuleViolation {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuleViolation::NoActiveProtocol => "no_active_protocol",
            RuleViolation::CategoryNotCovered => "category_not_covered",
            RuleViolation::DataClassNotInProtocol(_) => "data_class_not_in_protocol",
            RuleViolation::ConsentMissing(_) => "consent_missing",
            RuleViolation::CentreFirst => "centre_first",
        }
    }
}

/// Checks a referral's category and data classes against the protocol in force.
pub fn check_referral(
    protocol: Option<&Protocol>,
    category: &str,
    classes: &BTreeSet<DataClass>,
) -> Result<(), RuleViolation> {
    let protocol = protocol.ok_or(RuleViolation::NoActiveProtocol)?;
    if !protocol.covers_category(category) {
        return Err(RuleViolation::CategoryNotCovered);
    }
    let outside: BTreeSet<DataClass> = classes.difference(&protocol.data_classes).copied().collect();
    if !outside.is_empty() {
        return Err(RuleViolation::DataClassNotInProtocol(outside));
    }
    Ok(())
}

/// What the centre-before-authorities rule needs to know of one referral of the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralState {
    /// Its status.
    pub status: ReferralStatus,
    /// Whether it went to a centre.
    pub to_centre: bool,
}

/// The centre-before-authorities rule (ARCHITECTURE.md): a police case whose category any
/// protocol in force marks "centre first" may go to an authority only after a centre has
/// recorded an outcome on a referral of it (completed, or itself transferred the case
/// after its work), or when a police supervisor has recorded a bypass.
pub fn check_centre_first(
    protocols_in_force: &[&Protocol],
    category: &str,
    referrals: &[ReferralState],
    bypass_recorded: bool,
) -> Result<(), RuleViolation> {
    let centre_first = protocols_in_force.iter().any(|protocol| protocol.centre_first.contains(category));
    if !centre_first || bypass_recorded {
        return Ok(());
    }
    let centre_outcome = referrals.iter().any(|referral| {
        referral.to_centre && matches!(referral.status, ReferralStatus::Completed | ReferralStatus::Transferred)
    });
    if centre_outcome { Ok(()) } else { Err(RuleViolation::CentreFirst) }
}

/// The grounds on which a police supervisor may send a centre-first case to an authority
/// without the centre's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BypassGround {
    /// The person is in immediate danger.
    ImmediateDanger,
    /// The law requires the report.
    LegalDutyToReport,
    /// The person chose to go to the authority directly.
    PersonsChoice,
}

impl BypassGround {
    /// Every ground.
    pub const ALL: [BypassGround; 3] =
        [BypassGround::ImmediateDanger, BypassGround::LegalDutyToReport, BypassGround::PersonsChoice];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            BypassGround::ImmediateDanger => "immediate_danger",
            BypassGround::LegalDutyToReport => "legal_duty_to_report",
            BypassGround::PersonsChoice => "persons_choice",
        }
    }

    /// The ground for a code.
    pub fn parse(code: &str) -> Result<BypassGround, crate::error::Problem> {
        let code = code.trim();
        if code.is_empty() {
            return Err(crate::error::Problem::Required);
        }
        BypassGround::ALL.into_iter().find(|ground| ground.code() == code).ok_or(crate::error::Problem::UnknownValue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use uuid::Uuid;

    fn agency(n: u128) -> AgencyId {
        AgencyId::from_uuid(Uuid::from_u128(n))
    }

    fn protocol(version: u32, from: Date, until: Option<Date>) -> Protocol {
        let mut deadlines = Deadlines::default();
        deadlines.set(Priority::High, Step::Receive, SignedDuration::from_hours(1));
        deadlines.set(Priority::High, Step::FirstContact, SignedDuration::from_hours(24));
        Protocol {
            id: ProtocolId::from_uuid(Uuid::from_u128(u128::from(version))),
            agency_a: agency(1),
            agency_b: agency(2),
            version,
            valid_from: from,
            valid_until: until,
            categories: ["domestic_violence".to_string(), "family_dispute".to_string()].into(),
            centre_first: ["family_dispute".to_string()].into(),
            data_classes: [DataClass::Identity, DataClass::Summary, DataClass::Risk].into(),
            deadlines,
            revoked: false,
            accepted_by: [agency(1), agency(2)].into(),
            uncovered: Uncovered::RoleAndAge,
        }
    }

    #[test]
    fn the_highest_version_in_force_applies() {
        let protocols = vec![
            protocol(1, date(2019, 8, 26), Some(date(2026, 6, 30))),
            protocol(2, date(2026, 7, 1), None),
            protocol(3, date(2027, 1, 1), None),
        ];
        let on = |day| in_force(&protocols, agency(2), agency(1), day).map(|found| found.version);
        assert_eq!(on(date(2020, 1, 1)), Some(1));
        assert_eq!(on(date(2026, 6, 30)), Some(1));
        assert_eq!(on(date(2026, 7, 1)), Some(2));
        assert_eq!(on(date(2027, 1, 1)), Some(3));
        assert_eq!(on(date(2019, 8, 25)), None);
        assert_eq!(in_force(&protocols, agency(1), agency(3), date(2026, 7, 1)), None);
        let mut revoked = protocol(2, date(2026, 7, 1), None);
        revoked.revoked = true;
        assert_eq!(in_force(&[revoked], agency(1), agency(2), date(2026, 8, 1)), None);
        // Proposed by one party and not yet accepted by the other: not in force.
        let mut proposed = protocol(2, date(2026, 7, 1), None);
        proposed.accepted_by = [agency(1)].into();
        assert_eq!(in_force(&[proposed], agency(1), agency(2), date(2026, 8, 1)), None);
    }

    #[test]
    fn referral_check_names_the_broken_rule() {
        let protocol = protocol(1, date(2019, 8, 26), None);
        let classes: BTreeSet<DataClass> = [DataClass::Identity, DataClass::Summary].into();
        assert_eq!(check_referral(Some(&protocol), "domestic_violence", &classes), Ok(()));
        assert_eq!(check_referral(None, "domestic_violence", &classes), Err(RuleViolation::NoActiveProtocol));
        assert_eq!(check_referral(Some(&protocol), "runaway", &classes), Err(RuleViolation::CategoryNotCovered));
        let with_narrative: BTreeSet<DataClass> = [DataClass::Identity, DataClass::Narrative].into();
        assert_eq!(
            check_referral(Some(&protocol), "domestic_violence", &with_narrative),
            Err(RuleViolation::DataClassNotInProtocol([DataClass::Narrative].into()))
        );
    }

    #[test]
    fn deadlines_count_from_the_referral() {
        let protocol = protocol(1, date(2019, 8, 26), None);
        let made: Timestamp = "2026-11-29T08:00:00Z".parse().unwrap();
        let due = protocol.deadlines.due_times(Priority::High, made);
        assert_eq!(due[&Step::Receive].to_string(), "2026-11-29T09:00:00Z");
        assert_eq!(due[&Step::FirstContact].to_string(), "2026-11-30T08:00:00Z");
        assert!(!due.contains_key(&Step::Decide));
        assert!(protocol.deadlines.due_times(Priority::Standard, made).is_empty());
    }

    #[test]
    fn centre_first_three_ways() {
        let protocol = protocol(1, date(2019, 8, 26), None);
        let in_force = [&protocol];
        let at_centre = |status| [ReferralState { status, to_centre: true }];
        // Refused while the centre has not recorded an outcome.
        assert_eq!(
            check_centre_first(&in_force, "family_dispute", &at_centre(ReferralStatus::InProgress), false),
            Err(RuleViolation::CentreFirst)
        );
        assert_eq!(check_centre_first(&in_force, "family_dispute", &[], false), Err(RuleViolation::CentreFirst));
        // Allowed after the centre's outcome.
        assert_eq!(
            check_centre_first(&in_force, "family_dispute", &at_centre(ReferralStatus::Completed), false),
            Ok(())
        );
        // Allowed with a supervisor's bypass.
        assert_eq!(check_centre_first(&in_force, "family_dispute", &[], true), Ok(()));
        // Categories that are not centre-first are never held back.
        assert_eq!(check_centre_first(&in_force, "domestic_violence", &[], false), Ok(()));
        // A rejected referral is not an outcome.
        assert_eq!(
            check_centre_first(&in_force, "family_dispute", &at_centre(ReferralStatus::Rejected), false),
            Err(RuleViolation::CentreFirst)
        );
    }
}
