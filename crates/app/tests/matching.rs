//! Person matching across servers and through merges, on both databases: a second
//! server finds what the first registered (its name index catches up from the change
//! log), and a merge carries the duplicate's shared access to the survivor and copies its
//! conflicts of interest, so that a merge neither hides a person from the centre that
//! received her nor opens her cases to a user tied to her — and an unmerge undoes both.

use sila_app::access::{Action, Decision};
use sila_app::both_databases;
use sila_app::persons::PersonQuery;
use sila_app::testing::{Probe, TestApp};
use sila_app::{App, AppConfig, RequestContext};
use sila_domain::consent::DataClass;
use sila_domain::person::PersonInput;

fn woman(first: &str, family: &str, latin: Option<&str>) -> PersonInput {
    PersonInput {
        first_name_ar: Some(first.into()),
        family_name_ar: Some(family.into()),
        name_latin: latin.map(str::to_string),
        sex: Some("female".into()),
        ..PersonInput::default()
    }
}

fn by_name(text: &str) -> PersonQuery {
    PersonQuery { q: Some(text.into()), ..PersonQuery::default() }
}

both_databases!(a_second_server_finds_what_the_first_registered, |test: TestApp| async move {
    let context = RequestContext::default();
    let officer = test.world.actor("cp.officer");
    let second = App::open(&test.options, test.audit_key.clone(), test.clock.clone(), AppConfig::default())
        .await
        .expect("a second server opens the same database");
    // The second server builds its index now, before the first registers anyone.
    assert!(second.search_persons(officer, &by_name("هيا الكبيسي")).await.unwrap().is_empty());
    let registered =
        test.app.register_person(officer, &woman("هيا", "الكبيسي", Some("Haya Al-Kubaisi")), &context).await.unwrap();
    let found = second.search_persons(officer, &by_name("Haya Alkubaisi")).await.unwrap();
    assert_eq!(found.first().map(|found| found.person.person.id), Some(registered.person.person.id));
    // And the first server finds it too, by either name.
    let found = test.app.search_persons(officer, &by_name("هيا الكبيسي")).await.unwrap();
    assert_eq!(found.first().map(|found| found.person.person.id), Some(registered.person.person.id));
});

both_databases!(a_merge_carries_access_and_conflicts_and_an_unmerge_takes_them_back, |test: TestApp| async move {
    let context = RequestContext::default();
    let officer = test.world.actor("cp.officer");
    let supervisor = test.world.actor("cp.supervisor");
    let survivor =
        test.app.register_person(officer, &woman("لولوة", "المهندي", None), &context).await.unwrap().person.person.id;
    let duplicate =
        test.app.register_person(officer, &woman("لولوه", "المهندي", None), &context).await.unwrap().person.person.id;
    // The duplicate was referred to Aman with her identity, and an Aman caseworker is tied to her.
    let officer_id = officer.user.id;
    let case = test.fixture_case("CP", "CP.HQ", officer_id, None, None, &[duplicate], "domestic_violence").await;
    test.fixture_referral(case, "AMAN.DESK", &[DataClass::Identity], None).await;
    let caseworker = test.world.actor("aman.caseworker").user.id;
    let desk = test.world.actor("aman.desk").user.id;
    test.fixture_conflict(desk, duplicate).await;
    // The caseworker works on neither record's cases: she stated why she opens both, so
    // what decides below is what Aman received.
    test.fixture_purpose(caseworker, survivor).await;
    test.fixture_purpose(caseworker, duplicate).await;
    assert_eq!(test.access(caseworker, Action::ReadPerson, Probe::Person(survivor)).await, Decision::Hide);
    assert_eq!(test.access(desk, Action::ReadPerson, Probe::Person(duplicate)).await, Decision::Hide);

    let merged = test.app.merge_persons(supervisor, survivor, duplicate, &context).await.unwrap();
    assert_eq!((merged.cases.clone(), merged.accesses, merged.conflicts), (vec![case], 1, 1));
    // Aman still sees her, now under the surviving record; the tied user still does not.
    assert_eq!(test.access(caseworker, Action::ReadPerson, Probe::Person(survivor)).await, Decision::Allow);
    assert_eq!(test.access(desk, Action::ReadPerson, Probe::Person(survivor)).await, Decision::Hide);
    assert_eq!(test.access(desk, Action::ReadCase, Probe::Case(case)).await, Decision::Hide);
    // Only the survivor is found.
    let found = test.app.search_persons(officer, &by_name("لولوة المهندي")).await.unwrap();
    let ids: Vec<_> = found.iter().map(|found| found.person.person.id).collect();
    assert_eq!(ids, [survivor]);

    let undone = test.app.unmerge_person(supervisor, duplicate, &context).await.unwrap();
    assert_eq!((undone.cases, undone.accesses, undone.conflicts), (vec![case], 1, 1));
    assert_eq!(test.access(caseworker, Action::ReadPerson, Probe::Person(survivor)).await, Decision::Hide);
    assert_eq!(test.access(caseworker, Action::ReadPerson, Probe::Person(duplicate)).await, Decision::Allow);
    // The conflict the merge copied is gone from the survivor; the original stays.
    assert_eq!(test.access(desk, Action::ReadPerson, Probe::Person(duplicate)).await, Decision::Hide);
    let found = test.app.search_persons(officer, &by_name("لولوة المهندي")).await.unwrap();
    let mut ids: Vec<_> = found.iter().map(|found| found.person.person.id).collect();
    ids.sort_by_key(ToString::to_string);
    let mut expected = vec![survivor, duplicate];
    expected.sort_by_key(ToString::to_string);
    assert_eq!(ids, expected);
});
