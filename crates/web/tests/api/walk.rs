//! The acceptance walk, steps 1, 2 and 4 of ARCHITECTURE.md, through the HTTP API only: the
//! officer registers a woman and her child, opens a case, records the risk checklist
//! and consent, and refers to the Aman desk; the desk accepts and the centre case holds
//! only the data classes sent; a caseworker adds a note and asks to close with an
//! outcome, which the centre's manager approves;
//! the officer reads status and outcome — and cannot see the centre case or its notes.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, checklist, office};

both_databases!(acceptance_walk_steps_1_2_4, |test: TestApp| async move {
    // Step 1. The officer searches first, finds nobody, registers her and her child.
    let officer = Client::sign_in(&test, "cp.officer").await;
    let found = officer.get("/api/v1/persons/search?q=%D9%86%D9%88%D8%B1%D8%A9").await.expect(StatusCode::OK);
    assert_eq!(found, json!([]));
    let woman = officer
        .post(
            "/api/v1/persons",
            json!({
                "first_name_ar": "نورة", "father_name_ar": "سالم", "grandfather_name_ar": "علي",
                "family_name_ar": "المري", "name_latin": "Noura Salem Al-Marri", "sex": "female",
                "birth_date": "1990-05-14", "nationality": "QA", "qid": "290 634 00123",
                "phones": ["+974 5512 3456"], "municipality": "الريان",
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(woman["possible_matches"], json!([]));
    assert_eq!(woman["person"]["qid"], "29063400123");
    let woman_id = woman["person"]["id"].as_str().unwrap().to_string();
    let child = officer
        .post(
            "/api/v1/persons",
            json!({ "first_name_ar": "ريم", "father_name_ar": "حمد", "family_name_ar": "المري",
                    "sex": "female", "birth_date": "2018-02-01" }),
        )
        .await
        .expect(StatusCode::CREATED);
    // Registering the child shows her mother as a possible match to look at (same
    // family name), never merging anything.
    assert!(child["possible_matches"].as_array().is_some());
    let child_id = child["person"]["id"].as_str().unwrap().to_string();
    let found = officer.get("/api/v1/persons/search?q=Noura%20Al-Marri").await.expect(StatusCode::OK);
    assert_eq!(found[0]["person"]["id"], woman_id.as_str());

    let case = officer
        .post(
            "/api/v1/cases",
            json!({ "category": "domestic_violence", "subcategory": "dv_physical",
                    "narrative": "أفادت بتعرضها للضرب المتكرر من الزوج أمام ابنتها." }),
        )
        .await
        .expect(StatusCode::CREATED);
    let case_id = case["id"].as_str().unwrap().to_string();
    assert!(case["reference"].as_str().unwrap().starts_with("CP-2026-"), "{case}");
    for (person, role) in [(&woman_id, "survivor"), (&child_id, "child")] {
        officer
            .post(&format!("/api/v1/cases/{case_id}/persons"), json!({ "person_id": person, "role": role }))
            .await
            .expect(StatusCode::CREATED);
    }
    let risk = officer
        .post(&format!("/api/v1/cases/{case_id}/risk-assessments"), checklist(&test, 15))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!((risk["score"].as_u64(), risk["level"].as_str()), (Some(15), Some("high")));
    let aman = agency(&test, "AMAN");
    officer
        .post(
            &format!("/api/v1/cases/{case_id}/consents"),
            json!({ "person_id": woman_id, "recipient_agency_id": aman, "basis": "consent",
                    "method": "verbal_witnessed", "witness": "الملازم أول سارة الكواري",
                    "purpose": "الحماية والإرشاد", "data_classes": ["identity", "summary", "risk"],
                    "expires_on": "2027-05-31" }),
        )
        .await
        .expect(StatusCode::CREATED);
    let offices = officer.get("/api/v1/offices").await.expect(StatusCode::OK);
    let desk = offices
        .as_array()
        .unwrap()
        .iter()
        .find(|office| office["agency_id"] == aman.as_str() && office["is_desk"] == true)
        .expect("the Aman desk is listed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(desk, office(&test, "AMAN.DESK"));
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": desk, "reason": "تحتاج حماية ودعمًا نفسيًا",
                    "priority": "standard", "data_classes": ["identity", "summary", "risk"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let referral_id = referral["id"].as_str().unwrap().to_string();
    // High risk raises the priority, and the protocol's high-priority deadlines apply.
    assert_eq!(referral["priority"], "high");
    assert_eq!(referral["status"], "requested");
    assert_eq!(referral["deadlines"]["receive"]["due_at"], "2026-11-29T09:00:00.123456Z");
    assert_eq!(referral["deadlines"]["first_contact"]["due_at"], "2026-11-30T08:00:00.123456Z");

    // Step 2. The Aman desk sees it arrive with what was sent, and accepts it.
    test.clock.advance(jiff::SignedDuration::from_mins(10));
    let desk_user = Client::sign_in(&test, "aman.desk").await;
    let incoming = desk_user.get("/api/v1/referrals?box=incoming").await.expect(StatusCode::OK);
    let arrived = &incoming["items"][0];
    assert_eq!(arrived["id"], referral_id.as_str());
    assert_eq!(arrived["side"], "receiver");
    assert_eq!(arrived["case_id"], Value::Null, "the police case id stays with the police");
    let shared = &arrived["shared"];
    assert_eq!(shared["persons"][0]["name_ar"], "نورة سالم علي المري");
    assert_eq!(shared["persons"][0]["phones"], Value::Null, "contact was not sent");
    assert_eq!(shared["narrative"], Value::Null, "the narrative was not sent");
    assert_eq!(shared["risk"]["level"], "high");
    let accepted = desk_user
        .post(&format!("/api/v1/referrals/{referral_id}/transitions"), json!({ "to": "accepted", "version": 1 }))
        .await
        .expect(StatusCode::OK);
    let centre_case_id = accepted["referral"]["centre_case_id"].as_str().expect("a centre case").to_string();
    assert_eq!(accepted["referral"]["deadlines"]["receive"]["reached_at"], "2026-11-29T08:10:00.123456Z");

    // Step 4. The officer sees "accepted", with dates, and nothing more.
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!((seen["status"].as_str(), seen["side"].as_str()), (Some("accepted"), Some("referrer")));
    assert_eq!(seen["centre_case_id"], Value::Null);
    assert_eq!(seen["shared"], Value::Null);

    // The desk assigns the protection case; it holds only what was sent.
    let users = desk_user.get("/api/v1/users").await.expect(StatusCode::OK);
    let worker_id = users.as_array().unwrap().iter().find(|user| user["username"] == "aman.caseworker").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    desk_user
        .post(&format!("/api/v1/cases/{centre_case_id}/assignment"), json!({ "user_id": worker_id }))
        .await
        .expect(StatusCode::OK);
    let worker = Client::sign_in(&test, "aman.caseworker").await;
    let centre_case = worker.get(&format!("/api/v1/cases/{centre_case_id}")).await.expect(StatusCode::OK);
    assert_eq!(centre_case["kind"], "protection");
    assert!(centre_case["reference"].as_str().unwrap().starts_with("AM-2026-"));
    assert_eq!(centre_case["narrative"], Value::Null);
    assert_eq!(centre_case["persons"].as_array().unwrap().len(), 2);
    let her = &centre_case["persons"][0]["person"];
    assert_eq!(her["visibility"], "shared");
    assert_eq!(her["full_name_ar"], "نورة سالم علي المري");
    assert_eq!(her["qid"], "29063400123");
    assert_eq!(her["phones"], Value::Null, "contact was not sent");
    assert_eq!(her["municipality"], Value::Null);
    assert_eq!(centre_case["origin_referral"]["shared"]["narrative"], Value::Null);
    assert_eq!(centre_case["consents"], json!([]), "the police consent ledger stays with the police");
    let person = worker.get(&format!("/api/v1/persons/{woman_id}")).await.expect(StatusCode::OK);
    assert_eq!((person["phones"].clone(), person["visible_classes"].clone()), (Value::Null, json!(["identity"])));

    // The caseworker makes first contact three hours later (sessions have expired
    // meanwhile: everyone signs in again), writes a note, and completes with an outcome.
    test.clock.advance(jiff::SignedDuration::from_hours(3));
    worker.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    let worker = Client::sign_in(&test, "aman.caseworker").await;
    let officer = Client::sign_in(&test, "cp.officer").await;
    worker
        .post(&format!("/api/v1/referrals/{referral_id}/transitions"), json!({ "to": "in-progress" }))
        .await
        .expect(StatusCode::OK);
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!(seen["status"], "in-progress");
    assert_eq!(seen["deadlines"]["first_contact"]["reached_at"], "2026-11-29T11:10:00.123456Z");
    let note = worker
        .post(
            &format!("/api/v1/cases/{centre_case_id}/notes"),
            json!({ "level": "team", "text": "جلسة أولى: وضعنا خطة أمان مع السيدة." }),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(note["level"], "team");
    // The caseworker may not complete the referral herself: she asks the manager to
    // close the case, and the approval completes the referral with the outcome.
    worker
        .post(
            &format!("/api/v1/referrals/{referral_id}/transitions"),
            json!({ "to": "completed", "outcome": "resolved" }),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    let request = worker
        .post(
            &format!("/api/v1/cases/{centre_case_id}/close"),
            json!({ "outcome": "resolved", "reason": "استقر وضعها وانتهت الخطة." }),
        )
        .await
        .expect(StatusCode::CREATED);
    let manager = Client::sign_in(&test, "aman.manager").await;
    manager
        .post(&format!("/api/v1/approvals/{}", request["id"].as_str().unwrap()), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);

    // The loop is closed: status, dates and outcome — and no centre content.
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!((seen["status"].as_str(), seen["outcome"].as_str()), (Some("completed"), Some("resolved")));
    assert!(seen["closed_at"].is_string());
    officer.get(&format!("/api/v1/cases/{centre_case_id}")).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    officer.get(&format!("/api/v1/cases/{centre_case_id}/notes")).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let own = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    let kinds: Vec<&str> =
        own["timeline"].as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap()).collect();
    for kind in ["case.opened", "referral.requested", "referral.accepted", "referral.in-progress", "referral.completed"]
    {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    for event in own["timeline"].as_array().unwrap() {
        if ["referral.accepted", "referral.in-progress", "referral.completed"]
            .contains(&event["kind"].as_str().unwrap())
        {
            assert_eq!(event["actor_id"], Value::Null, "centre staff are not named to the police: {event}");
        }
    }
    assert_eq!(own["referrals"][0]["outcome"], "resolved");
    // The centre worker reads the note; the officer's attempts were refused and audited.
    let notes = worker.get(&format!("/api/v1/cases/{centre_case_id}/notes")).await.expect(StatusCode::OK);
    assert_eq!(notes.as_array().unwrap().len(), 1);
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject={centre_case_id}")).await.expect(StatusCode::OK);
    let officer_id = test.world.actor("cp.officer").user.id.to_string();
    let denied = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["actor_id"] == officer_id.as_str() && entry["outcome"] == "denied")
        .count();
    assert_eq!(denied, 2, "{trail}");
    let woman_trail = auditor.get(&format!("/api/v1/audit?subject={woman_id}")).await.expect(StatusCode::OK);
    let readers: std::collections::BTreeSet<&str> = woman_trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["outcome"] == "ok")
        .filter_map(|entry| entry["actor_id"].as_str())
        .collect();
    assert!(readers.contains(officer_id.as_str()) && readers.contains(worker_id.as_str()), "{woman_trail}");
});
