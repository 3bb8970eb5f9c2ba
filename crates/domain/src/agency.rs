//! Agencies, offices, users and their roles. Every user belongs to exactly one agency
//! and works at one or more of its offices; what they may do follows from their roles.

use std::collections::BTreeSet;
use std::fmt;

use crate::error::Problem;
use crate::ids::{AgencyId, OfficeId, TeamId, UserId};

/// What kind of organisation an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgencyKind {
    /// The community police: registers and refers.
    Police,
    /// A social-service centre (Aman, Wifaq): receives and works cases.
    Centre,
    /// A competent authority (prosecution, courts, hospitals): receives transfers; its
    /// people are not users.
    Authority,
}

impl AgencyKind {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            AgencyKind::Police => "police",
            AgencyKind::Centre => "centre",
            AgencyKind::Authority => "authority",
        }
    }

    /// The kind for a code.
    pub fn parse(code: &str) -> Result<AgencyKind, Problem> {
        match code {
            "police" => Ok(AgencyKind::Police),
            "centre" => Ok(AgencyKind::Centre),
            "authority" => Ok(AgencyKind::Authority),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// What a user does. A user may hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Registers persons and police cases, runs the risk checklist, records consent,
    /// refers, follows the loop.
    PoliceOfficer,
    /// Everything of the officers of their office; reassigns; approves; records a
    /// centre-first bypass.
    PoliceSupervisor,
    /// Receives referrals at a centre's desk: accepts, rejects, redirects, assigns.
    DeskCoordinator,
    /// Works the centre cases assigned to them or their team.
    Caseworker,
    /// A caseworker with a psychologist's profession.
    Psychologist,
    /// A caseworker giving legal advice.
    LegalAdvisor,
    /// A caseworker giving family counselling.
    FamilyCounsellor,
    /// Everything of their centre; approves closure and transfer.
    CentreManager,
    /// Aggregate statistics only.
    Analyst,
    /// The audit log and its proofs; no case content.
    Auditor,
    /// Users, offices, categories, protocols; no case content.
    Administrator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 11] = [
        Role::PoliceOfficer,
        Role::PoliceSupervisor,
        Role::DeskCoordinator,
        Role::Caseworker,
        Role::Psychologist,
        Role::LegalAdvisor,
        Role::FamilyCounsellor,
        Role::CentreManager,
        Role::Analyst,
        Role::Auditor,
        Role::Administrator,
    ];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Role::PoliceOfficer => "police_officer",
            Role::PoliceSupervisor => "police_supervisor",
            Role::DeskCoordinator => "desk_coordinator",
            Role::Caseworker => "caseworker",
            Role::Psychologist => "psychologist",
            Role::LegalAdvisor => "legal_advisor",
            Role::FamilyCounsellor => "family_counsellor",
            Role::CentreManager => "centre_manager",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    /// The role for a code.
    pub fn parse(code: &str) -> Result<Role, Problem> {
        Role::ALL.into_iter().find(|role| role.code() == code.trim()).ok_or(Problem::UnknownValue)
    }

    /// Whether the role works with case content at all. Analysts, auditors and
    /// administrators never do (SECURITY.md, principle 5).
    pub fn reads_case_content(&self) -> bool {
        !matches!(self, Role::Analyst | Role::Auditor | Role::Administrator)
    }

    /// The agency kind the role belongs to; `None` for roles any agency may have.
    pub fn agency_kind(&self) -> Option<AgencyKind> {
        match self {
            Role::PoliceOfficer | Role::PoliceSupervisor => Some(AgencyKind::Police),
            Role::DeskCoordinator
            | Role::Caseworker
            | Role::Psychologist
            | Role::LegalAdvisor
            | Role::FamilyCounsellor
            | Role::CentreManager => Some(AgencyKind::Centre),
            Role::Analyst | Role::Auditor | Role::Administrator => None,
        }
    }

    /// Whether the role is one of the centre professions that work assigned cases.
    pub fn is_case_worker(&self) -> bool {
        matches!(self, Role::Caseworker | Role::Psychologist | Role::LegalAdvisor | Role::FamilyCounsellor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Its id.
    pub id: AgencyId,
    /// A short stable code (`CP`, `AMAN`).
    pub code: String,
    /// What kind of agency.
    pub kind: AgencyKind,
    /// The Arabic name.
    pub name_ar: String,
    /// The English name.
    pub name_en: String,
    /// The prefix of its case references (`CP` gives `CP-2026-000123`).
    pub case_prefix: String,
    /// The kind of case it opens when it accepts a referral (`protection` at Aman,
    /// `family` at Wifaq); `None` for agencies that do not receive referrals.
    pub default_case_kind: Option<crate::case::CaseKind>,
    /// For an authority: its kind, which decides what a transfer to it carries.
    pub authority_kind: Option<crate::casework::AuthorityKind>,
}

/// An office of an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    /// Its id.
    pub id: OfficeId,
    /// The agency it belongs to.
    pub agency_id: AgencyId,
    /// A short stable code within the agency.
    pub code: String,
    /// The Arabic name.
    pub name_ar: String,
    /// The English name.
    pub name_en: String,
    /// Whether it is a desk that receives referrals.
    pub is_desk: bool,
}

/// A user account, with what authorisation needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The one agency the user belongs to.
    pub agency_id: AgencyId,
    /// The sign-in name.
    pub username: String,
    /// The name shown to colleagues.
    pub display_name: String,
    /// What the user does.
    pub roles: BTreeSet<Role>,
    /// The offices the user works at.
    pub office_ids: Vec<OfficeId>,
    /// The teams the user belongs to.
    pub team_ids: Vec<TeamId>,
    /// Preferred language of the interface (`ar` or `en`).
    pub language: String,
    /// A disabled account cannot sign in.
    pub disabled: bool,
}

impl User {
    /// Whether the user holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether any of the user's roles works with case content.
    pub fn reads_case_content(&self) -> bool {
        self.roles.iter().any(Role::reads_case_content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip_and_content_roles_are_the_working_ones() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
        let readers: Vec<Role> = Role::ALL.into_iter().filter(Role::reads_case_content).collect();
        assert_eq!(readers.len(), 8);
        assert!(!Role::Administrator.reads_case_content());
        assert_eq!(Role::parse("root"), Err(Problem::UnknownValue));
    }
}
