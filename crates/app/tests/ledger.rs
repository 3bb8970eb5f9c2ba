//! The tamper-evident audit log on both databases: tree heads are signed and proofs
//! verify; editing, deleting or forging one audit row directly in the database makes
//! `verify_audit_log` fail and name that entry.

use sila_app::both_databases;
use sila_app::cases::CaseInput;
use sila_app::keys::verify_signature;
use sila_app::ledger::{LogProblem, SignedTreeHead};
use sila_app::testing::TestApp;
use sila_app::{AppError, RequestContext};
use sila_domain::merkle::{verify_consistency, verify_inclusion};
use sqlx::Executor;

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
    let schema = test.schema.clone();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(move |connection, _| {
            let schema = schema.clone();
            Box::pin(async move {
                if let Some(schema) = schema {
                    connection.execute(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}"))).await?;
                }
                Ok(())
            })
        })
        .connect(&test.url)
        .await
        .unwrap()
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
