//! The JSON types of the API and their conversion from the domain. Inputs are lenient
//! (strings and options) so that validation happens in one place, the domain, and
//! names the field; outputs spell every code as the domain does.

mod cases;
mod casework;
mod persons;
mod referrals;

use serde::{Deserialize, Serialize};
use sila_app::Actor;
use sila_domain::agency::{Agency, Office, User};
use sila_domain::case::Category;
use sila_domain::protocol::Protocol;
use utoipa::ToSchema;

pub use cases::*;
pub use casework::*;
pub use persons::*;
pub use referrals::*;

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
    /// The six-digit code of the user's authenticator app (required for every user).
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
    /// The user must enrol in two-factor sign-in (`POST /api/v1/me/totp`) before
    /// anything else.
    pub totp_enrolment_required: bool,
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
            totp_enrolment_required: false,
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

impl From<&User> for UserOut {
    fn from(user: &User) -> UserOut {
        UserOut {
            id: user.id.to_string(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            roles: user.roles.iter().map(|role| role.code().to_string()).collect(),
        }
    }
}

/// A one-time set-up link: shown once, to the administrator who hands it to the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupLinkOut {
    /// The link the user opens to choose a password and enrol their authenticator.
    pub url: String,
    /// Until when it works.
    pub expires_at: String,
}

impl SetupLinkOut {
    /// The link for `issued`, at `base` (the public address of Sila).
    pub fn new(base: &str, issued: &sila_app::auth::SetupLinkIssued) -> SetupLinkOut {
        SetupLinkOut { url: format!("{base}/set-up?token={}", issued.token), expires_at: issued.expires_at.to_string() }
    }
}

/// A user just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreatedOut {
    /// The account (without roles while they wait for a second administrator).
    pub user: UserOut,
    /// The set-up link, when the account is usable at once (shown this once).
    pub setup_link: Option<SetupLinkOut>,
    /// The request waiting for a second administrator, when the roles need one.
    pub waiting_request_id: Option<String>,
}

/// The roles a user is to have.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RolesIn {
    /// Role codes, of the agency's kind (the whole set).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// What became of an account change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountChangeOut {
    /// `applied` (taking access away: at once) or `waiting` (for a second administrator).
    pub status: String,
    /// The waiting request's id.
    pub request_id: Option<String>,
}

/// A change to an account waiting for (or decided by) a second administrator.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountRequestOut {
    /// Id.
    pub id: String,
    /// The user concerned.
    pub user_id: String,
    /// `create`, `roles` or `sign_in_reset`.
    pub kind: String,
    /// For `create` and `roles`: the roles the user is to have.
    pub roles: Vec<String>,
    /// The administrator who asked (absent: an operator).
    pub requested_by: Option<String>,
    /// When.
    pub requested_at: String,
    /// The administrator who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// `approved` or `rejected`.
    pub decision: Option<String>,
}

impl From<&sila_app::AccountRequest> for AccountRequestOut {
    fn from(request: &sila_app::AccountRequest) -> AccountRequestOut {
        AccountRequestOut {
            id: request.id.hyphenated().to_string(),
            user_id: request.user_id.to_string(),
            kind: request.kind.clone(),
            roles: request.roles.iter().map(|role| role.code().to_string()).collect(),
            requested_by: request.requested_by.map(|id| id.to_string()),
            requested_at: request.requested_at.to_string(),
            decided_by: request.decided_by.map(|id| id.to_string()),
            decided_at: request.decided_at.map(|at| at.to_string()),
            decision: request.decision.clone(),
        }
    }
}

/// A decision on an account request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountDecisionIn {
    /// `approve` or `reject`.
    pub decision: Option<String>,
}

/// A decided request, with the set-up link an approval issued (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDecidedOut {
    /// The request.
    pub request: AccountRequestOut,
    /// For an approved new account or reset of sign-in.
    pub setup_link: Option<SetupLinkOut>,
}

/// A new office (administrators, in their own agency).
#[derive(Debug, Deserialize, ToSchema)]
pub struct OfficeIn {
    /// The agency (id); the administrator's own agency when absent.
    pub agency_id: Option<String>,
    /// A short code, unique within the agency: Latin letters, digits, `_` and `-`,
    /// at most 16 characters, kept upper-case.
    pub code: Option<String>,
    /// Arabic name.
    pub name_ar: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Whether it receives referrals (`false` when absent).
    pub is_desk: Option<bool>,
}

/// A new user account (administrators, in their own agency). A user whose roles read
/// case content enrols in two-factor sign-in at the first sign-in.
#[derive(Deserialize, ToSchema)]
pub struct UserIn {
    /// Sign-in name: lower-case Latin letters, digits, `.`, `_`, `-`.
    pub username: Option<String>,
    /// Name shown to colleagues.
    pub display_name: Option<String>,
    /// Role codes, of the agency's kind.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The agency (id); the administrator's own agency when absent.
    pub agency_id: Option<String>,
    /// The offices (ids, of the agency) the user works at.
    #[serde(default)]
    pub office_ids: Vec<String>,
    /// Interface language, `ar` (default) or `en`.
    pub language: Option<String>,
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
    /// The parties (agency ids) whose administrators accepted this version.
    pub accepted_by: Vec<String>,
    /// Accepted by both parties (in force within its dates, unless revoked).
    pub accepted: bool,
    /// How a person no consent covers travels: `role_and_age` or `omitted`.
    pub uncovered: String,
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
            accepted_by: protocol.accepted_by.iter().map(ToString::to_string).collect(),
            accepted: protocol.accepted(),
            uncovered: protocol.uncovered.code().to_string(),
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
    /// How a person no consent covers travels with a referral: `role_and_age` (the
    /// default) or `omitted`.
    pub uncovered: Option<String>,
}
