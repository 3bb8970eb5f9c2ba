//! Sign-in sessions (stored by the hash of their token, so a copy of the database does
//! not hold usable cookies) and idempotency keys of write requests.

use jiff::Timestamp;
use sila_domain::ids::UserId;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user.
    pub user_id: UserId,
    /// When it started.
    pub created_at: Timestamp,
    /// Last request.
    pub last_seen_at: Timestamp,
    /// Absolute end.
    pub expires_at: Timestamp,
    /// When it was ended by sign-out or an administrator.
    pub revoked_at: Option<Timestamp>,
    /// The session may only enrol in two-factor sign-in.
    pub restricted: bool,
}

/// The field an idempotent answer is sealed as (with the owner's id as associated data).
const ANSWER_FIELD: &str = "idempotency.answer";

/// A response stored for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body (kept sealed; empty when the record it was sealed under was shredded).
    pub body: String,
}

/// What claiming an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new (or an abandoned claim was taken over): run the request.
    Claimed,
    /// The key was used for this same request: here is the first answer.
    Replay(IdempotentResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running (or committed without its
    /// answer being stored): the client should not run it again.
    InProgress,
}

impl Tx {
    /// Stores a new session.
    pub async fn insert_session(&mut self, token_hash: &str, session: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, restricted)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(id_text(session.user_id))
        .bind(micros(session.created_at))
        .bind(micros(session.last_seen_at))
        .bind(micros(session.expires_at))
        .bind(i64::from(session.restricted))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A session by the hash of its token.
    pub async fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, created_at, last_seen_at, expires_at, revoked_at, restricted FROM sessions
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref()
            .map(|row| {
                let columns = Columns::new(row, "sessions");
                Ok(SessionRecord {
                    user_id: columns.id("user_id")?,
                    created_at: columns.instant("created_at")?,
                    last_seen_at: columns.instant("last_seen_at")?,
                    expires_at: columns.instant("expires_at")?,
                    revoked_at: columns.opt_instant("revoked_at")?,
                    restricted: columns.flag("restricted")?,
                })
            })
            .transpose()
    }

    /// Records activity on a session.
    pub async fn touch_session(&mut self, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(micros(at))
            .bind(token_hash)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn revoke_session(&mut self, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(token_hash)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Claims an idempotency key for a request. A claim older than `stale_before` that
    /// never committed belongs to a request that died before writing anything, so it
    /// is taken over rather than blocking the key forever.
    pub async fn claim_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
        stale_before: Timestamp,
        expired_before: Timestamp,
    ) -> Result<IdempotencyClaim, StoreError> {
        // A key older than the retention is forgotten: its answer too.
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2")
            .bind(id_text(user))
            .bind(micros(expired_before))
            .execute(&mut *self.transaction)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, committed, created_at)
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id_text(user))
        .bind(key)
        .bind(request_hash)
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let row = sqlx::query(
            "SELECT request_hash, committed, status, owner_id, sealed_body, created_at FROM idempotency_keys
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(id_text(user))
        .bind(key)
        .fetch_one(&mut *self.transaction)
        .await?;
        let columns = Columns::new(&row, "idempotency_keys");
        if columns.text("request_hash")? != request_hash {
            return Ok(IdempotencyClaim::Mismatch);
        }
        if let Some(status) = columns.opt_int("status")? {
            let status = u16::try_from(status)
                .map_err(|_| StoreError::Corrupt { table: "idempotency_keys", column: "status" })?;
            let body = match (columns.opt_text("owner_id")?, columns.opt_bytes("sealed_body")?) {
                (Some(owner), Some(sealed)) => {
                    let owner = uuid::Uuid::try_parse(&owner)
                        .map_err(|_| StoreError::Corrupt { table: "idempotency_keys", column: "owner_id" })?;
                    self.open(owner, ANSWER_FIELD, "idempotency_keys", &sealed).await?.unwrap_or_default()
                }
                _ => String::new(),
            };
            return Ok(IdempotencyClaim::Replay(IdempotentResponse { status, body }));
        }
        if !columns.flag("committed")? && columns.instant("created_at")? < stale_before {
            sqlx::query("UPDATE idempotency_keys SET created_at = $1 WHERE user_id = $2 AND idempotency_key = $3")
                .bind(micros(at))
                .bind(id_text(user))
                .bind(key)
                .execute(&mut *self.transaction)
                .await?;
            return Ok(IdempotencyClaim::Claimed);
        }
        Ok(IdempotencyClaim::InProgress)
    }

    /// Marks, inside the transaction of the write itself, that the request holding the
    /// key has committed its change: from then on the key is never taken over. `owner`
    /// is the record whose data key will seal the answer (and whose shredding deletes it).
    pub async fn mark_idempotency_committed(
        &mut self,
        user: UserId,
        key: &str,
        owner: uuid::Uuid,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE idempotency_keys SET committed = 1, owner_id = $1 WHERE user_id = $2 AND idempotency_key = $3",
        )
        .bind(owner.hyphenated().to_string())
        .bind(id_text(user))
        .bind(key)
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Deletes the stored answers of writes that concerned these records (a shredded
    /// case and its referrals).
    pub async fn delete_idempotent_answers_of(&mut self, owners: &[uuid::Uuid]) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for owner in owners {
            deleted += sqlx::query("DELETE FROM idempotency_keys WHERE owner_id = $1")
                .bind(owner.hyphenated().to_string())
                .execute(&mut *self.transaction)
                .await?
                .rows_affected();
        }
        Ok(deleted)
    }

    /// Forgets every idempotency key (and answer) older than `before`.
    pub async fn purge_idempotency_keys(&mut self, before: Timestamp) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(micros(before))
            .execute(&mut *self.transaction)
            .await?
            .rows_affected())
    }

    /// Stores the answer given to the request holding the key, sealed under the data key
    /// of the record its write concerned (the user's own when none was marked).
    pub async fn store_idempotent_response(
        &mut self,
        user: UserId,
        key: &str,
        response: &IdempotentResponse,
    ) -> Result<(), StoreError> {
        let owner = sqlx::query("SELECT owner_id FROM idempotency_keys WHERE user_id = $1 AND idempotency_key = $2")
            .bind(id_text(user))
            .bind(key)
            .fetch_optional(&mut *self.transaction)
            .await?
            .as_ref()
            .map(|row| Columns::new(row, "idempotency_keys").opt_text("owner_id"))
            .transpose()?
            .flatten()
            .and_then(|owner| uuid::Uuid::try_parse(&owner).ok());
        let owner = owner.unwrap_or(user.as_uuid());
        let sealed = match self.seal(owner, ANSWER_FIELD, &response.body).await {
            Ok(sealed) => Some(sealed),
            // The record was shredded meanwhile: keep the status, not the answer.
            Err(StoreError::Shredded) => None,
            Err(other) => return Err(other),
        };
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, owner_id = $2, sealed_body = $3
             WHERE user_id = $4 AND idempotency_key = $5",
        )
        .bind(i64::from(response.status))
        .bind(owner.hyphenated().to_string())
        .bind(sealed)
        .bind(id_text(user))
        .bind(key)
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Forgets a key whose request failed before writing anything, so that a retry
    /// runs again.
    pub async fn release_idempotency_key(&mut self, user: UserId, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND idempotency_key = $2 AND committed = 0")
            .bind(id_text(user))
            .bind(key)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }
}
