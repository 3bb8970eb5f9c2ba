//! Deadlines and alerts, with the test's clock (never by sleeping), on both databases:
//! a new referral alerts the desk; the deadline monitor raises "due soon" and then
//! "overdue" (to the desk, the centre's managers and, once overdue, the referring
//! office's supervisor) — each once, however often it runs and from however many
//! servers; steps reached raise nothing; the outbox tells each user only that something
//! is waiting, once.

use std::sync::Mutex;

use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::monitor::{NOTIFICATION_AR, NOTIFICATION_EN, Sender};
use sila_app::testing::TestApp;
use sila_domain::ids::UserId;

use crate::client::{Client, agency, consent, office, police_case};

#[derive(Default)]
struct Recording(Mutex<Vec<(UserId, String)>>);

impl Sender for Recording {
    fn channel(&self) -> &'static str {
        "test"
    }

    fn send(&self, user: UserId, text: &str) -> Result<(), String> {
        self.0.lock().unwrap().push((user, text.to_string()));
        Ok(())
    }

    fn send_text(&self, _phone: &str, _text: &str) -> Result<(), String> {
        Err("not a text sender".into())
    }
}

fn kinds(alerts: &Value, referral: &str) -> Vec<String> {
    let mut found: Vec<String> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|alert| alert["subject_id"] == referral)
        .map(|alert| alert["kind"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    found
}

both_databases!(deadlines_raise_each_alert_once_and_notify_without_content, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    // A high-risk case: received within an hour, decided within four.
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity", "summary", "risk"]).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": ["identity", "summary", "risk"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = referral["id"].as_str().unwrap().to_string();
    assert_eq!(referral["deadlines"]["receive"]["due_at"], "2026-11-29T09:00:00.123456Z");
    let app = &test.app;
    let inbox = async |username: &str| {
        let client = Client::sign_in(&test, username).await;
        kinds(&client.get("/api/v1/alerts").await.expect(StatusCode::OK), &id)
    };
    assert_eq!(inbox("aman.desk").await, ["referral.new"]);

    // Half an hour in: nothing is near yet.
    test.clock.advance(SignedDuration::from_mins(30));
    assert_eq!(app.monitor_deadlines().await.unwrap(), 0);
    // 50 minutes in: receiving is due in ten minutes.
    test.clock.advance(SignedDuration::from_mins(20));
    let raised = app.monitor_deadlines().await.unwrap();
    assert!(raised >= 2, "the desk and the manager: {raised}");
    assert_eq!(app.monitor_deadlines().await.unwrap(), 0, "each alert once");
    assert_eq!(inbox("aman.desk").await, ["deadline.due_soon", "referral.new"]);
    assert_eq!(inbox("aman.manager").await, ["deadline.due_soon"]);
    assert_eq!(inbox("cp.supervisor").await, Vec::<String>::new(), "not yet the police's business");

    // 70 minutes in: overdue — now the referring office's supervisor is told too.
    test.clock.advance(SignedDuration::from_mins(20));
    let (first, second) = tokio::join!(app.monitor_deadlines(), app.monitor_deadlines());
    let raised = first.unwrap() + second.unwrap();
    assert!(raised >= 3, "{raised}");
    assert_eq!(inbox("aman.desk").await, ["deadline.due_soon", "deadline.overdue", "referral.new"]);
    assert_eq!(inbox("cp.supervisor").await, ["deadline.overdue"]);
    assert_eq!(inbox("cp.officer").await, Vec::<String>::new());

    // The desk accepts: receiving and deciding are reached; nothing more about them.
    let desk = Client::sign_in(&test, "aman.desk").await;
    desk.post(&format!("/api/v1/referrals/{id}/transitions"), json!({ "to": "accepted" })).await.expect(StatusCode::OK);
    test.clock.advance(SignedDuration::from_hours(4));
    app.monitor_deadlines().await.unwrap();
    let desk_kinds = inbox("aman.desk").await;
    assert_eq!(desk_kinds.iter().filter(|kind| kind.as_str() == "deadline.overdue").count(), 1, "{desk_kinds:?}");
    // First contact (within a day) is still to come: near it, then past it.
    test.clock.advance(SignedDuration::from_hours(18));
    assert!(app.monitor_deadlines().await.unwrap() >= 1);
    test.clock.advance(SignedDuration::from_hours(2));
    assert!(app.monitor_deadlines().await.unwrap() >= 1);
    assert_eq!(
        inbox("aman.manager").await,
        ["deadline.due_soon", "deadline.due_soon", "deadline.overdue", "deadline.overdue"]
    );

    // The outbox: one notification per alert, saying nothing of the case; sent once.
    let sender = Recording::default();
    let sent = app.deliver_notifications(&sender, "server-a").await.unwrap();
    assert!(sent >= 10, "{sent}");
    assert_eq!(app.deliver_notifications(&sender, "server-b").await.unwrap(), 0);
    let messages = sender.0.lock().unwrap();
    assert_eq!(messages.len(), sent);
    for (_, text) in messages.iter() {
        assert!(text == NOTIFICATION_AR || text == NOTIFICATION_EN, "{text}");
        assert!(!text.contains("CP-") && !text.contains("نورة"), "{text}");
    }
    let supervisor = test.world.actor("cp.supervisor").user.id;
    assert_eq!(messages.iter().filter(|(user, _)| *user == supervisor).count(), 2, "overdue receive and decide");
});

both_databases!(assignment_and_consent_withdrawal_alert_the_people_concerned, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    let given = consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity", "summary"]).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": ["identity", "summary"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = referral["id"].as_str().unwrap().to_string();
    let desk = Client::sign_in(&test, "aman.desk").await;
    let accepted = desk
        .post(&format!("/api/v1/referrals/{id}/transitions"), json!({ "to": "accepted" }))
        .await
        .expect(StatusCode::OK);
    let centre = accepted["referral"]["centre_case_id"].as_str().unwrap().to_string();
    let worker_id = test.world.actor("aman.caseworker").user.id.to_string();
    desk.post(&format!("/api/v1/cases/{centre}/assignment"), json!({ "user_id": worker_id }))
        .await
        .expect(StatusCode::OK);
    let worker = Client::sign_in(&test, "aman.caseworker").await;
    let alerts = worker.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|alert| alert["kind"] == "case.assigned" && alert["subject_id"] == centre.as_str())
    );
    officer
        .post(
            &format!("/api/v1/consents/{}/withdraw", given["id"].as_str().unwrap()),
            json!({ "reason": "طلبت السيدة وقف المشاركة" }),
        )
        .await
        .expect(StatusCode::OK);
    let alerts = worker.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert_eq!(kinds(&alerts, &id), ["consent.withdrawn"]);
    let manager = Client::sign_in(&test, "aman.manager").await;
    assert_eq!(kinds(&manager.get("/api/v1/alerts").await.expect(StatusCode::OK), &id), ["consent.withdrawn"]);
});
