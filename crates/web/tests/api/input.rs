//! Bad input: a 400 naming the field, in Arabic and in English, that changes nothing;
//! and `Idempotency-Key`: the same key twice gives the same answer and one record.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::Client;

fn person(overrides: Value) -> Value {
    let mut base = json!({ "first_name_ar": "هند", "family_name_ar": "الكعبي", "sex": "female",
                           "birth_date": "1988-03-09", "nationality": "QA" });
    for (key, value) in overrides.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

both_databases!(malformed_qid_phone_and_date_name_the_field_in_both_languages, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let cases = [
        (json!({ "qid": "2886340012" }), "qid", "qid_length", "رقم البطاقة الشخصية", "Qatar ID number"),
        (json!({ "qid": "28963400123" }), "qid", "qid_birth_year_mismatch", "رقم البطاقة الشخصية", "Qatar ID number"),
        (json!({ "phones": ["+974 2512 3456"] }), "phones[0].number", "phone_qatar_prefix", "الهاتف", "Phone"),
        (json!({ "phones": ["55 12"] }), "phones[0].number", "phone_short_not_hotline", "الهاتف", "Phone"),
        (json!({ "birth_date": "2031-01-01" }), "birth_date", "date_in_future", "تاريخ الميلاد", "Date of birth"),
        (json!({ "birth_date": "09/03/1988" }), "birth_date", "invalid_date", "تاريخ الميلاد", "Date of birth"),
        (json!({ "sex": 7 }), "sex", "unknown_value", "الجنس", "Sex"),
    ];
    for (overrides, field, code, arabic, english) in cases {
        for (language, label) in [("ar", arabic), ("en", english)] {
            let body = officer
                .speaking(language)
                .post("/api/v1/persons", person(overrides.clone()))
                .await
                .expect_error(StatusCode::BAD_REQUEST, code, Some(field));
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(label), "{language}: {message}");
        }
    }
    // Several problems at once are all reported, each with its field.
    let body = officer
        .post("/api/v1/persons", person(json!({ "qid": "1", "birth_date": "tomorrow", "phones": ["x"] })))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_date", Some("birth_date"));
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().map(|detail| detail["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["birth_date", "qid", "phones[0].number"]);
    // None of it was registered.
    let found = officer.get("/api/v1/persons/search?q=%D9%87%D9%86%D8%AF").await.expect(StatusCode::OK);
    assert_eq!(found, json!([]));
    // Malformed JSON, a malformed id in the path and a malformed query are 400s too.
    let answer = officer.send("POST", "/api/v1/persons", None, &[("content-type", "application/json")]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    officer.get("/api/v1/cases/not-an-id").await.expect_error(StatusCode::BAD_REQUEST, "invalid_id", Some("id"));
    officer.get("/api/v1/cases?limit=many").await.expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("limit"));
    officer.get("/api/v1/cases?cursor=%%%").await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("cursor"),
    );
    officer.get("/api/v1/persons/search").await.expect_error(StatusCode::BAD_REQUEST, "required", Some("q"));
    officer.get(&format!("/api/v1/persons/search?q={}", "a".repeat(201))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "too_long",
        Some("q"),
    );
    officer.post("/api/v1/cases", json!({ "category": "gossip" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("category"),
    );
    // A risk level can be raised with a reason, never lowered below the score's.
    let case =
        officer.post("/api/v1/cases", json!({ "category": "domestic_violence" })).await.expect(StatusCode::CREATED);
    let mut lowered = crate::client::checklist(&test, 15);
    lowered["judged_level"] = json!("medium");
    lowered["judgement_reason"] = json!("تبدو هادئة");
    officer
        .post(&format!("/api/v1/cases/{}/risk-assessments", case["id"].as_str().unwrap()), lowered)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "risk_level_below_score", Some("judged_level"));
});

both_databases!(the_same_idempotency_key_gives_the_same_answer_and_one_record, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let key = [("idempotency-key", "registration-7f3a")];
    let body = person(json!({ "qid": "28863400777" }));
    let first = officer.post_with("/api/v1/persons", body.clone(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = officer.post_with("/api/v1/persons", body.clone(), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body, "the same answer");
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let found = officer.get("/api/v1/persons/search?qid=28863400777").await.expect(StatusCode::OK);
    assert_eq!(found.as_array().unwrap().len(), 1, "one record");
    // The same key for a different request is refused.
    officer.post_with("/api/v1/persons", person(json!({ "qid": "28863400778" })), &key).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        None,
    );
    // Without a key, a second registration with the same QID is a conflict, not a copy.
    officer.post("/api/v1/persons", body).await.expect_error(StatusCode::CONFLICT, "qid_already_registered", None);
    // A failed request with a key writes nothing and frees the key for a corrected retry.
    let key = [("idempotency-key", "case-1")];
    officer.post_with("/api/v1/cases", json!({ "category": "" }), &key).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("category"),
    );
    let cases = officer.get("/api/v1/cases").await.expect(StatusCode::OK);
    assert_eq!(cases["items"], json!([]));
    officer.post_with("/api/v1/cases", json!({ "category": "" }), &key).await.expect(StatusCode::BAD_REQUEST);
});

both_databases!(lists_page_with_cursors, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    for _ in 0..5 {
        officer.post("/api/v1/cases", json!({ "category": "runaway" })).await.expect(StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/cases?limit=2".to_string();
    loop {
        let page = officer.get(&path).await.expect(StatusCode::OK);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["reference"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/cases?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["CP-2026-000005", "CP-2026-000004", "CP-2026-000003", "CP-2026-000002", "CP-2026-000001"]);
});

both_databases!(health_and_the_openapi_document, |test: TestApp| async move {
    let anonymous = Client::anonymous(&test);
    anonymous.get("/healthz").await.expect(StatusCode::OK);
    assert_eq!(anonymous.get("/readyz").await.expect(StatusCode::OK)["status"], "ready");
    let document = anonymous.get("/api/openapi.json").await.expect(StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/persons",
        "/api/v1/persons/search",
        "/api/v1/persons/{id}",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/persons",
        "/api/v1/cases/{id}/risk-assessments",
        "/api/v1/cases/{id}/consents",
        "/api/v1/consents/{id}/withdraw",
        "/api/v1/cases/{id}/notes",
        "/api/v1/referrals",
        "/api/v1/referrals/{id}",
        "/api/v1/referrals/{id}/transitions",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "{path} is not in the OpenAPI document");
    }
    // Every documented path answers (no phantom endpoints): unauthenticated requests get
    // 401 or a real answer, never 404.
    for path in paths.keys() {
        let concrete = path.replace("{id}", "01938a5e-7c4e-7d2a-9b1f-0c3d4e5f6a7b");
        let methods = paths[path].as_object().unwrap();
        let method = if methods.contains_key("get") { "GET" } else { "POST" };
        let body = (method == "POST").then(|| json!({}));
        let answer = anonymous.send(method, &concrete, body, &[]).await;
        assert_ne!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    // Unknown paths get the translated JSON error.
    anonymous.get("/api/v1/nothing-here").await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
});

both_databases!(
    oversized_lists_are_refused_at_once_naming_the_field_and_nothing_is_written,
    |test: TestApp| async move {
        let officer = Client::sign_in(&test, "cp.officer").await;
        // A hundred thousand phone numbers (a 1.2 MB body): refused before any is checked.
        let many: Vec<String> = (0..100_000).map(|index| format!("+97455{index:06}")).collect();
        let body = officer.post("/api/v1/persons", person(json!({ "phones": many }))).await.expect_error(
            StatusCode::BAD_REQUEST,
            "too_many",
            Some("phones"),
        );
        assert!(body["error"]["message"].as_str().unwrap().contains("200"), "{body}");
        // Eleven well-formed numbers are still more than a record holds: named, in English too.
        let eleven: Vec<String> = (0..11).map(|index| format!("+974551200{index:02}")).collect();
        let body = officer
            .speaking("en")
            .post("/api/v1/persons", person(json!({ "phones": eleven })))
            .await
            .expect_error(StatusCode::BAD_REQUEST, "too_many", Some("phones"));
        assert!(body["error"]["message"].as_str().unwrap().contains("at most \u{2068}10\u{2069}"), "{body}");
        // An object of a thousand answers, a list nested in a list: each named.
        let (case, _, _) = crate::client::police_case(&test, &officer, "domestic_violence").await;
        let answers: serde_json::Map<String, Value> =
            (0..1_000).map(|index| (format!("item{index}"), json!("yes"))).collect();
        officer
            .post(&format!("/api/v1/cases/{case}/risk-assessments"), json!({ "answers": answers }))
            .await
            .expect_error(StatusCode::BAD_REQUEST, "too_many", Some("answers"));
        let classes: Vec<&str> = ["identity"; 7].to_vec();
        officer
            .post(
                "/api/v1/referrals/preview",
                json!({ "case_id": case, "to_office_id": crate::client::office(&test, "AMAN.DESK"), "reason": "حماية",
                    "data_classes": classes }),
            )
            .await
            .expect_error(StatusCode::BAD_REQUEST, "too_many", Some("data_classes"));
        // Nothing was written, and ten distinct numbers are accepted.
        let found =
            officer.get("/api/v1/persons/search?q=%D9%87%D9%86%D8%AF%20%D8%A7%D9%84%D9%83%D8%B9%D8%A8%D9%8A").await;
        let before = found.expect(StatusCode::OK).as_array().map(Vec::len).unwrap_or(0);
        let ten: Vec<String> = (0..10).map(|index| format!("+974551200{index:02}")).collect();
        officer.post("/api/v1/persons", person(json!({ "phones": ten }))).await.expect(StatusCode::CREATED);
        let found =
            officer.get("/api/v1/persons/search?q=%D9%87%D9%86%D8%AF%20%D8%A7%D9%84%D9%83%D8%B9%D8%A8%D9%8A").await;
        assert_eq!(
            found.expect(StatusCode::OK).as_array().map(Vec::len),
            Some(before + 1),
            "only the good one was kept"
        );
    }
);
