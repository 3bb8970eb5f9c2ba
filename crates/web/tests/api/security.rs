//! Sign-in security over HTTP, on both databases: two-factor codes, first use through a
//! set-up link, lockout with back-off, idle and absolute session timeouts, session
//! rotation, CSRF refusal, API tokens (scope, revocation, expiry), security headers,
//! break-glass and conflicts of interest. The attacks on sign-in and administration
//! are in `accounts.rs`.

use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::json;
use sila_app::both_databases;
use sila_app::testing::{PASSWORD, TestApp};

use crate::client::Client;

fn credentials(username: &str, password: &str, code: Option<String>) -> serde_json::Value {
    json!({ "username": username, "password": password, "totp": code })
}

both_databases!(two_factor_codes_are_required_and_used_once, |test: TestApp| async move {
    let anonymous = Client::anonymous(&test);
    anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, None)).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
    anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some("000000".into()))).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
    let code = test.totp_code("cp.officer");
    anonymous
        .post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(code.clone())))
        .await
        .expect(StatusCode::CREATED);
    // The same code again (replayed from a shoulder or a log) is refused.
    anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(code))).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
});

both_databases!(a_new_user_sets_up_through_a_link_and_enrols_before_anything_else, |test: TestApp| async move {
    let aman = &test.world.agency("AMAN");
    let input = sila_app::auth::UserInput {
        username: "aman.new".into(),
        display_name: "موظفة جديدة".into(),
        roles: vec!["caseworker".into()],
        agency_id: aman.id.to_string(),
        office_ids: vec![test.world.office("AMAN.MAIN").id.to_string()],
        language: Some("ar".into()),
    };
    // An operator on the server: in effect at once, with a link to hand over.
    let created = test.app.create_user(None, &input).await.unwrap();
    let token = created.setup_link.expect("a set-up link").token;
    let anonymous = Client::anonymous(&test);
    // Bad input is named and does not spend the link.
    let bad = anonymous
        .post("/api/v1/setup", json!({ "token": token, "password": "short", "password_repeat": "shorter" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "too_short", Some("password"));
    assert_eq!(bad["error"]["details"][1]["code"], "mismatch", "{bad}");
    assert_eq!(bad["error"]["details"][1]["field"], "password_repeat", "{bad}");
    anonymous
        .post("/api/v1/setup", json!({ "token": "not-a-token", "password": "a long enough password", "password_repeat": "a long enough password" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "link_not_valid", Some("token"));
    let answer = anonymous
        .post("/api/v1/setup", json!({ "token": token, "password": "a long enough password", "password_repeat": "a long enough password" }))
        .await;
    let newcomer = anonymous.keeping(&answer);
    let me = answer.expect(StatusCode::CREATED);
    assert_eq!(me["totp_enrolment_required"], true);
    newcomer.get("/api/v1/cases").await.expect_error(StatusCode::FORBIDDEN, "totp_enrolment_required", None);
    assert_eq!(newcomer.get("/api/v1/me").await.expect(StatusCode::OK)["totp_enrolment_required"], true);
    let enrolment = newcomer.post("/api/v1/me/totp", json!({})).await.expect(StatusCode::OK);
    let secret = enrolment["secret"].as_str().unwrap();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Sila:aman.new?secret="));
    assert!(
        enrolment["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || enrolment["qr_svg"].as_str().unwrap().contains("<svg")
    );
    newcomer.post("/api/v1/me/totp/confirm", json!({ "code": "123456" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("code"),
    );
    let bytes = sila_app::auth::totp::from_base32(secret).unwrap();
    let now = test.app.now().as_second();
    let code = sila_app::auth::totp::code_at(&bytes, now);
    let confirmed = newcomer.post("/api/v1/me/totp/confirm", json!({ "code": code })).await;
    assert!(
        confirmed.set_cookies().iter().any(|cookie| cookie.starts_with("sila_device=")),
        "the browser is recognised"
    );
    confirmed.expect(StatusCode::NO_CONTENT);
    newcomer.get("/api/v1/cases").await.expect(StatusCode::OK);
    newcomer.post("/api/v1/me/totp", json!({})).await.expect_error(StatusCode::CONFLICT, "totp_already_enrolled", None);
    // From now on both factors are needed at sign-in.
    anonymous.post("/api/v1/session", credentials("aman.new", "a long enough password", None)).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
    let next = sila_app::auth::totp::code_at(&bytes, now + 30);
    anonymous
        .post("/api/v1/session", credentials("aman.new", "a long enough password", Some(next)))
        .await
        .expect(StatusCode::CREATED);
});

both_databases!(five_failures_lock_the_account_with_back_off, |test: TestApp| async move {
    let anonymous = Client::anonymous(&test);
    for _ in 0..5 {
        anonymous.post("/api/v1/session", credentials("cp.officer", "wrong password", None)).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            None,
        );
    }
    // Locked: even the right password and code are refused, with a time to wait.
    let answer = anonymous
        .post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(test.totp_code("cp.officer"))))
        .await;
    assert_eq!(answer.headers.get("retry-after").unwrap(), "60");
    answer.expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None);
    // After the minute, one more failure locks for two.
    test.clock.advance(SignedDuration::from_secs(61));
    anonymous.post("/api/v1/session", credentials("cp.officer", "wrong again", None)).await;
    let answer = anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, None)).await;
    assert_eq!(answer.headers.get("retry-after").unwrap(), "120");
    // Unknown usernames are throttled the same way (no hint that they do not exist).
    for _ in 0..5 {
        anonymous.post("/api/v1/session", credentials("nobody.here", "guess", None)).await;
    }
    anonymous.post("/api/v1/session", credentials("nobody.here", "guess", None)).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    // Once the lock has passed, the right credentials work and clear the count.
    test.clock.advance(SignedDuration::from_secs(121));
    Client::sign_in(&test, "cp.officer").await;
    anonymous.post("/api/v1/session", credentials("cp.officer", "wrong password", None)).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
});

both_databases!(sessions_end_when_idle_or_too_old_and_rotate_at_sign_in, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    // Active every 25 minutes: the session lives on…
    for _ in 0..3 {
        test.clock.advance(SignedDuration::from_mins(25));
        officer.get("/api/v1/me").await.expect(StatusCode::OK);
    }
    // …but not past 30 idle minutes.
    test.clock.advance(SignedDuration::from_mins(31));
    officer.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    // Never past 12 hours, however active.
    let officer = Client::sign_in(&test, "cp.officer").await;
    for _ in 0..28 {
        test.clock.advance(SignedDuration::from_mins(25));
        officer.get("/api/v1/me").await.expect(StatusCode::OK);
    }
    test.clock.advance(SignedDuration::from_mins(25));
    officer.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    // Signing in with an old cookie ends that session: the id is rotated.
    let first = Client::sign_in(&test, "cp.supervisor").await;
    let code = test.totp_code("cp.supervisor");
    let answer = first.post("/api/v1/session", credentials("cp.supervisor", PASSWORD, Some(code))).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    first.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
});

both_databases!(cross_site_state_changes_are_refused, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let case = json!({ "category": "runaway" });
    officer.post_with("/api/v1/cases", case.clone(), &[("sec-fetch-site", "cross-site")]).await.expect_error(
        StatusCode::FORBIDDEN,
        "csrf_rejected",
        None,
    );
    officer
        .post_with("/api/v1/cases", case.clone(), &[("origin", "https://evil.example"), ("host", "sila.local")])
        .await
        .expect_error(StatusCode::FORBIDDEN, "csrf_rejected", None);
    // Nothing was opened.
    assert_eq!(officer.get("/api/v1/cases").await.expect(StatusCode::OK)["items"], json!([]));
    // The pages' own requests pass.
    officer
        .post_with("/api/v1/cases", case.clone(), &[("sec-fetch-site", "same-origin")])
        .await
        .expect(StatusCode::CREATED);
    officer
        .post_with("/api/v1/cases", case, &[("origin", "https://sila.local"), ("host", "sila.local")])
        .await
        .expect(StatusCode::CREATED);
    // Signing in from another site (login CSRF) is refused too.
    Client::anonymous(&test)
        .post_with(
            "/api/v1/session",
            credentials("cp.officer", PASSWORD, Some(test.totp_code("cp.officer"))),
            &[("sec-fetch-site", "cross-site")],
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "csrf_rejected", None);
});

both_databases!(api_tokens_are_scoped_revocable_and_expire, |test: TestApp| async move {
    use sila_app::auth::TokenScope;
    let read = test
        .app
        .create_api_token("cp.officer", "statistics export", TokenScope::Read, SignedDuration::from_hours(24))
        .await
        .unwrap();
    let write = test
        .app
        .create_api_token("cp.officer", "intake kiosk", TokenScope::Write, SignedDuration::from_hours(24 * 30))
        .await
        .unwrap();
    assert!(read.secret.starts_with("sila_"));
    let bearer = |secret: &str| format!("Bearer {secret}");
    let anonymous = Client::anonymous(&test);
    let read_header = bearer(&read.secret);
    let write_header = bearer(&write.secret);
    anonymous.send("GET", "/api/v1/cases", None, &[("authorization", &read_header)]).await.expect(StatusCode::OK);
    anonymous
        .send("POST", "/api/v1/cases", Some(json!({ "category": "runaway" })), &[("authorization", &read_header)])
        .await
        .expect_error(StatusCode::FORBIDDEN, "token_scope", None);
    // A bearer token rides on no cookie: fetch metadata does not concern it.
    anonymous
        .send(
            "POST",
            "/api/v1/cases",
            Some(json!({ "category": "runaway" })),
            &[("authorization", &write_header), ("sec-fetch-site", "cross-site")],
        )
        .await
        .expect(StatusCode::CREATED);
    test.app.revoke_api_token(write.token.id).await.unwrap();
    anonymous.send("GET", "/api/v1/cases", None, &[("authorization", &write_header)]).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
    test.clock.advance(SignedDuration::from_hours(25));
    anonymous.send("GET", "/api/v1/cases", None, &[("authorization", &read_header)]).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
    // The database holds hashes only.
    let tokens = test.app.api_tokens("cp.officer").await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(tokens.iter().any(|token| token.revoked_at.is_some()));
});

both_databases!(break_glass_opens_for_an_hour_flags_the_audit_and_alerts_auditors, |test: TestApp| async move {
    // A case of the Wakra station, outside the HQ supervisor's offices.
    let wakra =
        test.fixture_user("wakra.officer", "CP", "CP.WAKRA", sila_domain::agency::Role::PoliceOfficer, None).await;
    let person = test.fixture_person("CP", wakra).await;
    let case = test.fixture_case("CP", "CP.WAKRA", wakra, None, None, &[person], "domestic_violence").await;
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    let path = format!("/api/v1/cases/{case}");
    supervisor.get(&path).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    // An officer cannot break the glass; a supervisor must give a real reason.
    let officer = Client::sign_in(&test, "cp.officer").await;
    officer.post(&format!("{path}/break-glass"), json!({ "reason": "بلاغ عاجل عن خطر على طفلة" })).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    supervisor.post(&format!("{path}/break-glass"), json!({ "reason": "عاجل" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "too_short",
        Some("reason"),
    );
    // Ten characters are not a reason: it must be said in words.
    for reason in ["aaaaaaaaaa", "1234567890", "عاجل عاجل عاجل", ".........."] {
        supervisor.post(&format!("{path}/break-glass"), json!({ "reason": reason })).await.expect_error(
            StatusCode::BAD_REQUEST,
            "too_few_words",
            Some("reason"),
        );
    }
    let grant = supervisor
        .post(&format!("{path}/break-glass"), json!({ "reason": "بلاغ عاجل عن خطر على طفلة في هذه الأسرة الليلة" }))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(grant["expires_at"], "2026-11-29T09:00:00.123456Z");
    supervisor.get(&path).await.expect(StatusCode::OK);
    // Every access under the grant is flagged; the auditors were alerted.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject={case}")).await.expect(StatusCode::OK);
    let flagged: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["details"]["break_glass"] == "true" && entry["outcome"] == "ok")
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["break_glass.open", "case.read"], "{trail}");
    let alerts = auditor.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert_eq!(alerts[0]["kind"], "break_glass.opened");
    assert_eq!(alerts[0]["subject_id"], case.to_string().as_str());
    assert_eq!(officer.get("/api/v1/alerts").await.expect(StatusCode::OK), json!([]));
    // An hour later the case is closed again.
    test.clock.advance(SignedDuration::from_mins(61));
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    supervisor.get(&path).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    // The auditor (signed in again: her session idled out) narrows the trail to a time
    // window: after the hour, only the refusal.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let late =
        auditor.get(&format!("/api/v1/audit?subject={case}&from=2026-11-29T08:30:00Z")).await.expect(StatusCode::OK);
    let late: Vec<(&str, &str)> = late
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["action"].as_str().unwrap(), entry["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(late, [("case.read", "denied")]);
    let early =
        auditor.get(&format!("/api/v1/audit?subject={case}&to=2026-11-29T08:30:00Z")).await.expect(StatusCode::OK);
    assert_eq!(early.as_array().unwrap().len(), trail.as_array().unwrap().len(), "{early}");
    // A whole local day, typed as a date, holds both.
    let day = auditor
        .get(&format!("/api/v1/audit?subject={case}&from=2026-11-29&to=2026-11-29"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(day.as_array().unwrap().len(), trail.as_array().unwrap().len() + 1);
    auditor.get("/api/v1/audit?from=2026-11-29&to=2026-11-28").await.expect_error(
        StatusCode::BAD_REQUEST,
        "end_before_start",
        Some("to"),
    );
    auditor.get("/api/v1/audit?from=yesterday").await.expect_error(
        StatusCode::BAD_REQUEST,
        "invalid_date",
        Some("from"),
    );
});

both_databases!(a_conflict_of_interest_closes_the_persons_cases_even_with_break_glass, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case, woman, _) = crate::client::police_case(&test, &officer, "domestic_violence").await;
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    let path = format!("/api/v1/cases/{case}");
    supervisor.get(&path).await.expect(StatusCode::OK);
    // The supervisor declares that the woman is a relative.
    supervisor.post("/api/v1/conflicts", json!({ "person_id": woman })).await.expect(StatusCode::NO_CONTENT);
    supervisor.get(&path).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    supervisor.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    supervisor
        .post(&format!("{path}/break-glass"), json!({ "reason": "محاولة فتح قضية قريبة لي رغم التعارض" }))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found", None);
    // The case no longer appears in the supervisor's list either.
    let list = supervisor.get("/api/v1/cases").await.expect(StatusCode::OK);
    assert!(list["items"].as_array().unwrap().iter().all(|item| item["id"] != case.as_str()));
    // An officer may not declare a tie for a colleague; the refusal names the policy.
    officer
        .post(
            "/api/v1/conflicts",
            json!({ "person_id": woman, "user_id": test.world.actor("cp.supervisor").user.id.to_string() }),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject={case}")).await.expect(StatusCode::OK);
    let denial = trail
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|entry| entry["action"] == "case.read" && entry["outcome"] == "denied")
        .expect("the refused read is audited");
    assert_eq!(denial["details"]["policies"], "guard-conflict-case");
});

both_databases!(declaring_a_conflict_does_not_tell_who_exists, |test: TestApp| async move {
    // A person registered by Aman, whom the police have never received.
    let desk = Client::sign_in(&test, "aman.desk").await;
    let elsewhere = desk
        .post(
            "/api/v1/persons",
            json!({ "first_name_ar": "هند", "father_name_ar": "سالم", "family_name_ar": "المري", "sex": "female",
                    "birth_date": "1991-01-01", "nationality": "QA" }),
        )
        .await
        .expect(StatusCode::CREATED)["person"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let officer = Client::sign_in(&test, "cp.officer").await;
    let nobody = uuid::Uuid::now_v7().to_string();
    let answers: Vec<(StatusCode, Vec<u8>)> = {
        let mut answers = Vec::new();
        for person in [&elsewhere, &nobody] {
            let answer = officer.post("/api/v1/conflicts", json!({ "person_id": person })).await;
            answers.push((answer.status, answer.bytes));
        }
        answers
    };
    assert_eq!(answers[0], answers[1], "the same answer whether or not the id names a person");
    assert_eq!(answers[0].0, StatusCode::NO_CONTENT);
    // A malformed id is still named (it says nothing of anyone).
    officer.post("/api/v1/conflicts", json!({ "person_id": "x" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "invalid_id",
        Some("person_id"),
    );
});

both_databases!(security_headers_forbid_device_features_and_pin_tls_when_served_over_it, |test: TestApp| async move {
    let plain = Client::anonymous(&test).get("/sign-in").await;
    let policy = plain.headers.get("permissions-policy").expect("a Permissions-Policy").to_str().unwrap();
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(policy.contains(feature), "{policy}");
    }
    assert!(plain.headers.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let config = sila_web::WebConfig { secure_cookies: true, ..sila_web::WebConfig::default() };
    let tls = Client::with_config(&test, &config).get("/sign-in").await;
    assert_eq!(tls.headers.get("strict-transport-security").unwrap(), "max-age=31536000; includeSubDomains");
    let answer = Client::with_config(&test, &config)
        .post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(test.totp_code("cp.officer"))))
        .await;
    for cookie in answer.headers.get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().contains("; Secure"), "{cookie:?}");
    }
    answer.expect(StatusCode::CREATED);
});

both_databases!(a_request_whose_body_never_arrives_is_answered_and_ended, |test: TestApp| async move {
    let config = sila_web::WebConfig {
        request_time_limit: std::time::Duration::from_millis(300),
        ..sila_web::WebConfig::default()
    };
    let client = Client::with_config(&test, &config);
    // The sign-in body announces 400 bytes and sends 20: the server does not wait
    // forever for the rest, and says so in the request's language.
    let answer = client.send_stalled("POST", "/api/v1/session", r#"{"username": "cp.of"#, 400).await;
    assert_eq!(answer.status, StatusCode::REQUEST_TIMEOUT, "{:?}", answer.body);
    assert_eq!(answer.body["error"]["code"], "request_timeout");
    assert!(answer.body["error"]["message"].as_str().is_some_and(|text| text.contains("حاول")), "{:?}", answer.body);
    // A whole request is still answered.
    client.get("/healthz").await.expect(StatusCode::OK);
});
