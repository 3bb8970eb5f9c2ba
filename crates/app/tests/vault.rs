//! Encryption at rest on both databases: a narrative is nowhere in the raw database
//! (the SQLite file, a `pg_dump`); after a master-key rotation everything still reads;
//! after crypto-shredding a case's content is gone and the audit log still verifies.

use sila_app::both_databases;
use sila_app::cases::CaseInput;
use sila_app::testing::TestApp;
use sila_app::{App, AppConfig, AppError, Conflict, MasterKey, MasterKeys, RequestContext};
use sila_domain::ids::CaseId;

const SENTENCE: &str = "أفادت السيدة بأن زوجها هددها بالسكين أمام أطفالها الثلاثة ليلة الخميس";

async fn case_with_content(test: &TestApp) -> CaseId {
    let officer = test.world.actor("cp.officer");
    let context = RequestContext::default();
    let input = CaseInput {
        category: Some("domestic_violence".into()),
        narrative: Some(SENTENCE.into()),
        ..CaseInput::default()
    };
    let case = test.app.open_case(officer, &input, &context).await.unwrap();
    test.app
        .add_note(officer, case.id, "team", "ملاحظة سرية: تقيم حاليًا عند أختها في الوكرة", &[], &context)
        .await
        .unwrap();
    case.id
}

/// Everything the database holds, as an attacker with a copy of it would see it.
fn raw_database(test: &TestApp) -> Vec<u8> {
    match &test.schema {
        None => {
            let path = test.url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            bytes
        }
        Some(schema) => {
            let output = std::process::Command::new("pg_dump")
                .args(["--dbname", &test.url, "--schema", schema, "--data-only"])
                .output()
                .expect("pg_dump runs");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            output.stdout
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

both_databases!(a_narrative_is_nowhere_in_the_raw_database, |test: TestApp| async move {
    let id = case_with_content(&test).await;
    // The sentence is readable through the application…
    let view = test.app.case(test.world.actor("cp.officer"), id).await.unwrap();
    assert_eq!(view.case.narrative.unwrap().as_str(), SENTENCE);
    // …and neither it, a part of it, nor the note is in the database itself.
    let raw = raw_database(&test);
    assert!(raw.len() > 10_000, "the dump holds the data ({} bytes)", raw.len());
    assert!(contains(&raw, "CP-2026-000001"), "the dump is readable as such");
    for needle in ["هددها بالسكين", "أطفالها الثلاثة", "عند أختها في الوكرة"]
    {
        assert!(!contains(&raw, needle), "{needle:?} found in the raw database");
    }
});

both_databases!(after_rotation_everything_still_reads, |test: TestApp| async move {
    let id = case_with_content(&test).await;
    let officer = test.world.actor("cp.officer");
    let old = test.options.keys.current().clone();
    let new = MasterKey::generate();
    let mut rotating = test.options.clone();
    rotating.keys = MasterKeys::new(new.clone(), vec![old.clone()]);
    let app = App::open(&rotating, test.audit_key.clone(), test.clock.clone(), AppConfig::default()).await.unwrap();
    let (count, in_use) = app.rewrap_data_keys().await.unwrap();
    // The case's key (narrative and note), and the directory seed's none.
    assert!(count >= 1, "{count} data keys re-wrapped");
    assert_eq!(in_use, vec![new.id().to_string()]);
    // Only the new key now: everything reads.
    let mut rotated = test.options.clone();
    rotated.keys = MasterKeys::new(new, Vec::new());
    let app = App::open(&rotated, test.audit_key.clone(), test.clock.clone(), AppConfig::default()).await.unwrap();
    let view = app.case(officer, id).await.unwrap();
    assert_eq!(view.case.narrative.unwrap().as_str(), SENTENCE);
    let notes = app.notes(officer, id).await.unwrap();
    assert!(notes[0].text.as_ref().unwrap().as_str().contains("الوكرة"));
    // The old key alone opens nothing any more.
    let mut stale = test.options.clone();
    stale.keys = MasterKeys::new(old, Vec::new());
    let app = App::open(&stale, test.audit_key.clone(), test.clock.clone(), AppConfig::default()).await.unwrap();
    assert!(matches!(app.case(officer, id).await, Err(AppError::Internal(_))));
    assert_eq!(app.verify_audit_log().await.unwrap().first_problem, None);
});

both_databases!(after_shredding_the_content_is_gone_and_the_log_verifies, |test: TestApp| async move {
    let id = case_with_content(&test).await;
    let officer = test.world.actor("cp.officer");
    let context = RequestContext::default();
    // Only an administrator (or the operator) ends retention.
    assert_eq!(test.app.shred_case(Some(officer), id).await, Err(AppError::Forbidden));
    test.app.shred_case(Some(test.world.actor("cp.admin")), id).await.unwrap();
    let view = test.app.case(officer, id).await.unwrap();
    assert!(view.shredded);
    assert_eq!(view.case.narrative, None);
    assert_eq!(view.case.reference.as_str(), "CP-2026-000001", "the case's frame remains");
    let notes = test.app.notes(officer, id).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].text, None);
    assert_eq!(
        test.app.add_note(officer, id, "team", "بعد انتهاء مدة الحفظ", &[], &context).await,
        Err(AppError::Conflict(Conflict::Shredded))
    );
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(report.first_problem, None);
    // Shredding twice changes nothing.
    test.app.shred_case(None, id).await.unwrap();
    assert!(test.app.is_shredded(id).await.unwrap());
});

both_databases!(no_demo_narrative_is_in_the_raw_database, |test: TestApp| async move {
    sila_app::demo::seed_cases(&test.app, &test.world).await.unwrap();
    test.app.sequence_and_sign().await.unwrap();
    let raw = raw_database(&test);
    for narrative in sila_app::demo::narratives() {
        // A sentence of each, long enough to be unmistakable.
        let sentence: String = narrative.chars().take(40).collect();
        assert!(!contains(&raw, &sentence), "{sentence:?} found in the raw database");
    }
    // The demo's persons, by contrast, are stored in clear (search needs them).
    assert!(contains(&raw, "Al-") || contains(&raw, "المري") || contains(&raw, "الكعبي"));
});

/// A new SQLite database, and the `-wal` file SQLite makes beside it, are readable and
/// writable by the server's account only (PostgreSQL keeps its files under its own
/// account).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_file_is_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let test = TestApp::start(sila_app::testing::Backend::Sqlite).await;
    case_with_content(&test).await;
    let path = test.url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
    for file in [path.clone(), format!("{path}-wal")] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} has mode {mode:o}");
    }
}
