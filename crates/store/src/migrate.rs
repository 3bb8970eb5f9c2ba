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
];

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
