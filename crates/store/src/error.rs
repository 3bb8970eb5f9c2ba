//! What can go wrong in storage.

/// A storage failure. Constraint violations that a use case can explain are given their
/// own variants; everything else is a plain database error, logged once by the caller.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed the statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A row holds a value this version cannot read (a code it does not know).
    #[error("unreadable value in {table}.{column}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A unique constraint refused a duplicate.
    #[error("duplicate value")]
    Duplicate,
    /// The record changed since it was read (optimistic concurrency).
    #[error("stale version")]
    Stale,
    /// A migration's text differs from the one applied to this database.
    #[error(
        "migration {version} differs from the one applied to this database; recreate the database or restore the migration"
    )]
    MigrationChanged {
        /// The migration version.
        version: i64,
    },
    /// The content's data key was destroyed (crypto-shredding): it can no longer be read
    /// or written.
    #[error("content shredded")]
    Shredded,
    /// Sealed content failed authentication (altered, or sealed under another key).
    #[error("sealed content in {table} failed to open")]
    Unsealable {
        /// The table.
        table: &'static str,
    },
    /// A thread panicked while updating the person index; the server must be restarted
    /// to rebuild it.
    #[error("the person index was poisoned by a panic")]
    IndexPoisoned,
    /// A data key was wrapped by a master key that is not configured.
    #[error("data key wrapped by unknown master key {0}")]
    UnknownMasterKey(String),
    /// The schema is not at the version this binary expects.
    #[error("database schema is at version {found}, this binary needs {expected}; run `sila migrate`")]
    SchemaVersion {
        /// The version found.
        found: i64,
        /// The version needed.
        expected: i64,
    },
}

impl StoreError {
    /// Whether every connection of the pool stayed busy for the whole wait: the server
    /// is saturated, not broken.
    pub fn is_saturation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolTimedOut))
    }

    /// Turns a unique-constraint violation into [`StoreError::Duplicate`].
    pub(crate) fn from_write(error: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(database) = &error
            && database.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            return StoreError::Duplicate;
        }
        StoreError::Database(error)
    }
}
