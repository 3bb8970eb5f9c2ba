//! The tamper-evident audit log on both databases: tree heads are signed and proofs
//! verify; editing, deleting, forging or copying one audit row directly in the database
//! makes `verify_audit_log` fail and name that entry; cutting the log's tail fails
//! against the heads witnessed outside the database; and the log verifies with the
//! public key alone, signing nothing.

use sila_app::both_databases;
use sila_app::cases::CaseInput;
use sila_app::keys::verify_signature;
use sila_app::ledger::{AuditLogReader, LogProblem, SignedTreeHead, Witness, read_witnessed_heads};
use sila_app::testing::TestApp;
use sila_app::{AppError, RequestContext};
use sila_domain::merkle::{verify_consistency, verify_inclusion};

/// Some activity: each opening and reading is audited.
async fn activity(test: &TestApp, cases: usize) {
    let officer = test.world.actor("cp.officer");
    for _ in 0..cases {
        let input =
            CaseInput { category: Some("runaway".into()), narrative: Some("سرد".into()), ..CaseInput::default() };
        let case = test.app.open_case(officer, &input, &RequestContext::default()).await.unwrap();
        test.app.case(officer, case.id).await.unwrap();
    }
}

/// A raw connection to the test database, as an attacker with database access has.
async fn attacker(test: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&test.raw_url()).await.unwrap()
}

both_databases!(tree_heads_are_signed_and_proofs_verify, |test: TestApp| async move {
    activity(&test, 3).await;
    let auditor = test.world.actor("cp.auditor");
    let first = test.app.tree_head(auditor).await.unwrap();
    let (public_key, _) = test.app.audit_public_key();
    assert!(first.verify(&public_key));
    assert!(first.tree_size >= 7, "{}", first.tree_size);
    activity(&test, 2).await;
    let second = test.app.tree_head(auditor).await.unwrap();
    assert!(second.tree_size > first.tree_size);
    assert!(verify_signature(
        &public_key,
        &SignedTreeHead::message(second.tree_size, second.signed_at, &second.root),
        &second.signature
    ));
    // Every entry of the first head is provably in the second tree.
    for index in [0, first.tree_size / 2, first.tree_size - 1] {
        let proof = test.app.inclusion_proof(auditor, index, second.tree_size).await.unwrap();
        let elements: Vec<Vec<u8>> = proof.proof.iter().map(|hash| hash.to_vec()).collect();
        assert_eq!(proof.root, second.root);
        verify_inclusion(index, second.tree_size, &proof.leaf_hash, &elements, &second.root).unwrap();
    }
    let consistency = test.app.consistency_proof(auditor, first.tree_size, second.tree_size).await.unwrap();
    let elements: Vec<Vec<u8>> = consistency.proof.iter().map(|hash| hash.to_vec()).collect();
    verify_consistency(first.tree_size, second.tree_size, &elements, &first.root, &second.root).unwrap();
    // Only auditors get proofs; a tree size beyond the log is refused.
    let officer = test.world.actor("cp.officer");
    assert_eq!(test.app.inclusion_proof(officer, 0, 1).await, Err(AppError::Forbidden));
    assert!(matches!(test.app.inclusion_proof(auditor, 0, second.tree_size + 1000).await, Err(AppError::Invalid(_))));
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(report.first_problem, None);
    assert!(report.heads_checked >= 2);
});

both_databases!(an_edited_audit_record_is_named, |test: TestApp| async move {
    activity(&test, 4).await;
    test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    // Change one byte of the canonical record of leaf 5 (its time).
    let row: (i64, Vec<u8>) =
        sqlx::query_as("SELECT id, record FROM audit_entries WHERE leaf_index = 5").fetch_one(&pool).await.unwrap();
    let mut record = row.1.clone();
    record[12] ^= 1;
    sqlx::query("UPDATE audit_entries SET record = $1 WHERE id = $2")
        .bind(record)
        .bind(row.0)
        .execute(&pool)
        .await
        .unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(
        report.first_problem,
        Some(LogProblem::Altered { entry_id: row.0, leaf_index: Some(5), what: "its MAC does not match its record" })
    );
});

both_databases!(an_edited_searchable_column_is_named, |test: TestApp| async move {
    activity(&test, 2).await;
    test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    // Hide who read a case by blanking the actor column of leaf 3.
    let id: (i64,) =
        sqlx::query_as("SELECT id FROM audit_entries WHERE leaf_index = 3").fetch_one(&pool).await.unwrap();
    sqlx::query("UPDATE audit_entries SET actor_id = NULL WHERE id = $1").bind(id.0).execute(&pool).await.unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(
        report.first_problem,
        Some(LogProblem::Altered { entry_id: id.0, leaf_index: Some(3), what: "its columns differ from its record" })
    );
});

both_databases!(a_deleted_audit_row_is_named, |test: TestApp| async move {
    activity(&test, 3).await;
    test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    let id: (i64,) =
        sqlx::query_as("SELECT id FROM audit_entries WHERE leaf_index = 4").fetch_one(&pool).await.unwrap();
    sqlx::query("DELETE FROM audit_subjects WHERE entry_id = $1").bind(id.0).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM audit_entries WHERE id = $1").bind(id.0).execute(&pool).await.unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(report.first_problem, Some(LogProblem::Missing { leaf_index: 4 }));
    // A fresh process (as `sila audit verify` is) finds the same.
    let fresh =
        sila_app::App::open(&test.options, test.audit_key.clone(), test.clock.clone(), sila_app::AppConfig::default())
            .await
            .unwrap();
    let report = fresh.verify_audit_log().await.unwrap();
    assert_eq!(report.first_problem, Some(LogProblem::Missing { leaf_index: 4 }));
});

both_databases!(a_rewritten_leaf_hash_breaks_the_signed_head, |test: TestApp| async move {
    activity(&test, 2).await;
    let head = test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    // The attacker rewrites the last entry's leaf hash to a made-up value; the record
    // and MAC are untouched, but the stored hash no longer matches either.
    let last = i64::try_from(head.tree_size - 1).unwrap();
    sqlx::query("UPDATE audit_entries SET leaf_hash = $1 WHERE leaf_index = $2")
        .bind(vec![7u8; 32])
        .bind(last)
        .execute(&pool)
        .await
        .unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert!(
        matches!(report.first_problem, Some(LogProblem::Altered { leaf_index: Some(index), .. }) if index == last),
        "{:?}",
        report.first_problem
    );
});

both_databases!(a_forged_entry_is_kept_out_of_the_tree_and_reported, |test: TestApp| async move {
    activity(&test, 1).await;
    test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    // A copy of a genuine record, re-inserted with a made-up MAC.
    let (at, record): (i64, Vec<u8>) =
        sqlx::query_as("SELECT at, record FROM audit_entries WHERE leaf_index = 0").fetch_one(&pool).await.unwrap();
    sqlx::query("INSERT INTO audit_entries (at, action, outcome, record, mac) VALUES ($1, 'demo.seed', 'ok', $2, $3)")
        .bind(at)
        .bind(record)
        .bind(vec![0u8; 32])
        .execute(&pool)
        .await
        .unwrap();
    let before = test.app.sequence_and_sign().await.unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert!(
        matches!(report.first_problem, Some(LogProblem::Altered { leaf_index: None, what, .. }) if what.contains("MAC")),
        "{:?}",
        report.first_problem
    );
    assert_eq!(report.tree_size, before.tree_size, "the forged entry never entered the tree");
});

/// The application of `test` again, witnessing its tree heads in `dir`.
async fn witnessed(test: &TestApp, dir: &std::path::Path) -> sila_app::App {
    let config = sila_app::AppConfig {
        witness: Witness { file: Some(dir.join("audit-heads.log")), syslog: None },
        ..sila_app::AppConfig::default()
    };
    sila_app::App::open(&test.options, test.audit_key.clone(), test.clock.clone(), config).await.unwrap()
}

fn temporary_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sila-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

both_databases!(cutting_the_tail_of_the_log_is_refused_against_the_witnessed_head, |test: TestApp| async move {
    let dir = temporary_dir("witness");
    let app = witnessed(&test, &dir).await;
    activity(&test, 5).await;
    app.sequence_and_sign().await.unwrap();
    activity(&test, 10).await;
    let last = app.sequence_and_sign().await.unwrap();
    // The witness file: one head per line, readable by the server's account only.
    let text = std::fs::read_to_string(dir.join("audit-heads.log")).unwrap();
    let heads = read_witnessed_heads(&text).unwrap();
    assert_eq!(heads.len(), 2, "{text}");
    assert_eq!(heads[1].tree_size, last.tree_size);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("audit-heads.log")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(app.verify_audit_log_against(&heads).await.unwrap().first_problem, None);
    // A head kept elsewhere (a court report's) is checked the same way: one whose root
    // is not the log's, or whose signature fails, is named.
    let mut forged = heads[0].clone();
    forged.root_hash = "00".repeat(32);
    let report = app.verify_audit_log_against(&[forged]).await.unwrap();
    assert!(matches!(report.first_problem, Some(LogProblem::Witness { what, .. }) if what.contains("signature")));
    // Someone with the database deletes the last 25 entries and the heads that cover them.
    let pool = attacker(&test).await;
    let keep = i64::try_from(last.tree_size).unwrap() - 25;
    for statement in [
        "DELETE FROM audit_subjects WHERE entry_id IN (SELECT id FROM audit_entries WHERE leaf_index >= $1)",
        "DELETE FROM audit_entries WHERE leaf_index >= $1",
        "DELETE FROM tree_heads WHERE tree_size > $1",
    ] {
        sqlx::query(statement).bind(keep).execute(&pool).await.unwrap();
    }
    // The database alone looks intact — that was the hole…
    assert_eq!(app.verify_audit_log().await.unwrap().first_problem, None);
    // …but not against the witnessed heads.
    let report = app.verify_audit_log_against(&heads).await.unwrap();
    assert_eq!(
        report.first_problem,
        Some(LogProblem::Truncated { witnessed: last.tree_size, found: u64::try_from(keep).unwrap() })
    );
    // Nor for someone holding only the public key and the witness file.
    let reader = AuditLogReader::open(&test.url, test.schema.clone()).await.unwrap();
    let report = reader.verify(&test.app.audit_public_key().0, &heads).await.unwrap();
    assert!(matches!(report.first_problem, Some(LogProblem::Truncated { .. })), "{:?}", report.first_problem);
    reader.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
});

both_databases!(the_log_verifies_with_the_public_key_alone_and_signs_nothing, |test: TestApp| async move {
    activity(&test, 3).await;
    let head = test.app.sequence_and_sign().await.unwrap();
    activity(&test, 2).await;
    let pool = attacker(&test).await;
    let heads_before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tree_heads").fetch_one(&pool).await.unwrap();
    let (public_key, _) = test.app.audit_public_key();
    let reader = AuditLogReader::open(&test.url, test.schema.clone()).await.unwrap();
    let report = reader.verify(&public_key, &[head.carried(&public_key)]).await.unwrap();
    assert_eq!(report.first_problem, None);
    assert_eq!(report.tree_size, head.tree_size);
    assert!(report.pending > 0, "the later entries are pending, not sequenced by a verifier");
    assert!(!report.macs_checked);
    assert_eq!((report.heads_checked, report.witnessed_checked), (1, 1));
    // The server's own verification signs nothing either.
    assert_eq!(test.app.verify_audit_log().await.unwrap().first_problem, None);
    let heads_after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tree_heads").fetch_one(&pool).await.unwrap();
    assert_eq!(heads_after, heads_before, "verification signed no head");
    // Another key's heads are refused.
    let other = sila_app::AuditKey::generate().public_key();
    let report = reader.verify(&other, &[]).await.unwrap();
    assert!(matches!(report.first_problem, Some(LogProblem::TreeHead { .. })), "{:?}", report.first_problem);
    reader.close().await;
});

/// An audit row as an attacker copies it: id, at, actor, action, outcome, record, MAC,
/// entry id.
type AuditRow = (i64, i64, Option<String>, String, String, Vec<u8>, Vec<u8>, String);

both_databases!(a_copied_old_entry_fails_verification, |test: TestApp| async move {
    activity(&test, 2).await;
    test.app.sequence_and_sign().await.unwrap();
    let pool = attacker(&test).await;
    // A byte-identical copy of an old entry, MAC and all, sequenced as the server would
    // sequence it (the unique index on entry ids dropped first).
    sqlx::query("DROP INDEX audit_entries_entry_uuid").execute(&pool).await.unwrap();
    let row: AuditRow = sqlx::query_as(
        "SELECT id, at, actor_id, action, outcome, record, mac, entry_uuid FROM audit_entries WHERE leaf_index = 3",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (id, at, actor, action, outcome, record, mac, entry) = row;
    let size: (i64,) = sqlx::query_as("SELECT MAX(leaf_index) + 1 FROM audit_entries").fetch_one(&pool).await.unwrap();
    let leaf = sila_domain::merkle::leaf_hash(&record).to_vec();
    let copy: (i64,) = sqlx::query_as(
        "INSERT INTO audit_entries (at, actor_id, action, outcome, record, mac, entry_uuid, leaf_index, leaf_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(outcome)
    .bind(record.clone())
    .bind(mac.clone())
    .bind(entry.clone())
    .bind(size.0)
    .bind(leaf)
    .fetch_one(&pool)
    .await
    .unwrap();
    let subjects: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, subject_id FROM audit_subjects WHERE entry_id = $1")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    for (kind, subject) in subjects {
        sqlx::query("INSERT INTO audit_subjects (entry_id, kind, subject_id) VALUES ($1, $2, $3)")
            .bind(copy.0)
            .bind(kind)
            .bind(subject)
            .execute(&pool)
            .await
            .unwrap();
    }
    // Even with a head signed over it, the copy is named.
    test.app.sequence_and_sign().await.unwrap();
    let report = test.app.verify_audit_log().await.unwrap();
    assert_eq!(
        report.first_problem,
        Some(LogProblem::Copied { entry_id: copy.0, leaf_index: Some(size.0), original: id })
    );
    let reader = AuditLogReader::open(&test.url, test.schema.clone()).await.unwrap();
    let report = reader.verify(&test.app.audit_public_key().0, &[]).await.unwrap();
    assert!(matches!(report.first_problem, Some(LogProblem::Copied { .. })), "public verification names it too");
    reader.close().await;
    // A copy left for the sequencer is never given a place in the tree.
    sqlx::query(
        "INSERT INTO audit_entries (at, actor_id, action, outcome, record, mac, entry_uuid) VALUES ($1, NULL, 'x', 'ok', $2, $3, $4)",
    )
    .bind(at)
    .bind(record)
    .bind(mac)
    .bind(entry)
    .execute(&pool)
    .await
    .unwrap();
    let before = test.app.sequence_and_sign().await.unwrap().tree_size;
    test.app.sequence_and_sign().await.unwrap();
    let after: (i64,) = sqlx::query_as("SELECT MAX(leaf_index) + 1 FROM audit_entries").fetch_one(&pool).await.unwrap();
    assert_eq!(u64::try_from(after.0).unwrap(), before, "the second copy stays out of the tree");
});

#[cfg(unix)]
both_databases!(tree_heads_are_sent_to_a_syslog_witness_too, |test: TestApp| async move {
    let dir = temporary_dir("syslog");
    let socket = dir.join("log.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&socket).unwrap();
    listener.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let config = sila_app::AppConfig {
        witness: Witness { file: None, syslog: Some(socket.clone()) },
        ..sila_app::AppConfig::default()
    };
    let app = sila_app::App::open(&test.options, test.audit_key.clone(), test.clock.clone(), config).await.unwrap();
    activity(&test, 1).await;
    let head = app.sequence_and_sign().await.unwrap();
    let mut buffer = vec![0u8; 4096];
    let length = listener.recv(&mut buffer).unwrap();
    let message = String::from_utf8_lossy(&buffer[..length]).into_owned();
    assert!(message.starts_with("<110>sila: audit tree head {"), "{message}");
    let line = message.split_once("head ").unwrap().1;
    let heads = read_witnessed_heads(line).unwrap();
    assert_eq!(heads[0].tree_size, head.tree_size);
    std::fs::remove_dir_all(&dir).unwrap();
});
