//! `sila audit verify-report FILE`, as a court clerk or an auditor runs it: a report the
//! centre issued verifies offline (no database, no server), pinned to the centre's
//! audit key; the same file with one byte of its content changed does not, and the
//! command says so and exits non-zero.

use std::process::Command;

use sila_app::RequestContext;
use sila_app::both_databases;
use sila_app::court::{CourtOrderInput, VisitEventInput};
use sila_app::testing::TestApp;
use sila_domain::court::ScheduleInput;
use sila_domain::person::PersonInput;

fn verify(file: &std::path::Path, key: Option<&str>) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sila"));
    command.args(["audit", "verify-report"]).arg(file);
    if let Some(key) = key {
        command.args(["--public-key", key]);
    }
    let output = command.output().expect("the sila binary runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

async fn issued_report(test: &TestApp) -> Vec<u8> {
    let app = &test.app;
    let counsellor = test.world.actor("wifaq.counsellor");
    let desk = test.world.actor("wifaq.desk");
    let manager = test.world.actor("wifaq.manager");
    let context = RequestContext::default();
    let mut ids = Vec::new();
    for (first, sex, birth) in
        [("مريم", "female", "1992-03-04"), ("فهد", "male", "1988-07-21"), ("سارة", "female", "2019-09-09")]
    {
        let input = PersonInput {
            first_name_ar: Some(first.into()),
            father_name_ar: Some("خالد".into()),
            family_name_ar: Some("السليطي".into()),
            sex: Some(sex.into()),
            birth_date: Some(birth.into()),
            ..PersonInput::default()
        };
        ids.push(app.register_person(counsellor, &input, &context).await.unwrap().person.person.id.to_string());
    }
    let input = CourtOrderInput {
        court: "محكمة الأسرة".into(),
        decision_number: "2026/77".into(),
        decision_date: "2026-11-01".into(),
        kind: "visitation".into(),
        supervised: true,
        custodial_person_id: ids[0].clone(),
        visiting_person_id: ids[1].clone(),
        child_person_ids: vec![ids[2].clone()],
        schedule: ScheduleInput {
            rule: "FREQ=WEEKLY;BYDAY=FR".into(),
            starts_on: "2026-12-01".into(),
            ends_on: Some("2026-12-31".into()),
            start_time: "16:00".into(),
            end_time: "18:00".into(),
            ..ScheduleInput::default()
        },
        ..CourtOrderInput::default()
    };
    let order = app.register_court_order(counsellor, &input, &context).await.unwrap();
    let event = |kind: &str, party: Option<&str>, note: Option<&str>| VisitEventInput {
        kind: kind.into(),
        party: party.map(Into::into),
        note: note.map(Into::into),
        ..VisitEventInput::default()
    };
    // Each step on its visit's day: Friday 4 December at 15:00 in Doha, then a week later.
    test.clock.advance(sila_app::SignedDuration::from_hours(5 * 24 + 4));
    app.record_visit_event(desk, order.visits[0].id, &event("arrived", Some("visiting"), None), &context)
        .await
        .unwrap();
    test.clock.advance(sila_app::SignedDuration::from_hours(7 * 24));
    app.record_visit_event(
        desk,
        order.visits[1].id,
        &event("no_show", Some("custodial"), Some("مرض الطفلة")),
        &context,
    )
    .await
    .unwrap();
    let report = app.court_report(manager, order.order.id, "2026-12-01", "2026-12-31").await.unwrap();
    report.to_bytes()
}

both_databases!(a_report_verifies_offline_and_fails_after_one_byte_changes, |test: TestApp| async move {
    let bytes = issued_report(&test).await;
    let dir = std::env::temp_dir().join(format!(
        "sila-report-{}-{}",
        std::process::id(),
        if test.schema.is_some() { "postgres" } else { "sqlite" }
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    std::fs::write(&file, &bytes).unwrap();
    let key: String = test.app.audit_public_key().0.iter().map(|byte| format!("{byte:02x}")).collect();

    let (ok, said) = verify(&file, Some(&key));
    assert!(ok, "{said}");
    assert!(said.contains("court report verified") && said.contains("2 visit events"), "{said}");
    let (ok, said) = verify(&file, None);
    assert!(ok && said.contains(&key), "without a pinned key, the report's key is printed: {said}");
    let (ok, said) = verify(&file, Some(&"ab".repeat(32)));
    assert!(!ok && said.contains("another key"), "{said}");

    // The head printed on the report is a witness of the log: `sila audit verify` checks
    // the database against it with the public key alone.
    let database = match &test.schema {
        None => test.url.clone(),
        Some(schema) => format!("{}?options=-c%20search_path%3D{schema}", test.url),
    };
    let output = Command::new(env!("CARGO_BIN_EXE_sila"))
        .args(["audit", "verify", "--database", &database, "--public-key", &key, "--head"])
        .arg(&file)
        .env("SILA_KEYS_DIR", dir.join("no-keys-here"))
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{said}");
    assert!(said.contains("1 witnessed heads checked") && said.contains("MACs not checked"), "{said}");

    // One byte of the content: a digit of the decision number.
    let at = bytes.windows(7).position(|window| window == b"2026/77").unwrap();
    let mut altered = bytes.clone();
    altered[at + 6] = b'8';
    std::fs::write(&file, &altered).unwrap();
    let (ok, said) = verify(&file, Some(&key));
    assert!(!ok, "{said}");
    assert!(said.contains("NOT verified") && said.contains("altered"), "{said}");
    std::fs::remove_dir_all(&dir).ok();
});
