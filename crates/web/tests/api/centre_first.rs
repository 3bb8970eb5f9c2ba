//! Centre before authorities, three ways: refused while the centre has no outcome;
//! allowed after the centre's outcome; allowed with a supervisor's audited bypass.

use axum::http::StatusCode;
use serde_json::json;
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, consent, office, police_case};

/// A police supervisor approves a transfer request; answers the case as it then stands.
async fn approve(test: &TestApp, request: &serde_json::Value, case_id: &str) -> serde_json::Value {
    assert_eq!(
        (request["kind"].as_str(), request["status"].as_str()),
        (Some("transfer"), Some("pending")),
        "{request}"
    );
    let supervisor = Client::sign_in(test, "cp.supervisor").await;
    supervisor
        .post(&format!("/api/v1/approvals/{}", request["id"].as_str().unwrap()), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);
    supervisor.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK)
}

both_databases!(centre_first_refused_then_allowed_after_outcome, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    let prosecution = agency(&test, "PP");
    let transfer = json!({ "authority_agency_id": prosecution, "reason": "اعتداء يستوجب الملاحقة" });
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
    // Allowed after the centre's outcome, once a supervisor approves.
    let request = officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    assert_eq!(approve(&test, &request, &case_id).await["status"], "transferred");
});

both_databases!(centre_first_allowed_with_supervisor_bypass, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, _, _) = police_case(&test, &officer, "domestic_violence").await;
    let transfer = json!({ "authority_agency_id": agency(&test, "PP"), "reason": "تهديد مباشر بالقتل" });
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
    let request = officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    assert_eq!(approve(&test, &request, &case_id).await["status"], "transferred");
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
                           "reason": "اعتداء على طفل" });
    let request = officer.post(&format!("/api/v1/cases/{case_id}/transfer"), transfer).await.expect(StatusCode::OK);
    approve(&test, &request, &case_id).await;
    // A transferred case takes no more changes.
    officer
        .post(
            &format!("/api/v1/cases/{case_id}/transfer"),
            json!({ "authority_agency_id": agency(&test, "FC"), "reason": "حضانة" }),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "case_not_open", None);
    // Only authorities receive transfers.
    let (other, _, _) = police_case(&test, &officer, "child_abuse_neglect").await;
    officer
        .post(
            &format!("/api/v1/cases/{other}/transfer"),
            json!({ "authority_agency_id": agency(&test, "AMAN"), "reason": "حماية" }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("authority_agency_id"));
});

both_databases!(
    a_police_transfer_waits_for_a_supervisor_and_carries_exactly_the_authority_s_profile,
    |test: TestApp| async move {
        let officer = Client::sign_in(&test, "cp.officer").await;
        let (case_id, _, _) = police_case(&test, &officer, "child_abuse_neglect").await;
        // The officer asks for her contact details to go to the prosecution too.
        let request = officer
            .post(
                &format!("/api/v1/cases/{case_id}/transfer"),
                json!({ "authority_agency_id": agency(&test, "PP"), "authority_reference": "PP/2026/77",
                    "data_classes": ["identity", "contact", "summary"], "reason": "اعتداء على طفلة يستوجب الملاحقة" }),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(request["status"], "pending", "{request}");
        // Nothing has gone yet: the case is open, no transfer is recorded, and a second
        // request waits behind the first.
        let case = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
        assert_eq!(case["status"], "open");
        let work = officer.get(&format!("/api/v1/cases/{case_id}/casework")).await.expect(StatusCode::OK);
        assert_eq!(work["transfers"].as_array().map(Vec::len), Some(0), "{work}");
        officer
            .post(
                &format!("/api/v1/cases/{case_id}/transfer"),
                json!({ "authority_agency_id": agency(&test, "FC"), "reason": "حضانة" }),
            )
            .await
            .expect_error(StatusCode::CONFLICT, "approval_pending", None);
        // The officer cannot approve it; the supervisor was told, and approves.
        let id = request["id"].as_str().unwrap();
        officer.post(&format!("/api/v1/approvals/{id}"), json!({ "decision": "approve" })).await.expect_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
        let supervisor = Client::sign_in(&test, "cp.supervisor").await;
        let alerts = supervisor.get("/api/v1/alerts").await.expect(StatusCode::OK);
        assert!(alerts.to_string().contains("approval.requested"), "{alerts}");
        let waiting = supervisor.get("/api/v1/approvals").await.expect(StatusCode::OK);
        assert!(waiting.to_string().contains(id), "{waiting}");
        let case = approve(&test, &request, &case_id).await;
        assert_eq!(case["status"], "transferred");

        // What went is the prosecution's profile, each class with its content; never her
        // contact details, whatever the request named.
        let work = supervisor.get(&format!("/api/v1/cases/{case_id}/casework")).await.expect(StatusCode::OK);
        let sent = &work["transfers"][0];
        let mut classes: Vec<&str> =
            sent["data_classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        classes.sort();
        assert_eq!(
            classes,
            ["identity", "narrative", "risk", "summary"],
            "the profile, less attachments the case has none of"
        );
        let mut keys: Vec<&str> = sent["packet"].as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, classes);
        assert!(sent["packet"]["narrative"].as_str().is_some_and(|text| text.contains("حضرت السيدة")), "{sent}");
        assert_eq!(sent["packet"]["identity"][0]["qid"].as_str().map(str::len), Some(11));
        let packet = sent["packet"].to_string();
        assert!(!packet.contains("+974") && !packet.contains("الريان"), "contact details went: {packet}");
    }
);
