//! Centre case work through the API, on both databases: a protection case from
//! acceptance to closure with the manager's approval (assessment, plan, sessions with
//! attendance, a service, a follow-up, an attachment — each with its bad input first),
//! and a transfer to the Public Prosecution that carries exactly the prosecution's
//! redaction profile, with the outcome back on the officer's side.

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, agency, consent, office, police_case};

/// A police case referred to the Aman desk, accepted and assigned to the caseworker:
/// (police case id, referral id, centre case id).
async fn accepted_case(test: &TestApp) -> (Client, String, String, String) {
    let officer = Client::sign_in(test, "cp.officer").await;
    let (case_id, woman, _) = police_case(test, &officer, "domestic_violence").await;
    let classes = ["identity", "contact", "summary", "risk", "narrative"];
    consent(&officer, &case_id, &woman, &agency(test, "AMAN"), &classes).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            json!({ "case_id": case_id, "to_office_id": office(test, "AMAN.DESK"), "reason": "حماية ودعم نفسي",
                    "data_classes": classes }),
        )
        .await
        .expect(StatusCode::CREATED);
    let referral_id = referral["id"].as_str().unwrap().to_string();
    let desk = Client::sign_in(test, "aman.desk").await;
    let accepted = desk
        .post(&format!("/api/v1/referrals/{referral_id}/transitions"), json!({ "to": "accepted" }))
        .await
        .expect(StatusCode::OK);
    let centre_case_id = accepted["referral"]["centre_case_id"].as_str().unwrap().to_string();
    let worker_id = test.world.actor("aman.caseworker").user.id.to_string();
    desk.post(&format!("/api/v1/cases/{centre_case_id}/assignment"), json!({ "user_id": worker_id }))
        .await
        .expect(StatusCode::OK);
    (officer, case_id, referral_id, centre_case_id)
}

fn casework_of(case: &str) -> String {
    format!("/api/v1/cases/{case}/casework")
}

both_databases!(a_protection_case_from_acceptance_to_closure_with_approval, |test: TestApp| async move {
    let (officer, case_id, referral_id, centre) = accepted_case(&test).await;
    let worker = Client::sign_in(&test, "aman.caseworker").await;

    // The initial assessment: unanswered and wrong answers are named, nothing is kept.
    let forms = worker.get("/api/v1/assessment-forms").await.expect(StatusCode::OK);
    let form = forms.as_array().unwrap().iter().find(|form| form["code"] == "initial_social").expect("seeded form");
    let form_id = form["id"].as_str().unwrap();
    let bad = worker
        .post(
            &format!("/api/v1/cases/{centre}/assessments"),
            json!({ "form_id": form_id, "answers": { "housing": "palace", "wellbeing": "12" } }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "required", Some("answers.urgent_needs"));
    let fields: Vec<&str> =
        bad["error"]["details"].as_array().unwrap().iter().map(|item| item["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"answers.housing") && fields.contains(&"answers.wellbeing"), "{bad}");
    assert_eq!(worker.get(&casework_of(&centre)).await.expect(StatusCode::OK)["assessments"], json!([]));
    let answers = json!({ "urgent_needs": "مأوى آمن لها ولابنتها", "housing": "unsafe", "support": "family",
                          "children_safe": "yes", "wellbeing": "٤" });
    let assessment = worker
        .post(&format!("/api/v1/cases/{centre}/assessments"), json!({ "form_id": form_id, "answers": answers }))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(assessment["answers"]["wellbeing"], "4");

    // The plan.
    worker
        .post(
            &format!("/api/v1/cases/{centre}/plans"),
            json!({ "goal": "سكن آمن", "action": "إيواء مؤقت في دار أمان", "due_on": "2026-02-30" }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_date", Some("due_on"));
    let item = worker
        .post(
            &format!("/api/v1/cases/{centre}/plans"),
            json!({ "goal": "سكن آمن", "action": "إيواء مؤقت في دار أمان", "due_on": "2026-12-10" }),
        )
        .await
        .expect(StatusCode::CREATED);
    worker
        .post(
            &format!("/api/v1/cases/{centre}/plans/{}/status", item["id"].as_str().unwrap()),
            json!({ "status": "done" }),
        )
        .await
        .expect(StatusCode::NO_CONTENT);

    // Sessions: a counselling session, a second one at the same hour refused, attendance.
    let session = worker
        .post(
            &format!("/api/v1/cases/{centre}/sessions"),
            json!({ "kind": "counselling", "starts_at": "2026-12-01T10:00", "minutes": 60 }),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(session["starts_at"], "2026-12-01T07:00:00Z", "Doha time, stored in UTC");
    worker
        .post(
            &format!("/api/v1/cases/{centre}/sessions"),
            json!({ "kind": "psychological", "starts_at": "2026-12-01T10:30" }),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "slot_taken", None);
    worker
        .post(&format!("/api/v1/cases/{centre}/sessions"), json!({ "kind": "yoga", "starts_at": "soon" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("kind"));
    // A legal advisor gives a legal consultation on the same case once assigned to it.
    let legal_id = test.world.actor("aman.legal").user.id.to_string();
    worker
        .post(
            &format!("/api/v1/cases/{centre}/sessions"),
            json!({ "kind": "legal_consultation", "starts_at": "2026-12-01T10:00", "worker_id": legal_id }),
        )
        .await
        .expect(StatusCode::CREATED);
    worker
        .post(
            &format!("/api/v1/cases/{centre}/sessions/{}/attendance", session["id"].as_str().unwrap()),
            json!({ "attendance": "attended" }),
        )
        .await
        .expect(StatusCode::OK);
    let calendar = worker.get("/api/v1/calendar?from=2026-12-01&to=2026-12-01").await.expect(StatusCode::OK);
    assert_eq!(calendar.as_array().unwrap().len(), 1, "{calendar}");
    assert_eq!(calendar[0]["attendance"], "attended");

    // A service, a follow-up.
    worker
        .post(
            &format!("/api/v1/cases/{centre}/services"),
            json!({ "kind": "shelter", "given_on": "2027-01-01",
                                                                    "description": "إيواء" }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "date_in_future", Some("given_on"));
    worker
        .post(
            &format!("/api/v1/cases/{centre}/services"),
            json!({ "kind": "shelter", "description": "إيواء في دار أمان" }),
        )
        .await
        .expect(StatusCode::CREATED);
    worker
        .post(&format!("/api/v1/cases/{centre}/follow-ups"), json!({ "due_on": "2026-11-01", "purpose": "اتصال" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "date_not_in_future", Some("due_on"));
    worker
        .post(
            &format!("/api/v1/cases/{centre}/follow-ups"),
            json!({ "due_on": "2027-01-15", "purpose": "الاطمئنان بعد شهر من الإغلاق" }),
        )
        .await
        .expect(StatusCode::CREATED);

    // An attachment: typed by its bytes, not its name.
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let path = format!("/api/v1/cases/{centre}/attachments");
    worker
        .post(&path, json!({ "file_name": "medical-report.pdf", "content_base64": encode(&png) }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "content_mismatch", Some("file_name"));
    worker
        .post(&path, json!({ "file_name": "tool.pdf", "content_base64": encode(b"MZ\x90\0 a program") }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "content_not_allowed", Some("content"));
    worker
        .post(&path, json!({ "file_name": "big.pdf", "content_base64": encode(&vec![b'%'; 4 * 1024 * 1024 + 1]) }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "file_too_large", Some("content"));
    let attachment = worker
        .post(&path, json!({ "file_name": "التقرير الطبي.pdf", "content_base64": encode(&pdf) }))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        (attachment["content_type"].as_str(), attachment["size"].as_i64()),
        (Some("application/pdf"), i64::try_from(pdf.len()).ok())
    );
    let download = worker.get(&format!("{path}/{}", attachment["id"].as_str().unwrap())).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, pdf);
    assert_eq!(download.headers["content-type"], "application/pdf");
    assert!(download.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));

    // The officer sees none of it.
    officer.get(&casework_of(&centre)).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
    officer.get(&format!("{path}/{}", attachment["id"].as_str().unwrap())).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // Closure: the worker asks, the manager approves.
    worker
        .post(&format!("/api/v1/referrals/{referral_id}/transitions"), json!({ "to": "in-progress" }))
        .await
        .expect(StatusCode::OK);
    worker
        .post(&format!("/api/v1/cases/{centre}/close"), json!({ "outcome": "finished", "reason": "" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("outcome"));
    let request = worker
        .post(&format!("/api/v1/cases/{centre}/close"), json!({ "outcome": "rehabilitated", "reason": "أنجزت الخطة" }))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(request["status"], "pending");
    worker
        .post(&format!("/api/v1/cases/{centre}/close"), json!({ "outcome": "resolved", "reason": "مرة أخرى" }))
        .await
        .expect_error(StatusCode::CONFLICT, "approval_pending", None);
    let approval = format!("/api/v1/approvals/{}", request["id"].as_str().unwrap());
    worker.post(&approval, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!(seen["status"], "in-progress", "nothing closes before the manager approves");

    let manager = Client::sign_in(&test, "aman.manager").await;
    let pending = manager.get("/api/v1/approvals").await.expect(StatusCode::OK);
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["reason"], "أنجزت الخطة");
    let alerts = manager.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert!(alerts.to_string().contains("approval.requested"), "{alerts}");
    manager.post(&approval, json!({ "decision": "refuse" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("note"),
    );
    let decided = manager.post(&approval, json!({ "decision": "approve" })).await.expect(StatusCode::OK);
    assert_eq!(decided["status"], "approved");
    manager.post(&approval, json!({ "decision": "approve" })).await.expect_error(
        StatusCode::CONFLICT,
        "already_decided",
        None,
    );
    let closed = manager.get(&format!("/api/v1/cases/{centre}")).await.expect(StatusCode::OK);
    assert_eq!((closed["status"].as_str(), closed["outcome"].as_str()), (Some("closed"), Some("rehabilitated")));
    let work = manager.get(&casework_of(&centre)).await.expect(StatusCode::OK);
    assert_eq!(work["plan"][0]["status"], "done");
    assert_eq!(work["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(work["services"][0]["kind"], "shelter");
    assert_eq!(work["attachments"][0]["file_name"], "التقرير الطبي.pdf");
    assert_eq!(work["approvals"][0]["decided_by"], test.world.actor("aman.manager").user.id.to_string().as_str());
    assert!(worker.get("/api/v1/alerts").await.expect(StatusCode::OK).to_string().contains("approval.approved"));
    // Closed: no more sessions.
    worker
        .post(
            &format!("/api/v1/cases/{centre}/sessions"),
            json!({ "kind": "counselling", "starts_at": "2026-12-02T10:00" }),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "case_not_open", None);

    // The closed loop: the officer sees completed with the outcome, nobody named.
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!((seen["status"].as_str(), seen["outcome"].as_str()), (Some("completed"), Some("rehabilitated")));
    let own = officer.get(&format!("/api/v1/cases/{case_id}")).await.expect(StatusCode::OK);
    let completed = own["timeline"].as_array().unwrap().iter().find(|event| event["kind"] == "referral.completed");
    assert_eq!(completed.expect("on the officer's timeline")["actor_id"], Value::Null);
});

both_databases!(a_transfer_to_the_prosecution_carries_its_redaction_profile, |test: TestApp| async move {
    let (officer, _, referral_id, centre) = accepted_case(&test).await;
    let worker = Client::sign_in(&test, "aman.caseworker").await;
    worker
        .post(&format!("/api/v1/referrals/{referral_id}/transitions"), json!({ "to": "in-progress" }))
        .await
        .expect(StatusCode::OK);
    worker
        .post(
            &format!("/api/v1/cases/{centre}/attachments"),
            json!({ "file_name": "photo.jpg",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\xFF\xD8\xFF\xE0 jpeg") }),
        )
        .await
        .expect(StatusCode::CREATED);
    let transfer = format!("/api/v1/cases/{centre}/transfer");
    worker
        .post(&transfer, json!({ "authority_agency_id": agency(&test, "AMAN"), "reason": "جناية" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("authority_agency_id"));
    let request = worker
        .post(
            &transfer,
            json!({ "authority_agency_id": agency(&test, "PP"), "authority_reference": "PP-2026/5512",
                    "reason": "اعتداء جسيم يستوجب الملاحقة" }),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!((request["kind"].as_str(), request["status"].as_str()), (Some("transfer"), Some("pending")));
    let manager = Client::sign_in(&test, "aman.manager").await;
    manager
        .post(&format!("/api/v1/approvals/{}", request["id"].as_str().unwrap()), json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);

    let case = manager.get(&format!("/api/v1/cases/{centre}")).await.expect(StatusCode::OK);
    assert_eq!(case["status"], "transferred");
    let work = manager.get(&casework_of(&centre)).await.expect(StatusCode::OK);
    let sent = &work["transfers"][0];
    assert_eq!(sent["authority_agency_id"], agency(&test, "PP").as_str());
    assert_eq!(sent["authority_reference"], "PP-2026/5512");
    // Exactly the prosecution's profile: no contact details, nothing else.
    let profile = ["attachments", "identity", "narrative", "risk", "summary"];
    let mut classes: Vec<&str> = sent["data_classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    classes.sort();
    assert_eq!(classes, profile);
    let mut keys: Vec<&str> = sent["packet"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, profile);
    assert_eq!(sent["packet"]["identity"][0]["qid"].as_str().map(str::len), Some(11));
    // Only the identities the centre holds go on: the woman's, not her daughter's, who
    // reached the centre as a role and an age.
    assert_eq!(sent["packet"]["identity"].as_array().map(Vec::len), Some(1), "{sent}");
    assert_eq!(sent["packet"]["attachments"][0]["content_type"], "image/jpeg");
    // The narrative it lists is sent with its content: the one the referral carried.
    assert!(sent["packet"]["narrative"].as_str().is_some_and(|text| text.contains("حضرت السيدة")), "{sent}");
    assert!(!sent["packet"].to_string().contains("5512 3456") && !sent["packet"].to_string().contains("+974"));

    // The officer sees the outcome: transferred to the Public Prosecution.
    let seen = officer.get(&format!("/api/v1/referrals/{referral_id}")).await.expect(StatusCode::OK);
    assert_eq!(seen["status"], "transferred");
    assert_eq!(seen["authority_agency_id"], agency(&test, "PP").as_str());
    officer.get(&casework_of(&centre)).await.expect_error(StatusCode::NOT_FOUND, "not_found", None);
});

both_databases!(a_centre_administrator_adds_a_form_version, |test: TestApp| async move {
    let admin = Client::sign_in(&test, "aman.admin").await;
    let question = |code: &str, kind: &str, options: &[&str]| {
        json!({ "code": code, "label_ar": "سؤال", "label_en": "Question", "kind": kind, "options": options,
                "required": true })
    };
    let form = |questions: Vec<Value>| {
        json!({ "code": "initial_social", "name_ar": "التقييم الاجتماعي الأولي", "name_en": "Initial social assessment",
                "questions": questions })
    };
    // Every problem named: a repeated question code, a choice with one option, a bad kind.
    let bad = admin
        .post(
            "/api/v1/assessment-forms",
            form(vec![
                question("needs", "text", &[]),
                question("needs", "text", &[]),
                question("housing", "choice", &["safe"]),
                question("mood", "colour", &[]),
            ]),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "duplicate", Some("questions[1].code"));
    let fields: Vec<&str> =
        bad["error"]["details"].as_array().unwrap().iter().map(|item| item["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"questions[2].options") && fields.contains(&"questions[3].kind"), "{bad}");
    let added = admin
        .post(
            "/api/v1/assessment-forms",
            form(vec![question("needs", "text", &[]), question("housing", "choice", &["safe", "unsafe"])]),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(added["version"], 2);
    // The caseworker now assesses on version 2; the police's administrator may not add one.
    let worker = Client::sign_in(&test, "aman.caseworker").await;
    let forms = worker.get("/api/v1/assessment-forms").await.expect(StatusCode::OK);
    assert_eq!((forms[0]["version"].as_i64(), forms[0]["questions"].as_array().map(Vec::len)), (Some(2), Some(2)));
    worker.post("/api/v1/assessment-forms", form(vec![question("x", "text", &[])])).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let police = Client::sign_in(&test, "cp.admin").await;
    police.post("/api/v1/assessment-forms", form(vec![question("x", "text", &[])])).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
});
