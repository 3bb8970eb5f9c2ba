//! The audit log: entries appended in the transaction of what they record.

use sila_domain::audit::AuditRecord;
use sila_domain::ids::UserId;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

/// What an auditor asks of the log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries naming this record.
    pub subject: Option<Uuid>,
    /// Entries by this user.
    pub actor: Option<UserId>,
    /// From this moment on (inclusive).
    pub from: Option<jiff::Timestamp>,
    /// Before this moment (exclusive).
    pub to: Option<jiff::Timestamp>,
    /// At most this many entries.
    pub limit: i64,
    /// Only entries this agency may see: those whose actor is on its staff, or that
    /// name a record it holds (its cases, the persons it registered or received, the
    /// referrals it sent or received, its users, offices, protocols, court orders and
    /// their visits, consultations and activities).
    pub agency: Option<sila_domain::ids::AgencyId>,
}

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
    /// Appends a record with its MAC (computed by the caller under the server's audit
    /// key); returns its append position. Its place in the Merkle tree is assigned later
    /// by [`Tx::sequence_audit`].
    pub async fn append_audit(&mut self, record: &AuditRecord, mac: &[u8]) -> Result<i64, StoreError> {
        let bytes = record.encode();
        let row = sqlx::query(
            "INSERT INTO audit_entries (at, actor_id, action, outcome, record, mac, entry_uuid)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(micros(record.at))
        .bind(opt_id_text(record.actor))
        .bind(&record.action)
        .bind(record.outcome.encoded())
        .bind(bytes)
        .bind(mac.to_vec())
        .bind(record.entry.map(|entry| entry.hyphenated().to_string()))
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

    /// Entries matching an auditor's filter, oldest first: about a record (who touched
    /// this person or case, when), by a user, and within a time window. Without a record
    /// or a user, the newest `limit` entries of the window.
    pub async fn audit_query(&mut self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut clauses = Vec::new();
        let mut position = 0;
        let mut next = || {
            position += 1;
            format!("${position}")
        };
        let join = if filter.subject.is_some() {
            clauses.push(format!("audit_subjects.subject_id = {}", next()));
            "JOIN audit_subjects ON audit_subjects.entry_id = audit_entries.id"
        } else {
            ""
        };
        if filter.actor.is_some() {
            clauses.push(format!("audit_entries.actor_id = {}", next()));
        }
        if filter.from.is_some() {
            clauses.push(format!("audit_entries.at >= {}", next()));
        }
        if filter.to.is_some() {
            clauses.push(format!("audit_entries.at < {}", next()));
        }
        if filter.agency.is_some() {
            let agency = next();
            clauses.push(format!(
                "(audit_entries.actor_id IN (SELECT id FROM users WHERE agency_id = {agency})
                  OR EXISTS (SELECT 1 FROM audit_subjects held WHERE held.entry_id = audit_entries.id AND (
                     (held.kind = 'case' AND held.subject_id IN (SELECT id FROM cases WHERE agency_id = {agency}))
                  OR (held.kind = 'person' AND (held.subject_id IN (SELECT id FROM persons WHERE registered_by_agency_id = {agency})
                      OR held.subject_id IN (SELECT person_id FROM person_access WHERE agency_id = {agency})))
                  OR (held.kind = 'referral' AND held.subject_id IN
                      (SELECT id FROM referrals WHERE from_agency_id = {agency} OR to_agency_id = {agency}))
                  OR (held.kind = 'user' AND held.subject_id IN (SELECT id FROM users WHERE agency_id = {agency}))
                  OR (held.kind = 'office' AND held.subject_id IN (SELECT id FROM offices WHERE agency_id = {agency}))
                  OR (held.kind = 'agency' AND held.subject_id = {agency})
                  OR (held.kind = 'protocol' AND held.subject_id IN
                      (SELECT id FROM protocols WHERE agency_a_id = {agency} OR agency_b_id = {agency}))
                  OR (held.kind = 'court_order' AND held.subject_id IN
                      (SELECT court_orders.id FROM court_orders JOIN cases ON cases.id = court_orders.case_id
                       WHERE cases.agency_id = {agency}))
                  OR (held.kind = 'visit' AND held.subject_id IN
                      (SELECT visits.id FROM visits JOIN court_orders ON court_orders.id = visits.order_id
                       JOIN cases ON cases.id = court_orders.case_id WHERE cases.agency_id = {agency}))
                  OR (held.kind = 'consultation' AND held.subject_id IN (SELECT id FROM consultations WHERE agency_id = {agency}))
                  OR (held.kind = 'activity' AND held.subject_id IN (SELECT id FROM activities WHERE agency_id = {agency})))))"
            ));
        }
        let limit = next();
        let condition = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        // A record's or a user's history reads from its beginning; the whole log's from its end.
        let sql = if filter.subject.is_some() || filter.actor.is_some() {
            format!(
                "SELECT audit_entries.id, audit_entries.record FROM audit_entries {join} {condition}
                 ORDER BY audit_entries.id LIMIT {limit}"
            )
        } else {
            format!(
                "SELECT id, record FROM (SELECT audit_entries.id, audit_entries.record FROM audit_entries {condition}
                 ORDER BY audit_entries.id DESC LIMIT {limit}) AS tail ORDER BY id"
            )
        };
        // Only fixed column names and numbered placeholders are spliced in; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(subject) = filter.subject {
            query = query.bind(subject.hyphenated().to_string());
        }
        if let Some(actor) = filter.actor {
            query = query.bind(crate::codec::id_text(actor));
        }
        if let Some(from) = filter.from {
            query = query.bind(micros(from));
        }
        if let Some(to) = filter.to {
            query = query.bind(micros(to));
        }
        if let Some(agency) = filter.agency {
            query = query.bind(crate::codec::id_text(agency));
        }
        let rows = query.bind(filter.limit).fetch_all(&mut *self.transaction).await?;
        rows.iter().map(|row| entry_from(&Columns::new(row, "audit_entries"))).collect()
    }

    /// How many entries the log holds.
    pub async fn audit_count(&mut self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS total FROM audit_entries").fetch_one(&mut *self.transaction).await?;
        Columns::new(&row, "audit_entries").int("total")
    }
}

/// An audit row exactly as stored, for verification: nothing decoded or trusted.
#[derive(Debug, Clone)]
pub struct RawAuditRow {
    /// Append position.
    pub id: i64,
    /// Merkle leaf index, once sequenced.
    pub leaf_index: Option<i64>,
    /// Stored leaf hash.
    pub leaf_hash: Option<Vec<u8>>,
    /// Stored MAC.
    pub mac: Option<Vec<u8>>,
    /// Stored canonical record.
    pub record: Vec<u8>,
    /// The searchable copies of the record's fields.
    pub at: i64,
    /// Actor column.
    pub actor_id: Option<String>,
    /// Action column.
    pub action: String,
    /// Outcome column.
    pub outcome: String,
    /// The entry-id column (version-2 records).
    pub entry_uuid: Option<String>,
}

/// A signed tree head as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTreeHead {
    /// Number of leaves.
    pub tree_size: i64,
    /// Root hash.
    pub root: Vec<u8>,
    /// When it was signed (microseconds).
    pub signed_at: i64,
    /// Ed25519 signature.
    pub signature: Vec<u8>,
    /// Id of the signing key.
    pub key_id: String,
}

impl Tx {
    /// Gives the entries that are not yet in the Merkle tree their leaf index and leaf
    /// hash, in append order, from the current tree size on; returns the new tree size.
    /// On PostgreSQL a transaction-scoped advisory lock makes sequencers take turns, so
    /// each index is given once; an entry whose transaction commits later than a larger
    /// id simply gets the next index then.
    ///
    /// `genuine` checks an entry's MAC and that its entry-id column is its record's: an
    /// entry that fails (inserted behind the server's back) is never given a place in
    /// the tree, and verification reports it. Neither is a second entry with the id of
    /// one already in the tree (a copy of an old entry, MAC and all).
    pub async fn sequence_audit(&mut self, limit: i64, genuine: &MacCheck) -> Result<i64, StoreError> {
        if self.dialect == crate::Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SEQUENCER_LOCK)
                .execute(&mut *self.transaction)
                .await?;
        }
        let mut next = self.audit_tree_size().await?;
        let rows = sqlx::query(
            "SELECT id, record, mac, entry_uuid FROM audit_entries WHERE leaf_index IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?;
        for row in &rows {
            let columns = Columns::new(row, "audit_entries");
            let record = columns.bytes("record")?;
            let entry_uuid = columns.opt_text("entry_uuid")?;
            if !genuine(&record, columns.opt_bytes("mac")?.as_deref(), entry_uuid.as_deref()) {
                tracing::error!(entry = columns.int("id")?, "audit entry with a wrong MAC left out of the tree");
                continue;
            }
            if let Some(entry_uuid) = &entry_uuid {
                let sequenced = sqlx::query(
                    "SELECT id FROM audit_entries WHERE entry_uuid = $1 AND id <> $2 AND leaf_index IS NOT NULL",
                )
                .bind(entry_uuid)
                .bind(columns.int("id")?)
                .fetch_optional(&mut *self.transaction)
                .await?;
                if sequenced.is_some() {
                    tracing::error!(entry = columns.int("id")?, "a copy of an audit entry left out of the tree");
                    continue;
                }
            }
            let leaf = sila_domain::merkle::leaf_hash(&record);
            sqlx::query("UPDATE audit_entries SET leaf_index = $1, leaf_hash = $2 WHERE id = $3")
                .bind(next)
                .bind(leaf.to_vec())
                .bind(columns.int("id")?)
                .execute(&mut *self.transaction)
                .await?;
            next += 1;
        }
        Ok(next)
    }

    /// The number of leaves in the Merkle tree.
    pub async fn audit_tree_size(&mut self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(leaf_index) + 1, 0) AS size FROM audit_entries")
            .fetch_one(&mut *self.transaction)
            .await?;
        Columns::new(&row, "audit_entries").int("size")
    }

    /// The leaf hashes of the first `size` leaves, in tree order.
    pub async fn audit_leaf_hashes(&mut self, size: i64) -> Result<Vec<[u8; 32]>, StoreError> {
        let rows = sqlx::query(
            "SELECT leaf_hash FROM audit_entries WHERE leaf_index IS NOT NULL AND leaf_index < $1 ORDER BY leaf_index",
        )
        .bind(size)
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter()
            .map(|row| {
                Columns::new(row, "audit_entries")
                    .bytes("leaf_hash")?
                    .try_into()
                    .map_err(|_| StoreError::Corrupt { table: "audit_entries", column: "leaf_hash" })
            })
            .collect()
    }

    /// The entry at a leaf index.
    pub async fn audit_entry_at(&mut self, leaf_index: i64) -> Result<Option<AuditEntry>, StoreError> {
        let row = sqlx::query("SELECT id, record FROM audit_entries WHERE leaf_index = $1")
            .bind(leaf_index)
            .fetch_optional(&mut *self.transaction)
            .await?;
        row.as_ref().map(|row| entry_from(&Columns::new(row, "audit_entries"))).transpose()
    }

    /// A batch of sequenced raw rows in tree order, after leaf index `after`.
    pub async fn audit_raw_rows(&mut self, after: i64, limit: i64) -> Result<Vec<RawAuditRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, leaf_index, leaf_hash, mac, record, at, actor_id, action, outcome, entry_uuid FROM audit_entries
             WHERE leaf_index > $1 ORDER BY leaf_index LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?;
        raw_rows(&rows)
    }

    /// The entries not (yet) in the tree, in append order.
    pub async fn audit_unsequenced_rows(&mut self, limit: i64) -> Result<Vec<RawAuditRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, leaf_index, leaf_hash, mac, record, at, actor_id, action, outcome, entry_uuid FROM audit_entries
             WHERE leaf_index IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?;
        raw_rows(&rows)
    }

    /// The leaf hashes from leaf index `from` (inclusive) to `to` (exclusive).
    pub async fn audit_leaf_hash_range(&mut self, from: i64, to: i64) -> Result<Vec<[u8; 32]>, StoreError> {
        let rows = sqlx::query(
            "SELECT leaf_hash FROM audit_entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter()
            .map(|row| {
                Columns::new(row, "audit_entries")
                    .bytes("leaf_hash")?
                    .try_into()
                    .map_err(|_| StoreError::Corrupt { table: "audit_entries", column: "leaf_hash" })
            })
            .collect()
    }
}

fn raw_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<RawAuditRow>, StoreError> {
    {
        rows.iter()
            .map(|row| {
                let columns = Columns::new(row, "audit_entries");
                Ok(RawAuditRow {
                    id: columns.int("id")?,
                    leaf_index: columns.opt_int("leaf_index")?,
                    leaf_hash: columns.opt_bytes("leaf_hash")?,
                    mac: columns.opt_bytes("mac")?,
                    record: columns.bytes("record")?,
                    at: columns.int("at")?,
                    actor_id: columns.opt_text("actor_id")?,
                    action: columns.text("action")?,
                    outcome: columns.text("outcome")?,
                    entry_uuid: columns.opt_text("entry_uuid")?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// The subjects indexed for an entry (to check them against its record).
    pub async fn audit_subject_ids(&mut self, entry_id: i64) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query("SELECT kind, subject_id FROM audit_subjects WHERE entry_id = $1 ORDER BY kind, subject_id")
            .bind(entry_id)
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| {
                let columns = Columns::new(row, "audit_subjects");
                Ok((columns.text("kind")?, columns.text("subject_id")?))
            })
            .collect()
    }

    /// Stores a signed tree head (once per size).
    pub async fn insert_tree_head(&mut self, head: &StoredTreeHead) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tree_heads (tree_size, root, signed_at, signature, key_id) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .bind(head.tree_size)
        .bind(head.root.clone())
        .bind(head.signed_at)
        .bind(head.signature.clone())
        .bind(&head.key_id)
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Every signed tree head, smallest first.
    pub async fn tree_heads(&mut self) -> Result<Vec<StoredTreeHead>, StoreError> {
        sqlx::query("SELECT tree_size, root, signed_at, signature, key_id FROM tree_heads ORDER BY tree_size")
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| tree_head_from(&Columns::new(row, "tree_heads")))
            .collect()
    }

    /// The signed tree head of the largest tree.
    pub async fn latest_tree_head(&mut self) -> Result<Option<StoredTreeHead>, StoreError> {
        let row = sqlx::query(
            "SELECT tree_size, root, signed_at, signature, key_id FROM tree_heads ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| tree_head_from(&Columns::new(row, "tree_heads"))).transpose()
    }
}

/// Checks an entry: `(record, stored MAC, stored entry id) → genuine?`.
pub type MacCheck = dyn Fn(&[u8], Option<&[u8]>, Option<&str>) -> bool + Send + Sync;

/// Arbitrary constant naming the audit sequencer's lock on PostgreSQL.
const SEQUENCER_LOCK: i64 = 0x5157_4c41_0002;

fn tree_head_from(columns: &Columns<'_>) -> Result<StoredTreeHead, StoreError> {
    Ok(StoredTreeHead {
        tree_size: columns.int("tree_size")?,
        root: columns.bytes("root")?,
        signed_at: columns.int("signed_at")?,
        signature: columns.bytes("signature")?,
        key_id: columns.text("key_id")?,
    })
}

fn entry_from(columns: &Columns<'_>) -> Result<AuditEntry, StoreError> {
    let bytes = columns.bytes("record")?;
    let record =
        AuditRecord::decode(&bytes).map_err(|_| StoreError::Corrupt { table: "audit_entries", column: "record" })?;
    Ok(AuditEntry { id: columns.int("id")?, record, bytes })
}
