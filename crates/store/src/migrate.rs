//! Schema migrations, embedded in the binary: one file per version in
//! `migrations/sqlite/` and `migrations/postgres/`, the same versions in both (a tidy
//! test checks it). Each version is applied in its own transaction and recorded in
//! `schema_migrations`; on PostgreSQL an advisory lock keeps two servers starting at
//! once from applying the same version twice.
//!
//! sqlx's own migrator was left out: it needs the `macros` feature to embed files,
//! which compiles both database drivers a second time.

use sqlx::{Executor, Row};

use crate::connect::{Dialect, Store};
use crate::error::StoreError;

/// The migrations: (version, name, SQLite text, PostgreSQL text).
pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../../migrations/sqlite/0001_initial.sql"),
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "person_matching",
        include_str!("../../../migrations/sqlite/0002_person_matching.sql"),
        include_str!("../../../migrations/postgres/0002_person_matching.sql"),
    ),
    (
        3,
        "centre_casework",
        include_str!("../../../migrations/sqlite/0003_centre_casework.sql"),
        include_str!("../../../migrations/postgres/0003_centre_casework.sql"),
    ),
    (
        4,
        "court_orders",
        include_str!("../../../migrations/sqlite/0004_court_orders.sql"),
        include_str!("../../../migrations/postgres/0004_court_orders.sql"),
    ),
    (
        5,
        "alert_outbox",
        include_str!("../../../migrations/sqlite/0005_alert_outbox.sql"),
        include_str!("../../../migrations/postgres/0005_alert_outbox.sql"),
    ),
    (
        6,
        "handoff_safe_contact",
        include_str!("../../../migrations/sqlite/0006_handoff_safe_contact.sql"),
        include_str!("../../../migrations/postgres/0006_handoff_safe_contact.sql"),
    ),
    (
        7,
        "sign_in_hardening",
        include_str!("../../../migrations/sqlite/0007_sign_in_hardening.sql"),
        include_str!("../../../migrations/postgres/0007_sign_in_hardening.sql"),
    ),
    (
        8,
        "audit_entry_ids",
        include_str!("../../../migrations/sqlite/0008_audit_entry_ids.sql"),
        include_str!("../../../migrations/postgres/0008_audit_entry_ids.sql"),
    ),
    (
        9,
        "seal_special_categories",
        include_str!("../../../migrations/sqlite/0009_seal_special_categories.sql"),
        include_str!("../../../migrations/postgres/0009_seal_special_categories.sql"),
    ),
    (
        10,
        "drop_clear_special_categories",
        include_str!("../../../migrations/sqlite/0010_drop_clear_special_categories.sql"),
        include_str!("../../../migrations/postgres/0010_drop_clear_special_categories.sql"),
    ),
    (
        11,
        "idempotency_sealed",
        include_str!("../../../migrations/sqlite/0011_idempotency_sealed.sql"),
        include_str!("../../../migrations/postgres/0011_idempotency_sealed.sql"),
    ),
    (
        12,
        "person_purposes",
        include_str!("../../../migrations/sqlite/0012_person_purposes.sql"),
        include_str!("../../../migrations/postgres/0012_person_purposes.sql"),
    ),
    (
        13,
        "visit_corrections",
        include_str!("../../../migrations/sqlite/0013_visit_corrections.sql"),
        include_str!("../../../migrations/postgres/0013_visit_corrections.sql"),
    ),
    (
        14,
        "protocol_acceptances",
        include_str!("../../../migrations/sqlite/0014_protocol_acceptances.sql"),
        include_str!("../../../migrations/postgres/0014_protocol_acceptances.sql"),
    ),
    (
        15,
        "protocol_uncovered_persons",
        include_str!("../../../migrations/sqlite/0015_protocol_uncovered_persons.sql"),
        include_str!("../../../migrations/postgres/0015_protocol_uncovered_persons.sql"),
    ),
];

/// The version before which the values stored in clear by earlier versions are sealed
/// (a step in Rust: sealing needs the keys, which SQL does not have).
const SEAL_BEFORE: i64 = 10;

/// SHA-256 of a migration's text, recorded when applied: a migration edited after it
/// was applied somewhere is caught at start instead of failing later on a column.
fn checksum(script: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(script.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Arbitrary constant naming Sila's migration lock on PostgreSQL.
const MIGRATION_LOCK: i64 = 0x5157_4c41_0001;

impl Store {
    /// Applies every migration the database does not have yet; returns the versions
    /// applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let mut connection = self.pool_connection().await?;
        if self.dialect() == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut *connection).await?;
        }
        let result = self.apply_pending(&mut connection).await;
        if self.dialect() == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut *connection).await?;
        }
        result
    }

    async fn apply_pending(&self, connection: &mut sqlx::AnyConnection) -> Result<Vec<i64>, StoreError> {
        connection
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )",
            )
            .await?;
        let mut applied = Vec::new();
        for (version, name, sqlite, postgres) in MIGRATIONS {
            let script = match self.dialect() {
                Dialect::Sqlite => *sqlite,
                Dialect::Postgres => *postgres,
            };
            let applied_before = sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *connection)
                .await?;
            if let Some(row) = applied_before {
                let recorded: String = row.try_get("checksum")?;
                if recorded != checksum(script) {
                    return Err(StoreError::MigrationChanged { version: *version });
                }
                continue;
            }
            if *version == SEAL_BEFORE {
                self.seal_clear_special_categories().await?;
            }
            let mut transaction = sqlx::Connection::begin(&mut *connection).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(script)).execute(&mut *transaction).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(*version)
                .bind(*name)
                .bind(checksum(script))
                .bind(jiff::Timestamp::now().as_microsecond())
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
            tracing::info!(version, name, "applied migration");
            applied.push(*version);
        }
        Ok(applied)
    }

    /// Seals the special-category values that versions before 9 kept in clear (a
    /// person's disability notes; a consent's mandatory-protection ground and withdrawal
    /// reason) and empties their clear columns, in one transaction; does nothing when
    /// there are none.
    async fn seal_clear_special_categories(&self) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let persons = sqlx::query("SELECT id, disability_notes FROM persons WHERE disability_notes IS NOT NULL")
            .fetch_all(&mut *tx.transaction)
            .await?;
        for row in &persons {
            let id: String = row.try_get("id")?;
            let notes: String = row.try_get("disability_notes")?;
            let owner =
                uuid::Uuid::try_parse(&id).map_err(|_| StoreError::Corrupt { table: "persons", column: "id" })?;
            let sealed = tx.seal(owner, "disability_notes", &notes).await?;
            sqlx::query("UPDATE persons SET disability_sealed = $1, disability_notes = NULL WHERE id = $2")
                .bind(sealed)
                .bind(&id)
                .execute(&mut *tx.transaction)
                .await?;
        }
        let consents = sqlx::query(
            "SELECT id, case_id, mandatory_ground, withdrawal_reason FROM consents
             WHERE mandatory_ground IS NOT NULL OR withdrawal_reason IS NOT NULL",
        )
        .fetch_all(&mut *tx.transaction)
        .await?;
        for row in &consents {
            let id: String = row.try_get("id")?;
            let case: String = row.try_get("case_id")?;
            let case = uuid::Uuid::try_parse(&case)
                .map_err(|_| StoreError::Corrupt { table: "consents", column: "case_id" })?;
            let mut sealed = Vec::new();
            for column in ["mandatory_ground", "withdrawal_reason"] {
                let value: Option<String> = row.try_get(column)?;
                sealed.push(match value {
                    Some(text) => Some(tx.seal(case, &format!("consent.{column}"), &text).await?),
                    None => None,
                });
            }
            sqlx::query(
                "UPDATE consents SET mandatory_ground_sealed = $1, withdrawal_reason_sealed = $2,
                    mandatory_ground = NULL, withdrawal_reason = NULL WHERE id = $3",
            )
            .bind(sealed[0].clone())
            .bind(sealed[1].clone())
            .bind(&id)
            .execute(&mut *tx.transaction)
            .await?;
        }
        tx.commit().await
    }

    /// The schema version the database is at (0 when nothing is applied).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let mut connection = self.pool_connection().await?;
        let table_exists = match self.dialect() {
            Dialect::Sqlite => {
                sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                    .fetch_optional(&mut *connection)
                    .await?
                    .is_some()
            }
            Dialect::Postgres => sqlx::query("SELECT to_regclass('schema_migrations')::text AS name")
                .fetch_one(&mut *connection)
                .await?
                .try_get::<Option<String>, _>("name")?
                .is_some(),
        };
        if !table_exists {
            return Ok(0);
        }
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
            .fetch_one(&mut *connection)
            .await?;
        Ok(row.try_get::<i64, _>("version")?)
    }

    /// Fails unless the schema is exactly at the version this binary was built for, with
    /// the same migration texts.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let expected = MIGRATIONS.last().map(|migration| migration.0).unwrap_or(0);
        let found = self.schema_version().await?;
        if found != expected {
            return Err(StoreError::SchemaVersion { found, expected });
        }
        let mut connection = self.pool_connection().await?;
        for (version, _, sqlite, postgres) in MIGRATIONS {
            let script = if self.dialect() == Dialect::Sqlite { *sqlite } else { *postgres };
            let recorded = sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *connection)
                .await
                .map_err(|_| StoreError::MigrationChanged { version: *version })?;
            let matches = match recorded {
                Some(row) => row.try_get::<String, _>("checksum").is_ok_and(|value| value == checksum(script)),
                None => false,
            };
            if !matches {
                return Err(StoreError::MigrationChanged { version: *version });
            }
        }
        Ok(())
    }
}
