//! Sign-in and administration as an attacker would try them, over HTTP, on both
//! databases. Each test is named after what it prevents; together they are the
//! regression tests of the review of sign-in and administration (docs/SECURITY.md,
//! "Threats to sign-in and administration").

use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::{PASSWORD, TestApp};

use crate::client::{Client, office, set_up};

fn credentials(username: &str, password: &str, code: Option<&str>) -> Value {
    json!({ "username": username, "password": password, "totp": code })
}

fn new_user(username: &str, roles: &[&str], offices: &[String]) -> Value {
    json!({ "username": username, "display_name": "موظفة جديدة", "roles": roles, "office_ids": offices })
}

/// The user id of a username, as the administrator's list shows it.
async fn user_id(admin: &Client, username: &str) -> String {
    let users = admin.get("/api/v1/users").await.expect(StatusCode::OK);
    users.as_array().unwrap().iter().find(|user| user["username"] == username).expect("the user")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The kinds of a user's alerts.
async fn alert_kinds(client: &Client) -> Vec<String> {
    let alerts = client.get("/api/v1/alerts").await.expect(StatusCode::OK);
    alerts.as_array().unwrap().iter().map(|alert| alert["kind"].as_str().unwrap().to_string()).collect()
}

/// An Aman caseworker created by one administrator and approved by the other; answers
/// the approver's set-up link.
async fn approved_caseworker(test: &TestApp, username: &str) -> String {
    let admin = Client::sign_in(test, "aman.admin").await;
    let created = admin
        .post("/api/v1/users", new_user(username, &["caseworker"], &[office(test, "AMAN.MAIN")]))
        .await
        .expect(StatusCode::CREATED);
    let request = created["waiting_request_id"].as_str().expect("the roles wait").to_string();
    let deputy = Client::sign_in(test, "aman.admin2").await;
    let decided = deputy
        .post(&format!("/api/v1/account-requests/{request}/decision"), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);
    decided["setup_link"]["url"].as_str().expect("the approval issues the link").to_string()
}

// 1. Two-factor enrolment upgrades every session of the user.

both_databases!(enrolment_upgrades_only_the_session_that_proved_the_code, |test: TestApp| async move {
    let url = approved_caseworker(&test, "aman.new").await;
    let anonymous = Client::anonymous(&test);
    let answer = anonymous
        .post(
            "/api/v1/setup",
            json!({ "token": crate::client::link_token(&url), "password": "a long enough password",
                    "password_repeat": "a long enough password" }),
        )
        .await;
    let newcomer = anonymous.keeping(&answer);
    answer.expect(StatusCode::CREATED);
    let user: sila_domain::ids::UserId = newcomer.get("/api/v1/me").await.expect(StatusCode::OK)["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .map(sila_domain::ids::UserId::from_uuid)
        .unwrap();
    // Beside it, a second session waiting for enrolment (as a password alone opened
    // before) and an API token an operator made for the account.
    let other =
        Client::anonymous(&test).with_cookie(&format!("sila_session={}", test.fixture_session(user, true).await));
    let token = test
        .app
        .create_api_token("aman.new", "kiosk", sila_app::auth::TokenScope::Write, SignedDuration::from_hours(24))
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token.secret);
    other.get("/api/v1/me").await.expect(StatusCode::OK);
    other.get("/api/v1/cases").await.expect_error(StatusCode::FORBIDDEN, "totp_enrolment_required", None);
    // The real user enrols through her own session.
    let enrolment = newcomer.post("/api/v1/me/totp", json!({})).await.expect(StatusCode::OK);
    let secret = sila_app::auth::totp::from_base32(enrolment["secret"].as_str().unwrap()).unwrap();
    let code = sila_app::auth::totp::code_at(&secret, test.app.now().as_second());
    newcomer.post("/api/v1/me/totp/confirm", json!({ "code": code })).await.expect(StatusCode::NO_CONTENT);
    // Her session is a full one; the other session and the token are over.
    newcomer.get("/api/v1/cases").await.expect(StatusCode::OK);
    other.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    other.get("/api/v1/cases").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    Client::anonymous(&test).send("GET", "/api/v1/me", None, &[("authorization", &bearer)]).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
});

both_databases!(a_password_alone_opens_no_session_for_an_account_not_yet_enrolled, |test: TestApp| async move {
    let url = approved_caseworker(&test, "aman.new").await;
    let password = "a long enough password";
    let anonymous = Client::anonymous(&test);
    anonymous
        .post(
            "/api/v1/setup",
            json!({ "token": crate::client::link_token(&url), "password": password, "password_repeat": password }),
        )
        .await
        .expect(StatusCode::CREATED);
    // Someone who saw the password: no session, with or without a code.
    for code in [None, Some("123456")] {
        let answer = anonymous.post("/api/v1/session", credentials("aman.new", password, code)).await;
        assert!(answer.set_cookies().is_empty(), "no cookie for a failed sign-in");
        answer.expect_error(StatusCode::UNAUTHORIZED, "sign_in_failed", None);
    }
    // The link was spent.
    anonymous
        .post(
            "/api/v1/setup",
            json!({ "token": crate::client::link_token(&url), "password": password, "password_repeat": password }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "link_not_valid", Some("token"));
});

// 2. An administrator can reach case content by minting a reader.

both_databases!(an_administrator_cannot_mint_a_reader_of_case_content, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "aman.admin").await;
    let created = admin
        .post("/api/v1/users", new_user("aman.reader", &["caseworker"], &[office(&test, "AMAN.MAIN")]))
        .await
        .expect(StatusCode::CREATED);
    // No role yet, no link, no password: the administrator holds nothing to sign in with.
    assert_eq!(created["user"]["roles"], json!([]), "{created}");
    assert_eq!(created["setup_link"], Value::Null, "{created}");
    let request = created["waiting_request_id"].as_str().unwrap().to_string();
    let decide = format!("/api/v1/account-requests/{request}/decision");
    // The same administrator cannot approve it.
    admin.post(&decide, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::CONFLICT,
        "second_administrator_required",
        None,
    );
    // Nor an administrator of another agency, nor anyone who is not an administrator.
    let other_agency = Client::sign_in(&test, "cp.admin").await;
    other_agency.post(&decide, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let manager = Client::sign_in(&test, "aman.manager").await;
    manager.post(&decide, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    // The agency's auditors and its other administrator know at once.
    let auditor = Client::sign_in(&test, "aman.auditor").await;
    assert!(alert_kinds(&auditor).await.contains(&"account.change_requested".to_string()));
    let deputy = Client::sign_in(&test, "aman.admin2").await;
    assert!(alert_kinds(&deputy).await.contains(&"account.approval_requested".to_string()));
    let waiting = deputy.get("/api/v1/account-requests").await.expect(StatusCode::OK);
    assert_eq!(waiting[0]["kind"], "create");
    assert_eq!(waiting[0]["roles"], json!(["caseworker"]));
    // The second administrator approves: the roles take effect and the link is theirs
    // to hand over, once.
    deputy.post(&decide, json!({ "decision": "maybe" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("decision"),
    );
    let decided = deputy.post(&decide, json!({ "decision": "approve" })).await.expect(StatusCode::OK);
    let url = decided["setup_link"]["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://") && url.contains("/set-up?token="), "{url}");
    deputy.post(&decide, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::CONFLICT,
        "already_decided",
        None,
    );
    assert!(alert_kinds(&auditor).await.contains(&"account.changed".to_string()));
    assert!(alert_kinds(&admin).await.contains(&"account.approved".to_string()));
    // The new caseworker chooses her own password and enrols.
    let (reader, _) = set_up(&test, &url, "my own secret phrase").await;
    let me = reader.get("/api/v1/me").await.expect(StatusCode::OK);
    assert_eq!(me["roles"], json!(["caseworker"]));
    reader.get("/api/v1/cases").await.expect(StatusCode::OK);
    // Every step is in the log, under each administrator's name.
    let trail =
        auditor.get(&format!("/api/v1/audit?subject={}", me["id"].as_str().unwrap())).await.expect(StatusCode::OK);
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|entry| entry["action"].as_str().unwrap()).collect();
    for action in ["user.create", "account_request.decide", "user.setup", "totp.confirm"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
});

both_databases!(an_administrator_made_by_an_administrator_waits_for_a_second_one, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let created =
        admin.post("/api/v1/users", new_user("cp.admin3", &["administrator"], &[])).await.expect(StatusCode::CREATED);
    assert_eq!(created["user"]["roles"], json!([]));
    assert!(created["waiting_request_id"].is_string());
    // An auditor or an analyst reads no content: in effect at once, with a link.
    let created =
        admin.post("/api/v1/users", new_user("cp.auditor2", &["auditor"], &[])).await.expect(StatusCode::CREATED);
    assert_eq!(created["user"]["roles"], json!(["auditor"]));
    let url = created["setup_link"]["url"].as_str().unwrap().to_string();
    // …who must still enrol in two-factor sign-in before reading the log.
    let anonymous = Client::anonymous(&test);
    let answer = anonymous
        .post(
            "/api/v1/setup",
            json!({ "token": crate::client::link_token(&url), "password": "a long enough password",
                    "password_repeat": "a long enough password" }),
        )
        .await;
    let auditor = anonymous.keeping(&answer);
    answer.expect(StatusCode::CREATED);
    auditor.get("/api/v1/audit").await.expect_error(StatusCode::FORBIDDEN, "totp_enrolment_required", None);
});

both_databases!(every_role_signs_in_with_both_factors, |test: TestApp| async move {
    let anonymous = Client::anonymous(&test);
    for username in ["cp.admin", "cp.auditor", "cp.analyst", "aman.admin", "wifaq.analyst", "cp.officer"] {
        let answer = anonymous.post("/api/v1/session", credentials(username, PASSWORD, None)).await;
        assert!(answer.set_cookies().is_empty());
        answer.expect_error(StatusCode::UNAUTHORIZED, "sign_in_failed", None);
        let code = test.totp_code(username);
        anonymous
            .post("/api/v1/session", credentials(username, PASSWORD, Some(&code)))
            .await
            .expect(StatusCode::CREATED);
    }
});

both_databases!(giving_a_role_to_an_existing_user_waits_for_a_second_administrator, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let analyst = Client::sign_in(&test, "cp.analyst").await;
    let id = user_id(&admin, "cp.analyst").await;
    let roles = format!("/api/v1/users/{id}/roles");
    let asked = admin
        .send("PUT", &roles, Some(json!({ "roles": ["analyst", "police_supervisor"] })), &[])
        .await
        .expect(StatusCode::OK);
    assert_eq!(asked["status"], "waiting");
    // Nothing changed yet; a second request for the same account waits behind it.
    assert_eq!(analyst.get("/api/v1/me").await.expect(StatusCode::OK)["roles"], json!(["analyst"]));
    admin.send("PUT", &roles, Some(json!({ "roles": ["analyst", "auditor"] })), &[]).await.expect_error(
        StatusCode::CONFLICT,
        "account_change_waiting",
        None,
    );
    // The user concerned cannot approve a change to their own account, even as an
    // administrator.
    let deputy = Client::sign_in(&test, "cp.admin2").await;
    let deputy_id = user_id(&admin, "cp.admin2").await;
    let own = admin
        .send(
            "PUT",
            &format!("/api/v1/users/{deputy_id}/roles"),
            Some(json!({ "roles": ["administrator", "police_supervisor"] })),
            &[],
        )
        .await
        .expect(StatusCode::OK);
    let own = own["request_id"].as_str().unwrap();
    deputy
        .post(&format!("/api/v1/account-requests/{own}/decision"), json!({ "decision": "approve" }))
        .await
        .expect_error(StatusCode::CONFLICT, "second_administrator_required", None);
    let request = asked["request_id"].as_str().unwrap();
    deputy
        .post(&format!("/api/v1/account-requests/{request}/decision"), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);
    // In effect, and the user's sessions ended with the change.
    analyst.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    let analyst = Client::sign_in(&test, "cp.analyst").await;
    assert_eq!(
        analyst.get("/api/v1/me").await.expect(StatusCode::OK)["roles"],
        json!(["police_supervisor", "analyst"])
    );
    // Taking a role away is at once, and ends the sessions too.
    let taken = admin.send("PUT", &roles, Some(json!({ "roles": ["analyst"] })), &[]).await.expect(StatusCode::OK);
    assert_eq!(taken["status"], "applied");
    analyst.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    // Bad input is named.
    admin.send("PUT", &roles, Some(json!({ "roles": ["caseworker"] })), &[]).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("roles[0]"),
    );
    admin.send("PUT", &roles, Some(json!({ "roles": [] })), &[]).await.expect_error(
        StatusCode::BAD_REQUEST,
        "empty_list",
        Some("roles"),
    );
});

// 3. The lockout is a weapon.

both_databases!(a_stranger_cannot_lock_a_user_out_of_her_recognised_device, |test: TestApp| async move {
    // The officer has signed in on her computer before: it is recognised.
    let computer = Client::sign_in(&test, "cp.officer").await;
    assert!(computer.cookie("sila_device").is_some(), "a recognised-device cookie is set");
    // A stranger hammers her account from elsewhere.
    let stranger = Client::anonymous(&test).connecting_from("203.0.113.7:50000");
    for _ in 0..30 {
        let answer = stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await;
        assert!(matches!(answer.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
    }
    // Even the right password and code are refused to an unrecognised browser…
    let code = test.totp_code("cp.officer");
    stranger.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(&code))).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    // …but she signs in on her own computer, from the same office address as ever.
    computer.connecting_from("198.51.100.2:40000").signing_in(&test, "cp.officer").await;
});

both_databases!(failures_on_a_recognised_device_lock_that_device_only, |test: TestApp| async move {
    let computer = Client::sign_in(&test, "cp.officer").await;
    for _ in 0..5 {
        computer.post("/api/v1/session", credentials("cp.officer", "mistyped", None)).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            None,
        );
    }
    let code = test.totp_code("cp.officer");
    computer.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(&code))).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    // The account itself is not locked: another browser signs in.
    Client::sign_in(&test, "cp.officer").await;
});

both_databases!(account_locks_grow_and_a_quiet_day_starts_the_count_again, |test: TestApp| async move {
    let stranger = Client::anonymous(&test);
    for _ in 0..5 {
        stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await;
    }
    let locked = stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await;
    assert_eq!(locked.headers.get("retry-after").unwrap(), "60");
    test.clock.advance(SignedDuration::from_secs(61));
    stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
    let locked = stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await;
    assert_eq!(locked.headers.get("retry-after").unwrap(), "120");
    // A day without attempts: the count starts again (five tries before a lock).
    test.clock.advance(SignedDuration::from_hours(25));
    for _ in 0..4 {
        stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            None,
        );
    }
    Client::sign_in(&test, "cp.officer").await;
});

both_databases!(address_throttling_never_locks_an_account_that_has_not_failed, |test: TestApp| async move {
    // Password spraying from one address behind the organisation's proxy.
    let office = Client::anonymous(&test).connecting_from("192.0.2.10:50000");
    for index in 0..25 {
        office.post("/api/v1/session", credentials(&format!("nobody.{index}"), "Winter2026!", None)).await;
    }
    // An account that failed from there is refused from there…
    office.post("/api/v1/session", credentials("nobody.1", "Winter2026!", None)).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    // …but colleagues behind the same address who never failed sign in.
    for username in ["aman.manager", "cp.supervisor", "wifaq.desk"] {
        let code = test.totp_code(username);
        office.post("/api/v1/session", credentials(username, PASSWORD, Some(&code))).await.expect(StatusCode::CREATED);
    }
});

both_databases!(forwarded_addresses_are_believed_only_from_trusted_proxies, |test: TestApp| async move {
    let config = sila_web::WebConfig {
        trusted_proxies: sila_web::session::TrustedProxies::parse(&["10.0.0.1"]).unwrap(),
        ..sila_web::WebConfig::default()
    };
    let server = Client::with_config(&test, &config);
    // A client that names itself in X-Forwarded-For, not through the proxy: its claimed
    // addresses are ignored and it is counted under its own.
    let direct = server.connecting_from("203.0.113.9:40000");
    for index in 0..25 {
        let claimed = format!("198.51.100.{index}");
        direct
            .post_with(
                "/api/v1/session",
                credentials(&format!("spray.{index}"), "x", None),
                &[("x-forwarded-for", &claimed)],
            )
            .await;
    }
    direct
        .post_with("/api/v1/session", credentials("spray.1", "x", None), &[("x-forwarded-for", "198.51.100.99")])
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None);
    // Through the trusted proxy, each client is counted under the address it names.
    let proxy = server.connecting_from("10.0.0.1:443");
    for index in 0..25 {
        proxy
            .post_with(
                "/api/v1/session",
                credentials(&format!("spray.{index}"), "x", None),
                &[("x-forwarded-for", "198.51.100.7")],
            )
            .await;
    }
    proxy
        .post_with("/api/v1/session", credentials("spray.2", "x", None), &[("x-forwarded-for", "198.51.100.7")])
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None);
    // Another client behind the same proxy is not held by the first client's address
    // (were the proxy's own address counted, it would be).
    let answer = proxy
        .post_with("/api/v1/session", credentials("spray.3", "x", None), &[("x-forwarded-for", "198.51.100.8")])
        .await;
    answer.expect_error(StatusCode::UNAUTHORIZED, "sign_in_failed", None);
});

both_databases!(a_storm_of_failed_sign_ins_alerts_the_auditors, |test: TestApp| async move {
    let stranger = Client::anonymous(&test);
    for _ in 0..5 {
        stranger.post("/api/v1/session", credentials("aman.desk", "guess", None)).await;
    }
    // The attacker waits out each lock.
    for minutes in [1, 2, 4, 8, 16] {
        test.clock.advance(SignedDuration::from_mins(minutes + 1));
        stranger.post("/api/v1/session", credentials("aman.desk", "guess", None)).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            None,
        );
    }
    let auditor = Client::sign_in(&test, "aman.auditor").await;
    let alerts = auditor.get("/api/v1/alerts").await.expect(StatusCode::OK);
    let storm = alerts.as_array().unwrap().iter().find(|alert| alert["kind"] == "sign_in.storm").expect("an alert");
    assert_eq!(storm["subject_id"], test.world.actor("aman.desk").user.id.to_string().as_str());
    // The police's auditors hear nothing of Aman's account.
    let police = Client::sign_in(&test, "cp.auditor").await;
    assert!(!alert_kinds(&police).await.contains(&"sign_in.storm".to_string()));
    // Twenty failures from one address alert every agency's auditors.
    let sprayer = Client::anonymous(&test).connecting_from("203.0.113.50:1234");
    for index in 0..20 {
        sprayer.post("/api/v1/session", credentials(&format!("guess.{index}"), "x", None)).await;
    }
    assert!(alert_kinds(&police).await.contains(&"sign_in.address_storm".to_string()));
    assert!(alert_kinds(&auditor).await.contains(&"sign_in.address_storm".to_string()));
});

// 4. The lockout can be raced.

both_databases!(fifty_concurrent_wrong_passwords_evaluate_no_more_than_the_limit, |test: TestApp| async move {
    let stranger = Client::anonymous(&test);
    let checked_before = test.app.password_checks();
    let attempts = (0..50).map(|_| {
        let stranger = stranger.clone();
        tokio::spawn(
            async move { stranger.post("/api/v1/session", credentials("cp.officer", "guess", None)).await.status },
        )
    });
    let mut evaluated = 0;
    let mut refused = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            StatusCode::UNAUTHORIZED => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((evaluated, refused), (5, 45), "no more attempts answered as checked than the limit");
    // And no more passwords were actually run through Argon2: the attempts were claimed
    // before the check, not counted after it.
    assert_eq!(test.app.password_checks() - checked_before, 5);
    // The audit log agrees: five passwords checked, forty-five refused unchecked.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let officer = test.world.actor("cp.officer").user.id;
    let trail = auditor.get(&format!("/api/v1/audit?subject={officer}&limit=1000")).await.expect(StatusCode::OK);
    let count = |code: &str| {
        trail
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["action"] == "session.create" && entry["outcome"] == format!("failed:{code}"))
            .count()
    };
    assert_eq!((count("sign_in_failed"), count("too_many_attempts")), (5, 45), "{trail}");
});

// 5. A right password without the code answers differently.

both_databases!(a_right_password_without_the_code_answers_like_a_wrong_one, |test: TestApp| async move {
    let anonymous = Client::anonymous(&test);
    let right = anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, None)).await;
    let wrong = anonymous.post("/api/v1/session", credentials("cp.officer", "not the password", None)).await;
    let unknown = anonymous.post("/api/v1/session", credentials("nobody.here", PASSWORD, None)).await;
    let wrong_code = anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some("000000"))).await;
    for answer in [&right, &wrong, &unknown, &wrong_code] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.body, right.body, "one answer, whatever was wrong");
    }
    // Each counts: the right password without a code locks the account like any other.
    for _ in 0..2 {
        anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, None)).await;
    }
    anonymous.post("/api/v1/session", credentials("cp.officer", PASSWORD, None)).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
});

// 6. A read-only API token writes through the pages.

both_databases!(an_api_token_in_the_session_cookie_opens_no_page_and_no_api, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case, _, _) = crate::client::police_case(&test, &officer, "domestic_violence").await;
    let token = test
        .app
        .create_api_token("cp.officer", "statistics", sila_app::auth::TokenScope::Read, SignedDuration::from_hours(24))
        .await
        .unwrap();
    let forged = Client::anonymous(&test).with_cookie(&format!("sila_session={}", token.secret));
    // The pages send it to the sign-in page; the note form writes nothing.
    let page = forged.get(&format!("/cases/{case}")).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(page.headers.get("location").unwrap().to_str().unwrap().starts_with("/sign-in"));
    let posted = forged
        .send_form("POST", &format!("/cases/{case}/notes"), "level=team&text=%D9%85%D9%84%D8%A7%D8%AD%D8%B8%D8%A9")
        .await;
    assert!(posted.status.is_redirection(), "{}", posted.status);
    // The API does not take it from the cookie either.
    forged.get("/api/v1/cases").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    let notes = officer.get(&format!("/api/v1/cases/{case}/notes")).await.expect(StatusCode::OK);
    assert_eq!(notes.as_array().unwrap().len(), 0, "{notes}");
    // As a bearer token, for reading, it works as it should.
    let bearer = format!("Bearer {}", token.secret);
    Client::anonymous(&test)
        .send("GET", "/api/v1/cases", None, &[("authorization", &bearer)])
        .await
        .expect(StatusCode::OK);
});

// 7. A password reset leaves sessions alive.

both_databases!(a_reset_of_sign_in_ends_every_session_token_and_device, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let token = test
        .app
        .create_api_token("cp.officer", "kiosk", sila_app::auth::TokenScope::Write, SignedDuration::from_hours(24))
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token.secret);
    // The operator's reset (`sila user reset-password`).
    let link = test.app.reset_sign_in_for_operator("cp.officer").await.unwrap();
    officer.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    Client::anonymous(&test).send("GET", "/api/v1/me", None, &[("authorization", &bearer)]).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
    // The old password and authenticator open nothing, even on her recognised device.
    let code = test.totp_code("cp.officer");
    officer.post("/api/v1/session", credentials("cp.officer", PASSWORD, Some(&code))).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "sign_in_failed",
        None,
    );
    // The device is no longer recognised: its failures count against the account now.
    for _ in 0..4 {
        officer.post("/api/v1/session", credentials("cp.officer", "x", None)).await;
    }
    officer.post("/api/v1/session", credentials("cp.officer", "x", None)).await.expect_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    // The new link works.
    let url = format!("http://localhost/set-up?token={}", link.token);
    let (again, _) = set_up(&test, &url, "a brand new passphrase").await;
    again.get("/api/v1/cases").await.expect(StatusCode::OK);
});

both_databases!(an_approved_reset_of_two_factor_gives_a_new_link_and_ends_everything, |test: TestApp| async move {
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    let admin = Client::sign_in(&test, "wifaq.admin").await;
    let id = user_id(&admin, "wifaq.desk").await;
    let asked = admin.post(&format!("/api/v1/users/{id}/sign-in-reset"), json!({})).await.expect(StatusCode::ACCEPTED);
    // Nothing happens before a second administrator approves.
    desk.get("/api/v1/me").await.expect(StatusCode::OK);
    let deputy = Client::sign_in(&test, "wifaq.admin2").await;
    let request = asked["request_id"].as_str().unwrap();
    let decided = deputy
        .post(&format!("/api/v1/account-requests/{request}/decision"), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);
    desk.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    let (desk, _) = set_up(&test, decided["setup_link"]["url"].as_str().unwrap(), "lost my phone, new one").await;
    desk.get("/api/v1/referrals?box=incoming").await.expect(StatusCode::OK);
    // A rejected request changes nothing.
    let asked = admin.post(&format!("/api/v1/users/{id}/sign-in-reset"), json!({})).await.expect(StatusCode::ACCEPTED);
    let request = asked["request_id"].as_str().unwrap();
    let decided = deputy
        .post(&format!("/api/v1/account-requests/{request}/decision"), json!({ "decision": "reject" }))
        .await
        .expect(StatusCode::OK);
    assert_eq!(decided["setup_link"], Value::Null);
    desk.get("/api/v1/me").await.expect(StatusCode::OK);
});

both_databases!(disabling_a_user_ends_her_sessions_and_tokens_at_once, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    test.app
        .create_api_token("cp.officer", "kiosk", sila_app::auth::TokenScope::Write, SignedDuration::from_hours(24))
        .await
        .unwrap();
    let admin = Client::sign_in(&test, "cp.admin").await;
    let id = user_id(&admin, "cp.officer").await;
    let own = user_id(&admin, "cp.admin").await;
    admin.post(&format!("/api/v1/users/{own}/disable"), json!({})).await.expect_error(
        StatusCode::CONFLICT,
        "second_administrator_required",
        None,
    );
    admin.post(&format!("/api/v1/users/{id}/disable"), json!({})).await.expect(StatusCode::NO_CONTENT);
    officer.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    let tokens = test.app.api_tokens("cp.officer").await.unwrap();
    assert!(tokens.iter().all(|token| token.revoked_at.is_some()), "the tokens are revoked, not only refused");
    // Another agency's user is not the administrator's to disable.
    let other = user_id(&Client::sign_in(&test, "aman.admin").await, "aman.desk").await;
    admin.post(&format!("/api/v1/users/{other}/disable"), json!({})).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
});

both_databases!(changing_her_own_password_ends_her_other_sessions, |test: TestApp| async move {
    let office = Client::sign_in(&test, "cp.officer").await;
    let phone = Client::sign_in(&test, "cp.officer").await;
    let change = |current: &str, new: &str, repeat: &str| json!({ "current_password": current, "password": new, "password_repeat": repeat });
    // Bad input first: each field named, nothing changed.
    let bad = office.post("/api/v1/me/password", change("", "short", "other")).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("current_password"),
    );
    let fields: Vec<&str> =
        bad["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["current_password", "password", "password_repeat"]);
    office
        .post("/api/v1/me/password", change("not my password", "a new long passphrase", "a new long passphrase"))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "wrong_password", Some("current_password"));
    phone.get("/api/v1/me").await.expect(StatusCode::OK);
    office
        .post("/api/v1/me/password", change(PASSWORD, "a new long passphrase", "a new long passphrase"))
        .await
        .expect(StatusCode::NO_CONTENT);
    office.get("/api/v1/me").await.expect(StatusCode::OK);
    phone.get("/api/v1/me").await.expect_error(StatusCode::UNAUTHORIZED, "not_signed_in", None);
    // A stolen session cannot guess the current password at leisure: wrong guesses count.
    for _ in 0..5 {
        office.post("/api/v1/me/password", change("guess", "another passphrase", "another passphrase")).await;
    }
    office
        .post("/api/v1/me/password", change("a new long passphrase", "another passphrase", "another passphrase"))
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None);
});

// 8. Open redirect after sign-in.

both_databases!(an_open_redirect_after_sign_in_is_refused, |test: TestApp| async move {
    let browser = Client::anonymous(&test);
    for next in ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/.//evil.example"] {
        let code = test.totp_code("cp.officer");
        let form = format!(
            "username=cp.officer&password={}&totp={code}&next={}",
            sila_web_urlencode(PASSWORD),
            sila_web_urlencode(next)
        );
        let answer = browser.send_form("POST", "/sign-in", &form).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(answer.headers.get("location").unwrap(), "/", "{next:?}");
        let switched =
            browser.send_form("POST", "/language", &format!("lang=en&back={}", sila_web_urlencode(next))).await;
        assert_eq!(switched.headers.get("location").unwrap(), "/", "{next:?}");
        test.clock.advance(SignedDuration::from_secs(31));
    }
    // A path of the site is followed.
    let code = test.totp_code("cp.officer");
    let form = format!("username=cp.officer&password={}&totp={code}&next=%2Fcases", sila_web_urlencode(PASSWORD));
    assert_eq!(browser.send_form("POST", "/sign-in", &form).await.headers.get("location").unwrap(), "/cases");
});

fn sila_web_urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
