//! The authorisation seam: every decision of every use case goes through
//! [`App::authorize`], which asks the Cedar engine of `sila-policy` (policies in
//! `policies/` at the root) and denies by default. This module turns the records a use
//! case loaded into the engine's terms, turns the engine's answer into the API's two
//! kinds of refusal, and writes the deciding policies into the use case's audit entry.
//!
//! Two refusals: a record the actor may not even *read* is answered as not found
//! ([`Decision::Hide`] — no hint that it exists); a record they may read but not act
//! on in this way is forbidden ([`Decision::Deny`]).

use std::collections::BTreeSet;

use sila_domain::case::{Case, Note};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, ConsultationId, PersonId, UserId};
use sila_domain::referral::{Referral, ReferralStatus, Side};
use sila_policy::{Act, Principal, Target};
use sila_store::CaseScope;

use crate::audit::Audit;
use crate::{Actor, App};

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Register a person.
    CreatePerson,
    /// Read a person's identity.
    ReadPerson,
    /// Read a person's contact details.
    ReadPersonContact,
    /// Merge a duplicate person record into another, or undo that merge.
    MergePersons,
    /// Search persons.
    SearchPersons,
    /// Open a case.
    CreateCase,
    /// Read a case, its persons, assessments, consents and timeline.
    ReadCase,
    /// Change a case: add persons, assess risk, record consent.
    WorkCase,
    /// Assign a case to a worker or team.
    AssignCase,
    /// List cases.
    ListCases,
    /// Refer a case to another agency.
    ReferCase,
    /// Send a police case to an authority.
    TransferCase,
    /// Record a centre-first bypass.
    BypassCentreFirst,
    /// Open a case outside one's scope in an emergency.
    BreakGlass,
    /// Write a note.
    CreateNote,
    /// Read a note.
    ReadNote,
    /// Read a referral.
    ReadReferral,
    /// List referrals.
    ListReferrals,
    /// Move a referral along its lifecycle to a status.
    TransitionReferral(ReferralStatus),
    /// Administer agencies, offices, users, categories, protocols.
    Administer,
    /// Read the audit log.
    ReadAudit,
    /// Record centre case work: assessments, plan, sessions, services, follow-ups.
    RecordCasework,
    /// Attach a file to a case.
    AddAttachment,
    /// Read a case's attachments.
    ReadAttachment,
    /// Ask the manager to close a case or send it to an authority.
    RequestClosure,
    /// Approve or refuse a closure or a transfer.
    ApproveCase,
    /// Read a court order's visits.
    ReadVisits,
    /// Record what happened at a visit.
    RecordVisitEvent,
    /// Issue a court order's report.
    IssueCourtReport,
    /// Record a consultation.
    RecordConsultation,
    /// Read a consultation.
    ReadConsultation,
    /// Record an awareness activity.
    RecordActivity,
    /// Read the agency's activities with their raw attendance.
    ReadActivities,
    /// Read the agency's counts (small cells suppressed).
    ReadStatistics,
}

impl Action {
    fn act(self) -> Act {
        match self {
            Action::CreatePerson => Act::CreatePerson,
            Action::ReadPerson => Act::ReadPerson,
            Action::ReadPersonContact => Act::ReadPersonContact,
            Action::MergePersons => Act::MergePersons,
            Action::SearchPersons => Act::SearchPersons,
            Action::CreateCase => Act::CreateCase,
            Action::ReadCase => Act::ReadCase,
            Action::WorkCase => Act::WorkCase,
            Action::AssignCase => Act::AssignCase,
            Action::ListCases => Act::ListCases,
            Action::ReferCase => Act::ReferCase,
            Action::TransferCase => Act::TransferCase,
            Action::BypassCentreFirst => Act::BypassCentreFirst,
            Action::BreakGlass => Act::BreakGlass,
            Action::CreateNote => Act::CreateNote,
            Action::ReadNote => Act::ReadNote,
            Action::ReadReferral => Act::ReadReferral,
            Action::ListReferrals => Act::ListReferrals,
            Action::TransitionReferral(to) => Act::TransitionReferral(to),
            Action::Administer => Act::Administer,
            Action::ReadAudit => Act::ReadAudit,
            Action::RecordCasework => Act::RecordCasework,
            Action::AddAttachment => Act::AddAttachment,
            Action::ReadAttachment => Act::ReadAttachment,
            Action::RequestClosure => Act::RequestClosure,
            Action::ApproveCase => Act::ApproveCase,
            Action::ReadVisits => Act::ReadVisits,
            Action::RecordVisitEvent => Act::RecordVisitEvent,
            Action::IssueCourtReport => Act::IssueCourtReport,
            Action::RecordConsultation => Act::RecordConsultation,
            Action::ReadConsultation => Act::ReadConsultation,
            Action::RecordActivity => Act::RecordActivity,
            Action::ReadActivities => Act::ReadActivities,
            Action::ReadStatistics => Act::ReadStatistics,
        }
    }
}

/// The record an action is on, with what the decision needs to know of it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// No particular record (creating, listing, searching, administering).
    Nothing,
    /// A case and the persons in it.
    Case(&'a Case, &'a [PersonId]),
    /// A note on a case (whose persons are given).
    Note(&'a Case, &'a [PersonId], &'a Note),
    /// A person: who registered them, which of their data classes the actor's agency
    /// received by referral, and how she stands to the actor's work.
    Person(PersonId, AgencyId, &'a BTreeSet<DataClass>, Reach),
    /// A consultation: its id, agency and who recorded it.
    Consultation(ConsultationId, AgencyId, UserId),
    /// A referral, with its referring case and centre case when the actor's agency holds
    /// them (each with its persons).
    Referral {
        /// The referral.
        referral: &'a Referral,
        /// The referring case.
        source: Option<(&'a Case, &'a [PersonId])>,
        /// The centre case opened on acceptance.
        centre: Option<(&'a Case, &'a [PersonId])>,
    },
}

/// How a person stands to the actor's work: her record is open to them when she is in a
/// case or a referral they may read or they registered her, or when they stated why they
/// open it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// She is in a case or a referral the actor may read, or the actor registered her.
    pub in_scope: bool,
    /// The actor stated a purpose for opening her record within the last half hour.
    pub purpose_stated: bool,
}

impl Reach {
    /// In the actor's scope of work.
    pub const IN_SCOPE: Reach = Reach { in_scope: true, purpose_stated: false };
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Refused; the record stays invisible (answered as not found).
    Hide,
    /// Refused; the record is visible but the action is not the actor's (403).
    Deny,
}

/// The policy that opens a case under a break-glass grant.
const BREAK_GLASS_POLICY: &str = "case-break-glass";

impl App {
    fn principal<'a>(actor: &'a Actor) -> Principal<'a> {
        Principal {
            user: &actor.user,
            agency: &actor.agency,
            conflicts: &actor.conflicts,
            break_glass: &actor.break_glass,
        }
    }

    /// The engine's verdict, with nothing recorded.
    pub(crate) fn verdict(&self, actor: &Actor, action: Action, resource: Resource<'_>) -> sila_policy::Verdict {
        let target = match resource {
            Resource::Nothing => Target::OwnAgency,
            Resource::Case(case, persons) => Target::Case(case, persons),
            Resource::Note(case, persons, note) => Target::Note(note, case, persons),
            Resource::Person(id, registered_by, classes, reach) => Target::Person {
                id,
                registered_by,
                classes,
                in_scope: reach.in_scope,
                purpose_stated: reach.purpose_stated,
            },
            Resource::Consultation(id, agency, by) => Target::Consultation(id, agency, by),
            Resource::Referral { referral, source, centre } => {
                let reads = |pair: Option<(&Case, &[PersonId])>| {
                    pair.is_some_and(|(case, persons)| {
                        self.policy.decide(Self::principal(actor), Act::ReadCase, Target::Case(case, persons)).allowed
                    })
                };
                Target::Referral { referral, reads_source_case: reads(source), reads_centre_case: reads(centre) }
            }
        };
        let verdict = self.policy.decide(Self::principal(actor), action.act(), target);
        for error in &verdict.errors {
            tracing::error!(error = %error, "policy evaluation error");
        }
        verdict
    }

    /// Decides `action` on `resource`; a refusal names its deciding policies in the use
    /// case's audit entry, and an access that only a break-glass grant allows is flagged.
    pub(crate) fn authorize(
        &self,
        audit: &mut Audit,
        actor: &Actor,
        action: Action,
        resource: Resource<'_>,
    ) -> Decision {
        let verdict = self.verdict(actor, action, resource);
        if verdict.allowed {
            if verdict.policies.iter().all(|policy| policy == BREAK_GLASS_POLICY) {
                audit.detail("break_glass", "true");
            }
            return Decision::Allow;
        }
        let deciding =
            if verdict.policies.is_empty() { "default-deny".to_string() } else { verdict.policies.join(",") };
        audit.detail("policies", &deciding);
        // Refused: may the actor see the record at all?
        let readable = match resource {
            Resource::Nothing => true,
            Resource::Case(..) if matches!(action, Action::ReadCase | Action::ReadVisits) => false,
            // The desk sees a court order's visits without reading its case.
            Resource::Case(..) => {
                self.verdict(actor, Action::ReadCase, resource).allowed
                    || (matches!(action, Action::RecordVisitEvent | Action::IssueCourtReport)
                        && self.verdict(actor, Action::ReadVisits, resource).allowed)
            }
            Resource::Note(..) | Resource::Consultation(..) => false,
            Resource::Person(..) if action == Action::ReadPerson => false,
            Resource::Person(..) => self.verdict(actor, Action::ReadPerson, resource).allowed,
            Resource::Referral { .. } if action == Action::ReadReferral => false,
            Resource::Referral { .. } => self.verdict(actor, Action::ReadReferral, resource).allowed,
        };
        if readable { Decision::Deny } else { Decision::Hide }
    }
}

/// Which side of a referral an actor is on, once they may read it.
pub fn side_of(actor: &Actor, referral: &Referral) -> Side {
    if actor.agency.id == referral.from_agency_id { Side::Referrer } else { Side::Receiver }
}

/// Which of the agency's cases a list looks at for the actor (each listed case is then
/// decided by the engine like any other read).
pub fn case_scope(actor: &Actor) -> Option<CaseScope> {
    use sila_domain::agency::Role;
    let user = &actor.user;
    if !user.reads_case_content() {
        return None;
    }
    if user.has_role(Role::CentreManager) {
        return Some(CaseScope::Agency);
    }
    if user.has_role(Role::PoliceSupervisor) || user.has_role(Role::DeskCoordinator) {
        return Some(CaseScope::Offices(user.office_ids.clone()));
    }
    Some(CaseScope::Own(user.id, user.team_ids.clone()))
}
