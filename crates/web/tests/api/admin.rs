//! The administrator's writes of the directory over HTTP, on both databases: offices and
//! users of their own agency, validated field by field, refused to everyone else, and
//! no way into case content.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, office, police_case};

/// The number of offices the directory lists.
async fn office_count(client: &Client) -> usize {
    client.get("/api/v1/offices").await.expect(StatusCode::OK).as_array().unwrap().len()
}

fn new_office(code: &str) -> Value {
    json!({
        "code": code,
        "name_ar": "مركز شرطة الريان",
        "name_en": "Al Rayyan station",
        "is_desk": false,
    })
}

fn new_user(username: &str, roles: &[&str], offices: &[String]) -> Value {
    json!({
        "username": username,
        "display_name": "الملازم سعد الكواري",
        "roles": roles,
        "office_ids": offices,
        "language": "en",
    })
}

both_databases!(an_administrator_adds_an_office_to_their_agency, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let before = office_count(&admin).await;
    let created = admin.post("/api/v1/offices", new_office("rayyan")).await.expect(StatusCode::CREATED);
    assert_eq!(created["code"], "RAYYAN", "codes are kept upper-case: {created}");
    assert_eq!(created["agency_id"], agency(&test, "CP"));
    assert_eq!(created["name_ar"], "مركز شرطة الريان");
    assert_eq!(created["name_en"], "Al Rayyan station");
    assert_eq!(created["is_desk"], false);
    let offices = admin.get("/api/v1/offices").await.expect(StatusCode::OK);
    let offices = offices.as_array().unwrap();
    assert_eq!(offices.len(), before + 1);
    assert!(offices.iter().any(|listed| listed["id"] == created["id"] && listed["code"] == "RAYYAN"));
    // An explicit agency id of their own is the same; a desk is a desk.
    let mut desk = new_office("RAYYAN-DESK");
    desk["agency_id"] = json!(agency(&test, "CP"));
    desk["is_desk"] = json!(true);
    let desk = admin.post("/api/v1/offices", desk).await.expect(StatusCode::CREATED);
    assert_eq!(desk["is_desk"], true);
    // The addition is audited, by whom and about what.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let office_id = created["id"].as_str().unwrap();
    let trail = auditor.get(&format!("/api/v1/audit?subject={office_id}")).await.expect(StatusCode::OK);
    let entry = trail.as_array().unwrap().iter().find(|entry| entry["action"] == "office.create").expect("audited");
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["actor_id"], test.world.actor("cp.admin").user.id.to_string().as_str());
    assert_eq!(entry["subjects"], json!([format!("office:{office_id}")]));
    assert_eq!(entry["details"]["code"], "RAYYAN");
    // Both endpoints are documented.
    let document = Client::anonymous(&test).get("/api/openapi.json").await.expect(StatusCode::OK);
    for path in ["/api/v1/offices", "/api/v1/users"] {
        assert!(document["paths"][path]["post"].is_object(), "POST {path} is not documented");
        assert!(document["paths"][path]["get"].is_object(), "GET {path} is not documented");
    }
});

both_databases!(bad_offices_are_refused_and_change_nothing, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let before = office_count(&admin).await;
    // A blank Arabic name, with the message in each language.
    let mut blank = new_office("RAYYAN");
    blank["name_ar"] = json!("   ");
    let arabic = admin.post("/api/v1/offices", blank.clone()).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("name_ar"),
    );
    let english = admin.speaking("en").post("/api/v1/offices", blank).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("name_ar"),
    );
    let arabic = arabic["error"]["message"].as_str().unwrap();
    let english = english["error"]["message"].as_str().unwrap();
    assert!(arabic.ends_with("مطلوب."), "{arabic}");
    assert!(english.ends_with("is required."), "{english}");
    // Every field problem at once.
    let answer = admin.post("/api/v1/offices", json!({ "code": "", "name_en": "x".repeat(201) })).await;
    let body = answer.expect_error(StatusCode::BAD_REQUEST, "required", Some("code"));
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().map(|detail| detail["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name_ar", "name_en"], "{body}");
    // A code taken in the agency, whatever its case.
    admin.post("/api/v1/offices", new_office("hq")).await.expect_error(
        StatusCode::BAD_REQUEST,
        "duplicate",
        Some("code"),
    );
    // A code that is not plain.
    admin.post("/api/v1/offices", new_office("الريان")).await.expect_error(
        StatusCode::BAD_REQUEST,
        "code_format",
        Some("code"),
    );
    // Another agency, and an agency that does not exist, look the same.
    for agency_id in [agency(&test, "AMAN"), "01938a5e-7c4e-7d2a-9b1f-0c3d4e5f6a7b".to_string()] {
        let mut elsewhere = new_office("RAYYAN");
        elsewhere["agency_id"] = json!(agency_id);
        admin.post("/api/v1/offices", elsewhere).await.expect_error(
            StatusCode::BAD_REQUEST,
            "unknown_value",
            Some("agency_id"),
        );
    }
    // A body of the wrong shape.
    let mut wrong = new_office("RAYYAN");
    wrong["is_desk"] = json!("yes");
    admin.post("/api/v1/offices", wrong).await.expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("is_desk"));
    assert_eq!(office_count(&admin).await, before);
    // The same code is free in another agency.
    let aman = Client::sign_in(&test, "aman.admin").await;
    aman.post("/api/v1/offices", new_office("RAYYAN")).await.expect(StatusCode::CREATED);
    admin.post("/api/v1/offices", new_office("RAYYAN")).await.expect(StatusCode::CREATED);
    assert_eq!(office_count(&admin).await, before + 2);
});

both_databases!(only_administrators_write_the_directory, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let before = office_count(&admin).await;
    for username in ["cp.officer", "cp.supervisor", "cp.auditor", "aman.manager"] {
        let other = Client::sign_in(&test, username).await;
        other.post("/api/v1/offices", new_office("RAYYAN")).await.expect_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
        other.post("/api/v1/users", new_user("cp.intruder", &["administrator"], &[])).await.expect_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
    }
    assert_eq!(office_count(&admin).await, before);
    let users = admin.get("/api/v1/users").await.expect(StatusCode::OK);
    assert!(!users.as_array().unwrap().iter().any(|user| user["username"] == "cp.intruder"));
    // Signed out, nothing.
    Client::anonymous(&test).post("/api/v1/offices", new_office("RAYYAN")).await.expect_error(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        None,
    );
});

both_databases!(an_administrator_adds_a_user_who_sets_up_her_own_sign_in, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let wakra = office(&test, "CP.WAKRA");
    let body = new_user("cp.saad", &["police_officer"], std::slice::from_ref(&wakra));
    let created = admin.post("/api/v1/users", body).await.expect(StatusCode::CREATED);
    let user = &created["user"];
    assert_eq!(user["username"], "cp.saad");
    assert_eq!(user["display_name"], "الملازم سعد الكواري");
    assert_eq!(user["roles"], json!([]), "an officer reads case content: the role waits for a second administrator");
    let mut keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["display_name", "id", "roles", "username"], "no secret in the answer: {created}");
    assert_eq!(created["setup_link"], Value::Null);
    let users = admin.get("/api/v1/users").await.expect(StatusCode::OK);
    assert!(users.as_array().unwrap().iter().any(|listed| listed["id"] == user["id"]));
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let user_id = user["id"].as_str().unwrap();
    let trail = auditor.get(&format!("/api/v1/audit?subject={user_id}")).await.expect(StatusCode::OK);
    let entry = trail.as_array().unwrap().iter().find(|entry| entry["action"] == "user.create").expect("audited");
    assert_eq!(entry["actor_id"], test.world.actor("cp.admin").user.id.to_string().as_str());
    // The second administrator approves; the link is for the new officer to use.
    let deputy = Client::sign_in(&test, "cp.admin2").await;
    let request = created["waiting_request_id"].as_str().unwrap();
    let decided = deputy
        .post(&format!("/api/v1/account-requests/{request}/decision"), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);
    let (saad, _) =
        crate::client::set_up(&test, decided["setup_link"]["url"].as_str().unwrap(), "my own passphrase").await;
    let me = saad.get("/api/v1/me").await.expect(StatusCode::OK);
    assert_eq!(me["agency"]["code"], "CP");
    assert_eq!(me["office_ids"], json!([wakra]));
    assert_eq!(me["language"], "en");
    assert_eq!(me["roles"], json!(["police_officer"]));
});

both_databases!(bad_users_are_refused_and_change_nothing, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "cp.admin").await;
    let count = |users: Value| users.as_array().unwrap().len();
    let before = count(admin.get("/api/v1/users").await.expect(StatusCode::OK));
    let wakra = vec![office(&test, "CP.WAKRA")];
    let mut nameless = new_user("cp.saad", &["police_officer"], &wakra);
    nameless["display_name"] = json!("  ");
    admin.post("/api/v1/users", nameless).await.expect_error(StatusCode::BAD_REQUEST, "required", Some("display_name"));
    // Roles of another kind of agency.
    admin.post("/api/v1/users", new_user("cp.saad", &["caseworker"], &wakra)).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("roles[0]"),
    );
    // Another agency, or an office of another agency.
    let mut elsewhere = new_user("cp.saad", &["police_officer"], &[]);
    elsewhere["agency_id"] = json!(agency(&test, "AMAN"));
    admin.post("/api/v1/users", elsewhere).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("agency_id"),
    );
    admin
        .post("/api/v1/users", new_user("cp.saad", &["police_officer"], &[office(&test, "AMAN.DESK")]))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("office_ids[0]"));
    // A username taken.
    admin.post("/api/v1/users", new_user("cp.officer", &["police_officer"], &wakra)).await.expect_error(
        StatusCode::BAD_REQUEST,
        "duplicate",
        Some("username"),
    );
    assert_eq!(count(admin.get("/api/v1/users").await.expect(StatusCode::OK)), before);
    // A retry with the same idempotency key creates the user once; the set-up link is
    // shown to the first answer only (it is never stored for replays).
    let body = new_user("cp.saad", &["analyst"], &wakra);
    let key = [("idempotency-key", "add-cp-saad")];
    let first = admin.post_with("/api/v1/users", body.clone(), &key).await.expect(StatusCode::CREATED);
    assert!(first["setup_link"]["url"].is_string(), "{first}");
    let again = admin.post_with("/api/v1/users", body, &key).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let again = again.expect(StatusCode::CREATED);
    assert_eq!(again["user"]["id"], first["user"]["id"]);
    assert_eq!(again["setup_link"], Value::Null, "{again}");
    assert_eq!(count(admin.get("/api/v1/users").await.expect(StatusCode::OK)), before + 1);
});

both_databases!(an_administrator_still_reads_no_case, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    let admin = Client::sign_in(&test, "cp.admin").await;
    // Writing the directory opens nothing: not even for a user the administrator made.
    admin.post("/api/v1/offices", new_office("RAYYAN")).await.expect(StatusCode::CREATED);
    admin.get(&format!("/api/v1/cases/{case_id}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    admin.get(&format!("/api/v1/cases/{case_id}/notes")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    admin.get(&format!("/api/v1/persons/{woman}")).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    admin.get("/api/v1/cases").await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
});
