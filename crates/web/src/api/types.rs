//! The JSON types of the API and their conversion from the domain. Inputs are lenient
//! (strings and options) so that validation happens in one place, the domain, and
//! names the field; outputs spell every code as the domain does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sila_app::persons::{PersonMatch, PersonView};
use sila_app::referrals::ReferralView;
use sila_app::{Actor, RiskAssessmentRecord};
use sila_domain::agency::{Agency, Office};
use sila_domain::case::{Case, CaseEvent, Category, Note};
use sila_domain::consent::{Basis, Consent};
use sila_domain::protocol::Protocol;
use sila_domain::referral::{Packet, Side, Step};
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable `snake_case` code.
    pub code: String,
    /// The message in the request's language.
    pub message: String,
    /// The field concerned (`qid`, `phones[1].number`).
    pub field: Option<String>,
    /// Every field problem, when there are several.
    pub details: Option<Vec<FieldProblem>>,
    /// Data classes a rule error is about.
    pub data_classes: Option<Vec<String>>,
}

/// One field problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Stable code.
    pub code: String,
    /// The field.
    pub field: String,
    /// The message.
    pub message: String,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionIn {
    /// Username.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// TOTP code (two-factor sign-in arrives with the confidentiality work).
    pub totp: Option<String>,
}

/// An agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyOut {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// `police`, `centre` or `authority`.
    pub kind: String,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
}

impl From<&Agency> for AgencyOut {
    fn from(agency: &Agency) -> AgencyOut {
        AgencyOut {
            id: agency.id.to_string(),
            code: agency.code.clone(),
            kind: agency.kind.code().into(),
            name_ar: agency.name_ar.clone(),
            name_en: agency.name_en.clone(),
        }
    }
}

/// An office.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeOut {
    /// Id.
    pub id: String,
    /// Agency id.
    pub agency_id: String,
    /// Code within the agency.
    pub code: String,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// Whether it receives referrals.
    pub is_desk: bool,
}

impl From<&Office> for OfficeOut {
    fn from(office: &Office) -> OfficeOut {
        OfficeOut {
            id: office.id.to_string(),
            agency_id: office.agency_id.to_string(),
            code: office.code.clone(),
            name_ar: office.name_ar.clone(),
            name_en: office.name_en.clone(),
            is_desk: office.is_desk,
        }
    }
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    /// User id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Preferred language.
    pub language: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// The agency.
    pub agency: AgencyOut,
    /// Office ids.
    pub office_ids: Vec<String>,
    /// Team ids.
    pub team_ids: Vec<String>,
}

impl From<&Actor> for MeOut {
    fn from(actor: &Actor) -> MeOut {
        let user = &actor.user;
        MeOut {
            id: user.id.to_string(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            language: user.language.clone(),
            roles: user.roles.iter().map(|role| role.code().to_string()).collect(),
            agency: AgencyOut::from(&actor.agency),
            office_ids: user.office_ids.iter().map(ToString::to_string).collect(),
            team_ids: user.team_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A colleague (for assignment and restricted notes).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
}

/// A category of the taxonomy.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Code.
    pub code: String,
    /// Parent code.
    pub parent: Option<String>,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// Whether new cases may use it.
    pub active: bool,
}

impl From<&Category> for CategoryOut {
    fn from(category: &Category) -> CategoryOut {
        CategoryOut {
            code: category.code.clone(),
            parent: category.parent.clone(),
            name_ar: category.name_ar.clone(),
            name_en: category.name_en.clone(),
            active: category.active,
        }
    }
}

/// A deadline of a protocol.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadlineIo {
    /// Priority code.
    pub priority: Option<String>,
    /// Step code (`receive`, `decide`, `first_contact`).
    pub step: Option<String>,
    /// Minutes from the referral.
    pub minutes: Option<i64>,
}

/// A protocol version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolOut {
    /// Id.
    pub id: String,
    /// One party.
    pub agency_a_id: String,
    /// The other party.
    pub agency_b_id: String,
    /// Version number.
    pub version: u32,
    /// First day in force.
    pub valid_from: String,
    /// Last day in force.
    pub valid_until: Option<String>,
    /// Category codes.
    pub categories: Vec<String>,
    /// Centre-first category codes.
    pub centre_first: Vec<String>,
    /// Data class codes.
    pub data_classes: Vec<String>,
    /// Deadlines.
    pub deadlines: Vec<DeadlineIo>,
    /// Revoked by an administrator.
    pub revoked: bool,
}

impl From<&Protocol> for ProtocolOut {
    fn from(protocol: &Protocol) -> ProtocolOut {
        ProtocolOut {
            id: protocol.id.to_string(),
            agency_a_id: protocol.agency_a.to_string(),
            agency_b_id: protocol.agency_b.to_string(),
            version: protocol.version,
            valid_from: protocol.valid_from.to_string(),
            valid_until: protocol.valid_until.map(|date| date.to_string()),
            categories: protocol.categories.iter().cloned().collect(),
            centre_first: protocol.centre_first.iter().cloned().collect(),
            data_classes: protocol.data_classes.iter().map(|class| class.code().to_string()).collect(),
            deadlines: protocol
                .deadlines
                .iter()
                .map(|(priority, step, within)| DeadlineIo {
                    priority: Some(priority.code().into()),
                    step: Some(step.code().into()),
                    minutes: Some(within.as_mins()),
                })
                .collect(),
            revoked: protocol.revoked,
        }
    }
}

/// A new protocol version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProtocolIn {
    /// One party (agency id).
    pub agency_a_id: Option<String>,
    /// The other party (agency id).
    pub agency_b_id: Option<String>,
    /// First day in force.
    pub valid_from: Option<String>,
    /// Last day in force.
    pub valid_until: Option<String>,
    /// The signed document's reference.
    pub document_ref: Option<String>,
    /// Category codes.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Centre-first category codes.
    #[serde(default)]
    pub centre_first: Vec<String>,
    /// Data class codes.
    #[serde(default)]
    pub data_classes: Vec<String>,
    /// Deadlines.
    #[serde(default)]
    pub deadlines: Vec<DeadlineIo>,
}

/// A phone line as typed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PhoneIn {
    /// Just the number.
    Number(String),
    /// The number and its kind (`hotline` allows a short number).
    Line {
        /// The number.
        number: Option<String>,
        /// `mobile`, `landline`, `hotline`, `other`.
        kind: Option<String>,
    },
}

/// A person to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonIn {
    /// Arabic first name.
    pub first_name_ar: Option<String>,
    /// Arabic father's name.
    pub father_name_ar: Option<String>,
    /// Arabic grandfather's name.
    pub grandfather_name_ar: Option<String>,
    /// Arabic family name.
    pub family_name_ar: Option<String>,
    /// Full name in Latin letters.
    pub name_latin: Option<String>,
    /// `female`, `male`, `unknown`.
    pub sex: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// ISO 3166 code (`QA`, `QAT` or `634`).
    pub nationality: Option<String>,
    /// Qatar ID number (11 digits).
    pub qid: Option<String>,
    /// Phones.
    #[serde(default)]
    pub phones: Vec<PhoneIn>,
    /// Municipality or zone.
    pub municipality: Option<String>,
    /// Preferred language.
    pub language: Option<String>,
    /// Disability or needs.
    pub disability_notes: Option<String>,
}

impl PersonIn {
    /// The domain's input form.
    pub fn into_input(self) -> sila_domain::person::PersonInput {
        sila_domain::person::PersonInput {
            first_name_ar: self.first_name_ar,
            father_name_ar: self.father_name_ar,
            grandfather_name_ar: self.grandfather_name_ar,
            family_name_ar: self.family_name_ar,
            name_latin: self.name_latin,
            sex: self.sex,
            birth_date: self.birth_date,
            nationality: self.nationality,
            qid: self.qid,
            phones: self
                .phones
                .into_iter()
                .map(|phone| match phone {
                    PhoneIn::Number(number) => (number, None),
                    PhoneIn::Line { number, kind } => (number.unwrap_or_default(), kind),
                })
                .collect(),
            municipality: self.municipality,
            language: self.language,
            disability_notes: self.disability_notes,
        }
    }
}

/// A phone line.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneOut {
    /// E.164 number (or the digits of a hotline).
    pub number: String,
    /// `mobile`, `landline`, `hotline`, `other`.
    pub kind: String,
}

/// A person, as far as the caller may see them: fields of data classes the caller's
/// agency does not hold are absent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    /// Id.
    pub id: String,
    /// `full` (registered by the caller's agency) or `shared` (received by referral).
    pub visibility: String,
    /// Data classes visible: `identity`, `contact`.
    pub visible_classes: Vec<String>,
    /// Arabic first name.
    pub first_name_ar: Option<String>,
    /// Arabic father's name.
    pub father_name_ar: Option<String>,
    /// Arabic grandfather's name.
    pub grandfather_name_ar: Option<String>,
    /// Arabic family name.
    pub family_name_ar: Option<String>,
    /// The Arabic name in one line.
    pub full_name_ar: Option<String>,
    /// Name in Latin letters.
    pub name_latin: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Nationality (alpha-2).
    pub nationality: Option<String>,
    /// Qatar ID number.
    pub qid: Option<String>,
    /// Phones.
    pub phones: Option<Vec<PhoneOut>>,
    /// Municipality.
    pub municipality: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Disability or needs.
    pub disability_notes: Option<String>,
    /// Registered at.
    pub created_at: String,
    /// Version.
    pub version: i64,
}

impl From<&PersonView> for PersonOut {
    fn from(view: &PersonView) -> PersonOut {
        let person = &view.person;
        let details = &person.details;
        let text = |value: &Option<sila_domain::text::Text>| value.as_ref().map(|text| text.as_str().to_string());
        let identity = view.identity;
        let mut classes = Vec::new();
        if identity {
            classes.push("identity".to_string());
        }
        if view.contact {
            classes.push("contact".to_string());
        }
        PersonOut {
            id: person.id.to_string(),
            visibility: if view.full { "full" } else { "shared" }.into(),
            visible_classes: classes,
            first_name_ar: text(&details.name_ar.first),
            father_name_ar: text(&details.name_ar.father),
            grandfather_name_ar: text(&details.name_ar.grandfather),
            family_name_ar: text(&details.name_ar.family),
            full_name_ar: Some(details.name_ar.full()).filter(|name| identity && !name.is_empty()),
            name_latin: text(&details.name_latin),
            sex: identity.then(|| details.sex.code().to_string()),
            birth_date: details.birth_date.map(|date| date.to_string()),
            nationality: details.nationality.map(|country| country.alpha2().to_string()),
            qid: details.qid.as_ref().map(|qid| qid.as_str().to_string()),
            phones: view.contact.then(|| {
                details
                    .phones
                    .iter()
                    .map(|line| PhoneOut { number: line.phone.as_str().into(), kind: line.phone.kind().code().into() })
                    .collect()
            }),
            municipality: text(&details.municipality),
            language: details.language.clone(),
            disability_notes: text(&details.disability_notes),
            created_at: person.created_at.to_string(),
            version: person.version,
        }
    }
}

/// A possible match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchOut {
    /// The person.
    pub person: PersonOut,
    /// 0 to 1.
    pub score: f64,
    /// Why.
    pub reasons: Vec<String>,
}

impl From<&PersonMatch> for MatchOut {
    fn from(found: &PersonMatch) -> MatchOut {
        MatchOut { person: PersonOut::from(&found.person), score: found.score, reasons: found.reasons.clone() }
    }
}

/// A registration's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationOut {
    /// The new person.
    pub person: PersonOut,
    /// Existing persons who may be the same; look before going on.
    pub possible_matches: Vec<MatchOut>,
}

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
    /// Text.
    pub text: String,
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
            text: note.text.as_str().into(),
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
    /// Data class codes sent.
    #[serde(default)]
    pub data_classes: Vec<String>,
    /// The case version the client saw.
    pub version: Option<i64>,
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
}

/// A referral to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReferralIn {
    /// Case id.
    pub case_id: Option<String>,
    /// Receiving office (desk) id.
    pub to_office_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// `standard`, `medium`, `high` (raised to the case's risk level).
    pub priority: Option<String>,
    /// Data class codes to send.
    #[serde(default)]
    pub data_classes: Vec<String>,
}

/// A lifecycle step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionIn {
    /// Target status.
    pub to: Option<String>,
    /// Reason (reject, cancel, hold, redirect).
    pub reason: Option<String>,
    /// Outcome code (complete).
    pub outcome: Option<String>,
    /// Authority (agency id) for a transfer.
    pub authority_agency_id: Option<String>,
    /// Alias of `authority_agency_id`.
    pub authority: Option<String>,
    /// Office (id) for a redirection.
    pub to_office_id: Option<String>,
    /// The referral version the client saw.
    pub version: Option<i64>,
}

/// A step's deadline and when it was reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineOut {
    /// Due at.
    pub due_at: Option<String>,
    /// Reached at.
    pub reached_at: Option<String>,
}

/// A person as a referral carried them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedPersonOut {
    /// Person id.
    pub person_id: String,
    /// Role.
    pub role: String,
    /// `identity`: Arabic name.
    pub name_ar: Option<String>,
    /// `identity`: Latin name.
    pub name_latin: Option<String>,
    /// `identity`: sex.
    pub sex: Option<String>,
    /// `identity`: date of birth.
    pub birth_date: Option<String>,
    /// `identity`: nationality.
    pub nationality: Option<String>,
    /// `identity`: QID.
    pub qid: Option<String>,
    /// `contact`: phones.
    pub phones: Option<Vec<String>>,
    /// `contact`: municipality.
    pub municipality: Option<String>,
}

/// What a referral carried.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedOut {
    /// Category.
    pub category: String,
    /// Sub-category.
    pub subcategory: Option<String>,
    /// Persons.
    pub persons: Vec<SharedPersonOut>,
    /// `risk`: level, score and the items answered yes.
    pub risk: Option<SharedRiskOut>,
    /// `narrative`.
    pub narrative: Option<String>,
}

/// Risk as a referral carried it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedRiskOut {
    /// Level.
    pub level: String,
    /// Score.
    pub score: u32,
    /// Items answered yes.
    pub yes_items: Vec<String>,
}

impl SharedOut {
    fn new(packet: &Packet, contact: bool) -> SharedOut {
        SharedOut {
            category: packet.category.clone(),
            subcategory: packet.subcategory.clone(),
            persons: packet
                .persons
                .iter()
                .map(|person| SharedPersonOut {
                    person_id: person.person_id.to_string(),
                    role: person.role.code().into(),
                    name_ar: person.name_ar.clone(),
                    name_latin: person.name_latin.clone(),
                    sex: person.sex.clone(),
                    birth_date: person.birth_date.clone(),
                    nationality: person.nationality.clone(),
                    qid: person.qid.clone(),
                    phones: contact.then(|| person.phones.clone()),
                    municipality: person.municipality.clone(),
                })
                .collect(),
            risk: packet.risk.as_ref().map(|risk| SharedRiskOut {
                level: risk.level.code().into(),
                score: risk.score,
                yes_items: risk.yes_items.clone(),
            }),
            narrative: packet.narrative.clone(),
        }
    }
}

/// A referral, as the caller's side sees it. The referrer sees status, dates and the
/// outcome category; the receiving desk also sees what it carried (`shared`) and the
/// centre case it opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralOut {
    /// Id.
    pub id: String,
    /// `referrer` or `receiver`.
    pub side: String,
    /// The referring case (referrer only).
    pub case_id: Option<String>,
    /// Referring agency.
    pub from_agency_id: String,
    /// Referring office.
    pub from_office_id: String,
    /// Receiving agency.
    pub to_agency_id: String,
    /// Receiving office.
    pub to_office_id: String,
    /// Protocol version in force when made.
    pub protocol_id: String,
    /// Priority.
    pub priority: String,
    /// Why.
    pub reason: String,
    /// Data classes carried.
    pub data_classes: Vec<String>,
    /// Status (FHIR Task spelling).
    pub status: String,
    /// The reason given with the status (cancellation for the referrer; any for the desk).
    pub status_reason: Option<String>,
    /// Outcome category.
    pub outcome: Option<String>,
    /// Authority a case was transferred to.
    pub authority_agency_id: Option<String>,
    /// The centre case it opened (receiver only).
    pub centre_case_id: Option<String>,
    /// The referral this one continues after a redirection.
    pub redirected_from_id: Option<String>,
    /// Deadlines by step (`receive`, `decide`, `first_contact`).
    pub deadlines: BTreeMap<String, DeadlineOut>,
    /// What was sent (receiver only).
    pub shared: Option<SharedOut>,
    /// Made at.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Reached its final status at.
    pub closed_at: Option<String>,
    /// Version.
    pub version: i64,
}

impl From<&ReferralView> for ReferralOut {
    fn from(view: &ReferralView) -> ReferralOut {
        let referral = &view.referral;
        let receiver = view.side == Side::Receiver;
        let deadlines = Step::ALL
            .into_iter()
            .filter(|step| referral.due.contains_key(step) || referral.reached.contains_key(step))
            .map(|step| {
                (
                    step.code().to_string(),
                    DeadlineOut {
                        due_at: referral.due.get(&step).map(ToString::to_string),
                        reached_at: referral.reached.get(&step).map(ToString::to_string),
                    },
                )
            })
            .collect();
        ReferralOut {
            id: referral.id.to_string(),
            side: if receiver { "receiver" } else { "referrer" }.into(),
            case_id: (!receiver).then(|| referral.case_id.to_string()),
            from_agency_id: referral.from_agency_id.to_string(),
            from_office_id: referral.from_office_id.to_string(),
            to_agency_id: referral.to_agency_id.to_string(),
            to_office_id: referral.to_office_id.to_string(),
            protocol_id: referral.protocol_id.to_string(),
            priority: referral.priority.code().into(),
            reason: referral.reason.as_str().into(),
            data_classes: referral.data_classes.iter().map(|class| class.code().to_string()).collect(),
            status: referral.status.code().into(),
            status_reason: referral.status_reason.as_ref().map(|text| text.as_str().to_string()),
            outcome: referral.outcome.map(|outcome| outcome.code().to_string()),
            authority_agency_id: referral.authority_agency_id.map(|id| id.to_string()),
            centre_case_id: referral.centre_case_id.map(|id| id.to_string()),
            redirected_from_id: referral.redirected_from_id.map(|id| id.to_string()),
            deadlines,
            shared: receiver.then(|| {
                SharedOut::new(
                    &referral.packet,
                    referral.data_classes.contains(&sila_domain::consent::DataClass::Contact),
                )
            }),
            created_at: referral.created_at.to_string(),
            updated_at: referral.updated_at.to_string(),
            closed_at: referral.closed_at.map(|at| at.to_string()),
            version: referral.version,
        }
    }
}

/// A transition's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOut {
    /// The referral after the step.
    pub referral: ReferralOut,
    /// After a redirection: the new referral to the other office.
    pub redirected_to: Option<String>,
}
