//! Identifiers of every record: UUIDs (version 7, so they sort by creation time) wrapped
//! in one type per record kind, so that a case id can never be passed where a person id
//! is expected. New ids come from the caller (`app`), which owns randomness and time.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::Problem;

/// What every record id can do; lets storage code read and write ids generically.
pub trait RecordId: Copy {
    /// Wraps a UUID.
    fn from_uuid(uuid: Uuid) -> Self;
    /// The UUID inside.
    fn as_uuid(&self) -> Uuid;
}

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (from storage or a freshly generated v7).
            pub fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated text form used in URLs and JSON.
            pub fn parse(text: &str) -> Result<Self, Problem> {
                Uuid::try_parse(text.trim()).map($name).map_err(|_| Problem::InvalidId)
            }
        }

        impl RecordId for $name {
            fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }
            fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Problem;
            fn from_str(text: &str) -> Result<Self, Problem> {
                $name::parse(text)
            }
        }
    };
}

record_id!(
    /// An agency: the police department, a centre, an authority.
    AgencyId
);
record_id!(
    /// An office of an agency (a station, a desk, a main centre).
    OfficeId
);
record_id!(
    /// A team inside an office; cases can be assigned to a team.
    TeamId
);
record_id!(
    /// A user account.
    UserId
);
record_id!(
    /// A person, in whatever roles and cases they appear.
    PersonId
);
record_id!(
    /// A case owned by one agency.
    CaseId
);
record_id!(
    /// A referral from one agency's case to another agency's office.
    ReferralId
);
record_id!(
    /// A consent (or mandatory-protection) record in a case's ledger.
    ConsentId
);
record_id!(
    /// One version of a protocol between two agencies.
    ProtocolId
);
record_id!(
    /// A completed risk checklist.
    RiskAssessmentId
);
record_id!(
    /// A note on a case.
    NoteId
);
record_id!(
    /// An event on a case's timeline.
    EventId
);
record_id!(
    /// A session or appointment on a centre case.
    SessionId
);
record_id!(
    /// One item (goal, action, who, by when) of a case plan.
    PlanItemId
);
record_id!(
    /// A service given on a centre case.
    ServiceId
);
record_id!(
    /// A completed assessment form.
    AssessmentId
);
record_id!(
    /// An assessment form (one version of it).
    FormId
);
record_id!(
    /// A follow-up due on a case.
    FollowUpId
);
record_id!(
    /// A file attached to a case.
    AttachmentId
);
record_id!(
    /// A request for a manager's approval (closure, transfer) and its decision.
    ApprovalId
);
record_id!(
    /// A family-court order carried out at a centre.
    CourtOrderId
);
record_id!(
    /// One scheduled visit of a court order.
    VisitId
);
record_id!(
    /// A one-off consultation.
    ConsultationId
);
record_id!(
    /// An awareness activity.
    ActivityId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_hyphenated_form() {
        let text = "01938a5e-7c4e-7d2a-9b1f-0c3d4e5f6a7b";
        let id = CaseId::parse(text).unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(CaseId::parse("case-1"), Err(Problem::InvalidId));
        assert_eq!(CaseId::parse(""), Err(Problem::InvalidId));
    }
}
