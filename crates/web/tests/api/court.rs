//! A court order through the API, on both databases: a Wifaq counsellor registers a
//! weekly Friday visitation order for December; Qatar National Day (18 December) falls
//! on a Friday and is skipped; the desk records the visits — one held, one no-show, one
//! with an incident; the manager issues the court report for the month, which verifies
//! offline and fails after one byte of it is changed. The PDF is rendered to PNG with
//! poppler's `pdftoppm` and its text read back with `pdftotext`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::monitor::Sender;
use sila_app::testing::TestApp;
use sila_domain::ids::UserId;

use crate::client::Client;

/// Keeps the text messages Sila hands over: (number, text).
#[derive(Default)]
struct Texts(Mutex<Vec<(String, String)>>);

impl Sender for Texts {
    fn channel(&self) -> &'static str {
        "test"
    }

    fn send(&self, _user: UserId, _text: &str) -> Result<(), String> {
        Ok(())
    }

    fn send_text(&self, phone: &str, text: &str) -> Result<(), String> {
        self.0.lock().unwrap().push((phone.to_string(), text.to_string()));
        Ok(())
    }
}

impl Texts {
    /// The six-digit code last sent to `phone`.
    fn code_for(&self, phone: &str) -> String {
        let texts = self.0.lock().unwrap();
        let (_, text) = texts.iter().rev().find(|(to, _)| to == phone).expect("a code was sent to that number");
        text.split(|ch: char| !ch.is_ascii_digit()).find(|part| part.len() == 6).unwrap().to_string()
    }
}

async fn person(client: &Client, first: &str, father: &str, family: &str, sex: &str, birth: &str) -> String {
    let answer = client
        .post(
            "/api/v1/persons",
            json!({ "first_name_ar": first, "father_name_ar": father, "family_name_ar": family,
                    "sex": sex, "birth_date": birth, "nationality": "QA", "phones": ["+974 5512 3456"] }),
        )
        .await
        .expect(StatusCode::CREATED);
    answer["person"]["id"].as_str().unwrap().to_string()
}

fn order(mother: &str, father: &str, child: &str, schedule: Value) -> Value {
    json!({
        "court": "محكمة الأسرة - الدائرة الثانية", "decision_number": "2026/1187", "decision_date": "2026-11-15",
        "kind": "visitation", "supervised": true, "conditions": "الرؤية بحضور أخصائي",
        "custodial_person_id": mother, "visiting_person_id": father, "child_person_ids": [child],
        "schedule": schedule,
    })
}

/// Sets up the December order and records its visits; returns the order id.
async fn december_order(test: &TestApp) -> String {
    let counsellor = Client::sign_in(test, "wifaq.counsellor").await;
    let mother = person(&counsellor, "مريم", "خالد", "السليطي", "female", "1992-03-04").await;
    let father = person(&counsellor, "فهد", "سعد", "الكبيسي", "male", "1988-07-21").await;
    let child = person(&counsellor, "سارة", "فهد", "الكبيسي", "female", "2019-09-09").await;
    let weekly = json!({ "rule": "FREQ=WEEKLY;BYDAY=FR", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                         "start_time": "16:00", "end_time": "18:00", "gap_minutes": 15 });

    // Bad input: every field named, nothing registered.
    let bad = counsellor
        .post(
            "/api/v1/court-orders",
            order(
                &mother,
                &mother,
                &child,
                json!({ "rule": "FREQ=YEARLY", "starts_on": "2026-12-01",
                                                    "start_time": "18:00", "end_time": "16:00" }),
            ),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "same_person", Some("visiting_person_id"));
    let fields: Vec<&str> =
        bad["error"]["details"].as_array().unwrap().iter().map(|item| item["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"schedule.rule") && fields.contains(&"schedule.end_time"), "{bad}");
    let officer = Client::sign_in(test, "cp.officer").await;
    officer.post("/api/v1/court-orders", order(&mother, &father, &child, weekly.clone())).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );

    let registered = counsellor
        .post("/api/v1/court-orders", order(&mother, &father, &child, weekly))
        .await
        .expect(StatusCode::CREATED);
    assert!(registered["case_reference"].as_str().unwrap().starts_with("WF-2026-"));
    let days: Vec<&str> =
        registered["visits"].as_array().unwrap().iter().map(|visit| visit["date"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-12-04", "2026-12-11", "2026-12-25"], "National Day (Friday 18 December) is skipped");
    let first = &registered["visits"][0];
    assert_eq!(
        [&first["visiting_arrives_at"], &first["starts_at"], &first["ends_at"], &first["visiting_leaves_at"]],
        ["2026-12-04T12:45:00Z", "2026-12-04T13:00:00Z", "2026-12-04T15:00:00Z", "2026-12-04T15:15:00Z"],
        "staggered: the parents never cross"
    );
    let order_id = registered["id"].as_str().unwrap().to_string();

    // The desk receives the families and records what happens.
    let desk = Client::sign_in(test, "wifaq.desk").await;
    let visits = desk.get(&format!("/api/v1/court-orders/{order_id}/visits")).await.expect(StatusCode::OK);
    let visit = |index: usize| visits[index]["id"].as_str().unwrap().to_string();
    let record = async |desk: &Client, visit: &str, body: Value| {
        desk.post(&format!("/api/v1/visits/{visit}/events"), body).await.expect(StatusCode::CREATED)
    };
    // The mother's safe-contact rules name the only number for texts.
    counsellor
        .post(
            &format!("/api/v1/persons/{mother}/safe-contact"),
            json!({ "channel": "text", "phone": "+974 6612 0001" }),
        )
        .await
        .expect(StatusCode::OK);
    // Each Friday afternoon (sessions have ended meanwhile: the desk signs in again).
    test.clock.advance(jiff::SignedDuration::from_hours(5 * 24 + 4));
    let desk = Client::sign_in(test, "wifaq.desk").await;
    // Check-in codes go to each parent; each arrival is recorded by the code shown.
    let texts = Arc::new(Texts::default());
    test.app.set_text_sender(texts.clone());
    let codes = desk.post(&format!("/api/v1/visits/{}/codes", visit(0)), json!({})).await.expect(StatusCode::OK);
    assert_eq!(codes["sent"], json!(["custodial", "visiting"]));
    assert!(texts.0.lock().unwrap().iter().all(|(_, text)| !text.contains("وفاق") && !text.contains("مريم")));
    let father_code = texts.code_for("+97455123456");
    let mother_code = texts.code_for("+97466120001");
    let arrive = |code: &str| json!({ "kind": "arrived", "code": code });
    desk.post(&format!("/api/v1/visits/{}/events", visit(0)), arrive("000000")).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("code"),
    );
    let arrived = record(&desk, &visit(0), arrive(&father_code)).await;
    assert_eq!(arrived["events"][0]["party"], "visiting", "the code names the party");
    desk.post(&format!("/api/v1/visits/{}/events", visit(0)), arrive(&father_code)).await.expect_error(
        StatusCode::BAD_REQUEST,
        "unknown_value",
        Some("code"),
    );
    record(&desk, &visit(0), arrive(&mother_code)).await;
    for body in [json!({ "kind": "handover" }), json!({ "kind": "returned" })] {
        record(&desk, &visit(0), body).await;
    }
    desk.post(&format!("/api/v1/visits/{}/events", visit(1)), json!({ "kind": "no_show" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("party"),
    );
    desk.post(&format!("/api/v1/visits/{}/events", visit(1)), json!({ "kind": "no_show", "party": "visiting" }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "required", Some("note"));
    test.clock.advance(jiff::SignedDuration::from_hours(7 * 24));
    let desk = Client::sign_in(test, "wifaq.desk").await;
    let missed =
        record(&desk, &visit(1), json!({ "kind": "no_show", "party": "visiting", "note": "لم يحضر ولم يعتذر" })).await;
    assert_eq!(missed["status"], "missed");
    test.clock.advance(jiff::SignedDuration::from_hours(14 * 24));
    let desk = Client::sign_in(test, "wifaq.desk").await;
    for body in [
        json!({ "kind": "arrived", "party": "visiting" }),
        json!({ "kind": "arrived", "party": "custodial" }),
        json!({ "kind": "handover" }),
        json!({ "kind": "incident", "note": "رفعت الطفلة صوتها باكية عند التسليم ثم هدأت" }),
        json!({ "kind": "returned" }),
    ] {
        record(&desk, &visit(2), body).await;
    }
    let manager = Client::sign_in(test, "wifaq.manager").await;
    let alerts = manager.get("/api/v1/alerts").await.expect(StatusCode::OK);
    assert!(alerts.to_string().contains("court_order.no_show"), "{alerts}");

    // Others see nothing of it.
    let officer = Client::sign_in(test, "cp.officer").await;
    officer.get(&format!("/api/v1/court-orders/{order_id}")).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let aman = Client::sign_in(test, "aman.desk").await;
    aman.get(&format!("/api/v1/court-orders/{order_id}/visits")).await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    desk.get(&format!("/api/v1/court-orders/{order_id}/report?from=2026-12-01&to=2026-12-31")).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    order_id
}

both_databases!(a_court_order_month_with_its_verified_report, |test: TestApp| async move {
    let order_id = december_order(&test).await;
    let manager = Client::sign_in(&test, "wifaq.manager").await;
    let path = format!("/api/v1/court-orders/{order_id}/report?from=2026-12-01&to=2026-12-31");
    manager
        .send("GET", &format!("/api/v1/court-orders/{order_id}/report?from=2026-12-31&to=2026-12-01"), None, &[])
        .await
        .expect_error(StatusCode::BAD_REQUEST, "end_before_start", Some("to"));
    let answer = manager.send("GET", &path, None, &[("accept", "application/json")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let file = answer.bytes;
    let verified =
        sila_reports::court::verify(&file, Some(&test.app.audit_public_key().0)).expect("the report verifies");
    assert_eq!((verified.events, verified.period.0.as_str()), (10, "2026-12-01"));
    let report: Value = serde_json::from_slice(&file).unwrap();
    assert_eq!(
        report["content"]["summary"],
        json!({ "scheduled": 3, "held": 2, "missed": 1, "no_shows_custodial": 0, "no_shows_visiting": 1,
                "incidents": 1 })
    );
    assert_eq!(report["content"]["custodial_parent"], "مريم خالد السليطي");
    assert_eq!(report["content"]["decision_date_hijri"], "5 جمادى الآخرة 1448");

    // One byte of the content changed (the no-show's party), and each part of the proof.
    let text = String::from_utf8(file.clone()).unwrap();
    let tampered = text.replacen("\"no_shows_visiting\":1", "\"no_shows_visiting\":0", 1);
    assert_ne!(tampered, text);
    assert!(sila_reports::court::verify(tampered.as_bytes(), None).is_err());
    let at = text.find("لم يحضر").unwrap();
    let mut one_byte = file.clone();
    one_byte[at + 1] ^= 0x01;
    let error = sila_reports::court::verify(&one_byte, None).unwrap_err();
    assert!(
        matches!(
            error,
            sila_reports::court::ReportError::ContentAltered | sila_reports::court::ReportError::NotAReport(_)
        ),
        "{error}"
    );
    let mut head = report.clone();
    head["tree_head"]["tree_size"] = json!(report["tree_head"]["tree_size"].as_u64().unwrap() + 1);
    assert!(sila_reports::court::verify(&serde_json::to_vec(&head).unwrap(), None).is_err());
    assert!(sila_reports::court::verify(&file, Some(&[7u8; 32])).is_err(), "another centre's key");

    // The PDF: shaped Arabic, right to left, with its tables — rendered to PNG.
    let pdf = manager.get(&path).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/reports");
    std::fs::create_dir_all(&out).unwrap();
    let stem = format!("court-report-{}", if test.schema.is_some() { "postgres" } else { "sqlite" });
    let pdf_path = out.join(format!("{stem}.pdf"));
    std::fs::write(&pdf_path, &pdf.bytes).unwrap();
    std::fs::write(out.join(format!("{stem}.json")), &file).unwrap();
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1"])
        .arg(&pdf_path)
        .arg(out.join(&stem))
        .status()
        .expect("pdftoppm (Debian poppler-utils; .ci/browser-deps installs it)");
    assert!(rendered.success());
    let png = std::fs::read(out.join(format!("{stem}-1.png"))).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} bytes", png.len());
    let text = Command::new("pdftotext").args(["-layout"]).arg(&pdf_path).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in ["الزيارات", "الملخص", "2026/1187", "مريم خالد السليطي"] {
        assert!(text.contains(expected), "{expected} missing from the PDF's text:\n{text}");
    }
});

both_databases!(check_in_codes_are_kept_keyed_and_guesses_are_bounded, |test: TestApp| async move {
    let counsellor = Client::sign_in(&test, "wifaq.counsellor").await;
    let mother = person(&counsellor, "مريم", "خالد", "السليطي", "female", "1992-03-04").await;
    let father = person(&counsellor, "فهد", "سعد", "الكبيسي", "male", "1988-07-21").await;
    let child = person(&counsellor, "سارة", "فهد", "الكبيسي", "female", "2019-09-09").await;
    let weekly = json!({ "rule": "FREQ=WEEKLY;BYDAY=FR", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                         "start_time": "16:00", "end_time": "18:00", "gap_minutes": 15 });
    let registered = counsellor
        .post("/api/v1/court-orders", order(&mother, &father, &child, weekly))
        .await
        .expect(StatusCode::CREATED);
    let visits: Vec<String> = registered["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|visit| visit["id"].as_str().unwrap().to_string())
        .collect();
    test.clock.advance(jiff::SignedDuration::from_hours(5 * 24 + 4));
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    let texts = Arc::new(Texts::default());
    test.app.set_text_sender(texts.clone());
    desk.post(&format!("/api/v1/visits/{}/codes", visits[0]), json!({})).await.expect(StatusCode::OK);
    let code = texts.code_for("+97455123456");

    // Someone with a copy of the database cannot read the code back: six digits have
    // only a million values, and not one of them hashes, unkeyed, to what is stored.
    let pool = crate::client::raw_database(&test).await;
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT party, code_hash FROM visit_codes WHERE visit_id = $1")
        .bind(&visits[0])
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    for (party, hash) in &stored {
        assert!(!hash.contains(&code));
        use sha2::Digest;
        let found = (0..1_000_000u32).any(|guess| {
            let text = format!("sila-check-in:{}:{party}:{guess:06}", visits[0]);
            sila_reports::court::hex(&sha2::Sha256::digest(text.as_bytes())) == *hash
        });
        assert!(!found, "the stored code of {party} is recovered without the key");
    }

    // Wrong codes are compared at most five times per visit, however fast they come.
    let guesses = (0..50).map(|index| {
        let desk = desk.clone();
        let path = format!("/api/v1/visits/{}/events", visits[0]);
        tokio::spawn(async move {
            let guess = format!("{:06}", 100_000 + index);
            let answer = desk.post(&path, json!({ "kind": "arrived", "code": guess })).await;
            (answer.status, answer.body["error"]["code"].as_str().unwrap_or_default().to_string())
        })
    });
    let mut compared = 0;
    let mut refused = 0;
    for guess in guesses {
        let (status, code) = guess.await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        match code.as_str() {
            "unknown_value" => compared += 1,
            "attempts_exhausted" => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((compared, refused), (5, 45));
    // Past the limit even the right code is not compared: the desk checks the father in
    // by sight.
    desk.post(&format!("/api/v1/visits/{}/events", visits[0]), json!({ "kind": "arrived", "code": code }))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "attempts_exhausted", Some("code"));
    desk.post(&format!("/api/v1/visits/{}/events", visits[0]), json!({ "kind": "arrived", "party": "visiting" }))
        .await
        .expect(StatusCode::CREATED);
    // Another visit, on its own day, has its own count; a right code does not use one up.
    test.clock.advance(jiff::SignedDuration::from_hours(7 * 24));
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    desk.post(&format!("/api/v1/visits/{}/codes", visits[1]), json!({})).await.expect(StatusCode::OK);
    for _ in 0..4 {
        desk.post(&format!("/api/v1/visits/{}/events", visits[1]), json!({ "kind": "arrived", "code": "999999" }))
            .await
            .expect_error(StatusCode::BAD_REQUEST, "unknown_value", Some("code"));
    }
    let code = texts.code_for("+97455123456");
    desk.post(&format!("/api/v1/visits/{}/events", visits[1]), json!({ "kind": "arrived", "code": code }))
        .await
        .expect(StatusCode::CREATED);
    let failures: (i64,) = sqlx::query_as("SELECT check_in_failures FROM visits WHERE id = $1")
        .bind(&visits[1])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures.0, 4);
});

both_databases!(visit_steps_come_on_the_day_in_order_once_each_and_corrections_keep_both, |test: TestApp| async move {
    let counsellor = Client::sign_in(&test, "wifaq.counsellor").await;
    let mother = person(&counsellor, "مريم", "خالد", "السليطي", "female", "1992-03-04").await;
    let father = person(&counsellor, "فهد", "سعد", "الكبيسي", "male", "1988-07-21").await;
    let child = person(&counsellor, "سارة", "فهد", "الكبيسي", "female", "2019-09-09").await;
    let weekly = json!({ "rule": "FREQ=WEEKLY;BYDAY=FR", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                         "start_time": "16:00", "end_time": "18:00", "gap_minutes": 15 });
    let registered = counsellor
        .post("/api/v1/court-orders", order(&mother, &father, &child, weekly))
        .await
        .expect(StatusCode::CREATED);
    let order_id = registered["id"].as_str().unwrap().to_string();
    let visit = |index: usize| registered["visits"][index]["id"].as_str().unwrap().to_string();
    let events = |index: usize| format!("/api/v1/visits/{}/events", visit(index));
    let desk = Client::sign_in(&test, "wifaq.desk").await;

    // Sunday 29 November: nothing is recorded for the Friday ahead, nor weeks ahead.
    for (index, body) in [
        (0, json!({ "kind": "arrived", "party": "visiting" })),
        (2, json!({ "kind": "returned" })),
        (2, json!({ "kind": "note", "note": "ملاحظة مسبقة" })),
    ] {
        desk.post(&events(index), body).await.expect_error(StatusCode::BAD_REQUEST, "not_on_visit_day", Some("kind"));
    }

    // Friday 4 December, 15:00 in Doha: in order, once each.
    test.clock.advance(jiff::SignedDuration::from_hours(5 * 24 + 4));
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    let out_of_order = |body: Value| {
        let desk = &desk;
        let path = events(0);
        async move { desk.post(&path, body).await.expect_error(StatusCode::BAD_REQUEST, "out_of_order", Some("kind")) }
    };
    out_of_order(json!({ "kind": "returned" })).await;
    let first =
        desk.post(&events(0), json!({ "kind": "arrived", "party": "visiting" })).await.expect(StatusCode::CREATED);
    let arrival = first["events"][0]["id"].as_str().unwrap().to_string();
    out_of_order(json!({ "kind": "arrived", "party": "visiting" })).await;
    out_of_order(json!({ "kind": "handover" })).await;
    out_of_order(json!({ "kind": "no_show", "party": "visiting", "note": "لم يحضر" })).await;
    desk.post(&events(0), json!({ "kind": "arrived", "party": "custodial" })).await.expect(StatusCode::CREATED);
    desk.post(&events(0), json!({ "kind": "handover" })).await.expect(StatusCode::CREATED);
    out_of_order(json!({ "kind": "handover" })).await;
    let held = desk.post(&events(0), json!({ "kind": "returned" })).await.expect(StatusCode::CREATED);
    assert_eq!(held["status"], "held");
    out_of_order(json!({ "kind": "returned" })).await;
    out_of_order(json!({ "kind": "arrived", "party": "custodial" })).await;
    // The Friday after is still ahead.
    desk.post(&events(1), json!({ "kind": "arrived", "party": "visiting" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "not_on_visit_day",
        Some("kind"),
    );

    // A correction: the father came at ten to three. Without a reason, at another
    // time of day than the visit's, in the future, or out of order: nothing is kept.
    let correct = |extra: Value| {
        let mut body = json!({ "kind": "arrived", "party": "visiting", "corrects": arrival, "time": "14:50",
                               "reason": "سُجّل الوصول متأخرًا بعد انشغال المكتب" });
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    desk.post(&events(0), correct(json!({ "reason": "خطأ" }))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "too_short",
        Some("reason"),
    );
    desk.post(&events(0), correct(json!({ "time": "25:10" }))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "invalid_time",
        Some("time"),
    );
    desk.post(&events(0), correct(json!({ "time": "17:30" }))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "date_in_future",
        Some("time"),
    );
    desk.post(&events(0), correct(json!({ "kind": "returned", "party": null }))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "out_of_order",
        Some("kind"),
    );
    let corrected = desk.post(&events(0), correct(json!({}))).await.expect(StatusCode::CREATED);
    let correction = &corrected["events"][0];
    assert_eq!(correction["supersedes"], arrival.as_str());
    assert_eq!(correction["at"], "2026-12-04T11:50:00Z");
    assert!(correction["recorded_at"].as_str().unwrap().starts_with("2026-12-04T12:00"), "{correction}");
    desk.post(&events(0), correct(json!({}))).await.expect_error(
        StatusCode::BAD_REQUEST,
        "already_corrected",
        Some("corrects"),
    );
    let visit_events = desk.get(&format!("/api/v1/visits/{}", visit(0))).await.expect(StatusCode::OK);
    assert_eq!(visit_events["events"].as_array().unwrap().len(), 5, "the corrected arrival stays: {visit_events}");

    // Past the day and its two hours of tolerance, attendance is closed; a correction,
    // with its reason, is still possible.
    test.clock.advance(jiff::SignedDuration::from_hours(12));
    let desk = Client::sign_in(&test, "wifaq.desk").await;
    desk.post(&events(0), json!({ "kind": "no_show", "party": "custodial", "note": "سهو" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "not_on_visit_day",
        Some("kind"),
    );
    desk.post(&events(0), json!({ "kind": "incident", "note": "أبلغت الأم صباحًا عن بكاء الطفلة بعد العودة" }))
        .await
        .expect(StatusCode::CREATED);

    // The report shows both the arrival and its correction, and verifies.
    let manager = Client::sign_in(&test, "wifaq.manager").await;
    let answer = manager
        .send(
            "GET",
            &format!("/api/v1/court-orders/{order_id}/report?from=2026-12-01&to=2026-12-31"),
            None,
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let verified = sila_reports::court::verify(&answer.bytes, Some(&test.app.audit_public_key().0)).unwrap();
    assert_eq!(verified.events, 6);
    let report: Value = serde_json::from_slice(&answer.bytes).unwrap();
    let shown = report["content"]["visits"][0]["events"].as_array().unwrap();
    assert!(shown.iter().any(|event| event["event_id"] == arrival.as_str()), "the corrected arrival is shown");
    let kept = shown.iter().find(|event| event["supersedes"] == arrival.as_str()).expect("the correction is shown");
    assert_eq!(kept["reason"], "سُجّل الوصول متأخرًا بعد انشغال المكتب");
    assert_eq!(report["content"]["summary"]["held"], 1);
    // A changed reason is a changed report.
    let text = String::from_utf8(answer.bytes.clone()).unwrap();
    let altered = text.replacen("بعد انشغال المكتب", "بعد انشغال الموظف", 1);
    assert!(sila_reports::court::verify(altered.as_bytes(), None).is_err());
});
