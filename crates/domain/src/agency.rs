//! Agencies, offices, users and their roles. Every user belongs to exactly one agency
//! and works at one or more of its offices; what they may do follows from their roles.

use std::fmt;

use crate::error::Problem;

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
        Role::ALL
            .into_iter()
            .find(|role| role.code() == code.trim())
            .ok_or(Problem::UnknownValue)
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
        matches!(
            self,
            Role::Caseworker | Role::Psychologist | Role::LegalAdvisor | Role::FamilyCounsellor
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
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
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(Role::reads_case_content)
            .collect();
        assert_eq!(readers.len(), 8);
        assert!(!Role::Administrator.reads_case_content());
        assert_eq!(Role::parse("root"), Err(Problem::UnknownValue));
    }
}
