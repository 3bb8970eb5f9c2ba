//! The cost of one authorisation decision: building the entities of a case read and
//! evaluating every policy. Run: `cargo bench -p sila-policy --bench decide`.

use std::collections::BTreeSet;

use sila_domain::agency::{Agency, AgencyKind, Role, User};
use sila_domain::case::{Case, CaseKind, CaseReference, CaseStatus};
use sila_domain::ids::{AgencyId, CaseId, OfficeId, PersonId, UserId};
use sila_policy::{Act, Engine, Principal, Target};
use uuid::Uuid;

fn main() {
    divan::main();
}

#[divan::bench]
fn read_case(bencher: divan::Bencher) {
    let engine = Engine::load().unwrap();
    let agency = Agency {
        id: AgencyId::from_uuid(Uuid::from_u128(1)),
        code: "CP".into(),
        kind: AgencyKind::Police,
        name_ar: String::new(),
        name_en: String::new(),
        case_prefix: "CP".into(),
        default_case_kind: Some(CaseKind::Police),
        authority_kind: None,
    };
    let office = OfficeId::from_uuid(Uuid::from_u128(2));
    let user = User {
        id: UserId::from_uuid(Uuid::from_u128(3)),
        agency_id: agency.id,
        username: "cp.supervisor".into(),
        display_name: String::new(),
        roles: [Role::PoliceSupervisor].into(),
        office_ids: vec![office],
        team_ids: vec![],
        language: "ar".into(),
        disabled: false,
    };
    let case = Case {
        id: CaseId::from_uuid(Uuid::from_u128(4)),
        agency_id: agency.id,
        office_id: office,
        kind: CaseKind::Police,
        reference: CaseReference::new("CP", 2026, 1).unwrap(),
        category: "domestic_violence".into(),
        subcategory: None,
        status: CaseStatus::Open,
        narrative: None,
        assigned_user_id: None,
        assigned_team_id: None,
        origin_referral_id: None,
        outcome: None,
        created_by: UserId::from_uuid(Uuid::from_u128(5)),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        updated_at: jiff::Timestamp::UNIX_EPOCH,
        closed_at: None,
        version: 1,
    };
    let persons: Vec<PersonId> = (10..14).map(|n| PersonId::from_uuid(Uuid::from_u128(n))).collect();
    let conflicts = BTreeSet::new();
    let grants = BTreeSet::new();
    let principal = Principal { user: &user, agency: &agency, conflicts: &conflicts, break_glass: &grants };
    assert!(engine.decide(principal, Act::ReadCase, Target::Case(&case, &persons)).allowed);
    bencher.bench_local(|| engine.decide(principal, Act::ReadCase, Target::Case(&case, &persons)));
}
