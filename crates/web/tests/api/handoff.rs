//! The warm handoff and safe contact, on both databases: the officer books a slot at the
//! Aman desk from her referral (the desk is alerted), walks her over, the desk receives
//! her — her first contact, minutes after her intake; her safe-contact rules are kept
//! and shown with her contact details, to the police and to the centre that received
//! them, and to nobody who did not.

use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, consent, office, police_case};

both_databases!(a_warm_handoff_counts_minutes_and_safe_contact_travels_with_contact, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity", "contact", "summary", "risk"]).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": ["identity", "contact", "summary", "risk"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = referral["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/referrals/{id}/handoff");

    // A slot in the past, or days away, is refused; in twenty minutes (Qatar time) it is booked.
    officer.post(&path, json!({ "slot_at": "2026-11-29T09:00" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "out_of_range",
        Some("slot_at"),
    );
    officer.post(&path, json!({ "slot_at": "2026-12-03T11:00" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "out_of_range",
        Some("slot_at"),
    );
    let booked = officer.post(&path, json!({ "slot_at": "2026-11-29T11:20" })).await.expect(StatusCode::OK);
    assert_eq!(booked["slot_at"], "2026-11-29T08:20:00Z");
    let desk = Client::sign_in(&test, "aman.desk").await;
    let alerts = desk.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert!(alerts.as_array().unwrap().iter().any(|alert| alert["kind"] == "handoff.booked"), "{alerts}");

    // Each side records its own step.
    desk.post(&format!("{path}/escorted"), json!({})).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    officer.post(&format!("{path}/received"), json!({})).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    test.clock.advance(SignedDuration::from_mins(18));
    let officer = Client::sign_in(&test, "cp.officer").await;
    officer.post(&format!("{path}/escorted"), json!({})).await.expect(StatusCode::OK);
    test.clock.advance(SignedDuration::from_mins(3));
    let desk = Client::sign_in(&test, "aman.desk").await;
    let received = desk.post(&format!("{path}/received"), json!({})).await.expect(StatusCode::OK);
    assert_eq!(received["received_at"], "2026-11-29T08:21:00.123456Z");
    assert_eq!(received["intake_to_contact_minutes"], 21, "the minutes from her police intake");

    // The officer sees it: received, first contact made, in minutes.
    let seen = officer.get(&format!("/api/v1/referrals/{id}")).await.expect(StatusCode::OK);
    assert_eq!(seen["status"], "received");
    assert_eq!(seen["deadlines"]["first_contact"]["reached_at"], "2026-11-29T08:21:00.123456Z");
    let handoff = officer.get(&path).await.expect(StatusCode::OK);
    assert_eq!(
        (handoff["escorted_at"].as_str(), handoff["intake_to_contact_minutes"].as_i64()),
        (Some("2026-11-29T08:18:00.123456Z"), Some(21))
    );

    // Safe contact: a channel through someone needs the someone.
    let rules = format!("/api/v1/persons/{woman}/safe-contact");
    officer.post(&rules, json!({ "channel": "through" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("through"),
    );
    let kept = officer
        .post(
            &rules,
            json!({ "channel": "call", "phone": "5512 3456", "times": "صباحًا قبل الحادية عشرة",
                    "never_at_home": true, "code_word": "الياسمين" }),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(kept["phone"], "+97455123456");
    let her = officer.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    assert_eq!(her["safe_contact"]["never_at_home"], true);
    // The centre received her contact details, so it sees how to use them.
    let at_desk = desk.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    assert_eq!(at_desk["safe_contact"]["code_word"], "الياسمين");
    assert!(at_desk["phones"].is_array());

    // Wifaq never received anything of her: nothing.
    let wifaq = Client::sign_in(&test, "wifaq.desk").await;
    wifaq.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    wifaq.post(&rules, json!({ "channel": "none" })).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);

    // A referral without contact details carries no safe-contact rules either.
    let (other_case, other, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &other_case, &other, &agency(&test, "AMAN"), &["identity", "summary"]).await;
    officer
        .post(&format!("/api/v1/persons/{other}/safe-contact"), json!({ "channel": "in_person" }))
        .await
        .expect(StatusCode::OK);
    officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": other_case, "to_office_id": office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": ["identity", "summary"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let seen: Value = desk.get(&format!("/api/v1/persons/{other}")).await.expect(StatusCode::OK);
    assert_eq!((seen["phones"].clone(), seen["safe_contact"].clone()), (Value::Null, Value::Null));
});
