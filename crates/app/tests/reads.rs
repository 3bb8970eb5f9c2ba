//! Reads under load, on both databases: reads run side by side and their audit entries
//! are committed together, never before the answer is held back for them; a batch that
//! cannot be stored sends nothing; no request needs a second connection; a reading
//! transaction cannot write; one account reading too fast is slowed, and no one else.

use sila_app::both_databases;
use sila_app::persons::PersonQuery;
use sila_app::testing::TestApp;
use sila_app::{App, AppConfig, AppError, RequestContext, SignedDuration};
use sila_domain::ids::PersonId;
use sila_domain::person::PersonInput;
use sqlx::Executor;

async fn register(test: &TestApp, app: &App, first: &str) -> PersonId {
    let officer = test.world.actor("cp.officer");
    let input = PersonInput {
        first_name_ar: Some(first.into()),
        family_name_ar: Some("المري".into()),
        sex: Some("female".into()),
        ..PersonInput::default()
    };
    app.register_person(officer, &input, &RequestContext::default()).await.expect("a registration").person.person.id
}

/// A raw connection to the test database, as its administrator has.
async fn administrator(test: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&test.raw_url()).await.unwrap()
}

both_databases!(reads_are_answered_only_once_their_entries_commit_and_commit_together, |test: TestApp| async move {
    let person = register(&test, &test.app, "نورة").await;
    let (batches_before, entries_before) = test.app.audit_batches();
    // Nothing may commit: the reads run all the same, and each queues its entry…
    let held = test.app.hold_audit_commits().await;
    let mut reads = Vec::new();
    for _ in 0..20 {
        let app = test.app.clone();
        let officer = test.world.actor("cp.officer").clone();
        reads.push(tokio::spawn(async move { app.person(&officer, person).await }));
    }
    let mut waited = 0;
    while test.app.audit_entries_waiting() < 20 {
        assert!(waited < 1000, "the reads did not all run: {} entries waiting", test.app.audit_entries_waiting());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    // …and none is answered before its entry is stored.
    assert!(reads.iter().all(|read| !read.is_finished()), "a read was answered before its audit entry was stored");
    drop(held);
    for read in reads {
        assert_eq!(read.await.unwrap().expect("the read succeeds").person.id, person);
    }
    let (batches, entries) = test.app.audit_batches();
    assert_eq!((batches - batches_before, entries - entries_before), (1, 20), "twenty entries, one commit");
    let auditor = test.world.actor("cp.auditor");
    let query = sila_app::AuditQuery { subject: Some(&person.to_string()), ..Default::default() };
    let trail = test.app.audit_entries(auditor, &query).await.unwrap();
    assert_eq!(trail.iter().filter(|entry| entry.record.action == "person.read").count(), 20);
});

both_databases!(a_read_whose_entry_cannot_be_stored_shows_nothing, |test: TestApp| async move {
    let person = register(&test, &test.app, "هيا").await;
    let officer = test.world.actor("cp.officer");
    let database = administrator(&test).await;
    let refuse = match test.schema {
        None => "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'full'); END",
        Some(_) => {
            database
                .execute(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
                     $$ BEGIN RAISE EXCEPTION 'full'; END $$",
                )
                .await
                .unwrap();
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
        }
    };
    database.execute(refuse).await.unwrap();
    let answer = test.app.person(officer, person).await;
    assert!(matches!(answer, Err(AppError::Internal(_))), "the person was shown without an audit entry: {answer:?}");
    let allow =
        if test.schema.is_some() { "DROP TRIGGER refuse_audit ON audit_entries" } else { "DROP TRIGGER refuse_audit" };
    database.execute(allow).await.unwrap();
    assert_eq!(test.app.person(officer, person).await.expect("readable again").person.id, person);
});

both_databases!(a_request_never_needs_a_second_connection, |test: TestApp| async move {
    // One connection for requests: a request that held it and asked for another (to
    // bring the name index up to date) would wait for itself until the pool timed out.
    let mut options = test.options.clone();
    options.max_connections = 1;
    options.acquire_timeout = std::time::Duration::from_secs(20);
    let app = App::open(&options, test.audit_key.clone(), test.clock.clone(), AppConfig::default()).await.unwrap();
    let officer = test.world.actor("cp.officer").clone();
    register(&test, &app, "شيخة").await;
    let mut tasks = Vec::new();
    for round in 0..12 {
        let app = app.clone();
        let officer = officer.clone();
        let first = ["مريم", "لطيفة", "عائشة"][round % 3];
        tasks.push(tokio::spawn(async move {
            if round % 3 == 0 {
                let input = PersonInput {
                    first_name_ar: Some(first.into()),
                    family_name_ar: Some("المري".into()),
                    sex: Some("female".into()),
                    ..PersonInput::default()
                };
                app.register_person(&officer, &input, &RequestContext::default()).await.map(|_| 1)
            } else {
                let query = PersonQuery { q: Some("شيخة المري".into()), ..PersonQuery::default() };
                app.search_persons(&officer, &query).await.map(|found| found.len())
            }
        }));
    }
    for task in tasks {
        let found = task.await.unwrap().expect("every request is answered with one connection");
        assert!(found >= 1, "the person registered first is found");
    }
});

both_databases!(a_reading_transaction_cannot_write, |test: TestApp| async move {
    let person = register(&test, &test.app, "موزة").await;
    let mut reading = test.app.hold_a_connection().await;
    let written = reading.record_person_change(person).await;
    assert!(written.is_err(), "a write went through a reading transaction");
});

both_databases!(one_account_reading_too_fast_is_slowed_and_no_one_else, |test: TestApp| async move {
    let config = AppConfig { reads_per_second: 2, read_burst: 5, ..AppConfig::default() };
    let app = App::open(&test.options, test.audit_key.clone(), test.clock.clone(), config).await.unwrap();
    let person = register(&test, &app, "عفراء").await;
    let officer = test.world.actor("cp.officer");
    for _ in 0..5 {
        app.person(officer, person).await.expect("within the burst");
    }
    let refused = app.person(officer, person).await;
    assert_eq!(refused.map(|_| ()), Err(AppError::TooManyRequests { retry_after_seconds: 1 }));
    // A colleague at the same desk is not held back.
    app.list_cases(test.world.actor("cp.supervisor"), &Default::default()).await.expect("another account reads");
    // Half a second later one read has come back (two a second).
    test.clock.advance(SignedDuration::from_millis(500));
    app.person(officer, person).await.expect("the allowance refills");
    assert!(matches!(app.person(officer, person).await, Err(AppError::TooManyRequests { .. })));
});
