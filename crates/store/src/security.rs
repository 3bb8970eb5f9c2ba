//! Sign-in security data: TOTP secrets (sealed with the user's data key), throttling of
//! failed sign-ins, and API tokens (stored as hashes).

use jiff::Timestamp;
use sila_domain::ids::UserId;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A user's two-factor state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpState {
    /// The base32 secret (pending until enrolled).
    pub secret: Option<String>,
    /// Whether the user confirmed a code and must use it at sign-in.
    pub enrolled: bool,
    /// The last time step accepted.
    pub last_step: i64,
}

/// Failed sign-ins under one key (an account or a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Attempts since the last success (or the last quiet spell).
    pub failures: i64,
    /// The last attempt counted.
    pub last_failure_at: Option<Timestamp>,
    /// Locked until this instant, if locked.
    pub locked_until: Option<Timestamp>,
}

/// An API token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: uuid::Uuid,
    /// Owner.
    pub user_id: UserId,
    /// A label.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Created at.
    pub created_at: Timestamp,
    /// Expires at.
    pub expires_at: Timestamp,
    /// Revoked at.
    pub revoked_at: Option<Timestamp>,
}

impl Tx {
    /// The user's two-factor state.
    pub async fn totp_state(&mut self, user: UserId) -> Result<TotpState, StoreError> {
        let row = sqlx::query("SELECT totp_secret, totp_enrolled, totp_last_step FROM users WHERE id = $1")
            .bind(id_text(user))
            .fetch_one(&mut *self.transaction)
            .await?;
        let columns = Columns::new(&row, "users");
        let secret = match columns.opt_bytes("totp_secret")? {
            Some(sealed) => self.open(user.as_uuid(), "totp", "users", &sealed).await?,
            None => None,
        };
        Ok(TotpState { secret, enrolled: columns.flag("totp_enrolled")?, last_step: columns.int("totp_last_step")? })
    }

    /// Stores a (pending or enrolled) TOTP secret for the user.
    pub async fn set_totp_secret(&mut self, user: UserId, secret: &str, enrolled: bool) -> Result<(), StoreError> {
        let sealed = self.seal(user.as_uuid(), "totp", secret).await?;
        sqlx::query("UPDATE users SET totp_secret = $1, totp_enrolled = $2, totp_last_step = 0 WHERE id = $3")
            .bind(sealed)
            .bind(i64::from(enrolled))
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Marks the pending secret as enrolled.
    pub async fn confirm_totp(&mut self, user: UserId, step: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_enrolled = 1, totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Records the step of an accepted code, only if it is newer than the last one
    /// (so two concurrent sign-ins with one code cannot both pass). Returns whether it was.
    pub async fn advance_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The throttle under `key`.
    pub async fn throttle(&mut self, key: &str) -> Result<Throttle, StoreError> {
        let row =
            sqlx::query("SELECT failures, last_failure_at, locked_until FROM sign_in_throttle WHERE throttle_key = $1")
                .bind(key)
                .fetch_optional(&mut *self.transaction)
                .await?;
        match row {
            None => Ok(Throttle { failures: 0, last_failure_at: None, locked_until: None }),
            Some(row) => {
                let columns = Columns::new(&row, "sign_in_throttle");
                Ok(Throttle {
                    failures: columns.int("failures")?,
                    last_failure_at: columns.opt_instant("last_failure_at")?,
                    locked_until: columns.opt_instant("locked_until")?,
                })
            }
        }
    }

    /// Claims one attempt under `key` before its credentials are checked, in one
    /// statement: when the key is not locked, its count goes up by one (starting again
    /// at one when the last attempt was before `fresh_after`) and, once the count reaches
    /// `lock_after`, the key is locked for `lock(count)` from `at` — so however many
    /// attempts arrive at once, no more than `lock_after` of them are ever evaluated in a
    /// window. Answers the new count, or `None` when the key is locked.
    ///
    /// `lock` is the list of lock durations in microseconds for the counts `lock_after`,
    /// `lock_after + 1`, …; the last one holds for every count after it.
    pub async fn claim_attempt(
        &mut self,
        key: &str,
        at: Timestamp,
        fresh_after: Timestamp,
        lock_after: i64,
        lock: &[i64],
    ) -> Result<Option<i64>, StoreError> {
        // The count the attempt makes: one after a quiet spell, else one more.
        let count = "(CASE WHEN sign_in_throttle.last_failure_at < $3 THEN 1 ELSE sign_in_throttle.failures + 1 END)";
        let lock_for = |count: &str| {
            let steps: String = lock
                .iter()
                .enumerate()
                .map(|(step, micros)| format!(" WHEN {count} = $4 + {step} THEN $2 + {micros}"))
                .collect();
            let last = lock.last().copied().unwrap_or(0);
            format!("CASE WHEN {count} < $4 THEN NULL{steps} ELSE $2 + {last} END")
        };
        let sql = format!(
            "INSERT INTO sign_in_throttle (throttle_key, failures, last_failure_at, locked_until)
             VALUES ($1, 1, $2, {first})
             ON CONFLICT (throttle_key) DO UPDATE SET failures = {count}, last_failure_at = $2, locked_until = {next}
             WHERE sign_in_throttle.locked_until IS NULL OR sign_in_throttle.locked_until <= $2
             RETURNING failures",
            first = lock_for("1"),
            next = lock_for(count),
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(micros(at))
            .bind(micros(fresh_after))
            .bind(lock_after)
            .fetch_optional(&mut *self.transaction)
            .await?;
        row.as_ref().map(|row| Columns::new(row, "sign_in_throttle").int("failures")).transpose()
    }

    /// Forgets the failures under `key` (after a successful sign-in).
    pub async fn clear_throttle(&mut self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Stores a new API token (its hash only).
    pub async fn insert_api_token(&mut self, token: &ApiToken, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, name, scope, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.id.hyphenated().to_string())
        .bind(id_text(token.user_id))
        .bind(token_hash)
        .bind(&token.name)
        .bind(&token.scope)
        .bind(micros(token.created_at))
        .bind(micros(token.expires_at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// The token with this hash.
    pub async fn api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, name, scope, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| token_from(&Columns::new(row, "api_tokens"))).transpose()
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens_of(&mut self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query(
            "SELECT id, user_id, name, scope, created_at, expires_at, revoked_at FROM api_tokens
             WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(id_text(user))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| token_from(&Columns::new(row, "api_tokens")))
        .collect()
    }

    /// Revokes a token. Returns `false` when there is no such live token.
    pub async fn revoke_api_token(&mut self, id: uuid::Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(id.hyphenated().to_string())
            .execute(&mut *self.transaction)
            .await?;
        Ok(result.rows_affected() == 1)
    }
}

fn token_from(columns: &Columns<'_>) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: uuid::Uuid::try_parse(&columns.text("id")?)
            .map_err(|_| StoreError::Corrupt { table: "api_tokens", column: "id" })?,
        user_id: columns.id("user_id")?,
        name: columns.text("name")?,
        scope: columns.text("scope")?,
        created_at: columns.instant("created_at")?,
        expires_at: columns.instant("expires_at")?,
        revoked_at: columns.opt_instant("revoked_at")?,
    })
}
