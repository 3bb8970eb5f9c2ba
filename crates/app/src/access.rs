//! The authorisation seam: one function, [`authorize`], decides every action on every
//! record, and denies by default. The confidentiality issue backs it with the Cedar
//! policy engine; the rules here are the same rules, written as a match, so that the
//! engine replaces their *evaluation*, not their meaning.
//!
//! The rules (SECURITY.md, SYSTEM.md):
//! - Each agency owns its records; nothing of another agency's case is ever readable.
//! - Administrators, auditors and analysts read no case content.
//! - Within an agency, scopes follow roles: an officer sees the cases they opened or
//!   are assigned; a supervisor those of their offices; a desk coordinator those of
//!   their desk offices; a caseworker those assigned to them or their team; a manager
//!   the whole centre.
//! - Notes: team notes with the case; restricted notes to their author, named readers
//!   and managers; sealed notes to their author and managers only.
//! - A referral is seen by its referrer reduced to status, dates and outcome; by the
//!   receiving desk with what it carries.

use sila_domain::agency::{AgencyKind, Role};
use sila_domain::case::{Case, Note, NoteLevel};
use sila_domain::referral::{Referral, ReferralStatus, Side};
use sila_store::{CaseScope, PersonScope};

use crate::Actor;

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Register a person.
    CreatePerson,
    /// Read a person's record.
    ReadPerson,
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
}

/// The record an action is on, with what the decision needs to know of it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// No particular record (creating, listing, searching).
    Nothing,
    /// A person, with how much of them the actor's agency holds.
    Person(&'a PersonScope),
    /// A case.
    Case(&'a Case),
    /// A note on a case.
    Note(&'a Case, &'a Note),
    /// A referral, with the referred case (loaded when the actor is of the referring
    /// agency) and the centre case it opened (when the actor is of the receiving one).
    Referral {
        /// The referral.
        referral: &'a Referral,
        /// The referring agency's case.
        source: Option<&'a Case>,
        /// The centre case opened on acceptance.
        centre: Option<&'a Case>,
    },
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

/// Decides one action. Deny by default: only the arms below allow anything.
pub fn authorize(actor: &Actor, action: Action, resource: Resource<'_>) -> Decision {
    let user = &actor.user;
    if user.disabled {
        return Decision::Hide;
    }
    let content = user.reads_case_content();
    match (action, resource) {
        (Action::Administer, Resource::Nothing) => allow_if(user.has_role(Role::Administrator)),
        (Action::ReadAudit, Resource::Nothing) => allow_if(user.has_role(Role::Auditor)),
        (Action::CreatePerson | Action::SearchPersons, Resource::Nothing) => allow_if(content),
        (Action::ReadPerson, Resource::Person(scope)) => {
            if content && *scope != PersonScope::None {
                Decision::Allow
            } else {
                Decision::Hide
            }
        }
        (Action::CreateCase, Resource::Nothing) => {
            allow_if(content && matches!(actor.agency.kind, AgencyKind::Police | AgencyKind::Centre))
        }
        (Action::ListCases | Action::ListReferrals, Resource::Nothing) => allow_if(content),
        (Action::ReadCase, Resource::Case(case)) => visible_case(actor, case),
        (Action::WorkCase | Action::CreateNote | Action::ReferCase, Resource::Case(case)) => visible_case(actor, case),
        (Action::AssignCase, Resource::Case(case)) => match visible_case(actor, case) {
            Decision::Allow => allow_if(
                user.has_role(Role::PoliceSupervisor)
                    || user.has_role(Role::DeskCoordinator)
                    || user.has_role(Role::CentreManager),
            ),
            other => other,
        },
        (Action::TransferCase, Resource::Case(case)) => match visible_case(actor, case) {
            Decision::Allow => allow_if(user.has_role(Role::PoliceOfficer) || user.has_role(Role::PoliceSupervisor)),
            other => other,
        },
        (Action::BypassCentreFirst, Resource::Case(case)) => match visible_case(actor, case) {
            Decision::Allow => allow_if(user.has_role(Role::PoliceSupervisor)),
            other => other,
        },
        (Action::ReadNote, Resource::Note(case, note)) => match visible_case(actor, case) {
            Decision::Allow => allow_note(actor, note),
            other => other,
        },
        (Action::ReadReferral, Resource::Referral { referral, source, centre }) => {
            match side_of(actor, referral, source, centre) {
                Some(_) => Decision::Allow,
                None => Decision::Hide,
            }
        }
        (Action::TransitionReferral(to), Resource::Referral { referral, source, centre }) => {
            match side_of(actor, referral, source, centre) {
                None => Decision::Hide,
                Some(Side::Referrer) => allow_if(to == ReferralStatus::Cancelled),
                Some(Side::Receiver) => allow_if(receiver_may(actor, to, centre)),
            }
        }
        _ => Decision::Deny,
    }
}

/// Which side of a referral the actor is on, if any: the referrer side are the users of
/// the referring agency who may read the referred case; the receiver side are the
/// receiving agency's desk coordinators at that desk and its managers, and the workers
/// who may read the centre case it opened.
pub fn side_of(
    actor: &Actor,
    referral: &Referral,
    source_case: Option<&Case>,
    centre_case: Option<&Case>,
) -> Option<Side> {
    let user = &actor.user;
    if !user.reads_case_content() {
        return None;
    }
    if actor.agency.id == referral.from_agency_id {
        let sees_case =
            source_case.is_some_and(|case| case.id == referral.case_id && visible_case(actor, case) == Decision::Allow);
        return sees_case.then_some(Side::Referrer);
    }
    if actor.agency.id != referral.to_agency_id {
        return None;
    }
    let at_desk = user.has_role(Role::DeskCoordinator) && user.office_ids.contains(&referral.to_office_id);
    let manager = user.has_role(Role::CentreManager);
    let works_case = centre_case
        .is_some_and(|case| Some(case.id) == referral.centre_case_id && visible_case(actor, case) == Decision::Allow);
    (at_desk || manager || works_case).then_some(Side::Receiver)
}

/// Which of the agency's cases a list shows the actor.
pub fn case_scope(actor: &Actor) -> Option<CaseScope> {
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

fn visible_case(actor: &Actor, case: &Case) -> Decision {
    if case.agency_id != actor.agency.id {
        return Decision::Hide;
    }
    let visible = match case_scope(actor) {
        None => false,
        Some(CaseScope::Agency) => true,
        Some(CaseScope::Offices(offices)) => offices.contains(&case.office_id) || own_or_team(actor, case),
        Some(CaseScope::Own(..)) => own_or_team(actor, case),
    };
    if visible { Decision::Allow } else { Decision::Hide }
}

fn own_or_team(actor: &Actor, case: &Case) -> bool {
    let user = &actor.user;
    case.created_by == user.id
        || case.assigned_user_id == Some(user.id)
        || case.assigned_team_id.is_some_and(|team| user.team_ids.contains(&team))
}

fn allow_note(actor: &Actor, note: &Note) -> Decision {
    let user = &actor.user;
    if note.author_id == user.id {
        return Decision::Allow;
    }
    let manager = user.has_role(Role::CentreManager) || user.has_role(Role::PoliceSupervisor);
    let allowed = match note.level {
        NoteLevel::Team => true,
        NoteLevel::Restricted => manager || note.readers.contains(&user.id),
        NoteLevel::Sealed => manager,
    };
    if allowed { Decision::Allow } else { Decision::Hide }
}

fn receiver_may(actor: &Actor, to: ReferralStatus, centre_case: Option<&Case>) -> bool {
    let user = &actor.user;
    let desk = user.has_role(Role::DeskCoordinator) || user.has_role(Role::CentreManager);
    let worker = centre_case.is_some_and(|case| visible_case(actor, case) == Decision::Allow);
    match to {
        ReferralStatus::Received | ReferralStatus::Accepted | ReferralStatus::Rejected | ReferralStatus::Redirected => {
            desk
        }
        ReferralStatus::InProgress | ReferralStatus::OnHold | ReferralStatus::Completed => desk || worker,
        ReferralStatus::Transferred => user.has_role(Role::CentreManager),
        ReferralStatus::Requested | ReferralStatus::Cancelled => false,
    }
}

fn allow_if(condition: bool) -> Decision {
    if condition { Decision::Allow } else { Decision::Deny }
}
