//! JSON types of referrals: the request, the lifecycle step, and the referral as each
//! side sees it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sila_app::referrals::ReferralView;
use sila_domain::referral::{Packet, Side, Step};
use utoipa::ToSchema;

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
    /// The persons of the case who go with it (ids); all of them when absent. Each
    /// carries only what her own consent (or a child's recorded mandatory basis) covers.
    pub person_ids: Option<Vec<String>>,
}

impl ReferralIn {
    /// The use case's input.
    pub fn into_input(self) -> sila_app::referrals::ReferralInput {
        sila_app::referrals::ReferralInput {
            case_id: self.case_id.unwrap_or_default(),
            to_office_id: self.to_office_id.unwrap_or_default(),
            reason: self.reason.unwrap_or_default(),
            priority: self.priority,
            data_classes: self.data_classes,
            persons: self.person_ids,
        }
    }
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
    /// Without `identity`: her age in years (she travels as a role and an age).
    pub age: Option<i16>,
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
    /// What `packet` carries (phones only where `contact` travels and she has some).
    pub fn new(packet: &Packet, contact: bool) -> SharedOut {
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
                    phones: (contact && !person.phones.is_empty()).then(|| person.phones.clone()),
                    municipality: person.municipality.clone(),
                    age: person.age,
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
    /// Why (absent once the content was shredded).
    pub reason: Option<String>,
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
            reason: referral.reason.as_ref().map(|text| text.as_str().to_string()),
            data_classes: referral.data_classes.iter().map(|class| class.code().to_string()).collect(),
            status: referral.status.code().into(),
            status_reason: referral.status_reason.as_ref().map(|text| text.as_str().to_string()),
            outcome: referral.outcome.map(|outcome| outcome.code().to_string()),
            authority_agency_id: referral.authority_agency_id.map(|id| id.to_string()),
            centre_case_id: referral.centre_case_id.map(|id| id.to_string()),
            redirected_from_id: referral.redirected_from_id.map(|id| id.to_string()),
            deadlines,
            shared: referral.packet.as_ref().filter(|_| receiver).map(|packet| {
                SharedOut::new(packet, referral.data_classes.contains(&sila_domain::consent::DataClass::Contact))
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
