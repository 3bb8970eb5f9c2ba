//! The demo seed runs through the use cases on both databases and leaves every referral
//! status represented.

use sila_app::both_databases;
use sila_app::demo::seed_cases;
use sila_app::testing::TestApp;
use sila_domain::referral::ReferralStatus;
use sila_store::ReferralBox;

both_databases!(demo_cases_cover_every_status, |test: TestApp| async move {
    let persons = seed_cases(&test.app, &test.world).await.expect("demo cases seed");
    assert!(persons >= 50, "{persons} persons");
    let officer = test.world.actor("cp.officer");
    let mut statuses = std::collections::BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = test.app.list_referrals(officer, ReferralBox::Outgoing, None, cursor, Some(7)).await.unwrap();
        statuses.extend(page.items.iter().map(|view| view.referral.status));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(statuses, ReferralStatus::ALL.into_iter().collect());
});
