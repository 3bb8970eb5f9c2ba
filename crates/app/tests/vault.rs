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

/// A raw connection to the test database, as someone who copied it has.
async fn attacker(test: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&test.raw_url()).await.unwrap()
}

both_databases!(special_category_fields_are_sealed_and_go_with_a_shred, |test: TestApp| async move {
    use sila_domain::consent::ConsentInput;
    use sila_domain::person::PersonInput;
    let officer = test.world.actor("cp.officer");
    let context = RequestContext::default();
    let id = case_with_content(&test).await;
    let person = |first: &str, birth: &str, notes: Option<&str>| PersonInput {
        first_name_ar: Some(first.into()),
        father_name_ar: Some("سالم".into()),
        family_name_ar: Some("المري".into()),
        sex: Some("female".into()),
        birth_date: Some(birth.into()),
        disability_notes: notes.map(Into::into),
        ..PersonInput::default()
    };
    const NOTES: &str = "تستخدم كرسيًا متحركًا وتحتاج مترجم لغة إشارة";
    let mother = test.app.register_person(officer, &person("هند", "1990-01-01", Some(NOTES)), &context).await.unwrap();
    let child = test.app.register_person(officer, &person("ريم", "2018-02-01", None), &context).await.unwrap();
    let child_id = child.person.person.id.to_string();
    test.app.add_case_person(officer, id, &child_id, "child", &context).await.unwrap();
    let aman = test.world.agency("AMAN").id.to_string();
    const GROUND: &str = "آثار ضرب حديثة على ذراعي الطفلة";
    const REASON: &str = "انتقلت للعيش عند أهلها في الخور";
    let consent = test
        .app
        .record_consent(
            officer,
            id,
            &child_id,
            &aman,
            &ConsentInput {
                basis: Some("mandatory_protection".into()),
                mandatory_ground: Some(GROUND.into()),
                purpose: Some("الحماية".into()),
                data_classes: vec!["identity".into()],
                expires_on: Some("2027-05-31".into()),
                ..ConsentInput::default()
            },
            &context,
        )
        .await
        .unwrap();
    test.app.withdraw_consent(officer, consent.id, REASON, &context).await.unwrap();
    // Readable through the application…
    let shown = test.app.person(officer, mother.person.person.id).await.unwrap();
    assert_eq!(shown.person.details.disability_notes.as_ref().map(|notes| notes.as_str()), Some(NOTES));
    // …and in the database only sealed.
    let raw = raw_database(&test);
    for needle in [NOTES, GROUND, REASON, "كرسيًا متحركًا", "الخور"] {
        assert!(!contains(&raw, needle), "{needle:?} found in the raw database");
    }
    // Shredding the case takes the consent's sealed ground with it.
    test.app.shred_case(None, id).await.unwrap();
    let pool = attacker(&test).await;
    let (sealed,): (Vec<u8>,) = sqlx::query_as("SELECT mandatory_ground_sealed FROM consents WHERE id = $1")
        .bind(consent.id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!sealed.is_empty());
    let ledger = test.app.case(officer, id).await.unwrap();
    assert!(ledger.shredded);
});

both_databases!(a_shred_leaves_no_copy_of_the_old_key_in_the_database_files, |test: TestApp| async move {
    let id = case_with_content(&test).await;
    let pool = attacker(&test).await;
    let (wrapped,): (Vec<u8>,) = sqlx::query_as("SELECT wrapped FROM data_keys WHERE owner_id = $1")
        .bind(id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(wrapped.len() >= 32);
    drop(pool);
    let found_in = |bytes: &[u8]| bytes.windows(wrapped.len()).any(|window| window == wrapped.as_slice());
    match &test.schema {
        None => {
            let path = test.url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
            let files = || {
                let mut bytes = std::fs::read(&path).unwrap();
                bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
                bytes
            };
            assert!(found_in(&files()), "the wrapped key is in the files before the shred");
            test.app.shred_case(None, id).await.unwrap();
            assert!(!found_in(&files()), "the shredded key's wrapped copy is still in the database file or its WAL");
            assert_eq!(std::fs::metadata(format!("{path}-wal")).map(|meta| meta.len()).unwrap_or(0), 0);
        }
        Some(_) => {
            // The table's own file on the server (tests run where the server's files are
            // readable): after the shred it is rewritten without the dead row.
            let pool = attacker(&test).await;
            let relation_file = async |pool: &sqlx::AnyPool| {
                sqlx::query("CHECKPOINT").execute(pool).await.unwrap();
                let (directory,): (String,) =
                    sqlx::query_as("SELECT current_setting('data_directory')").fetch_one(pool).await.unwrap();
                let (file,): (String,) =
                    sqlx::query_as("SELECT pg_relation_filepath('data_keys')::text").fetch_one(pool).await.unwrap();
                std::fs::read(std::path::Path::new(&directory).join(file))
                    .expect("the PostgreSQL data directory is readable by the tests")
            };
            assert!(found_in(&relation_file(&pool).await), "the wrapped key is in the table's file before the shred");
            test.app.shred_case(None, id).await.unwrap();
            // Transactions of other tests open at the shred may hold the dead row back
            // for a moment; the server rewrites the table again on its next passes, as
            // this loop does, and the row must be gone well within half a minute.
            let started = std::time::Instant::now();
            while found_in(&relation_file(&pool).await) {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(30),
                    "the shredded key's wrapped copy is still in the table's file"
                );
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                assert!(test.app.erase_shred_remnants(true).await);
            }
        }
    }
});

both_databases!(every_text_column_is_sealed_or_listed_with_its_reason, |test: TestApp| async move {
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/SECURITY.md"))
        .unwrap();
    let section = doc.split("### Columns kept in clear").nth(1).expect("the section is there");
    let mut listed = std::collections::BTreeSet::new();
    for line in section.lines().take_while(|line| !line.starts_with("#")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let table = cells[1].trim_matches('`');
        assert!(!cells[3].is_empty(), "{table} gives no reason");
        for column in cells[2].split(',') {
            listed.insert(format!("{table}.{}", column.trim().trim_matches('`')));
        }
    }
    let pool = attacker(&test).await;
    let found: Vec<(String, String)> = match &test.schema {
        None => {
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            let mut columns = Vec::new();
            for (table,) in tables {
                let rows: Vec<(String, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT name, type FROM pragma_table_info('{table}')")))
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                columns.extend(
                    rows.into_iter()
                        .filter(|(_, kind)| kind.eq_ignore_ascii_case("text"))
                        .map(|(name, _)| (table.clone(), name)),
                );
            }
            columns
        }
        Some(schema) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = $1 AND data_type IN ('text', 'character varying') ORDER BY table_name, column_name",
        )
        .bind(schema.clone())
        .fetch_all(&pool)
        .await
        .unwrap(),
    };
    let found: std::collections::BTreeSet<String> =
        found.into_iter().map(|(table, column)| format!("{table}.{column}")).collect();
    let unlisted: Vec<&String> = found.difference(&listed).collect();
    assert!(unlisted.is_empty(), "text columns neither sealed nor listed in docs/SECURITY.md: {unlisted:?}");
    let stale: Vec<&String> = listed.difference(&found).collect();
    assert!(stale.is_empty(), "docs/SECURITY.md lists columns the schema does not have: {stale:?}");
    assert!(found.len() > 200, "{} text columns", found.len());
});
