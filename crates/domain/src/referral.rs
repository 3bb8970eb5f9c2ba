//! Referrals and their lifecycle. Status names follow the HL7 FHIR `Task` statuses so
//! that the API can speak FHIR; `redirected` and `transferred` are Sila's own and map
//! onto FHIR statuses with a business status (see [`ReferralStatus::fhir`]).
//!
//! ```text
//! requested ─► received ─► accepted ─► in-progress ─► completed
//!      │            ├─► rejected (reason)            ├─► transferred (to an authority)
//!      └─► cancelled └─► redirected (to another office) └─► on-hold ⇄ in-progress
//! ```
//!
//! The lifecycle is one pure function, [`check_transition`], of the current status,
//! the wanted status and the side of the referral the actor is on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;

use crate::consent::DataClass;
use crate::error::Problem;
use crate::ids::{AgencyId, CaseId, OfficeId, PersonId, ProtocolId, ReferralId, UserId};
use crate::person::PersonRole;
use crate::risk::RiskLevel;
use crate::text::Text;

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferralStatus {
    /// Sent by the referrer; not yet acknowledged by the receiving desk.
    Requested,
    /// The desk has acknowledged it and is deciding.
    Received,
    /// The desk accepted it; a centre case is open.
    Accepted,
    /// The centre is working with the person (first contact made).
    InProgress,
    /// Paused (the person travelled, is in hospital, …).
    OnHold,
    /// Done, with an outcome category.
    Completed,
    /// The desk declined it, with a reason.
    Rejected,
    /// The referrer withdrew it before acceptance.
    Cancelled,
    /// The desk passed it to another office, which receives a new referral.
    Redirected,
    /// The centre transferred the case to a competent authority.
    Transferred,
}

impl ReferralStatus {
    /// Every status.
    pub const ALL: [ReferralStatus; 10] = [
        ReferralStatus::Requested,
        ReferralStatus::Received,
        ReferralStatus::Accepted,
        ReferralStatus::InProgress,
        ReferralStatus::OnHold,
        ReferralStatus::Completed,
        ReferralStatus::Rejected,
        ReferralStatus::Cancelled,
        ReferralStatus::Redirected,
        ReferralStatus::Transferred,
    ];

    /// The stable code (FHIR spelling, with hyphens).
    pub fn code(&self) -> &'static str {
        match self {
            ReferralStatus::Requested => "requested",
            ReferralStatus::Received => "received",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::InProgress => "in-progress",
            ReferralStatus::OnHold => "on-hold",
            ReferralStatus::Completed => "completed",
            ReferralStatus::Rejected => "rejected",
            ReferralStatus::Cancelled => "cancelled",
            ReferralStatus::Redirected => "redirected",
            ReferralStatus::Transferred => "transferred",
        }
    }

    /// The status for a code.
    pub fn parse(code: &str) -> Result<ReferralStatus, Problem> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Problem::Required);
        }
        ReferralStatus::ALL.into_iter().find(|status| status.code() == code).ok_or(Problem::UnknownValue)
    }

    /// The FHIR R4 `Task.status` and, where Sila is more precise than FHIR, the
    /// `Task.businessStatus` code that carries the difference:
    ///
    /// | Sila | FHIR status | businessStatus |
    /// |---|---|---|
    /// | requested, received, accepted, in-progress, on-hold, completed, rejected, cancelled | the same | — |
    /// | redirected | `rejected` | `redirected` (a new Task for the other office follows) |
    /// | transferred | `completed` | `transferred` (the output names the authority) |
    pub fn fhir(&self) -> (&'static str, Option<&'static str>) {
        match self {
            ReferralStatus::Redirected => ("rejected", Some("redirected")),
            ReferralStatus::Transferred => ("completed", Some("transferred")),
            other => (other.code(), None),
        }
    }

    /// Whether nothing can follow.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ReferralStatus::Completed
                | ReferralStatus::Rejected
                | ReferralStatus::Cancelled
                | ReferralStatus::Redirected
                | ReferralStatus::Transferred
        )
    }

    /// Whether the receiving desk has accepted the referral (and so holds a centre case).
    pub fn is_accepted(&self) -> bool {
        matches!(
            self,
            ReferralStatus::Accepted
                | ReferralStatus::InProgress
                | ReferralStatus::OnHold
                | ReferralStatus::Completed
                | ReferralStatus::Transferred
        )
    }
}

impl fmt::Display for ReferralStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Which side of a referral an actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The agency that sent it.
    Referrer,
    /// The agency whose office received it.
    Receiver,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// The lifecycle has no such step from the current status.
    NotAllowed,
    /// The step exists but belongs to the other side.
    WrongSide,
}

/// Every allowed step: (from, to, the side that takes it).
///
/// The desk may accept, reject or redirect straight from `requested`: acknowledging and
/// deciding are then one act, and the receipt is recorded at the same time. The referrer
/// may cancel only until the desk decides; after acceptance the case is the centre's.
pub const TRANSITIONS: [(ReferralStatus, ReferralStatus, Side); 14] = {
    use ReferralStatus::*;
    use Side::*;
    [
        (Requested, Received, Receiver),
        (Requested, Accepted, Receiver),
        (Requested, Rejected, Receiver),
        (Requested, Redirected, Receiver),
        (Requested, Cancelled, Referrer),
        (Received, Accepted, Receiver),
        (Received, Rejected, Receiver),
        (Received, Redirected, Receiver),
        (Received, Cancelled, Referrer),
        (Accepted, InProgress, Receiver),
        (InProgress, OnHold, Receiver),
        (InProgress, Completed, Receiver),
        (InProgress, Transferred, Receiver),
        (OnHold, InProgress, Receiver),
    ]
};

/// Checks one step of the lifecycle.
pub fn check_transition(from: ReferralStatus, to: ReferralStatus, side: Side) -> Result<(), TransitionError> {
    match TRANSITIONS.iter().find(|(step_from, step_to, _)| *step_from == from && *step_to == to) {
        Some((_, _, owner)) if *owner == side => Ok(()),
        Some(_) => Err(TransitionError::WrongSide),
        None => Err(TransitionError::NotAllowed),
    }
}

/// What a step needs besides the actor: a reason, an outcome, an authority, an office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// A written reason.
    Reason,
    /// An outcome category.
    Outcome,
    /// The authority the case goes to.
    Authority,
    /// The office the referral is redirected to.
    Office,
}

/// The fields a transition to `to` requires.
pub fn requirements(to: ReferralStatus) -> &'static [Requirement] {
    match to {
        ReferralStatus::Rejected | ReferralStatus::Cancelled | ReferralStatus::OnHold => &[Requirement::Reason],
        ReferralStatus::Redirected => &[Requirement::Office, Requirement::Reason],
        ReferralStatus::Completed => &[Requirement::Outcome],
        ReferralStatus::Transferred => &[Requirement::Authority],
        _ => &[],
    }
}

/// How urgent a referral is. It follows the risk level: a high-risk case is never
/// referred at a lower priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// The usual deadlines.
    Standard,
    /// Shorter deadlines.
    Medium,
    /// The shortest deadlines (e.g. received within an hour).
    High,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 3] = [Priority::Standard, Priority::Medium, Priority::High];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Priority::Standard => "standard",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// The priority for a code.
    pub fn parse(code: &str) -> Result<Priority, Problem> {
        match code.trim() {
            "standard" => Ok(Priority::Standard),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// The outcome a centre records when it completes a referral: the category the
/// referring officer sees (the closed loop), never the content behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The problem was resolved.
    Resolved,
    /// The person was counselled.
    Counselled,
    /// The family was reconciled.
    Reconciled,
    /// The person was rehabilitated.
    Rehabilitated,
    /// Assessed; no further service needed.
    Assessed,
    /// The person declined the service.
    DeclinedByPerson,
    /// The centre could not reach the person.
    NoContact,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 7] = [
        Outcome::Resolved,
        Outcome::Counselled,
        Outcome::Reconciled,
        Outcome::Rehabilitated,
        Outcome::Assessed,
        Outcome::DeclinedByPerson,
        Outcome::NoContact,
    ];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::Counselled => "counselled",
            Outcome::Reconciled => "reconciled",
            Outcome::Rehabilitated => "rehabilitated",
            Outcome::Assessed => "assessed",
            Outcome::DeclinedByPerson => "declined_by_person",
            Outcome::NoContact => "no_contact",
        }
    }

    /// The outcome for a code.
    pub fn parse(code: &str) -> Result<Outcome, Problem> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Problem::Required);
        }
        Outcome::ALL.into_iter().find(|outcome| outcome.code() == code).ok_or(Problem::UnknownValue)
    }
}

/// A step of a referral that has a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// The desk acknowledges the referral.
    Receive,
    /// The desk accepts, rejects or redirects it.
    Decide,
    /// The centre makes first contact with the person (the referral goes in progress).
    FirstContact,
}

impl Step {
    /// Every step, in lifecycle order.
    pub const ALL: [Step; 3] = [Step::Receive, Step::Decide, Step::FirstContact];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Step::Receive => "receive",
            Step::Decide => "decide",
            Step::FirstContact => "first_contact",
        }
    }

    /// The step for a code.
    pub fn parse(code: &str) -> Result<Step, Problem> {
        Step::ALL.into_iter().find(|step| step.code() == code.trim()).ok_or(Problem::UnknownValue)
    }

    /// The steps a transition to `to` completes.
    pub fn completed_by(to: ReferralStatus) -> &'static [Step] {
        match to {
            ReferralStatus::Received => &[Step::Receive],
            ReferralStatus::Accepted | ReferralStatus::Rejected | ReferralStatus::Redirected => {
                &[Step::Receive, Step::Decide]
            }
            ReferralStatus::InProgress => &[Step::Receive, Step::Decide, Step::FirstContact],
            _ => &[],
        }
    }
}

/// A referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Its id.
    pub id: ReferralId,
    /// The referring agency's case.
    pub case_id: CaseId,
    /// The referring agency.
    pub from_agency_id: AgencyId,
    /// The referring office.
    pub from_office_id: OfficeId,
    /// The receiving agency.
    pub to_agency_id: AgencyId,
    /// The receiving office (desk).
    pub to_office_id: OfficeId,
    /// The protocol version in force when it was made.
    pub protocol_id: ProtocolId,
    /// How urgent.
    pub priority: Priority,
    /// Why it is referred (absent once the content is shredded).
    pub reason: Option<Text>,
    /// The data classes it carries.
    pub data_classes: BTreeSet<DataClass>,
    /// Where it stands.
    pub status: ReferralStatus,
    /// The reason given with the last transition that needed one.
    pub status_reason: Option<Text>,
    /// The centre's outcome, when completed.
    pub outcome: Option<Outcome>,
    /// The authority it was transferred to.
    pub authority_agency_id: Option<AgencyId>,
    /// The referral this one continues after a redirection.
    pub redirected_from_id: Option<ReferralId>,
    /// The centre case opened on acceptance.
    pub centre_case_id: Option<CaseId>,
    /// What was sent, as it was when sent (absent once the content is shredded).
    pub packet: Option<Packet>,
    /// Who made it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Due instant of each step with a deadline.
    pub due: BTreeMap<Step, Timestamp>,
    /// When each step was reached.
    pub reached: BTreeMap<Step, Timestamp>,
    /// When it reached a terminal status.
    pub closed_at: Option<Timestamp>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// What a referral carries, fixed when it is made: only the data classes it was allowed
/// to carry are filled in. The receiving desk reads this, not the referrer's case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packet {
    /// `summary`: category, sub-category, priority and reason (always present: without
    /// it a desk cannot decide).
    pub category: String,
    /// `summary`: sub-category.
    pub subcategory: Option<String>,
    /// The persons of the case, with what their classes allow.
    pub persons: Vec<PacketPerson>,
    /// `risk`: the latest assessment.
    pub risk: Option<PacketRisk>,
    /// `narrative`: the case narrative.
    pub narrative: Option<String>,
}

/// A person as sent in a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketPerson {
    /// The person's id (opaque without `identity`).
    pub person_id: PersonId,
    /// Their role in the case.
    pub role: PersonRole,
    /// `identity`: full Arabic name.
    pub name_ar: Option<String>,
    /// `identity`: Latin name.
    pub name_latin: Option<String>,
    /// `identity`: sex code.
    pub sex: Option<String>,
    /// `identity`: date of birth.
    pub birth_date: Option<String>,
    /// `identity`: nationality (alpha-2).
    pub nationality: Option<String>,
    /// `identity`: QID.
    pub qid: Option<String>,
    /// `contact`: phone numbers.
    pub phones: Vec<String>,
    /// `contact`: municipality.
    pub municipality: Option<String>,
    /// Without `identity`: her age in whole years (she travels as a role and an age,
    /// "a child, 7 years").
    pub age: Option<i16>,
}

/// The risk assessment as sent in a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRisk {
    /// Level in force.
    pub level: RiskLevel,
    /// Score.
    pub score: u32,
    /// Items answered "yes".
    pub yes_items: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus::*;

    /// The whole lifecycle as a table: for every (from, to, side) the expected answer.
    /// Anything not listed as allowed must be refused, and refused for the right reason.
    #[test]
    fn lifecycle_is_exactly_the_design_diagram() {
        let allowed_receiver = [
            (Requested, Received),
            (Requested, Accepted),
            (Requested, Rejected),
            (Requested, Redirected),
            (Received, Accepted),
            (Received, Rejected),
            (Received, Redirected),
            (Accepted, InProgress),
            (InProgress, OnHold),
            (InProgress, Completed),
            (InProgress, Transferred),
            (OnHold, InProgress),
        ];
        let allowed_referrer = [(Requested, Cancelled), (Received, Cancelled)];
        let mut checked = 0;
        for from in ReferralStatus::ALL {
            for to in ReferralStatus::ALL {
                for side in [Side::Referrer, Side::Receiver] {
                    let mine = match side {
                        Side::Receiver => allowed_receiver.contains(&(from, to)),
                        Side::Referrer => allowed_referrer.contains(&(from, to)),
                    };
                    let theirs = match side {
                        Side::Receiver => allowed_referrer.contains(&(from, to)),
                        Side::Referrer => allowed_receiver.contains(&(from, to)),
                    };
                    let expected = if mine {
                        Ok(())
                    } else if theirs {
                        Err(TransitionError::WrongSide)
                    } else {
                        Err(TransitionError::NotAllowed)
                    };
                    assert_eq!(check_transition(from, to, side), expected, "{from} → {to} by {side:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 200);
    }

    #[test]
    fn terminal_states_have_no_way_out() {
        for from in ReferralStatus::ALL.into_iter().filter(ReferralStatus::is_terminal) {
            for to in ReferralStatus::ALL {
                assert!(check_transition(from, to, Side::Receiver).is_err());
                assert!(check_transition(from, to, Side::Referrer).is_err());
            }
        }
    }

    #[test]
    fn fhir_mapping_uses_only_fhir_task_statuses() {
        let fhir_statuses = [
            "draft",
            "requested",
            "received",
            "accepted",
            "rejected",
            "ready",
            "cancelled",
            "in-progress",
            "on-hold",
            "failed",
            "completed",
            "entered-in-error",
        ];
        for status in ReferralStatus::ALL {
            let (fhir, business) = status.fhir();
            assert!(fhir_statuses.contains(&fhir), "{status}");
            assert_eq!(business.is_some(), matches!(status, Redirected | Transferred));
        }
    }

    #[test]
    fn codes_round_trip() {
        for status in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(status.code()), Ok(status));
        }
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.code()), Ok(outcome));
        }
        for priority in Priority::ALL {
            assert_eq!(Priority::parse(priority.code()), Ok(priority));
        }
        assert_eq!(ReferralStatus::parse("in_progress"), Err(Problem::UnknownValue));
    }

    #[test]
    fn each_step_names_its_requirements() {
        assert_eq!(requirements(Rejected), &[Requirement::Reason]);
        assert_eq!(requirements(Redirected), &[Requirement::Office, Requirement::Reason]);
        assert_eq!(requirements(Completed), &[Requirement::Outcome]);
        assert_eq!(requirements(Transferred), &[Requirement::Authority]);
        assert!(requirements(Accepted).is_empty());
    }
}
