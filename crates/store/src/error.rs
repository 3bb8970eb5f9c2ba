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
