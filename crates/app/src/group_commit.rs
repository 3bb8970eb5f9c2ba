//! Audit entries of reads and refusals, appended in group commits.
//!
//! A read changes nothing, so it runs on a reading transaction (many at once); what it
//! showed must still be on the audit log before the answer leaves. Giving each read a
//! write transaction of its own would queue every reader behind the one SQLite writer
//! and one fsync each. Instead each read queues its entry here and waits: one
//! committer at a time takes every entry waiting (up to [`BATCH_MAX`]), appends them in
//! one write transaction — one commit, one fsync — and then answers each waiting
//! request. A read arriving while a batch commits waits for the next, which carries it
//! with everything else that arrived meanwhile, so the busier the server, the fuller
//! each batch.
//!
//! Failure modes: if the batch's transaction fails, none of its entries is stored and
//! every request in it is answered with the error (503 when the database is
//! saturated) — the data it read is never sent. A committer runs as a task of its own,
//! so a request given up half-way (its client gone, its time limit reached) neither
//! cuts a batch short nor loses another request's entry. A server killed mid-batch
//! loses the entries of that batch, whose requests had not been answered.
//!
//! Writes keep their entry in their own transaction (`App::finish`): a change and its
//! entry commit together or not at all.

use std::sync::{Arc, Mutex, PoisonError};

use sila_domain::audit::AuditRecord;
use sila_store::Store;
use tokio::sync::oneshot;

use crate::AppError;

/// The most entries one transaction appends (a bound on its size, not a target).
pub(crate) const BATCH_MAX: usize = 256;

/// An entry waiting for its commit, and the request waiting for it.
struct Waiting {
    record: AuditRecord,
    mac: Vec<u8>,
    committed: oneshot::Sender<Result<(), AppError>>,
}

/// The queue of entries waiting, shared by every clone of the application.
#[derive(Default)]
pub(crate) struct GroupCommit {
    waiting: Mutex<Vec<Waiting>>,
    /// One committer at a time.
    committing: tokio::sync::Mutex<()>,
    /// Batches committed and entries in them, for the benchmarks and the tests.
    batches: std::sync::atomic::AtomicU64,
    entries: std::sync::atomic::AtomicU64,
}

impl GroupCommit {
    /// Queues an entry and waits until the batch that carries it is committed.
    pub(crate) async fn append(
        self: &Arc<GroupCommit>,
        store: &Store,
        record: AuditRecord,
        mac: Vec<u8>,
    ) -> Result<(), AppError> {
        let (committed, answer) = oneshot::channel();
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).push(Waiting { record, mac, committed });
        let queue = self.clone();
        let store = store.clone();
        tokio::spawn(async move { queue.commit_waiting(&store).await });
        answer.await.unwrap_or_else(|_| Err(AppError::Internal("an audit batch ended without an answer".into())))
    }

    /// Commits whatever is waiting (another committer may have taken it already).
    async fn commit_waiting(&self, store: &Store) {
        let _committing = self.committing.lock().await;
        let batch: Vec<Waiting> = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let count = waiting.len().min(BATCH_MAX);
            waiting.drain(..count).collect()
        };
        if batch.is_empty() {
            return;
        }
        let written = async {
            let mut tx = store.write().await?;
            for entry in &batch {
                tx.append_audit(&entry.record, &entry.mac).await?;
            }
            tx.commit().await
        }
        .await;
        let outcome = written.map_err(AppError::from);
        if outcome.is_ok() {
            use std::sync::atomic::Ordering::Relaxed;
            self.batches.fetch_add(1, Relaxed);
            self.entries.fetch_add(batch.len() as u64, Relaxed);
        }
        for entry in batch {
            // A request that has gone away no longer waits for its answer.
            let _ = entry.committed.send(outcome.clone());
        }
    }

    /// Takes the committer's place (tests only: nothing commits until it is dropped).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) async fn hold(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.committing.lock().await
    }

    /// Entries waiting for a batch.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Batches committed and the entries they carried, since start.
    pub(crate) fn figures(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.batches.load(Relaxed), self.entries.load(Relaxed))
    }
}
