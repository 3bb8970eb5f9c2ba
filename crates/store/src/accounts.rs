//! What guards an account besides its password: browsers recognised after a two-factor
//! sign-in, one-time set-up links, changes of roles and resets of sign-in that wait for a
//! second administrator, and ending at once everything a user holds (sessions, API
//! tokens, recognised devices, set-up links). Every token is stored as its SHA-256 only.

use std::collections::BTreeSet;

use jiff::Timestamp;
use sila_domain::agency::Role;
use sila_domain::ids::{AgencyId, UserId};

use crate::codec::{Columns, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

/// A browser that signed in with both factors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Whose device.
    pub user_id: UserId,
    /// When it was first recognised.
    pub created_at: Timestamp,
    /// When it was last used to sign in.
    pub last_used_at: Timestamp,
    /// When it stops being recognised.
    pub expires_at: Timestamp,
    /// When it was revoked (a reset of the user's sign-in, a disabled account).
    pub revoked_at: Option<Timestamp>,
}

/// A one-time set-up link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLink {
    /// For whom.
    pub user_id: UserId,
    /// The administrator whose action issued it (`None`: an operator on the server).
    pub issued_by: Option<UserId>,
    /// When.
    pub created_at: Timestamp,
    /// Until when it works.
    pub expires_at: Timestamp,
    /// When it was used.
    pub used_at: Option<Timestamp>,
    /// When a newer link or a disabled account ended it.
    pub revoked_at: Option<Timestamp>,
}

/// A change to an account that waits for a second administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRequest {
    /// Id.
    pub id: uuid::Uuid,
    /// The agency of the user (and of both administrators).
    pub agency_id: AgencyId,
    /// The user concerned.
    pub user_id: UserId,
    /// `roles` (give the user these roles) or `sign_in_reset` (a new set-up link).
    pub kind: String,
    /// For `roles`: the whole set of roles the user is to have.
    pub roles: BTreeSet<Role>,
    /// The administrator who asked.
    pub requested_by: Option<UserId>,
    /// When.
    pub requested_at: Timestamp,
    /// The administrator who decided.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// `approved` or `rejected`.
    pub decision: Option<String>,
}

fn device_from(columns: &Columns<'_>) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        user_id: columns.id("user_id")?,
        created_at: columns.instant("created_at")?,
        last_used_at: columns.instant("last_used_at")?,
        expires_at: columns.instant("expires_at")?,
        revoked_at: columns.opt_instant("revoked_at")?,
    })
}

fn link_from(columns: &Columns<'_>) -> Result<SetupLink, StoreError> {
    Ok(SetupLink {
        user_id: columns.id("user_id")?,
        issued_by: columns.opt_id("issued_by")?,
        created_at: columns.instant("created_at")?,
        expires_at: columns.instant("expires_at")?,
        used_at: columns.opt_instant("used_at")?,
        revoked_at: columns.opt_instant("revoked_at")?,
    })
}

fn request_from(columns: &Columns<'_>) -> Result<AccountRequest, StoreError> {
    let roles = columns
        .text("roles")?
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| Role::parse(code).map_err(|_| StoreError::Corrupt { table: "account_requests", column: "roles" }))
        .collect::<Result<BTreeSet<Role>, StoreError>>()?;
    Ok(AccountRequest {
        id: uuid::Uuid::try_parse(&columns.text("id")?)
            .map_err(|_| StoreError::Corrupt { table: "account_requests", column: "id" })?,
        agency_id: columns.id("agency_id")?,
        user_id: columns.id("user_id")?,
        kind: columns.text("kind")?,
        roles,
        requested_by: columns.opt_id("requested_by")?,
        requested_at: columns.instant("requested_at")?,
        decided_by: columns.opt_id("decided_by")?,
        decided_at: columns.opt_instant("decided_at")?,
        decision: columns.opt_text("decision")?,
    })
}

const REQUEST_COLUMNS: &str =
    "id, agency_id, user_id, kind, roles, requested_by, requested_at, decided_by, decided_at, decision";

impl Tx {
    /// Recognises a browser for `user` from now until `expires_at`.
    pub async fn insert_device(
        &mut self,
        token_hash: &str,
        user: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sign_in_devices (token_hash, user_id, created_at, last_used_at, expires_at)
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(token_hash)
        .bind(id_text(user))
        .bind(micros(at))
        .bind(micros(expires_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// The recognised devices with these token hashes.
    pub async fn devices(&mut self, token_hashes: &[String]) -> Result<Vec<(String, DeviceRecord)>, StoreError> {
        let mut found = Vec::new();
        for hash in token_hashes {
            let row = sqlx::query(
                "SELECT user_id, created_at, last_used_at, expires_at, revoked_at FROM sign_in_devices
                 WHERE token_hash = $1",
            )
            .bind(hash)
            .fetch_optional(&mut *self.transaction)
            .await?;
            if let Some(row) = row {
                found.push((hash.clone(), device_from(&Columns::new(&row, "sign_in_devices"))?));
            }
        }
        Ok(found)
    }

    /// Records a sign-in from a recognised device.
    pub async fn touch_device(&mut self, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sign_in_devices SET last_used_at = $1 WHERE token_hash = $2")
            .bind(micros(at))
            .bind(token_hash)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Stores a set-up link, ending the user's earlier unused ones.
    pub async fn insert_setup_link(&mut self, token_hash: &str, link: &SetupLink) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE setup_links SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(micros(link.created_at))
        .bind(id_text(link.user_id))
        .execute(&mut *self.transaction)
        .await?;
        sqlx::query(
            "INSERT INTO setup_links (token_hash, user_id, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(id_text(link.user_id))
        .bind(opt_id_text(link.issued_by))
        .bind(micros(link.created_at))
        .bind(micros(link.expires_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// The set-up link with this token hash.
    pub async fn setup_link(&mut self, token_hash: &str) -> Result<Option<SetupLink>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, issued_by, created_at, expires_at, used_at, revoked_at FROM setup_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| link_from(&Columns::new(row, "setup_links"))).transpose()
    }

    /// Uses a set-up link, once: answers its user only if the link was live (not used,
    /// not ended, not expired) — one statement, so two uses at once cannot both pass.
    pub async fn use_setup_link(&mut self, token_hash: &str, at: Timestamp) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query(
            "UPDATE setup_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1
             RETURNING user_id",
        )
        .bind(micros(at))
        .bind(token_hash)
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| Columns::new(row, "setup_links").id("user_id")).transpose()
    }

    /// Whether the user has a live set-up link.
    pub async fn has_live_setup_link(&mut self, user: UserId, at: Timestamp) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS found FROM setup_links
             WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(id_text(user))
        .bind(micros(at))
        .fetch_optional(&mut *self.transaction)
        .await?;
        Ok(row.is_some())
    }

    /// Stores a request waiting for a second administrator.
    pub async fn insert_account_request(&mut self, request: &AccountRequest) -> Result<(), StoreError> {
        let roles: Vec<&str> = request.roles.iter().map(Role::code).collect();
        sqlx::query(
            "INSERT INTO account_requests (id, agency_id, user_id, kind, roles, requested_by, requested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(request.id.hyphenated().to_string())
        .bind(id_text(request.agency_id))
        .bind(id_text(request.user_id))
        .bind(&request.kind)
        .bind(roles.join(","))
        .bind(opt_id_text(request.requested_by))
        .bind(micros(request.requested_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A request by id.
    pub async fn account_request(&mut self, id: uuid::Uuid) -> Result<Option<AccountRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM account_requests WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.hyphenated().to_string())
            .fetch_optional(&mut *self.transaction)
            .await?;
        row.as_ref().map(|row| request_from(&Columns::new(row, "account_requests"))).transpose()
    }

    /// An agency's requests: those waiting first (oldest first), then the 50 last decided.
    pub async fn account_requests(&mut self, agency: AgencyId) -> Result<Vec<AccountRequest>, StoreError> {
        let waiting = format!(
            "SELECT {REQUEST_COLUMNS} FROM account_requests WHERE agency_id = $1 AND decided_at IS NULL
             ORDER BY requested_at, id"
        );
        let decided = format!(
            "SELECT {REQUEST_COLUMNS} FROM account_requests WHERE agency_id = $1 AND decided_at IS NOT NULL
             ORDER BY decided_at DESC, id LIMIT 50"
        );
        let mut requests = Vec::new();
        for sql in [waiting, decided] {
            for row in
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_text(agency)).fetch_all(&mut *self.transaction).await?
            {
                requests.push(request_from(&Columns::new(&row, "account_requests"))?);
            }
        }
        Ok(requests)
    }

    /// The request of `user` still waiting, if any.
    pub async fn waiting_request_of(&mut self, user: UserId) -> Result<Option<AccountRequest>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM account_requests WHERE user_id = $1 AND decided_at IS NULL
             ORDER BY requested_at LIMIT 1"
        );
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_text(user)).fetch_optional(&mut *self.transaction).await?;
        row.as_ref().map(|row| request_from(&Columns::new(row, "account_requests"))).transpose()
    }

    /// Records the decision on a request, once: answers whether it was still waiting.
    pub async fn decide_account_request(
        &mut self,
        id: uuid::Uuid,
        by: UserId,
        at: Timestamp,
        decision: &str,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE account_requests SET decided_by = $1, decided_at = $2, decision = $3
             WHERE id = $4 AND decided_at IS NULL",
        )
        .bind(id_text(by))
        .bind(micros(at))
        .bind(decision)
        .bind(id.hyphenated().to_string())
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Replaces a user's roles.
    pub async fn set_user_roles(
        &mut self,
        user: UserId,
        roles: &BTreeSet<Role>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        for role in roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id_text(user))
                .bind(role.code())
                .execute(&mut *self.transaction)
                .await?;
        }
        sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
            .bind(micros(at))
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Forgets a user's two-factor secret: they enrol again through a set-up link.
    pub async fn clear_totp(&mut self, user: UserId) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_enrolled = 0 WHERE id = $1")
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Ends everything that lets `user` in without signing in again: every session but
    /// `keep` (the hash of the one that proved itself), every API token and, with
    /// `devices`, every recognised device and unused set-up link.
    pub async fn end_access_of(
        &mut self,
        user: UserId,
        keep: Option<&str>,
        devices: bool,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
        )
        .bind(micros(at))
        .bind(id_text(user))
        .bind(keep.unwrap_or(""))
        .execute(&mut *self.transaction)
        .await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        if devices {
            sqlx::query("UPDATE sign_in_devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(micros(at))
                .bind(id_text(user))
                .execute(&mut *self.transaction)
                .await?;
            sqlx::query(
                "UPDATE setup_links SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(micros(at))
            .bind(id_text(user))
            .execute(&mut *self.transaction)
            .await?;
        }
        Ok(())
    }

    /// Makes one session a full one, once its user proved the second factor through it.
    pub async fn unrestrict_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET restricted = 0 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }
}
