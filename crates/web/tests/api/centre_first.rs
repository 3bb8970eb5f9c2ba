//! Centre before authorities, three ways: refused while the centre has no outcome;
//! allowed after the centre's outcome; allowed with a supervisor's audited bypass.

use axum::http::StatusCode;
use serde_json::json;
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, consent, office, police_case};

both_databases!(centre_first_refused_then_allowed_after_outcome, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    let prosecution = agency(&test, "PP");
    let transfer = json!({ "authority_agency_id": prosecution, "data_classes": ["identity", "summary"] });
    // Refused: no referral at all yet.
    officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer.clone()).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "centre_first",
        None,
    );
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity", "summary"]).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": ["identity", "summary"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let referral_id = referral["id"].as_str().unwrap();
    let desk = Client::sign_in(&test, "aman.desk").await;
    let path = format!("/api/v1/referrals/{referral_id}/transitions");
    desk.post(&path, json!({ "to": "accepted" })).await.expect(StatusCode::OK);
    desk.post(&path, json!({ "to": "in-progress" })).await.expect(StatusCode::OK);
    // Refused: the centre is working but has recorded no outcome.
    officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer.clone()).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "centre_first",
        None,
    );
    desk.post(&path, json!({ "to": "completed", "outcome": "assessed" })).await.expect(StatusCode::OK);
    // Allowed after the centre's outcome.
    let transferred = officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    assert_eq!(transferred["status"], "transferred");
});

both_databases!(centre_first_allowed_with_supervisor_bypass, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, _, _) = police_case(&test, &officer, "domestic_violence").await;
    let transfer = json!({ "authority_agency_id": agency(&test, "PP"), "data_classes": ["identity"] });
    // Only a supervisor may record the bypass.
    let bypass = json!({ "ground": "immediate_danger", "note": "تهديد مباشر بالقتل" });
    officer.post(&format!("/api/v1/cases/{case_id}/centre-first-bypass"), bypass.clone()).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    supervisor
        .post(&format!("/api/v1/cases/{case_id}/centre-first-bypass"), json!({ "ground": "whim", "note": "x" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("ground"));
    supervisor
        .post(&format!("/api/v1/cases/{case_id}/centre-first-bypass"), bypass)
        .await
        .expect(StatusCode::NO_CONTENT);
    let transferred = officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    assert_eq!(transferred["status"], "transferred");
    // The bypass and the transfer that used it are in the audit log.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject={case_id}")).await.expect(StatusCode::OK);
    let entries = trail.as_array().unwrap();
    let bypass = entries
        .iter()
        .find(|entry| entry["action"] == "centre_first.bypass" && entry["outcome"] == "ok")
        .expect("the bypass is audited");
    assert_eq!(bypass["details"]["ground"], "immediate_danger");
    assert_eq!(bypass["actor_id"], test.world.actor("cp.supervisor").user.id.to_string().as_str());
    let used = entries
        .iter()
        .find(|entry| entry["action"] == "case.transfer" && entry["outcome"] == "ok")
        .expect("the transfer is audited");
    assert_eq!(used["details"]["bypass"], "true");
});

both_databases!(categories_that_are_not_centre_first_go_straight_to_the_authority, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, _, _) = police_case(&test, &officer, "child_abuse_neglect").await;
    let transfer = json!({ "authority_agency_id": agency(&test, "PP"), "authority_reference": "PP/2026/1234",
                           "data_classes": ["identity", "summary"] });
    officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    // A transferred case takes no more changes.
    officer
        .post(
            &format!("/api/v1/cases/{case_id}/transfer"),
            json!({ "authority_agency_id": agency(&test, "FC"), "data_classes": ["identity"] }),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "case_not_open", None);
    // Only authorities receive transfers.
    let (other, _, _) = police_case(&test, &officer, "child_abuse_neglect").await;
    officer
        .post(
            &format!("/api/v1/cases/{other}/transfer"),
            json!({ "authority_agency_id": agency(&test, "AMAN"), "data_classes": ["identity"] }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("authority_agency_id"));
});
