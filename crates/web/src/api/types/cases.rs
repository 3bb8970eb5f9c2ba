//! JSON types of cases and the work on them: persons in roles, risk, consent, notes,
//! assignment, transfer, and the timeline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sila_app::RiskAssessmentRecord;
use sila_domain::case::{Case, CaseEvent, Note};
use sila_domain::consent::{Basis, Consent};
use utoipa::ToSchema;

use super::{PersonOut, ReferralOut};

/// A case to open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseIn {
    /// Kind code (defaults to the agency's usual kind).
    pub kind: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Sub-category code.
    pub subcategory: Option<String>,
    /// What happened.
    pub narrative: Option<String>,
    /// Office id (defaults to the caller's first office).
    pub office_id: Option<String>,
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    /// Id.
    pub id: String,
    /// Reference (`CP-2026-000123`).
    pub reference: String,
    /// Kind.
    pub kind: String,
    /// Owning agency.
    pub agency_id: String,
    /// Office.
    pub office_id: String,
    /// Category code.
    pub category: String,
    /// Sub-category code.
    pub subcategory: Option<String>,
    /// `open`, `closed`, `transferred`.
    pub status: String,
    /// Narrative.
    pub narrative: Option<String>,
    /// Assigned worker.
    pub assigned_user_id: Option<String>,
    /// Assigned team.
    pub assigned_team_id: Option<String>,
    /// Outcome code.
    pub outcome: Option<String>,
    /// Opened at.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Closed or transferred at.
    pub closed_at: Option<String>,
    /// Version (send it back to detect concurrent changes).
    pub version: i64,
}

impl From<&Case> for CaseOut {
    fn from(case: &Case) -> CaseOut {
        CaseOut {
            id: case.id.to_string(),
            reference: case.reference.to_string(),
            kind: case.kind.code().into(),
            agency_id: case.agency_id.to_string(),
            office_id: case.office_id.to_string(),
            category: case.category.clone(),
            subcategory: case.subcategory.clone(),
            status: case.status.code().into(),
            narrative: case.narrative.as_ref().map(|text| text.as_str().to_string()),
            assigned_user_id: case.assigned_user_id.map(|id| id.to_string()),
            assigned_team_id: case.assigned_team_id.map(|id| id.to_string()),
            outcome: case.outcome.map(|outcome| outcome.code().to_string()),
            created_at: case.created_at.to_string(),
            updated_at: case.updated_at.to_string(),
            closed_at: case.closed_at.map(|at| at.to_string()),
            version: case.version,
        }
    }
}

/// A person in a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePersonOut {
    /// The person.
    pub person: PersonOut,
    /// Role code.
    pub role: String,
    /// Added at.
    pub added_at: String,
}

/// A risk assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskOut {
    /// Id.
    pub id: String,
    /// Instrument code.
    pub instrument: String,
    /// Instrument version.
    pub instrument_version: u32,
    /// Answers by item code.
    pub answers: BTreeMap<String, String>,
    /// Number of "yes".
    pub score: u32,
    /// Level from the score.
    pub score_level: String,
    /// Level in force.
    pub level: String,
    /// Why the level was raised.
    pub judgement_reason: Option<String>,
    /// Assessor.
    pub assessed_by: String,
    /// When.
    pub created_at: String,
}

impl From<&RiskAssessmentRecord> for RiskOut {
    fn from(record: &RiskAssessmentRecord) -> RiskOut {
        RiskOut {
            id: record.id.to_string(),
            instrument: record.instrument_code.clone(),
            instrument_version: record.instrument_version,
            answers: record
                .assessment
                .answers
                .iter()
                .map(|(item, answer)| (item.clone(), answer.code().to_string()))
                .collect(),
            score: record.assessment.score,
            score_level: record.assessment.score_level.code().into(),
            level: record.assessment.level.code().into(),
            judgement_reason: record.assessment.judgement_reason.as_ref().map(|text| text.as_str().to_string()),
            assessed_by: record.assessed_by.to_string(),
            created_at: record.created_at.to_string(),
        }
    }
}

/// Checklist answers.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RiskIn {
    /// Item code → `yes` / `no` / `unknown`.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// A level raised by professional judgement.
    pub judged_level: Option<String>,
    /// Why it was raised.
    pub judgement_reason: Option<String>,
}

/// Consent to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentIn {
    /// The person (id) it concerns.
    pub person_id: Option<String>,
    /// The agency (id) the data may go to.
    pub recipient_agency_id: Option<String>,
    /// `consent` or `mandatory_protection`.
    pub basis: Option<String>,
    /// `signed_form` or `verbal_witnessed`.
    pub method: Option<String>,
    /// Witness of verbal consent.
    pub witness: Option<String>,
    /// Ground of mandatory protection.
    pub mandatory_ground: Option<String>,
    /// Purpose.
    pub purpose: Option<String>,
    /// Data class codes.
    #[serde(default)]
    pub data_classes: Vec<String>,
    /// Last valid day.
    pub expires_on: Option<String>,
}

/// A consent record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    /// Id.
    pub id: String,
    /// Person id.
    pub person_id: String,
    /// Recipient agency id.
    pub recipient_agency_id: String,
    /// Basis code.
    pub basis: String,
    /// Method code.
    pub method: Option<String>,
    /// Purpose.
    pub purpose: String,
    /// Data class codes.
    pub data_classes: Vec<String>,
    /// Last valid day.
    pub expires_on: String,
    /// Recorded by.
    pub recorded_by: String,
    /// Recorded at.
    pub recorded_at: String,
    /// Withdrawn at.
    pub withdrawn_at: Option<String>,
}

impl From<&Consent> for ConsentOut {
    fn from(consent: &Consent) -> ConsentOut {
        ConsentOut {
            id: consent.id.to_string(),
            person_id: consent.person_id.to_string(),
            recipient_agency_id: consent.recipient_agency_id.to_string(),
            basis: consent.terms.basis.kind().code().into(),
            method: match &consent.terms.basis {
                Basis::Consent { method, .. } => Some(method.code().into()),
                Basis::MandatoryProtection { .. } => None,
            },
            purpose: consent.terms.purpose.as_str().into(),
            data_classes: consent.terms.data_classes.iter().map(|class| class.code().to_string()).collect(),
            expires_on: consent.terms.expires_on.to_string(),
            recorded_by: consent.recorded_by.to_string(),
            recorded_at: consent.recorded_at.to_string(),
            withdrawn_at: consent.withdrawn_at.map(|at| at.to_string()),
        }
    }
}

/// A reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonIn {
    /// Why.
    pub reason: Option<String>,
}

/// A note to write.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteIn {
    /// `team`, `restricted`, `sealed`.
    pub level: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// User ids who may read a restricted note.
    #[serde(default)]
    pub readers: Vec<String>,
}

/// A note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteOut {
    /// Id.
    pub id: String,
    /// Level.
    pub level: String,
    /// Text (absent once the case's content was shredded).
    pub text: Option<String>,
    /// Author.
    pub author_id: String,
    /// Named readers of a restricted note.
    pub readers: Vec<String>,
    /// Written at.
    pub created_at: String,
}

impl From<&Note> for NoteOut {
    fn from(note: &Note) -> NoteOut {
        NoteOut {
            id: note.id.to_string(),
            level: note.level.code().into(),
            text: note.text.as_ref().map(|text| text.as_str().to_string()),
            author_id: note.author_id.to_string(),
            readers: note.readers.iter().map(ToString::to_string).collect(),
            created_at: note.created_at.to_string(),
        }
    }
}

/// An assignment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignIn {
    /// Worker (user id).
    pub user_id: Option<String>,
    /// Team id.
    pub team_id: Option<String>,
    /// The case version the client saw.
    pub version: Option<i64>,
}

/// A transfer of a police case to an authority.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferIn {
    /// Authority (agency id).
    pub authority_agency_id: Option<String>,
    /// The authority's reference.
    pub authority_reference: Option<String>,
    /// Not used: every transfer carries exactly its authority's redaction profile
    /// (accepted so that older clients are not refused).
    #[serde(default)]
    pub data_classes: Vec<String>,
    /// The case version the client saw.
    pub version: Option<i64>,
    /// Why, for the one who approves (a police supervisor, or the centre's manager).
    pub reason: Option<String>,
}

/// A centre-first bypass.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BypassIn {
    /// `immediate_danger`, `legal_duty_to_report`, `persons_choice`.
    pub ground: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// An event of a case's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// What happened.
    pub kind: String,
    /// When.
    pub at: String,
    /// Who (absent when another agency acted).
    pub actor_id: Option<String>,
    /// The referral concerned.
    pub referral_id: Option<String>,
    /// Qualifying codes.
    pub details: BTreeMap<String, String>,
}

impl From<&CaseEvent> for EventOut {
    fn from(event: &CaseEvent) -> EventOut {
        EventOut {
            kind: event.kind.clone(),
            at: event.at.to_string(),
            actor_id: event.actor_id.map(|id| id.to_string()),
            referral_id: event.referral_id.map(|id| id.to_string()),
            details: event.details.clone(),
        }
    }
}

/// A case with its persons, risk, consents, referrals and timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetailOut {
    /// The case.
    #[serde(flatten)]
    pub case: CaseOut,
    /// Its persons.
    pub persons: Vec<CasePersonOut>,
    /// The latest risk assessment.
    pub risk: Option<RiskOut>,
    /// The consent ledger.
    pub consents: Vec<ConsentOut>,
    /// Referrals made from it.
    pub referrals: Vec<ReferralOut>,
    /// For a centre case: the referral that opened it, with what it carried.
    pub origin_referral: Option<ReferralOut>,
    /// The timeline.
    pub timeline: Vec<EventOut>,
    /// The case's retention ended: its narrative, notes and answers are gone for good.
    pub content_shredded: bool,
}
