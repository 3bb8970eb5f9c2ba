//! The tamper-evident audit log: entries become leaves of an RFC 6962 Merkle tree, the
//! tree's head is signed with the server's Ed25519 key, inclusion and consistency proofs
//! are served to auditors, and [`App::verify_audit_log`] recomputes everything and names
//! the first entry that was altered, forged or removed.

use std::sync::Mutex;

use jiff::Timestamp;
use sila_domain::audit::AuditRecord;
use sila_domain::merkle::{self, CompactRange, Hash};
use sila_store::{RawAuditRow, StoredTreeHead};

use sila_reports::court::{TreeHead, hex, unhex};
use sila_store::MasterKey;

use crate::access::{Action, Decision, Resource};
use crate::keys::{AuditKey, verify_signature};
use crate::{Actor, App, AppError};

/// A signed statement of the log's size and root at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// Number of entries in the tree.
    pub tree_size: u64,
    /// The Merkle root.
    pub root: Hash,
    /// When it was signed.
    pub signed_at: Timestamp,
    /// Ed25519 signature over [`SignedTreeHead::message`].
    pub signature: Vec<u8>,
    /// Id of the signing key.
    pub key_id: String,
}

impl SignedTreeHead {
    /// The bytes that are signed: `"SILA-STH" 0x01`, size (u64), time (i64 µs), root.
    pub fn message(tree_size: u64, signed_at: Timestamp, root: &Hash) -> Vec<u8> {
        let mut message = Vec::with_capacity(9 + 8 + 8 + 32);
        message.extend_from_slice(b"SILA-STH");
        message.push(1);
        message.extend_from_slice(&tree_size.to_be_bytes());
        message.extend_from_slice(&signed_at.as_microsecond().to_be_bytes());
        message.extend_from_slice(root);
        message
    }

    /// [`SignedTreeHead::message`] for a time in microseconds.
    pub fn message_at(tree_size: u64, signed_at_us: i64, root: &[u8]) -> Vec<u8> {
        sila_reports::court::tree_head_message(tree_size, signed_at_us, root)
    }

    /// The head as carried outside the database (the witness file, a court report).
    pub fn carried(&self, public_key: &[u8; 32]) -> TreeHead {
        TreeHead {
            tree_size: self.tree_size,
            root_hash: hex(&self.root),
            signed_at_us: self.signed_at.as_microsecond(),
            signed_at: self.signed_at.to_string(),
            signature: hex(&self.signature),
            public_key: hex(public_key),
        }
    }

    /// Whether the signature holds for `public_key`.
    pub fn verify(&self, public_key: &[u8]) -> bool {
        verify_signature(
            public_key,
            &SignedTreeHead::message(self.tree_size, self.signed_at, &self.root),
            &self.signature,
        )
    }

    fn from_stored(head: &StoredTreeHead) -> Result<SignedTreeHead, AppError> {
        Ok(SignedTreeHead {
            tree_size: u64::try_from(head.tree_size).map_err(|_| AppError::Internal("negative tree size".into()))?,
            root: head.root.as_slice().try_into().map_err(|_| AppError::Internal("tree head root length".into()))?,
            signed_at: Timestamp::from_microsecond(head.signed_at)
                .map_err(|_| AppError::Internal("tree head time".into()))?,
            signature: head.signature.clone(),
            key_id: head.key_id.clone(),
        })
    }
}

/// Where each new signed tree head is also written, out of the database writer's reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Witness {
    /// An append-only file, one head per line (JSON), 0600, synced after each line —
    /// by default `audit-heads.log` beside the key files.
    pub file: Option<std::path::PathBuf>,
    /// A syslog socket (`/dev/log`, or a relay's) that each head is sent to as well.
    pub syslog: Option<std::path::PathBuf>,
}

/// An inclusion proof of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The entry's leaf index.
    pub leaf_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The entry's leaf hash.
    pub leaf_hash: Hash,
    /// The audit path.
    pub proof: Vec<Hash>,
    /// The root of the tree of that size.
    pub root: Hash,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The earlier size.
    pub first: u64,
    /// The later size.
    pub second: u64,
    /// The proof.
    pub proof: Vec<Hash>,
    /// The earlier root.
    pub first_root: Hash,
    /// The later root.
    pub second_root: Hash,
}

/// What is wrong with the log, naming the entry or tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogProblem {
    /// An entry's bytes, MAC, leaf hash or searchable columns do not agree.
    Altered {
        /// Its append position.
        entry_id: i64,
        /// Its leaf index, if sequenced.
        leaf_index: Option<i64>,
        /// What disagrees.
        what: &'static str,
    },
    /// A leaf index has no entry (a row was deleted).
    Missing {
        /// The missing leaf index.
        leaf_index: i64,
    },
    /// A signed tree head does not match the entries, or its signature fails.
    TreeHead {
        /// Its size.
        tree_size: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// An entry carries the id of an earlier one: a copy of it, MAC and all.
    Copied {
        /// The copy's append position.
        entry_id: i64,
        /// Its leaf index, if sequenced.
        leaf_index: Option<i64>,
        /// The append position of the entry it copies.
        original: i64,
    },
    /// The log holds fewer entries than a head witnessed outside the database: its tail
    /// was cut (and the database's own newer heads with it).
    Truncated {
        /// The size of the largest witnessed head.
        witnessed: u64,
        /// The size of the log found.
        found: u64,
    },
    /// A head witnessed outside the database does not match the log's first entries, or
    /// its signature fails.
    Witness {
        /// Its size.
        tree_size: u64,
        /// What is wrong.
        what: &'static str,
    },
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogProblem::Altered { entry_id, leaf_index: Some(index), what } => {
                write!(f, "entry {entry_id} (leaf {index}) was altered: {what}")
            }
            LogProblem::Altered { entry_id, leaf_index: None, what } => {
                write!(f, "entry {entry_id} (not yet in the tree) was altered: {what}")
            }
            LogProblem::Missing { leaf_index } => write!(f, "the entry at leaf {leaf_index} is missing"),
            LogProblem::TreeHead { tree_size, what } => write!(f, "the signed tree head of size {tree_size}: {what}"),
            LogProblem::Copied { entry_id, leaf_index, original } => match leaf_index {
                Some(index) => write!(f, "entry {entry_id} (leaf {index}) is a copy of entry {original}"),
                None => write!(f, "entry {entry_id} (not yet in the tree) is a copy of entry {original}"),
            },
            LogProblem::Truncated { witnessed, found } => write!(
                f,
                "the log holds {found} entries but a head of {witnessed} was witnessed outside the database: its tail was cut"
            ),
            LogProblem::Witness { tree_size, what } => write!(f, "the witnessed tree head of size {tree_size}: {what}"),
        }
    }
}

/// The result of recomputing the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries in the tree.
    pub tree_size: u64,
    /// Entries not (yet) in the tree.
    pub pending: u64,
    /// Signed tree heads checked.
    pub heads_checked: usize,
    /// Heads witnessed outside the database that were checked.
    pub witnessed_checked: usize,
    /// Whether each entry's MAC was checked (only with the MAC key).
    pub macs_checked: bool,
    /// The first problem found, in log order; `None` when the log is intact.
    pub first_problem: Option<LogProblem>,
}

/// The root of the tree as far as this process has read it, so that a new tree head
/// costs the new leaves only, not the whole log.
#[derive(Debug, Default)]
pub(crate) struct RootCache(Mutex<CompactRange>);

const BATCH: i64 = 5_000;

impl App {
    /// Puts pending entries into the tree and, when it grew, signs a new tree head.
    pub async fn sequence_and_sign(&self) -> Result<SignedTreeHead, AppError> {
        let key = self.audit_key.clone();
        let genuine = move |record: &[u8], mac: Option<&[u8]>, entry: Option<&str>| {
            let entry_of_record = AuditRecord::decode(record).ok().map(|decoded| decoded.entry);
            mac.is_some_and(|mac| mac == key.mac(record))
                && entry_of_record.is_some_and(|id| id.map(|id| id.hyphenated().to_string()).as_deref() == entry)
        };
        let mut tx = self.store.write().await?;
        let size = tx.sequence_audit(10_000, &genuine).await?;
        let latest = tx.latest_tree_head().await?;
        if let Some(latest) = &latest
            && latest.tree_size == size
        {
            tx.commit().await?;
            return SignedTreeHead::from_stored(latest);
        }
        let root = self.root_of(&mut tx, size).await?;
        let signed_at = self.now();
        let tree_size = u64::try_from(size).map_err(|_| AppError::Internal("negative tree size".into()))?;
        let signature = self.audit_key.sign(&SignedTreeHead::message(tree_size, signed_at, &root)).to_vec();
        let head = SignedTreeHead { tree_size, root, signed_at, signature, key_id: self.audit_key.id().to_string() };
        tx.insert_tree_head(&StoredTreeHead {
            tree_size: size,
            root: root.to_vec(),
            signed_at: signed_at.as_microsecond(),
            signature: head.signature.clone(),
            key_id: head.key_id.clone(),
        })
        .await?;
        tx.commit().await?;
        self.witness(&head);
        Ok(head)
    }

    /// Writes a new signed head where the database's writer cannot rewrite it: a line
    /// appended (and synced) to the witness file, and a message to the witness syslog.
    /// A failure is logged loudly and does not undo the head.
    fn witness(&self, head: &SignedTreeHead) {
        let witness = &self.config.witness;
        if witness.file.is_none() && witness.syslog.is_none() {
            return;
        }
        let line = match serde_json::to_string(&head.carried(&self.audit_key.public_key())) {
            Ok(line) => line,
            Err(error) => {
                tracing::error!(error = %error, "could not write a witnessed tree head");
                return;
            }
        };
        if let Some(path) = &witness.file
            && let Err(error) = append_line(path, &line)
        {
            tracing::error!(error = %error, file = %path.display(), "could not append the tree head to the witness file");
        }
        #[cfg(unix)]
        if let Some(socket) = &witness.syslog {
            // RFC 3164 with facility 13 (log audit), severity 6 (informational).
            let message = format!("<110>sila: audit tree head {line}");
            let sent = std::os::unix::net::UnixDatagram::unbound()
                .and_then(|sender| sender.send_to(message.as_bytes(), socket).map(|_| ()));
            if let Err(error) = sent {
                tracing::error!(error = %error, socket = %socket.display(), "could not send the tree head to syslog");
            }
        }
    }

    /// The root of the first `size` leaves, extending this process's cached range.
    async fn root_of(&self, tx: &mut sila_store::Tx, size: i64) -> Result<Hash, AppError> {
        let start = {
            let cached = self.root_cache.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            i64::try_from(cached.size()).unwrap_or(i64::MAX)
        };
        let mut range = if start <= size {
            self.root_cache.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
        } else {
            CompactRange::new()
        };
        let mut from = i64::try_from(range.size()).unwrap_or(0);
        while from < size {
            let to = (from + BATCH).min(size);
            for leaf in tx.audit_leaf_hash_range(from, to).await? {
                range.push(leaf);
            }
            from = to;
        }
        if i64::try_from(range.size()).unwrap_or(-1) != size {
            return Err(AppError::Internal("the audit tree has a hole; run `sila audit verify`".into()));
        }
        let root = range.root();
        let mut cached = self.root_cache.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if range.size() > cached.size() {
            *cached = range;
        }
        Ok(root)
    }

    /// The latest signed tree head (signing a new one when the log grew). Auditors.
    pub async fn tree_head(&self, actor: &Actor) -> Result<SignedTreeHead, AppError> {
        if !self.verdict(actor, Action::ReadAudit, Resource::Nothing).allowed {
            let mut audit = crate::audit::Audit::new(Some(actor), "audit.tree_head");
            self.authorize(&mut audit, actor, Action::ReadAudit, Resource::Nothing);
            self.audit_failure(&audit, &AppError::Forbidden).await;
            return Err(AppError::Forbidden);
        }
        self.sequence_and_sign().await
    }

    /// An inclusion proof of the entry at `leaf_index` in the tree of `tree_size`.
    pub async fn inclusion_proof(
        &self,
        actor: &Actor,
        leaf_index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, AppError> {
        let (leaves, _) = self.proof_leaves(actor, "audit.proof.inclusion", tree_size).await?;
        let index = usize::try_from(leaf_index).unwrap_or(usize::MAX);
        let proof = merkle::inclusion_proof(&leaves, index)
            .ok_or_else(|| AppError::invalid("index", sila_domain::Problem::UnknownValue))?;
        Ok(InclusionProof { leaf_index, tree_size, leaf_hash: leaves[index], proof, root: merkle::root(&leaves) })
    }

    /// A consistency proof between the trees of `first` and `second` entries.
    pub async fn consistency_proof(
        &self,
        actor: &Actor,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, AppError> {
        if first == 0 || first > second {
            return Err(AppError::invalid("first", sila_domain::Problem::UnknownValue));
        }
        let (leaves, _) = self.proof_leaves(actor, "audit.proof.consistency", second).await?;
        let split = usize::try_from(first).unwrap_or(usize::MAX);
        let proof = merkle::consistency_proof(&leaves, split)
            .ok_or_else(|| AppError::invalid("first", sila_domain::Problem::UnknownValue))?;
        Ok(ConsistencyProof {
            first,
            second,
            proof,
            first_root: merkle::root(&leaves[..split]),
            second_root: merkle::root(&leaves),
        })
    }

    async fn proof_leaves(
        &self,
        actor: &Actor,
        action: &'static str,
        tree_size: u64,
    ) -> Result<(Vec<Hash>, u64), AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, action).await?;
        audit.detail("tree_size", &tree_size.to_string());
        let result = async {
            if self.authorize(&mut audit, actor, Action::ReadAudit, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let size = i64::try_from(tree_size)
                .map_err(|_| AppError::invalid("tree_size", sila_domain::Problem::UnknownValue))?;
            let current = tx.audit_tree_size().await?;
            if size == 0 || size > current {
                return Err(AppError::invalid("tree_size", sila_domain::Problem::UnknownValue));
            }
            let leaves = tx.audit_leaf_hashes(size).await?;
            Ok((leaves, tree_size))
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Recomputes the whole log with the server's keys — every entry's MAC, leaf hash,
    /// id and columns, the leaf indices without gaps, every signed tree head — and signs
    /// nothing. Entries not yet in the tree are checked and counted as pending.
    pub async fn verify_audit_log(&self) -> Result<VerifyReport, AppError> {
        self.verify_audit_log_against(&[]).await
    }

    /// [`App::verify_audit_log`], also against heads witnessed outside the database (the
    /// witness file, a head printed on a court report): the log may not be smaller than
    /// any of them, and its first entries must hash to each one's root.
    pub async fn verify_audit_log_against(&self, witnessed: &[TreeHead]) -> Result<VerifyReport, AppError> {
        let mut tx = self.store.read().await?;
        verify_log(&mut tx, &self.audit_key.public_key(), Some(&self.audit_key), witnessed).await
    }
}

/// The audit log read with the published public key only — no master key, no MAC key,
/// no signing key — as an auditor outside the server checks it. It reads no sealed
/// content (the store it opens gets a throwaway master key that unwraps nothing) and
/// writes nothing.
pub struct AuditLogReader {
    store: sila_store::Store,
}

impl AuditLogReader {
    /// Opens the database at `url` (`schema`: a PostgreSQL schema, for tests).
    pub async fn open(url: &str, schema: Option<String>) -> Result<AuditLogReader, AppError> {
        let mut options =
            sila_store::StoreOptions::new(url, sila_store::MasterKeys::new(MasterKey::generate(), Vec::new()));
        options.schema = schema;
        options.max_connections = 1;
        let store = sila_store::Store::connect(&options).await?;
        Ok(AuditLogReader { store })
    }

    /// Recomputes the tree and checks every signed head against `public_key`, and
    /// against the witnessed heads; each entry's MAC needs the MAC key and is not checked.
    pub async fn verify(&self, public_key: &[u8; 32], witnessed: &[TreeHead]) -> Result<VerifyReport, AppError> {
        let mut tx = self.store.read().await?;
        verify_log(&mut tx, public_key, None, witnessed).await
    }

    /// Closes the connection.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Reads heads kept outside the database: a witness file (one head per line), one head,
/// or a court report (its `tree_head`).
pub fn read_witnessed_heads(text: &str) -> Result<Vec<TreeHead>, String> {
    let text = text.trim();
    if let Ok(report) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(head) = report.get("tree_head")
    {
        return serde_json::from_value(head.clone()).map(|head| vec![head]).map_err(|error| error.to_string());
    }
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(number, line)| {
            serde_json::from_str::<TreeHead>(line).map_err(|error| format!("line {}: {error}", number + 1))
        })
        .collect()
}

/// Appends one line to a file readable by the server's account only, and syncs it.
fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_data()
}

/// The whole check, on one read transaction: entries in tree order (MACs when `macs`
/// is given), the database's signed heads, the witnessed heads, then the pending
/// entries.
async fn verify_log(
    tx: &mut sila_store::Tx,
    public_key: &[u8; 32],
    macs: Option<&AuditKey>,
    witnessed: &[TreeHead],
) -> Result<VerifyReport, AppError> {
    let heads = tx.tree_heads().await?;
    let mut heads = heads.iter().peekable();
    let mut witnessed: Vec<&TreeHead> = witnessed.iter().collect();
    witnessed.sort_by_key(|head| head.tree_size);
    let mut witnessed = witnessed.into_iter().peekable();
    let mut witnessed_checked = 0;
    let mut range = CompactRange::new();
    let mut seen: std::collections::HashMap<uuid::Uuid, i64> = std::collections::HashMap::new();
    let mut expected_index = 0i64;
    let mut heads_checked = 0;
    let mut first_problem = None;
    let mut after = -1i64;
    // A witnessed head of size 0 says nothing; one whose signature fails is a problem.
    while let Some(head) = witnessed.next_if(|head| head.tree_size == 0) {
        witnessed_checked += 1;
        first_problem = first_problem.or(check_witnessed(head, &range, public_key));
    }
    'scan: loop {
        if first_problem.is_some() {
            break;
        }
        let rows = tx.audit_raw_rows(after, BATCH).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let index = row.leaf_index.unwrap_or(-1);
            if index != expected_index {
                first_problem = Some(LogProblem::Missing { leaf_index: expected_index });
                break 'scan;
            }
            if let Some(problem) = check_row(tx, row, macs, &mut seen).await? {
                first_problem = Some(problem);
                break 'scan;
            }
            let leaf = merkle::leaf_hash(&row.record);
            range.push(leaf);
            expected_index += 1;
            after = index;
            while let Some(head) = heads.next_if(|head| head.tree_size == expected_index) {
                heads_checked += 1;
                if let Some(problem) = check_head(head, &range, public_key) {
                    first_problem = Some(problem);
                    break 'scan;
                }
            }
            while let Some(head) = witnessed.next_if(|head| head.tree_size == range.size()) {
                witnessed_checked += 1;
                if let Some(problem) = check_witnessed(head, &range, public_key) {
                    first_problem = Some(problem);
                    break 'scan;
                }
            }
        }
    }
    if first_problem.is_none()
        && let Some(head) = witnessed.last()
    {
        // A head witnessed outside the database is larger than the log: its tail was
        // cut, whatever heads the database still holds.
        first_problem = Some(LogProblem::Truncated {
            witnessed: head.tree_size,
            found: u64::try_from(expected_index).unwrap_or(0),
        });
    }
    if first_problem.is_none()
        && let Some(head) = heads.next()
    {
        // A signed head larger than the log: entries at its end were removed.
        first_problem = Some(if head.tree_size > expected_index {
            LogProblem::Missing { leaf_index: expected_index }
        } else {
            LogProblem::TreeHead { tree_size: u64::try_from(head.tree_size).unwrap_or(0), what: "out of order" }
        });
    }
    let pending_rows = tx.audit_unsequenced_rows(BATCH).await?;
    if first_problem.is_none() {
        for row in &pending_rows {
            if let Some(problem) = check_row(tx, row, macs, &mut seen).await? {
                first_problem = Some(problem);
                break;
            }
        }
    }
    Ok(VerifyReport {
        tree_size: u64::try_from(expected_index).unwrap_or(0),
        pending: u64::try_from(pending_rows.len()).unwrap_or(0),
        heads_checked,
        witnessed_checked,
        macs_checked: macs.is_some(),
        first_problem,
    })
}

/// Checks one stored entry: its MAC (with the key), its leaf hash, that it decodes,
/// that its searchable columns, entry id and subject index are its record's, and that
/// no earlier entry has its id.
async fn check_row(
    tx: &mut sila_store::Tx,
    row: &RawAuditRow,
    macs: Option<&AuditKey>,
    seen: &mut std::collections::HashMap<uuid::Uuid, i64>,
) -> Result<Option<LogProblem>, AppError> {
    let altered = |what| Some(LogProblem::Altered { entry_id: row.id, leaf_index: row.leaf_index, what });
    if let Some(key) = macs
        && row.mac.as_deref() != Some(key.mac(&row.record).as_slice())
    {
        return Ok(altered("its MAC does not match its record"));
    }
    if let Some(stored) = &row.leaf_hash
        && stored.as_slice() != merkle::leaf_hash(&row.record).as_slice()
    {
        return Ok(altered("its leaf hash does not match its record"));
    }
    let Ok(record) = AuditRecord::decode(&row.record) else {
        return Ok(altered("its record does not decode"));
    };
    if record.at.as_microsecond() != row.at
        || record.actor.map(|actor| actor.to_string()) != row.actor_id
        || record.action != row.action
        || record.outcome.encoded() != row.outcome
        || record.entry.map(|entry| entry.hyphenated().to_string()) != row.entry_uuid
    {
        return Ok(altered("its columns differ from its record"));
    }
    if let Some(entry) = record.entry
        && let Some(original) = seen.insert(entry, row.id)
    {
        return Ok(Some(LogProblem::Copied { entry_id: row.id, leaf_index: row.leaf_index, original }));
    }
    let mut subjects: Vec<(String, String)> = record
        .subjects
        .iter()
        .map(|subject| (subject.kind.code().to_string(), subject.id.hyphenated().to_string()))
        .collect();
    subjects.sort();
    if tx.audit_subject_ids(row.id).await? != subjects {
        return Ok(altered("its subject index differs from its record"));
    }
    Ok(None)
}

/// Checks a witnessed head against the log's first `head.tree_size` leaves.
fn check_witnessed(head: &TreeHead, range: &CompactRange, public_key: &[u8; 32]) -> Option<LogProblem> {
    let tree_size = head.tree_size;
    let problem = |what| Some(LogProblem::Witness { tree_size, what });
    let (Some(root), Some(signature), Some(key)) =
        (unhex(&head.root_hash), unhex(&head.signature), unhex(&head.public_key))
    else {
        return problem("it is not hex");
    };
    if key.as_slice() != public_key.as_slice() {
        return problem("it was signed with another key than this log's");
    }
    if !verify_signature(public_key, &SignedTreeHead::message_at(tree_size, head.signed_at_us, &root), &signature) {
        return problem("its signature does not verify");
    }
    if root.as_slice() != range.root().as_slice() {
        return problem("the log's first entries do not hash to its root (they were rewritten)");
    }
    None
}

fn check_head(head: &StoredTreeHead, range: &CompactRange, public_key: &[u8]) -> Option<LogProblem> {
    let tree_size = u64::try_from(head.tree_size).unwrap_or(0);
    let Ok(signed_at) = Timestamp::from_microsecond(head.signed_at) else {
        return Some(LogProblem::TreeHead { tree_size, what: "its time is unreadable" });
    };
    let Ok(root) = <Hash>::try_from(head.root.as_slice()) else {
        return Some(LogProblem::TreeHead { tree_size, what: "its root is not 32 bytes" });
    };
    if !verify_signature(public_key, &SignedTreeHead::message(tree_size, signed_at, &root), &head.signature) {
        return Some(LogProblem::TreeHead { tree_size, what: "its signature does not verify" });
    }
    if range.root() != root {
        return Some(LogProblem::TreeHead {
            tree_size,
            what: "its root differs from the entries (an entry was rewritten)",
        });
    }
    None
}
