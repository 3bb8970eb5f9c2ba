//! Concurrent writers: on both databases, parallel case openings get distinct
//! consecutive references, and two desk members deciding the same referral at once
//! end with exactly one decision — the other is told the referral changed. Three
//! servers' monitors (each with its own connections, sharing only the database) raise
//! each deadline alert once and send each notification once.

use std::collections::BTreeSet;

use sila_app::both_databases;
use sila_app::cases::CaseInput;
use sila_app::referrals::TransitionInput;
use sila_app::testing::TestApp;
use sila_app::{App, AppConfig, AppError, Conflict, RequestContext, SignedDuration};

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
    let referral = test.referred_woman().await;
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

/// A notification sender that keeps what it was asked to send.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<(sila_domain::ids::UserId, String)>>);

impl sila_app::monitor::Sender for Recording {
    fn channel(&self) -> &'static str {
        "recording"
    }
    fn send(&self, user: sila_domain::ids::UserId, text: &str) -> Result<(), String> {
        self.0.lock().unwrap().push((user, text.to_string()));
        Ok(())
    }
    fn send_text(&self, _phone: &str, _text: &str) -> Result<(), String> {
        Ok(())
    }
}

both_databases!(three_servers_raise_each_alert_once_and_send_each_notification_once, |test: TestApp| async move {
    let referral = test.referred_woman().await;
    let open =
        async || App::open(&test.options, test.audit_key.clone(), test.clock.clone(), AppConfig::default()).await;
    let servers = [test.app.clone(), open().await.unwrap(), open().await.unwrap()];
    // Near the deadline to receive, then past it: all three monitors run at once.
    let due = referral.due[&sila_domain::referral::Step::Receive];
    let now = sila_app::Clock::now(test.clock.as_ref());
    let near = due.duration_since(now) - SignedDuration::from_mins(10);
    for step in [near, SignedDuration::from_mins(11)] {
        test.clock.advance(step);
        let (a, b, c) = tokio::join!(
            servers[0].monitor_deadlines(),
            servers[1].monitor_deadlines(),
            servers[2].monitor_deadlines()
        );
        assert!(a.unwrap() + b.unwrap() + c.unwrap() >= 2);
    }
    let desk = test.world.actor("aman.desk");
    let mut kinds: Vec<String> = test
        .app
        .alerts(desk)
        .await
        .unwrap()
        .into_iter()
        .filter(|alert| alert.subject_id.as_deref() == Some(referral.id.to_string().as_str()))
        .map(|alert| alert.kind)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["deadline.due_soon", "deadline.overdue", "referral.new"], "each alert once");
    // The three deliver at once: every notification goes out once, whoever sends it.
    let senders = [Recording::default(), Recording::default(), Recording::default()];
    let (a, b, c) = tokio::join!(
        servers[0].deliver_notifications(&senders[0], "server-a"),
        servers[1].deliver_notifications(&senders[1], "server-b"),
        servers[2].deliver_notifications(&senders[2], "server-c"),
    );
    let sent = a.unwrap() + b.unwrap() + c.unwrap();
    let delivered: usize = senders.iter().map(|sender| sender.0.lock().unwrap().len()).sum();
    assert!(sent >= 5, "{sent}");
    assert_eq!(delivered, sent, "each notification sent once");
    let again: usize = [
        servers[0].deliver_notifications(&senders[0], "server-a").await.unwrap(),
        servers[1].deliver_notifications(&senders[1], "server-b").await.unwrap(),
    ]
    .iter()
    .sum();
    assert_eq!(again, 0, "nothing is sent twice");
});
