//! Consultations (anonymous allowed) and awareness activities, on both databases: who
//! records and reads them, bad input named by field, and the counts with small cells
//! suppressed.

use axum::http::StatusCode;
use serde_json::json;
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::Client;

both_databases!(consultations_and_activities_are_recorded_and_counted, |test: TestApp| async move {
    let legal = Client::sign_in(&test, "wifaq.legal").await;
    legal.post("/api/v1/consultations", json!({ "channel": "phone", "summary": "سؤال عن النفقة" })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("kind"),
    );
    legal
        .post(
            "/api/v1/consultations",
            json!({ "kind": "legal", "channel": "phone", "summary": "سؤال عن النفقة", "held_on": "2027-01-01" }),
        )
        .await
        .expect_error(StatusCode::BAD_REQUEST, "date_in_future", Some("held_on"));
    let anonymous = legal
        .post(
            "/api/v1/consultations",
            json!({ "kind": "legal", "channel": "phone", "sex": "female", "age_group": "30_59",
                    "summary": "سألت عن حقها في النفقة بعد الطلاق؛ شرحنا الإجراءات أمام محكمة الأسرة." }),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!((anonymous["anonymous"].as_bool(), anonymous["held_on"].as_str()), (Some(true), Some("2026-11-29")));
    let caseworker = Client::sign_in(&test, "wifaq.caseworker").await;
    caseworker
        .post("/api/v1/consultations", json!({ "kind": "social", "channel": "walk_in", "summary": "خلاف مع الأبناء" }))
        .await
        .expect(StatusCode::CREATED);
    let officer = Client::sign_in(&test, "cp.officer").await;
    officer
        .post("/api/v1/consultations", json!({ "kind": "legal", "channel": "phone", "summary": "x" }))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden", None);

    // Each reads their own; the manager reads all.
    let period = "from=2026-11-01&to=2026-11-30";
    let own = legal.get(&format!("/api/v1/consultations?{period}")).await.expect(StatusCode::OK);
    assert_eq!(own.as_array().unwrap().len(), 1);
    let manager = Client::sign_in(&test, "wifaq.manager").await;
    let all = manager.get(&format!("/api/v1/consultations?{period}")).await.expect(StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 2);
    manager.get("/api/v1/consultations?from=2026-11-30&to=2026-11-01").await.expect_error(
        StatusCode::BAD_REQUEST,
        "end_before_start",
        Some("to"),
    );

    // An awareness workshop, and a police lecture.
    let counsellor = Client::sign_in(&test, "wifaq.counsellor").await;
    let workshop = json!({ "kind": "workshop", "title": "التواصل الأسري", "audience": "أمهات طلاب المرحلة الابتدائية",
                           "place": "مدرسة الوكرة", "partner": "وزارة التربية", "held_on": "2026-11-25",
                           "attendance": [{ "sex": "female", "age_group": "30_59", "attendees": 40 },
                                          { "sex": "female", "age_group": "30_59", "attendees": 3 }] });
    counsellor.post("/api/v1/activities", workshop.clone()).await.expect_error(
        StatusCode::BAD_REQUEST,
        "duplicate",
        Some("attendance[1].age_group"),
    );
    let mut fixed = workshop;
    fixed["attendance"][1] = json!({ "sex": "male", "age_group": "60_plus", "attendees": "٣" });
    let recorded = counsellor.post("/api/v1/activities", fixed).await.expect(StatusCode::CREATED);
    assert_eq!(recorded["total"], 43);
    officer
        .post(
            "/api/v1/activities",
            json!({ "kind": "lecture", "title": "الأمان على الإنترنت", "audience": "طلاب", "place": "مدرسة",
                    "held_on": "2026-11-20", "attendance": [{ "sex": "male", "age_group": "under_18", "attendees": 60 }] }),
        )
        .await
        .expect(StatusCode::CREATED);

    // Counts: for the manager, not the caseworker; small cells suppressed.
    caseworker.get(&format!("/api/v1/stats/engagement?{period}")).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let counts = manager.get(&format!("/api/v1/stats/engagement?{period}")).await.expect(StatusCode::OK);
    assert_eq!(counts["consultations_by_kind"], json!({ "legal": "<5", "social": "<5" }));
    assert_eq!(counts["anonymous_consultations"], "<5");
    assert_eq!(counts["activities_by_kind"], json!({ "workshop": "<5" }), "the police lecture is the police's");
    assert_eq!(counts["attendees"], json!({ "female/30_59": "40", "male/60_plus": "<5" }));
});

both_databases!(raw_activity_attendance_does_not_undo_the_suppression_for_an_analyst, |test: TestApp| async move {
    let counsellor = Client::sign_in(&test, "wifaq.counsellor").await;
    counsellor
        .post(
            "/api/v1/activities",
            json!({ "kind": "workshop", "title": "الحوار الأسري", "audience": "أمهات", "place": "المركز",
                    "held_on": "2026-11-20", "attendance": [{ "sex": "male", "age_group": "60_plus", "attendees": 2 }] }),
        )
        .await
        .expect(StatusCode::CREATED);
    let period = "from=2026-11-01&to=2026-11-30";
    // The analyst reads the counts, where two attendees show as "<5"…
    let analyst = Client::sign_in(&test, "wifaq.analyst").await;
    let counts = analyst.get(&format!("/api/v1/stats/engagement?{period}")).await.expect(StatusCode::OK);
    assert_eq!(counts["attendees"], json!({ "male/60_plus": "<5" }));
    // …and not the list beside them that would say "2".
    analyst.get(&format!("/api/v1/activities?{period}")).await.expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    // The agency's working roles read it, and the reading is in the log.
    let listed = counsellor.get(&format!("/api/v1/activities?{period}")).await.expect(StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let auditor = Client::sign_in(&test, "wifaq.auditor").await;
    let counsellor_id = test.world.actor("wifaq.counsellor").user.id;
    let trail = auditor.get(&format!("/api/v1/audit?actor={counsellor_id}")).await.expect(StatusCode::OK);
    assert!(trail.as_array().unwrap().iter().any(|entry| entry["action"] == "activity.list"), "{trail}");
});
