//! Concurrent writers: on both databases, parallel case openings get distinct
//! consecutive references, and two desk members deciding the same referral at once
//! end with exactly one decision — the other is told the referral changed.

use std::collections::BTreeSet;

use sila_app::both_databases;
use sila_app::cases::CaseInput;
use sila_app::referrals::{ReferralInput, TransitionInput};
use sila_app::testing::TestApp;
use sila_app::{App, AppConfig, AppError, Conflict, RequestContext};
use sila_domain::consent::ConsentInput;
use sila_domain::person::PersonInput;

both_databases!(parallel_case_openings_get_distinct_references, |test: TestApp| async move {
    let officer = test.world.actor("cp.officer").clone();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let app = test.app.clone();
        let officer = officer.clone();
        tasks.push(tokio::spawn(async move {
            let input = CaseInput { category: Some("runaway".into()), ..CaseInput::default() };
            app.open_case(&officer, &input, &RequestContext::default()).await
        }));
    }
    let mut references = BTreeSet::new();
    for task in tasks {
        let case = task.await.unwrap().expect("every opening succeeds");
        references.insert(case.reference.to_string());
    }
    let expected: BTreeSet<String> = (1..=12).map(|serial| format!("CP-2026-{serial:06}")).collect();
    assert_eq!(references, expected);
});

both_databases!(two_decisions_at_once_end_with_one, |test: TestApp| async move {
    let context = RequestContext::default();
    let officer = test.world.actor("cp.officer");
    let woman = test
        .app
        .register_person(
            officer,
            &PersonInput {
                first_name_ar: Some("مها".into()),
                family_name_ar: Some("النعيمي".into()),
                sex: Some("female".into()),
                ..PersonInput::default()
            },
            &context,
        )
        .await
        .unwrap()
        .person
        .person;
    let case = test
        .app
        .open_case(officer, &CaseInput { category: Some("domestic_violence".into()), ..CaseInput::default() }, &context)
        .await
        .unwrap();
    test.app.add_case_person(officer, case.id, &woman.id.to_string(), "survivor", &context).await.unwrap();
    let consent = ConsentInput {
        basis: Some("consent".into()),
        method: Some("signed_form".into()),
        purpose: Some("حماية".into()),
        data_classes: vec!["identity".into()],
        expires_on: Some("2027-01-01".into()),
        ..ConsentInput::default()
    };
    let aman = test.world.agency("AMAN").id.to_string();
    test.app.record_consent(officer, case.id, &woman.id.to_string(), &aman, &consent, &context).await.unwrap();
    let referral = test
        .app
        .refer_case(
            officer,
            &ReferralInput {
                case_id: case.id.to_string(),
                to_office_id: test.world.office("AMAN.DESK").id.to_string(),
                reason: "حماية".into(),
                priority: None,
                data_classes: vec!["identity".into()],
                persons: None,
            },
            &context,
        )
        .await
        .unwrap()
        .referral;
    let decide = |username: &str, to: &str| {
        let app = test.app.clone();
        let actor = test.world.actor(username).clone();
        let mut input =
            TransitionInput { to: to.into(), version: Some(referral.version), ..TransitionInput::default() };
        if to == "rejected" {
            input.reason = Some("خارج الاختصاص".into());
        }
        let id = referral.id;
        tokio::spawn(async move { app.transition_referral(&actor, id, &input, &RequestContext::default()).await })
    };
    let first = decide("aman.desk", "accepted");
    let second = decide("aman.manager", "rejected");
    let results = [first.await.unwrap(), second.await.unwrap()];
    let succeeded = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(succeeded, 1, "{results:?}");
    let refused = results.iter().find_map(|result| result.as_ref().err()).unwrap();
    assert!(
        matches!(refused, AppError::Conflict(Conflict::StaleVersion | Conflict::TransitionNotAllowed)),
        "{refused:?}"
    );
    // Exactly one centre case exists when the acceptance won; none when the rejection did.
    let desk = test.world.actor("aman.manager");
    let cases = test.app.list_cases(desk, &Default::default()).await.unwrap();
    let accepted = results[0].is_ok();
    assert_eq!(cases.items.len(), usize::from(accepted));
});

both_databases!(a_saturated_pool_answers_unavailable_not_an_internal_error, |test: TestApp| async move {
    // A server with one connection, which someone else holds.
    let mut options = test.options.clone();
    options.max_connections = 1;
    options.acquire_timeout = std::time::Duration::from_millis(200);
    let app = App::open(&options, test.audit_key.clone(), test.clock.clone(), AppConfig::default())
        .await
        .expect("a second server opens the same database");
    let officer = test.world.actor("cp.officer");
    let held = app.hold_a_connection().await;
    let answer = app.list_cases(officer, &Default::default()).await;
    assert!(matches!(answer, Err(AppError::Unavailable)), "a saturated pool is unavailable, not broken: {answer:?}");
    drop(held);
    assert!(app.list_cases(officer, &Default::default()).await.is_ok(), "and answers once a connection is free");
});
