//! Idempotency keys of write requests, claimed before the request runs and completed
//! after (the use case itself marks the key committed inside its own transaction, with
//! the record whose data key will seal the answer). Answers are never kept in clear,
//! and are forgotten after the retention (a day by default).

use jiff::SignedDuration;
use sila_store::{IdempotencyClaim, IdempotentResponse};

use crate::{Actor, App, AppError};

impl App {
    /// Claims an idempotency key for a write request (see `sila_store::IdempotencyClaim`).
    /// A claim older than a minute that never committed is taken over.
    pub async fn claim_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyClaim, AppError> {
        let now = self.now();
        let stale_before = now.checked_sub(SignedDuration::from_mins(1)).unwrap_or(now);
        let expired_before = now.checked_sub(self.config.idempotency_retention).unwrap_or(now);
        let mut tx = self.store.write().await?;
        let claim =
            tx.claim_idempotency_key(actor.user.id, key, request_hash, now, stale_before, expired_before).await?;
        tx.commit().await?;
        Ok(claim)
    }

    /// Stores the answer of the request that holds the key, or releases the key when
    /// the request failed (nothing was written, so a retry may run again).
    pub async fn complete_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        response: Option<IdempotentResponse>,
    ) -> Result<(), AppError> {
        let mut tx = self.store.write().await?;
        match response {
            Some(response) => tx.store_idempotent_response(actor.user.id, key, &response).await?,
            None => tx.release_idempotency_key(actor.user.id, key).await?,
        }
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// Forgets the idempotency keys (and sealed answers) older than the retention;
    /// answers how many. Run by every server with the deadline monitor.
    pub async fn purge_idempotency_keys(&self) -> Result<u64, AppError> {
        let now = self.now();
        let before = now.checked_sub(self.config.idempotency_retention).unwrap_or(now);
        let mut tx = self.store.write().await?;
        let purged = tx.purge_idempotency_keys(before).await?;
        tx.commit().await?;
        Ok(purged)
    }
}
