//! The access matrix: every role × action × relation to the record, decided by the
//! Cedar engine with the user and the records loaded from the store (on SQLite and on
//! PostgreSQL), compared with the expected table `policies/access-matrix.tsv`, which is
//! reviewed like the policies themselves. Any difference fails with its rows.
//!
//! After a deliberate policy change, `SILA_BLESS=1 cargo test -p sila-app --test
//! access_matrix` rewrites the table; the diff is then read and reviewed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sila_app::access::{Action, Decision};
use sila_app::both_databases;
use sila_app::testing::{Probe, TestApp};
use sila_domain::agency::Role;
use sila_domain::case::{CaseKind, NoteLevel};
use sila_domain::consent::DataClass;
use sila_domain::ids::{TeamId, UserId};
use sila_domain::referral::ReferralStatus;

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/access-matrix.tsv")
}

/// Where each role works in the matrix world.
fn home(role: Role) -> (&'static str, &'static str, &'static str) {
    // (agency, office, the agency's other office)
    match role {
        Role::DeskCoordinator => ("AMAN", "AMAN.DESK", "AMAN.MAIN"),
        role if role.agency_kind() == Some(sila_domain::agency::AgencyKind::Centre) => {
            ("AMAN", "AMAN.MAIN", "AMAN.DESK")
        }
        _ => ("CP", "CP.HQ", "CP.WAKRA"),
    }
}

fn other_agency(agency: &str) -> (&'static str, &'static str) {
    if agency == "CP" { ("AMAN", "AMAN.MAIN") } else { ("CP", "CP.HQ") }
}

fn label(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "allow",
        Decision::Deny => "deny",
        Decision::Hide => "hide",
    }
}

struct World {
    teams: BTreeMap<&'static str, TeamId>,
    /// A colleague in each office, who opens the cases that are not the actor's.
    colleagues: BTreeMap<&'static str, UserId>,
}

async fn world(test: &TestApp) -> World {
    let mut teams = BTreeMap::new();
    let mut colleagues = BTreeMap::new();
    for (office, role) in [
        ("CP.HQ", Role::PoliceOfficer),
        ("CP.WAKRA", Role::PoliceOfficer),
        ("AMAN.MAIN", Role::Caseworker),
        ("AMAN.DESK", Role::DeskCoordinator),
    ] {
        let team = test.fixture_team(office).await;
        teams.insert(office, team);
        let agency = office.split('.').next().unwrap();
        let username = format!("matrix.colleague.{}", office.to_ascii_lowercase());
        colleagues.insert(office, test.fixture_user(&username, agency, office, role, None).await);
    }
    World { teams, colleagues }
}

/// Every row for one role: (action, relation, decision).
async fn rows_for(test: &TestApp, world: &World, role: Role) -> Vec<(String, String, &'static str)> {
    let (agency, office, other_office) = home(role);
    let actor =
        test.fixture_user(&format!("matrix.{}", role.code()), agency, office, role, Some(world.teams[office])).await;
    let colleague = world.colleagues[office];
    let elsewhere = world.colleagues[other_office];
    let (foreign_agency, foreign_office) = other_agency(agency);
    let foreigner = world.colleagues[foreign_office];
    let category = "domestic_violence";
    let mut rows = Vec::new();

    // Cases, by how the actor relates to them.
    let case = async |agency: &str, office: &str, by: UserId, user: Option<UserId>, team: Option<TeamId>| {
        let person = test.fixture_person(agency, by).await;
        (test.fixture_case(agency, office, by, user, team, &[person], category).await, person)
    };
    let (own, _) = case(agency, office, actor, None, None).await;
    let (assigned, _) = case(agency, office, colleague, Some(actor), None).await;
    let (team, _) = case(agency, office, colleague, None, Some(world.teams[office])).await;
    let (same_office, _) = case(agency, office, colleague, None, None).await;
    let (other_office_case, _) = case(agency, other_office, elsewhere, None, None).await;
    let (foreign, _) = case(foreign_agency, foreign_office, foreigner, None, None).await;
    let (glass, _) = case(agency, other_office, elsewhere, None, None).await;
    test.fixture_break_glass(actor, glass).await;
    let (conflicted, tie) = case(agency, office, actor, None, None).await;
    test.fixture_conflict(actor, tie).await;
    let (conflicted_glass, glass_tie) = case(agency, other_office, elsewhere, None, None).await;
    test.fixture_break_glass(actor, conflicted_glass).await;
    test.fixture_conflict(actor, glass_tie).await;
    let relations: [(&str, sila_domain::ids::CaseId); 9] = [
        ("own", own),
        ("assigned", assigned),
        ("team", team),
        ("same_office", same_office),
        ("other_office", other_office_case),
        ("other_agency", foreign),
        ("break_glass", glass),
        ("conflict", conflicted),
        ("conflict_with_break_glass", conflicted_glass),
    ];
    let case_actions = [
        ("ReadCase", Action::ReadCase),
        ("WorkCase", Action::WorkCase),
        ("CreateNote", Action::CreateNote),
        ("ReferCase", Action::ReferCase),
        ("AssignCase", Action::AssignCase),
        ("TransferCase", Action::TransferCase),
        ("BypassCentreFirst", Action::BypassCentreFirst),
        ("BreakGlass", Action::BreakGlass),
        ("RecordCasework", Action::RecordCasework),
        ("AddAttachment", Action::AddAttachment),
        ("ReadAttachment", Action::ReadAttachment),
        ("RequestClosure", Action::RequestClosure),
        ("ApproveCase", Action::ApproveCase),
        ("ReadVisits", Action::ReadVisits),
        ("RecordVisitEvent", Action::RecordVisitEvent),
        ("IssueCourtReport", Action::IssueCourtReport),
    ];
    // Court-order cases (visits, the court report): the actor's own, one in the same
    // office, one in the agency's other office, and one of the other agency.
    let court_order = async |agency: &str, office: &str, by: UserId, user: Option<UserId>| {
        let person = test.fixture_person(agency, by).await;
        test.fixture_case_of_kind(Some(CaseKind::CourtOrder), agency, office, by, user, None, &[person], category).await
    };
    let court_orders = [
        ("court_order_assigned", court_order(agency, office, colleague, Some(actor)).await),
        ("court_order_same_office", court_order(agency, office, colleague, None).await),
        ("court_order_other_office", court_order(agency, other_office, elsewhere, None).await),
        ("court_order_other_agency", court_order(foreign_agency, foreign_office, foreigner, None).await),
    ];
    for (relation, id) in relations.into_iter().chain(court_orders) {
        for (name, action) in case_actions {
            rows.push((
                name.to_string(),
                relation.to_string(),
                label(test.access(actor, action, Probe::Case(id)).await),
            ));
        }
    }

    // Notes on the actor's own case, by level and author.
    let notes = [
        ("team_by_colleague", NoteLevel::Team, colleague, vec![]),
        ("restricted_naming_actor", NoteLevel::Restricted, colleague, vec![actor]),
        ("restricted_not_naming_actor", NoteLevel::Restricted, colleague, vec![colleague]),
        ("sealed_by_colleague", NoteLevel::Sealed, colleague, vec![]),
        ("sealed_by_actor", NoteLevel::Sealed, actor, vec![]),
    ];
    for (relation, level, author, readers) in notes {
        let note = test.fixture_note(own, level, author, readers).await;
        rows.push((
            "ReadNote".into(),
            relation.into(),
            label(test.access(actor, Action::ReadNote, Probe::Note(own, note)).await),
        ));
    }

    // Persons: registered here, or reaching the agency by referral with or without a
    // class; in a case the actor works on, registered by the actor, outside both, or
    // opened with a stated purpose.
    let in_actor_case = async |person| {
        test.fixture_case(agency, office, actor, None, None, &[person], category).await;
        person
    };
    let registered_here = in_actor_case(test.fixture_person(agency, colleague).await).await;
    let registered_by_actor = test.fixture_person(agency, actor).await;
    let outside_cases = test.fixture_person(agency, colleague).await;
    let in_unseen_case = test.fixture_person(agency, elsewhere).await;
    test.fixture_case(agency, other_office, elsewhere, None, None, &[in_unseen_case], category).await;
    let with_purpose = test.fixture_person(agency, colleague).await;
    test.fixture_purpose(actor, with_purpose).await;
    let shared = |classes: &'static [DataClass]| async move {
        let person = test.fixture_person(foreign_agency, foreigner).await;
        let source =
            test.fixture_case(foreign_agency, foreign_office, foreigner, None, None, &[person], category).await;
        test.fixture_referral(source, office, classes, None).await;
        person
    };
    let with_identity = in_actor_case(shared(&[DataClass::Identity, DataClass::Summary]).await).await;
    let with_contact_only = in_actor_case(shared(&[DataClass::Contact, DataClass::Summary]).await).await;
    let with_summary_only = in_actor_case(shared(&[DataClass::Summary]).await).await;
    let identity_outside_cases = shared(&[DataClass::Identity, DataClass::Contact, DataClass::Summary]).await;
    let never_shared = test.fixture_person(foreign_agency, foreigner).await;
    let tied = in_actor_case(test.fixture_person(agency, colleague).await).await;
    test.fixture_conflict(actor, tied).await;
    let tied_with_purpose = test.fixture_person(agency, colleague).await;
    test.fixture_conflict(actor, tied_with_purpose).await;
    test.fixture_purpose(actor, tied_with_purpose).await;
    for (relation, person) in [
        ("registered_here", registered_here),
        ("registered_by_actor", registered_by_actor),
        ("registered_here_outside_actor_cases", outside_cases),
        ("registered_here_in_case_actor_cannot_read", in_unseen_case),
        ("registered_here_purpose_stated", with_purpose),
        ("referred_with_identity", with_identity),
        ("referred_with_contact_only", with_contact_only),
        ("referred_with_summary_only", with_summary_only),
        ("referred_with_identity_no_centre_case", identity_outside_cases),
        ("other_agency_never_referred", never_shared),
        ("registered_here_conflict", tied),
        ("registered_here_conflict_purpose_stated", tied_with_purpose),
    ] {
        for (name, action) in [
            ("ReadPerson", Action::ReadPerson),
            ("ReadPersonContact", Action::ReadPersonContact),
            ("MergePersons", Action::MergePersons),
        ] {
            rows.push((name.into(), relation.into(), label(test.access(actor, action, Probe::Person(person)).await)));
        }
    }

    // Referrals, by which side the actor is on.
    let from_own = test.fixture_referral(own, foreign_office, &[DataClass::Identity], None).await;
    let from_unseen = test.fixture_referral(other_office_case, foreign_office, &[DataClass::Identity], None).await;
    let incoming_source = case(foreign_agency, foreign_office, foreigner, None, None).await.0;
    let to_own_office = test.fixture_referral(incoming_source, office, &[DataClass::Identity], None).await;
    let other_source = case(foreign_agency, foreign_office, foreigner, None, None).await.0;
    let to_other_office = test.fixture_referral(other_source, other_office, &[DataClass::Identity], None).await;
    let worked_source = case(foreign_agency, foreign_office, foreigner, None, None).await.0;
    let centre_case = case(agency, other_office, elsewhere, Some(actor), None).await.0;
    let worked = test.fixture_referral(worked_source, other_office, &[DataClass::Identity], Some(centre_case)).await;
    // Wifaq's desk: neither the actor's agency nor the other one of the matrix world.
    let third = "WIFAQ.DESK";
    let between_others_source = case(foreign_agency, foreign_office, foreigner, None, None).await.0;
    let between_others = test.fixture_referral(between_others_source, third, &[DataClass::Identity], None).await;
    let referral_actions = [
        ("ReadReferral", Action::ReadReferral),
        ("Transition:received", Action::TransitionReferral(ReferralStatus::Received)),
        ("Transition:accepted", Action::TransitionReferral(ReferralStatus::Accepted)),
        ("Transition:cancelled", Action::TransitionReferral(ReferralStatus::Cancelled)),
        ("Transition:in-progress", Action::TransitionReferral(ReferralStatus::InProgress)),
        ("Transition:completed", Action::TransitionReferral(ReferralStatus::Completed)),
        ("Transition:transferred", Action::TransitionReferral(ReferralStatus::Transferred)),
    ];
    for (relation, id) in [
        ("referrer_own_case", from_own),
        ("referrer_case_not_visible", from_unseen),
        ("receiver_at_own_office", to_own_office),
        ("receiver_at_other_office", to_other_office),
        ("receiver_works_centre_case", worked),
        ("between_other_agencies", between_others),
    ] {
        for (name, action) in referral_actions {
            rows.push((name.into(), relation.into(), label(test.access(actor, action, Probe::Referral(id)).await)));
        }
    }

    // Consultations: the actor's own, a colleague's, another agency's.
    for (relation, id) in [
        ("recorded_by_actor", test.fixture_consultation(agency, actor).await),
        ("recorded_by_colleague", test.fixture_consultation(agency, colleague).await),
        ("other_agency", test.fixture_consultation(foreign_agency, foreigner).await),
    ] {
        rows.push((
            "ReadConsultation".into(),
            relation.into(),
            label(test.access(actor, Action::ReadConsultation, Probe::Consultation(id)).await),
        ));
    }

    // What is done without a particular record.
    for (name, action) in [
        ("CreatePerson", Action::CreatePerson),
        ("SearchPersons", Action::SearchPersons),
        ("CreateCase", Action::CreateCase),
        ("ListCases", Action::ListCases),
        ("ListReferrals", Action::ListReferrals),
        ("Administer", Action::Administer),
        ("ReadAudit", Action::ReadAudit),
        ("RecordConsultation", Action::RecordConsultation),
        ("RecordActivity", Action::RecordActivity),
        ("ReadActivities", Action::ReadActivities),
        ("ReadStatistics", Action::ReadStatistics),
    ] {
        rows.push((name.into(), "own_agency".into(), label(test.access(actor, action, Probe::Agency).await)));
    }
    rows
}

fn render(rows: &[(String, String, String, String)]) -> String {
    let mut out = String::from(
        "# The access matrix: what each role may do, by its relation to the record.\n\
         # allow = allowed; deny = refused, 403 (the record is visible); hide = refused as not found, 404.\n\
         # Generated by crates/app/tests/access_matrix.rs with SILA_BLESS=1 and reviewed; the test\n\
         # compares the Cedar engine's answers with this table on SQLite and PostgreSQL.\n\
         role\taction\trelation\texpected\n",
    );
    for (role, action, relation, decision) in rows {
        out.push_str(&format!("{role}\t{action}\t{relation}\t{decision}\n"));
    }
    out
}

both_databases!(every_role_action_and_relation_matches_the_table, |test: TestApp| async move {
    let world = world(&test).await;
    let mut rows = Vec::new();
    for role in Role::ALL {
        for (action, relation, decision) in rows_for(&test, &world, role).await {
            rows.push((role.code().to_string(), action, relation, decision.to_string()));
        }
    }
    let computed = render(&rows);
    if std::env::var("SILA_BLESS").is_ok_and(|value| value == "1") && test.schema.is_none() {
        std::fs::write(table_path(), &computed).unwrap();
    }
    let expected =
        std::fs::read_to_string(table_path()).unwrap_or_else(|error| panic!("{}: {error}", table_path().display()));
    let table: BTreeMap<(String, String, String), String> = expected
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("role\t"))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.len() == 4).then(|| ((fields[0].into(), fields[1].into(), fields[2].into()), fields[3].into()))
        })
        .collect();
    let mut differences = Vec::new();
    for (role, action, relation, decision) in &rows {
        match table.get(&(role.clone(), action.clone(), relation.clone())) {
            Some(expected) if expected == decision => {}
            Some(expected) => {
                differences.push(format!("{role}\t{action}\t{relation}: expected {expected}, engine says {decision}"))
            }
            None => {
                differences.push(format!("{role}\t{action}\t{relation}: not in the table (engine says {decision})"))
            }
        }
    }
    assert_eq!(table.len(), rows.len(), "the table has rows the test no longer produces");
    assert!(differences.is_empty(), "{} rows differ:\n{}", differences.len(), differences.join("\n"));
    assert!(rows.len() > 1000, "{} rows", rows.len());
});
