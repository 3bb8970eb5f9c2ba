//! The referral rules over HTTP, each with its own code, and nothing half-written after
//! a refusal.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, consent, office, police_case};

fn referral(case_id: &str, desk: &str, classes: &[&str]) -> serde_json::Value {
    json!({ "case_id": case_id, "to_office_id": desk, "reason": "حماية ودعم", "data_classes": classes })
}

both_databases!(no_protocol_in_force_is_refused, |test: TestApp| async move {
    // Three years back the police–Aman protocol was not yet in force.
    test.clock.advance(jiff::SignedDuration::from_hours(-24 * 365 * 3));
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity"]).await;
    officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "no_active_protocol", None);
    let outgoing = officer.get("/api/v1/referrals?box=outgoing").await.expect(StatusCode::OK);
    assert_eq!(outgoing["items"], json!([]), "nothing was written");
});

both_databases!(category_and_data_class_outside_the_protocol_are_refused, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    // Family disputes go to Wifaq; the police–Aman protocol does not cover them.
    let (case_id, woman, _) = police_case(&test, &officer, "family_dispute").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity"]).await;
    officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "category_not_covered", None);
    // Wifaq's protocol does not carry attachments.
    consent(&officer, &case_id, &woman, &agency(&test, "WIFAQ"), &["identity", "attachments"]).await;
    let body = officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "WIFAQ.DESK"), &["identity", "attachments"]))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "data_class_not_in_protocol", None);
    assert_eq!(body["error"]["data_classes"], json!(["attachments"]));
});

both_databases!(a_data_class_without_consent_is_refused_and_nothing_is_written, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity", "summary"]).await;
    let before = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    for language in ["ar", "en"] {
        let body = officer
            .speaking(language)
            .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity", "narrative"]))
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "consent_missing", None);
        assert_eq!(body["error"]["data_classes"], json!(["narrative"]));
        let message = body["error"]["message"].as_str().unwrap();
        let expected = if language == "ar" { "السرد" } else { "Narrative" };
        assert!(message.contains(expected), "{message}");
    }
    let after = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    assert_eq!(after["version"], before["version"], "the case did not change");
    assert_eq!(after["timeline"], before["timeline"]);
    assert_eq!(after["referrals"], json!([]));
    let incoming = Client::sign_in(&test, "aman.desk").await.get("/api/v1/referrals?box=incoming").await;
    assert_eq!(incoming.expect(StatusCode::OK)["items"], json!([]));
    // A withdrawn consent no longer covers anything.
    let ledger = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    let consent_id = ledger["consents"][0]["id"].as_str().unwrap();
    officer
        .post(&format!("/api/v1/consents/{consent_id}/withdraw"), json!({ "reason": "غيّرت رأيها" }))
        .await
        .expect(StatusCode::OK);
    officer
        .post(&format!("/api/v1/consents/{consent_id}/withdraw"), json!({ "reason": "مرة ثانية" }))
        .await
        .expect_error(StatusCode::CONFLICT, "already_withdrawn", None);
    officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "consent_missing", None);
});

both_databases!(a_child_may_be_referred_on_a_mandatory_protection_basis, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, child) = police_case(&test, &officer, "child_abuse_neglect").await;
    let mandatory = |person: &str| {
        json!({ "person_id": person, "recipient_agency_id": agency(&test, "AMAN"), "basis": "mandatory_protection",
                "mandatory_ground": "طفلة في خطر مباشر", "purpose": "حماية الطفل",
                "data_classes": ["identity", "summary", "risk"], "expires_on": "2027-01-31" })
    };
    officer.post(&format!("/api/v1/cases/{case_id}/consents"), mandatory(&woman)).await.expect_error(
        StatusCode::BAD_REQUEST,
        "not_a_child",
        Some("basis"),
    );
    officer.post(&format!("/api/v1/cases/{case_id}/consents"), mandatory(&child)).await.expect(StatusCode::CREATED);
    officer
        .post(
            "/api/v1/referrals",
            referral(&case_id, &office(&test, "AMAN.DESK"), &["identity", "summary", "narrative"]),
        )
        .await
        .expect(StatusCode::CREATED);
});

both_databases!(forbidden_transitions_and_stale_versions_conflict, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &case_id, &woman, &agency(&test, "AMAN"), &["identity"]).await;
    let made = officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect(StatusCode::CREATED);
    let path = format!("/api/v1/referrals/{}/transitions", made["id"].as_str().unwrap());
    // A second open referral of the same case to the same agency is a conflict.
    officer
        .post("/api/v1/referrals", referral(&case_id, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect_error(StatusCode::CONFLICT, "referral_already_open", None);
    let desk = Client::sign_in(&test, "aman.desk").await;
    // requested → completed skips the lifecycle.
    desk.post(&path, json!({ "to": "completed", "outcome": "resolved" })).await.expect_error(
        StatusCode::CONFLICT,
        "transition_not_allowed",
        None,
    );
    // The officer may not accept on the centre's behalf.
    officer.post(&path, json!({ "to": "accepted" })).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    // An unknown status names the field.
    desk.post(&path, json!({ "to": "approved" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("to"),
    );
    // A rejection needs its reason.
    desk.post(&path, json!({ "to": "rejected" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("reason"),
    );
    desk.post(&path, json!({ "to": "received", "version": 1 })).await.expect(StatusCode::OK);
    // The desk decides on version 1, but the referral is at version 2 now.
    desk.post(&path, json!({ "to": "accepted", "version": 1 })).await.expect_error(
        StatusCode::CONFLICT,
        "stale_version",
        None,
    );
    let accepted = desk.post(&path, json!({ "to": "accepted", "version": 2 })).await.expect(StatusCode::OK);
    let centre_case = accepted["referral"]["centre_case_id"].as_str().unwrap();
    // A stale case version is refused the same way.
    desk.post(
        &format!("/api/v1/cases/{centre_case}/assignment"),
        json!({ "user_id": test.world.actor("aman.caseworker").user.id.to_string(), "version": 99 }),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "stale_version", None);
    // After acceptance the referrer can no longer cancel.
    officer.post(&path, json!({ "to": "cancelled", "reason": "لم تعد ترغب" })).await.expect_error(
        StatusCode::CONFLICT,
        "transition_not_allowed",
        None,
    );
});

both_databases!(another_agency_s_records_are_not_found, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    for username in ["aman.desk", "aman.manager", "wifaq.manager"] {
        let other = Client::sign_in(&test, username).await;
        other.get(&format!("/api/v1/cases/{case_id}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
        other.get(&format!("/api/v1/cases/{case_id}/notes")).await.expect_error(
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
        other.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
        other
            .post(&format!("/api/v1/cases/{case_id}/notes"), json!({ "level": "team", "text": "x" }))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found", None);
    }
    // Within the police, a colleague outside the officer's scope does not see it either;
    // the supervisor of the office does. Administrators read no case content.
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    supervisor.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    let admin = Client::sign_in(&test, "cp.admin").await;
    admin.get(&format!("/api/v1/cases/{case_id}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    admin.get("/api/v1/cases").await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    // An id that does not exist at all looks the same.
    officer.get("/api/v1/cases/01938a5e-7c4e-7d2a-9b1f-0c3d4e5f6a7b").await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // Signed out, nothing.
    Client::anonymous(&test).get(&format!("/api/v1/cases/{case_id}")).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
});

both_databases!(sign_out_ends_the_session, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    officer.get("/api/v1/me").await.expect(StatusCode::OK);
    officer.send("DELETE", "/api/v1/session", None, &[]).await.expect(StatusCode::NO_CONTENT);
    officer.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    Client::anonymous(&test)
        .post("/api/v1/session", json!({ "username": "cp.officer", "password": "wrong password!" }))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "sign_in_failed", None);
    Client::anonymous(&test)
        .post("/api/v1/session", json!({ "username": "nobody", "password": "wrong password!" }))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "sign_in_failed", None);
});

both_databases!(deadlines_come_from_the_protocol_in_force_when_referred, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (first_case, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &first_case, &woman, &agency(&test, "AMAN"), &["identity"]).await;
    let first = officer
        .post("/api/v1/referrals", referral(&first_case, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(first["deadlines"]["receive"]["due_at"], "2026-11-29T09:00:00.123456Z");
    // An administrator adds version 2 from tomorrow, with a 30-minute receipt deadline.
    let admin = Client::sign_in(&test, "cp.admin").await;
    let version = json!({
        "agency_a_id": agency(&test, "CP"), "agency_b_id": agency(&test, "AMAN"),
        "valid_from": "2026-11-30", "document_ref": "CP-AMAN/2026/2",
        "categories": ["domestic_violence", "child_abuse_neglect"], "centre_first": ["domestic_violence"],
        "data_classes": ["identity", "summary", "risk"],
        "deadlines": [{ "priority": "high", "step": "receive", "minutes": 30 }],
    });
    officer.post("/api/v1/protocols", version.clone()).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    let mut broken = version.clone();
    broken["categories"] = json!(["gossip"]);
    admin.post("/api/v1/protocols", broken).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("categories[0]"),
    );
    let created = admin.post("/api/v1/protocols", version).await.expect(StatusCode::CREATED);
    assert_eq!(created["version"], 2);
    // Aman's administrator accepts it: both parties have, so it is in force.
    let aman_admin = Client::sign_in(&test, "aman.admin").await;
    let accepted = aman_admin
        .post(&format!("/api/v1/protocols/{}/accept", created["id"].as_str().unwrap()), json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(accepted["accepted"], true);
    // The next day a new referral uses version 2; the first keeps its deadlines.
    test.clock.advance(jiff::SignedDuration::from_hours(24));
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (second_case, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    consent(&officer, &second_case, &woman, &agency(&test, "AMAN"), &["identity"]).await;
    let second = officer
        .post("/api/v1/referrals", referral(&second_case, &office(&test, "AMAN.DESK"), &["identity"]))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(second["protocol_id"], created["id"]);
    assert_eq!(second["deadlines"]["receive"]["due_at"], "2026-11-30T08:30:00.123456Z");
    assert!(second["deadlines"].get("decide").is_none(), "version 2 sets no decision deadline");
    let again =
        officer.get(&format!("/api/v1/referrals/{}", first["id"].as_str().unwrap())).await.expect(StatusCode::OK);
    assert_eq!(again["deadlines"]["receive"]["due_at"], "2026-11-29T09:00:00.123456Z");
    assert_ne!(again["protocol_id"], created["id"]);
});

both_databases!(
    a_protocol_is_in_force_only_once_an_administrator_of_each_party_accepted_it,
    |test: TestApp| async move {
        let version = |a: &str, b: &str| {
            json!({
                "agency_a_id": agency(&test, a), "agency_b_id": agency(&test, b),
                "valid_from": "2026-11-29", "document_ref": "CP-AMAN/2026/3",
                "categories": ["domestic_violence"], "data_classes": ["identity", "summary"],
                "deadlines": [{ "priority": "standard", "step": "receive", "minutes": 45 }],
                "uncovered": "omitted",
            })
        };
        // The police administrator cannot make a protocol between two other agencies.
        let police_admin = Client::sign_in(&test, "cp.admin").await;
        police_admin.post("/api/v1/protocols", version("AMAN", "WIFAQ")).await.expect_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
        let listed = police_admin.get("/api/v1/protocols").await.expect(StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 2, "nothing was added: {listed}");

        // A proposal between the police and Aman is not in force: referrals keep version 1.
        let proposed = police_admin.post("/api/v1/protocols", version("CP", "AMAN")).await.expect(StatusCode::CREATED);
        let id = proposed["id"].as_str().unwrap().to_string();
        assert_eq!((proposed["version"].as_u64(), proposed["accepted"].as_bool()), (Some(2), Some(false)));
        assert_eq!(proposed["accepted_by"], json!([agency(&test, "CP")]));
        let officer = Client::sign_in(&test, "cp.officer").await;
        let refer = async |officer: &Client| {
            let (case, woman, _) = police_case(&test, officer, "domestic_violence").await;
            consent(officer, &case, &woman, &agency(&test, "AMAN"), &["identity"]).await;
            officer
                .post("/api/v1/referrals", referral(&case, &office(&test, "AMAN.DESK"), &["identity"]))
                .await
                .expect(StatusCode::CREATED)
        };
        assert_ne!(refer(&officer).await["protocol_id"], id.as_str(), "a proposal is not in force");

        // The proposer accepts nothing twice; another agency's administrator accepts nothing.
        let accept = format!("/api/v1/protocols/{id}/accept");
        police_admin.post(&accept, json!({})).await.expect_error(StatusCode::CONFLICT, "already_decided", None);
        let wifaq_admin = Client::sign_in(&test, "wifaq.admin").await;
        wifaq_admin.post(&accept, json!({})).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
        // Nor does anyone but an administrator of Aman.
        let aman_manager = Client::sign_in(&test, "aman.manager").await;
        aman_manager.post(&accept, json!({})).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);

        // Aman's administrators were told; one accepts, and the version is in force.
        let aman_admin = Client::sign_in(&test, "aman.admin").await;
        let alerts = aman_admin.get("/api/v1/alerts").await.expect(StatusCode::OK);
        assert!(alerts.to_string().contains("protocol.proposed"), "{alerts}");
        let accepted = aman_admin.post(&accept, json!({})).await.expect(StatusCode::OK);
        assert_eq!(accepted["accepted"], true);
        aman_admin.post(&accept, json!({})).await.expect_error(StatusCode::CONFLICT, "already_decided", None);
        assert_eq!(refer(&officer).await["protocol_id"], id.as_str(), "accepted by both, it is in force");
        // Under this version a person no consent covers does not travel at all: of a woman
        // and her daughter, only the woman, who consented, goes.
        let (case, woman, _) = police_case(&test, &officer, "domestic_violence").await;
        consent(&officer, &case, &woman, &agency(&test, "AMAN"), &["identity", "summary"]).await;
        let preview = officer
            .post("/api/v1/referrals/preview", referral(&case, &office(&test, "AMAN.DESK"), &["identity", "summary"]))
            .await
            .expect(StatusCode::OK);
        let going: Vec<&str> =
            preview["persons"].as_array().unwrap().iter().map(|person| person["person_id"].as_str().unwrap()).collect();
        assert_eq!(going, [woman.as_str()], "{preview}");

        // Both steps are in the log, each naming the protocol and the party that accepted.
        let auditor = Client::sign_in(&test, "cp.auditor").await;
        let log = auditor.get(&format!("/api/v1/audit?subject={id}")).await.expect(StatusCode::OK);
        let actions: Vec<&str> =
            log.as_array().unwrap().iter().map(|entry| entry["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"protocol.create"), "{log}");
        let aman_auditor = Client::sign_in(&test, "aman.auditor").await;
        let log = aman_auditor.get(&format!("/api/v1/audit?subject={id}")).await.expect(StatusCode::OK);
        let entries = log.as_array().unwrap();
        assert!(entries.iter().any(|entry| entry["action"] == "protocol.accept" && entry["outcome"] == "ok"), "{log}");
    }
);

both_databases!(a_referral_carries_each_person_only_as_far_as_her_own_consent_covers, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case, woman, child) = police_case(&test, &officer, "domestic_violence").await;
    let husband = officer
        .post(
            "/api/v1/persons",
            json!({ "first_name_ar": "حمد", "family_name_ar": "المري", "sex": "male", "birth_date": "1984-01-10",
                    "qid": "28463400991", "phones": ["5599 0001"] }),
        )
        .await
        .expect(StatusCode::CREATED)["person"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    officer
        .post(&format!("/api/v1/cases/{case}/persons"), json!({ "person_id": husband, "role": "alleged_perpetrator" }))
        .await
        .expect(StatusCode::CREATED);
    let aman = agency(&test, "AMAN");
    let desk_office = office(&test, "AMAN.DESK");
    // Only the woman consented: to her identity, contact, the summary and the risk.
    consent(&officer, &case, &woman, &aman, &["identity", "contact", "summary", "risk"]).await;
    let body = json!({ "case_id": case, "to_office_id": desk_office, "reason": "حماية ودعم",
                       "data_classes": ["identity", "contact", "summary", "risk"] });

    // The preview shows exactly what would leave, and sends nothing.
    let preview = officer.post("/api/v1/referrals/preview", body.clone()).await.expect(StatusCode::OK);
    let of = |packet: &Value, id: &str| {
        packet["persons"].as_array().unwrap().iter().find(|person| person["person_id"] == id).cloned()
    };
    let her = of(&preview, &woman).expect("she goes");
    assert_eq!((her["name_ar"].as_str(), her["qid"].is_string()), (Some("نورة سالم المري"), true), "{her}");
    assert!(her["phones"].is_array(), "{her}");
    for (id, age) in [(&child, 8), (&husband, 42)] {
        let other = of(&preview, id).expect("the others go as a role and an age");
        assert!(other["name_ar"].is_null() && other["qid"].is_null() && other["phones"].is_null(), "{other}");
        assert!(other["birth_date"].is_null() && other["sex"].is_null(), "{other}");
        assert_eq!(other["age"], age, "{other}");
    }
    let outgoing = officer.get("/api/v1/referrals?box=outgoing").await.expect(StatusCode::OK);
    assert_eq!(outgoing["items"].as_array().map(Vec::len), Some(0), "a preview sends nothing: {outgoing}");

    // Sent, the desk receives the same; the husband's and the child's records stay closed
    // to Aman, the woman's opens.
    let sent = officer.post("/api/v1/referrals", body.clone()).await.expect(StatusCode::CREATED);
    let referral = sent["id"].as_str().unwrap();
    let desk = Client::sign_in(&test, "aman.desk").await;
    let received = desk.get(&format!("/api/v1/referrals/{referral}")).await.expect(StatusCode::OK);
    let text = received.to_string();
    for hidden in ["حمد المري", "28463400991", "+97455990001", "ريم", "2018-02-01"] {
        assert!(!text.contains(hidden), "{hidden} reached the desk: {text}");
    }
    assert_eq!(of(&received["shared"], &husband).expect("his role")["role"], "alleged_perpetrator");
    desk.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    for closed in [&child, &husband] {
        desk.get(&format!("/api/v1/persons/{closed}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    }

    // A child's mandatory-protection basis covers the child and no one else: in another
    // family's case, with no one's consent, the child's identity goes to Aman; her
    // mother goes as her role and age.
    let (second, mother, daughter) = police_case(&test, &officer, "child_abuse_neglect").await;
    officer
        .post(
            &format!("/api/v1/cases/{second}/consents"),
            json!({ "person_id": daughter, "recipient_agency_id": aman,
                    "basis": "mandatory_protection", "mandatory_ground": "طفلة شهدت العنف في البيت",
                    "purpose": "حماية الطفلة", "data_classes": ["identity", "summary"], "expires_on": "2027-05-31" }),
        )
        .await
        .expect(StatusCode::CREATED);
    let to_aman = json!({ "case_id": second, "to_office_id": desk_office, "reason": "حماية الطفلة",
                          "data_classes": ["identity", "summary"] });
    let preview = officer.post("/api/v1/referrals/preview", to_aman.clone()).await.expect(StatusCode::OK);
    assert_eq!(of(&preview, &daughter).unwrap()["name_ar"], "ريم حمد المري");
    assert!(of(&preview, &mother).unwrap()["name_ar"].is_null(), "her child's basis is not her consent: {preview}");

    // The officer chooses who goes: only the child. A person not in the case is refused,
    // naming the field.
    let mut only_child = to_aman.clone();
    only_child["person_ids"] = json!([daughter]);
    let preview = officer.post("/api/v1/referrals/preview", only_child.clone()).await.expect(StatusCode::OK);
    assert_eq!(preview["persons"].as_array().unwrap().len(), 1, "{preview}");
    let mut stranger = to_aman.clone();
    stranger["person_ids"] = json!([daughter, mother, husband]);
    officer.post("/api/v1/referrals", stranger).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("persons[2]"),
    );
    let mut nobody = to_aman.clone();
    nobody["person_ids"] = json!([]);
    officer.post("/api/v1/referrals", nobody).await.expect_error(
        StatusCode::BAD_REQUEST,
        "empty_list",
        Some("persons"),
    );
    // Without the child, no one's cover includes the identity asked for.
    let mut without_child = to_aman.clone();
    without_child["person_ids"] = json!([mother]);
    officer.post("/api/v1/referrals", without_child).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "consent_missing",
        None,
    );
    officer.post("/api/v1/referrals", only_child).await.expect(StatusCode::CREATED);
    desk.get(&format!("/api/v1/persons/{mother}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    desk.get(&format!("/api/v1/persons/{daughter}")).await.expect(StatusCode::OK);
});
