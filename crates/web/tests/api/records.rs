//! What the records promise, over HTTP on both databases: who reads a person is in the
//! log whichever page or list showed her; an auditor reads the log of their own agency
//! and of the records it holds, nothing else.

use axum::http::StatusCode;
use serde_json::Value;
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, accepted_referral, raw_database};

/// The last entry of the log, read from the raw database.
async fn last_entry(pool: &sqlx::AnyPool) -> i64 {
    let (last,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM audit_entries").fetch_one(pool).await.unwrap();
    last
}

/// The actions and subjects of the entries by `user` after entry `after` (the entries of
/// one request: a page may run several use cases), read from the raw database.
async fn subjects_since(pool: &sqlx::AnyPool, user: &str, after: i64) -> (Vec<String>, Vec<String>) {
    let entries: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, action FROM audit_entries WHERE actor_id = $1 AND id > $2 ORDER BY id")
            .bind(user)
            .bind(after)
            .fetch_all(pool)
            .await
            .unwrap();
    let mut subjects = Vec::new();
    for (id, _) in &entries {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, subject_id FROM audit_subjects WHERE entry_id = $1")
                .bind(*id)
                .fetch_all(pool)
                .await
                .unwrap();
        subjects.extend(rows.into_iter().map(|(kind, id)| format!("{kind}:{id}")));
    }
    (entries.into_iter().map(|(_, action)| action).collect(), subjects)
}

both_databases!(every_response_that_shows_a_person_names_her_in_its_audit_entry, |test: TestApp| async move {
    let (officer, desk, case, woman, child, referral, centre) = accepted_referral(&test).await;
    // What marks each person in an answer: her id, and for the woman her QID and
    // Latin name.
    let shown = officer.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    let qid = shown["qid"].as_str().or(shown["person"]["qid"].as_str()).expect("her QID").to_string();
    let persons: Vec<(String, Vec<String>)> = vec![
        (woman.clone(), vec![woman.clone(), qid, "Noura Salem Al-Marri".into(), "نورة سالم المري".into()]),
        (child.clone(), vec![child.clone(), "ريم حمد المري".into()]),
    ];
    let pool = raw_database(&test).await;
    let officer_id = test.world.actor("cp.officer").user.id.to_string();
    let desk_id = test.world.actor("aman.desk").user.id.to_string();
    let walk: Vec<(&Client, &str, String)> = vec![
        (&officer, &officer_id, "/api/v1/cases".into()),
        (&officer, &officer_id, format!("/api/v1/cases/{case}")),
        (&officer, &officer_id, "/api/v1/referrals?box=outgoing".into()),
        (&officer, &officer_id, format!("/api/v1/referrals/{referral}")),
        (&officer, &officer_id, format!("/api/v1/persons/{woman}")),
        (&officer, &officer_id, format!("/api/v1/persons/{child}")),
        (&officer, &officer_id, "/api/v1/persons/search?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A".into()),
        (&officer, &officer_id, "/cases".into()),
        (&officer, &officer_id, format!("/cases/{case}")),
        (&officer, &officer_id, "/referrals/outgoing".into()),
        (&officer, &officer_id, format!("/referrals/{referral}")),
        (&officer, &officer_id, format!("/persons/{woman}")),
        (&officer, &officer_id, "/intake?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A".into()),
        (&desk, &desk_id, "/api/v1/referrals?box=incoming".into()),
        (&desk, &desk_id, format!("/api/v1/referrals/{referral}")),
        (&desk, &desk_id, "/api/v1/cases".into()),
        (&desk, &desk_id, format!("/api/v1/cases/{centre}")),
        (&desk, &desk_id, format!("/api/v1/persons/{woman}")),
        (&desk, &desk_id, "/api/v1/persons/search?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A".into()),
        (&desk, &desk_id, "/referrals/incoming".into()),
        (&desk, &desk_id, format!("/referrals/{referral}")),
        (&desk, &desk_id, "/cases".into()),
        (&desk, &desk_id, format!("/cases/{centre}")),
        (&desk, &desk_id, format!("/persons/{woman}")),
    ];
    let mut checked = 0;
    let mut seen_on = std::collections::BTreeSet::new();
    for (client, user, path) in walk {
        let before = last_entry(&pool).await;
        let answer = client.send("GET", &path, None, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let body = String::from_utf8_lossy(&answer.bytes).into_owned();
        let (action, subjects) = subjects_since(&pool, user, before).await;
        for (person, markers) in &persons {
            if markers.iter().any(|marker| body.contains(marker.as_str())) {
                checked += 1;
                seen_on.insert(path.clone());
                assert!(
                    subjects.contains(&format!("person:{person}")),
                    "{path} shows person {person} but its audit entries ({action:?}) name {subjects:?}"
                );
            }
        }
    }
    assert!(checked >= 20, "the walk saw the persons on most answers ({checked}: {seen_on:?})");
    for path in [
        "/api/v1/referrals?box=incoming",
        "/intake?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A",
        "/api/v1/persons/search?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A",
    ] {
        assert!(seen_on.contains(path), "{path} was expected to show the family: {seen_on:?}");
    }
});

both_databases!(an_auditor_reads_only_what_their_agency_holds, |test: TestApp| async move {
    let (officer, desk, case, woman, _, referral, centre) = accepted_referral(&test).await;
    officer.get(&format!("/api/v1/cases/{case}")).await.expect(StatusCode::OK);
    desk.post(&format!("/api/v1/cases/{centre}/notes"), serde_json::json!({ "level": "team", "text": "ملاحظة الفريق" }))
        .await
        .expect(StatusCode::CREATED);
    let police = test.world.agency("CP").id.to_string();
    let aman = test.world.agency("AMAN").id.to_string();
    let wifaq = test.world.agency("WIFAQ").id.to_string();
    let entries = |answer: Value| answer.as_array().unwrap().clone();

    // Wifaq holds nothing of this family: its auditor sees none of it.
    let wifaq_auditor = Client::sign_in(&test, "wifaq.auditor").await;
    for subject in [&case, &woman, &referral, &centre] {
        let found =
            entries(wifaq_auditor.get(&format!("/api/v1/audit?subject={subject}")).await.expect(StatusCode::OK));
        assert!(found.is_empty(), "the Wifaq auditor reads {found:?}");
    }
    let all = entries(wifaq_auditor.get("/api/v1/audit?limit=1000").await.expect(StatusCode::OK));
    assert!(!all.is_empty());
    for entry in &all {
        assert!(
            entry["actor_agency_id"] == wifaq.as_str() || entry["actor_id"].is_null(),
            "the Wifaq auditor reads another agency's entry {entry}"
        );
    }
    // Aman received the woman's identity: its auditor sees who looked at her, the
    // police officer included (named, with her agency) — but not the police case alone.
    let aman_auditor = Client::sign_in(&test, "aman.auditor").await;
    let about_her = entries(aman_auditor.get(&format!("/api/v1/audit?subject={woman}")).await.expect(StatusCode::OK));
    assert!(
        about_her.iter().any(|entry| entry["actor_agency_id"] == police.as_str() && entry["actor_name"].is_string()),
        "{about_her:?}"
    );
    let about_case = entries(aman_auditor.get(&format!("/api/v1/audit?subject={case}")).await.expect(StatusCode::OK));
    for entry in &about_case {
        let subjects: Vec<&str> = entry["subjects"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert!(
            entry["actor_agency_id"] == aman.as_str()
                || subjects.iter().any(|s| s.starts_with("referral:") || s.starts_with("person:")),
            "the Aman auditor reads a police entry about nothing Aman holds: {entry}"
        );
    }
    // The police auditor sees the desk's steps on the referral, not the centre's notes.
    let police_auditor = Client::sign_in(&test, "cp.auditor").await;
    let on_referral =
        entries(police_auditor.get(&format!("/api/v1/audit?subject={referral}")).await.expect(StatusCode::OK));
    assert!(on_referral.iter().any(|entry| entry["actor_agency_id"] == aman.as_str()), "{on_referral:?}");
    let on_centre =
        entries(police_auditor.get(&format!("/api/v1/audit?subject={centre}")).await.expect(StatusCode::OK));
    assert!(on_centre.iter().all(|entry| entry["action"] != "note.create"), "{on_centre:?}");
});

both_databases!(every_centre_answer_that_shows_a_person_names_her_in_its_audit_entry, |test: TestApp| async move {
    let counsellor = Client::sign_in(&test, "wifaq.counsellor").await;
    let mut persons: Vec<(String, Vec<String>)> = Vec::new();
    for (first, father, family, sex, birth) in [
        ("مريم", "خالد", "السليطي", "female", "1992-03-04"),
        ("فهد", "سعد", "الكبيسي", "male", "1988-07-21"),
        ("سارة", "فهد", "الكبيسي", "female", "2019-09-09"),
    ] {
        let created = counsellor
            .post(
                "/api/v1/persons",
                serde_json::json!({ "first_name_ar": first, "father_name_ar": father, "family_name_ar": family,
                                    "sex": sex, "birth_date": birth, "nationality": "QA" }),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = created["person"]["id"].as_str().unwrap().to_string();
        persons.push((id.clone(), vec![id, format!("{first} {father} {family}")]));
    }
    let order = counsellor
        .post(
            "/api/v1/court-orders",
            serde_json::json!({
                "court": "محكمة الأسرة", "decision_number": "2026/1187", "decision_date": "2026-11-15",
                "kind": "visitation", "supervised": true,
                "custodial_person_id": persons[0].0, "visiting_person_id": persons[1].0, "child_person_ids": [persons[2].0],
                "schedule": { "rule": "FREQ=WEEKLY;BYDAY=FR", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                              "start_time": "16:00", "end_time": "18:00" },
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    let order_id = order["id"].as_str().unwrap().to_string();
    let visit = order["visits"][0]["id"].as_str().unwrap().to_string();
    counsellor
        .post(
            "/api/v1/consultations",
            serde_json::json!({ "kind": "social", "channel": "walk_in", "person_id": persons[0].0,
                                "summary": "خلاف على مواعيد الرؤية" }),
        )
        .await
        .expect(StatusCode::CREATED);
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    let pool = raw_database(&test).await;
    let counsellor_id = test.world.actor("wifaq.counsellor").user.id.to_string();
    let desk_id = test.world.actor("wifaq.desk").user.id.to_string();
    let walk: Vec<(&Client, &str, String)> = vec![
        (&counsellor, &counsellor_id, format!("/api/v1/court-orders/{order_id}")),
        (&counsellor, &counsellor_id, format!("/api/v1/court-orders/{order_id}/visits")),
        (&counsellor, &counsellor_id, format!("/api/v1/visits/{visit}")),
        (&counsellor, &counsellor_id, "/api/v1/consultations?from=2026-11-01&to=2026-11-30".into()),
        (&counsellor, &counsellor_id, "/api/v1/cases".into()),
        (&counsellor, &counsellor_id, "/court-orders".into()),
        (&counsellor, &counsellor_id, format!("/court-orders/{order_id}")),
        (&counsellor, &counsellor_id, "/consultations".into()),
        (&counsellor, &counsellor_id, "/cases".into()),
        (&desk, &desk_id, format!("/api/v1/court-orders/{order_id}/visits")),
        (&desk, &desk_id, format!("/api/v1/visits/{visit}")),
        (&desk, &desk_id, "/visits?date=2026-12-04".into()),
        (&desk, &desk_id, format!("/visits/{visit}")),
    ];
    let mut seen_on = std::collections::BTreeSet::new();
    for (client, user, path) in walk {
        let before = last_entry(&pool).await;
        let answer = client.send("GET", &path, None, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let body = String::from_utf8_lossy(&answer.bytes).into_owned();
        let (actions, subjects) = subjects_since(&pool, user, before).await;
        for (person, markers) in &persons {
            if markers.iter().any(|marker| body.contains(marker.as_str())) {
                seen_on.insert(path.clone());
                assert!(
                    subjects.contains(&format!("person:{person}")),
                    "{path} shows person {person} but its audit entries ({actions:?}) name {subjects:?}"
                );
            }
        }
    }
    // Court orders and visits show no party's name or id (the desk checks parents in by
    // code or sight); the consultation names its person.
    assert!(
        seen_on.contains("/api/v1/consultations?from=2026-11-01&to=2026-11-30"),
        "the walk saw the consultation's person: {seen_on:?}"
    );
});

both_databases!(stored_answers_for_retries_hold_no_content_expire_and_go_with_a_shred, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case, _, _) = crate::client::police_case(&test, &officer, "domestic_violence").await;
    const SECRET: &str = "تخشى أن يعرف زوجها مكان إقامتها الجديد";
    let note = serde_json::json!({ "level": "team", "text": SECRET });
    let key = [("idempotency-key", "note-1")];
    let path = format!("/api/v1/cases/{case}/notes");
    let first = officer.post_with(&path, note.clone(), &key).await.expect(StatusCode::CREATED);
    // A retry gets the same answer, note and all…
    let again = officer.post_with(&path, note.clone(), &key).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.expect(StatusCode::CREATED), first);
    // …which the database keeps only sealed, under the case's key.
    let pool = raw_database(&test).await;
    let rows: Vec<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT owner_id, sealed_body FROM idempotency_keys").fetch_all(&pool).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, case, "the answer is sealed under its case's key");
    let sealed = rows[0].1.clone().expect("a sealed answer");
    assert!(!sealed.windows(SECRET.len()).any(|window| window == SECRET.as_bytes()));
    // Shredding the case deletes its stored answers; a retry then runs the request
    // again, on a case whose content is gone.
    test.app.shred_case(None, case.parse().unwrap()).await.unwrap();
    let left: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency_keys").fetch_one(&pool).await.unwrap();
    assert_eq!(left.0, 0);
    officer.post_with(&path, note, &key).await.expect_error(StatusCode::CONFLICT, "content_shredded", None);
    // Keys are forgotten after a day: the same key then names a new request.
    let (other, _, _) = crate::client::police_case(&test, &officer, "runaway").await;
    let other_path = format!("/api/v1/cases/{other}/notes");
    let key = [("idempotency-key", "note-2")];
    officer
        .post_with(&other_path, serde_json::json!({ "level": "team", "text": "أول" }), &key)
        .await
        .expect(StatusCode::CREATED);
    officer.post_with(&other_path, serde_json::json!({ "level": "team", "text": "ثانٍ" }), &key).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        None,
    );
    test.clock.advance(jiff::SignedDuration::from_hours(25));
    let officer = Client::sign_in(&test, "cp.officer").await;
    officer
        .post_with(&other_path, serde_json::json!({ "level": "team", "text": "ثانٍ" }), &key)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(test.app.purge_idempotency_keys().await.unwrap(), 0, "the claim already forgot the officer's old keys");
});

both_databases!(a_user_without_cases_reads_no_persons_details_until_she_states_why, |test: TestApp| async move {
    // Aman received the woman's identity and contact with the referral; its legal advisor
    // works on none of her cases.
    let (_officer, desk, _case, woman, _child, _referral, _centre) = accepted_referral(&test).await;
    let legal = Client::sign_in(&test, "aman.legal").await;
    let qid = desk.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK)["qid"]
        .as_str()
        .expect("the desk works on her case and reads her QID")
        .to_string();
    let search =
        "/api/v1/persons/search?q=%D9%86%D9%88%D8%B1%D8%A9%20%D8%B3%D8%A7%D9%84%D9%85%20%D8%A7%D9%84%D9%85%D8%B1%D9%8A";

    // Search finds her as a glimpse: her name, an age band, the registering office.
    let answer = legal.send("GET", search, None, &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&answer.bytes).into_owned();
    let found: Value = serde_json::from_str(&text).unwrap();
    let her = found.as_array().unwrap().iter().find(|m| m["person"]["id"] == woman.as_str()).expect("she is found");
    assert_eq!(her["person"]["visibility"], "glimpse", "{her}");
    assert_eq!(her["person"]["full_name_ar"], "نورة سالم المري");
    assert_eq!(her["person"]["age_band"], "30-44");
    assert!(her["person"]["registered_at"]["en"].is_string(), "{her}");
    for hidden in [qid.as_str(), "5512", "1990-05-14", "الريان"] {
        assert!(!text.contains(hidden), "the glimpse shows {hidden}: {text}");
    }
    // By her QID too, when the searcher has it — still a glimpse.
    let by_qid = legal.get(&format!("/api/v1/persons/search?qid={qid}")).await.expect(StatusCode::OK);
    assert_eq!(by_qid[0]["person"]["visibility"], "glimpse", "{by_qid}");
    assert!(by_qid[0]["person"]["phones"].is_null(), "{by_qid}");

    // Her record answers "state a purpose", on the API and on the page.
    legal.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::FORBIDDEN, "purpose_required", None);
    let page = legal.send("GET", &format!("/persons/{woman}"), None, &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = String::from_utf8_lossy(&page.bytes).into_owned();
    assert!(page.contains(&format!("action=\"/persons/{woman}/open\"")), "{page}");
    assert!(!page.contains(&qid));

    // A word or two is no purpose, and opens nothing.
    legal.post(&format!("/api/v1/persons/{woman}/open"), serde_json::json!({ "purpose": "check" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "too_short",
        Some("purpose"),
    );
    legal.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::FORBIDDEN, "purpose_required", None);

    // A purpose opens her record, recorded and audited.
    let pool = raw_database(&test).await;
    let before = last_entry(&pool).await;
    let legal_id = test.world.actor("aman.legal").user.id.to_string();
    let purpose = "She asked the legal advisor about custody at the centre today";
    legal
        .post(&format!("/api/v1/persons/{woman}/open"), serde_json::json!({ "purpose": purpose }))
        .await
        .expect(StatusCode::CREATED);
    let (actions, subjects) = subjects_since(&pool, &legal_id, before).await;
    assert_eq!(actions, vec!["person.open".to_string()]);
    assert_eq!(subjects, vec![format!("person:{woman}")]);
    let read = legal.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    assert_eq!(read["qid"], qid.as_str());
    // The purpose is kept sealed, not in clear.
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT purpose FROM person_purposes WHERE user_id = $1")
        .bind(&legal_id)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!String::from_utf8_lossy(&stored[0].0).contains("custody"));

    // It lasts half an hour.
    test.clock.advance(jiff::SignedDuration::from_mins(20));
    legal.get(&format!("/api/v1/persons/{woman}")).await.expect(StatusCode::OK);
    test.clock.advance(jiff::SignedDuration::from_mins(11));
    legal.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::FORBIDDEN, "purpose_required", None);

    // A person the agency never received stays not found, purpose or none.
    let officer = Client::sign_in(&test, "cp.officer").await;
    let stranger = officer
        .post("/api/v1/persons", serde_json::json!({ "first_name_ar": "سلمى", "sex": "female" }))
        .await
        .expect(StatusCode::CREATED)["person"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    legal.get(&format!("/api/v1/persons/{stranger}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    legal
        .post(&format!("/api/v1/persons/{stranger}/open"), serde_json::json!({ "purpose": purpose }))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found", None);
});
