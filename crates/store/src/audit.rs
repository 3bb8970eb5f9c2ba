//! The audit log: entries appended in the transaction of what they record.

use sila_domain::audit::AuditRecord;
use sila_domain::ids::UserId;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

/// A stored audit entry: its position in the log and its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log (append order).
    pub id: i64,
    /// The record, decoded from its canonical bytes.
    pub record: AuditRecord,
    /// The canonical bytes as stored.
    pub bytes: Vec<u8>,
}

impl Tx {
    /// Appends a record; returns its position in the log.
    pub async fn append_audit(&mut self, record: &AuditRecord) -> Result<i64, StoreError> {
        let bytes = record.encode();
        let row = sqlx::query(
            "INSERT INTO audit_entries (at, actor_id, action, outcome, record) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(micros(record.at))
        .bind(opt_id_text(record.actor))
        .bind(&record.action)
        .bind(record.outcome.encoded())
        .bind(bytes)
        .fetch_one(&mut *self.transaction)
        .await?;
        let id = Columns::new(&row, "audit_entries").int("id")?;
        for subject in &record.subjects {
            sqlx::query(
                "INSERT INTO audit_subjects (entry_id, kind, subject_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(subject.kind.code())
            .bind(subject.id.hyphenated().to_string())
            .execute(&mut *self.transaction)
            .await?;
        }
        Ok(id)
    }

    /// Entries about a record, oldest first (who touched this person or case, when).
    pub async fn audit_for_subject(&mut self, subject: Uuid, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT audit_entries.id, audit_entries.record FROM audit_entries
             JOIN audit_subjects ON audit_subjects.entry_id = audit_entries.id
             WHERE audit_subjects.subject_id = $1 ORDER BY audit_entries.id LIMIT $2",
        )
        .bind(subject.hyphenated().to_string())
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter().map(|row| entry_from(&Columns::new(row, "audit_entries"))).collect()
    }

    /// Entries by an actor, oldest first.
    pub async fn audit_for_actor(&mut self, actor: UserId, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT id, record FROM audit_entries WHERE actor_id = $1 ORDER BY id LIMIT $2")
            .bind(crate::codec::id_text(actor))
            .bind(limit)
            .fetch_all(&mut *self.transaction)
            .await?;
        rows.iter().map(|row| entry_from(&Columns::new(row, "audit_entries"))).collect()
    }

    /// The last `limit` entries, oldest first.
    pub async fn audit_tail(&mut self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, record FROM (SELECT id, record FROM audit_entries ORDER BY id DESC LIMIT $1) AS tail ORDER BY id",
        )
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter().map(|row| entry_from(&Columns::new(row, "audit_entries"))).collect()
    }

    /// How many entries the log holds.
    pub async fn audit_count(&mut self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS total FROM audit_entries").fetch_one(&mut *self.transaction).await?;
        Columns::new(&row, "audit_entries").int("total")
    }
}

fn entry_from(columns: &Columns<'_>) -> Result<AuditEntry, StoreError> {
    let bytes = columns.bytes("record")?;
    let record =
        AuditRecord::decode(&bytes).map_err(|_| StoreError::Corrupt { table: "audit_entries", column: "record" })?;
    Ok(AuditEntry { id: columns.int("id")?, record, bytes })
}
