//! Data keys in the database: created wrapped when a record first seals something,
//! unwrapped (once per transaction) to seal or open its content, destroyed to shred it,
//! and re-wrapped when the master key rotates.

use std::sync::Arc;

use jiff::Timestamp;
use uuid::Uuid;

use crate::codec::{Columns, micros};
use crate::connect::Tx;
use crate::error::StoreError;
use crate::vault::{DataKey, VaultError};

impl Tx {
    /// The data key of `owner`: `None` when it was shredded. With `create`, a missing
    /// key is made (a record's first sealed value); without, a missing key means the
    /// record never sealed anything, which reads as nothing to open.
    async fn data_key(&mut self, owner: Uuid, create: bool) -> Result<Option<Arc<DataKey>>, StoreError> {
        if let Some(cached) = self.data_keys.get(&owner) {
            return Ok(cached.clone());
        }
        let row = sqlx::query("SELECT master_key_id, wrapped, shredded_at FROM data_keys WHERE owner_id = $1")
            .bind(owner.hyphenated().to_string())
            .fetch_optional(&mut *self.transaction)
            .await?;
        let key = match row {
            Some(row) => {
                let columns = Columns::new(&row, "data_keys");
                if columns.opt_int("shredded_at")?.is_some() {
                    None
                } else {
                    let master_id = columns.opt_text("master_key_id")?.unwrap_or_default();
                    let wrapped = columns.bytes("wrapped")?;
                    Some(Arc::new(self.keys.unwrap(owner, &master_id, &wrapped).map_err(vault_error)?))
                }
            }
            None if create => {
                let key = DataKey::generate();
                let (master_id, wrapped) = self.keys.wrap(owner, &key);
                sqlx::query(
                    "INSERT INTO data_keys (owner_id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(owner.hyphenated().to_string())
                .bind(master_id)
                .bind(wrapped)
                .bind(micros(Timestamp::now()))
                .execute(&mut *self.transaction)
                .await?;
                Some(Arc::new(key))
            }
            None => return Ok(None),
        };
        self.data_keys.insert(owner, key.clone());
        Ok(key)
    }

    /// Unwraps the data keys of several owners with one query (a list page opening many
    /// records); owners without a key are left to `data_key`.
    pub(crate) async fn prefetch_data_keys(&mut self, owners: &[Uuid]) -> Result<(), StoreError> {
        let missing: Vec<&Uuid> = owners.iter().filter(|owner| !self.data_keys.contains_key(owner)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = (1..=missing.len()).map(|index| format!("${index}")).collect();
        let sql = format!(
            "SELECT owner_id, master_key_id, wrapped, shredded_at FROM data_keys WHERE owner_id IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for owner in &missing {
            query = query.bind(owner.hyphenated().to_string());
        }
        for row in query.fetch_all(&mut *self.transaction).await? {
            let columns = Columns::new(&row, "data_keys");
            let owner = Uuid::try_parse(&columns.opt_text("owner_id")?.unwrap_or_default())
                .map_err(|_| StoreError::Corrupt { table: "data_keys", column: "owner_id" })?;
            let key = if columns.opt_int("shredded_at")?.is_some() {
                None
            } else {
                let master_id = columns.opt_text("master_key_id")?.unwrap_or_default();
                let wrapped = columns.bytes("wrapped")?;
                Some(Arc::new(self.keys.unwrap(owner, &master_id, &wrapped).map_err(vault_error)?))
            };
            self.data_keys.insert(owner, key);
        }
        Ok(())
    }

    /// Seals text as `field` of `owner` (creating the owner's data key if needed).
    pub(crate) async fn seal(&mut self, owner: Uuid, field: &str, plaintext: &str) -> Result<Vec<u8>, StoreError> {
        let key = self.data_key(owner, true).await?.ok_or(StoreError::Shredded)?;
        Ok(key.seal(owner, field, plaintext.as_bytes()))
    }

    /// Seals bytes (a file) under the owner's data key.
    pub(crate) async fn seal_bytes(
        &mut self,
        owner: Uuid,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let key = self.data_key(owner, true).await?.ok_or(StoreError::Shredded)?;
        Ok(key.seal(owner, field, plaintext))
    }

    /// Opens sealed bytes; `None` when the owner's key was shredded.
    pub(crate) async fn open_bytes(
        &mut self,
        owner: Uuid,
        field: &str,
        table: &'static str,
        sealed: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(key) = self.data_key(owner, false).await? else {
            return Ok(None);
        };
        key.open(owner, field, sealed).map(Some).map_err(|_| StoreError::Unsealable { table })
    }

    /// Opens a sealed value; `None` when the owner's key was shredded.
    pub(crate) async fn open(
        &mut self,
        owner: Uuid,
        field: &str,
        table: &'static str,
        sealed: &[u8],
    ) -> Result<Option<String>, StoreError> {
        let Some(key) = self.data_key(owner, false).await? else {
            return Ok(None);
        };
        let bytes = key.open(owner, field, sealed).map_err(|_| StoreError::Unsealable { table })?;
        String::from_utf8(bytes).map(Some).map_err(|_| StoreError::Unsealable { table })
    }

    /// Destroys `owner`'s data key: everything sealed with it becomes unreadable.
    /// Returns `false` when there was nothing left to destroy.
    pub async fn shred(&mut self, owner: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        self.data_keys.insert(owner, None);
        let updated = sqlx::query(
            "UPDATE data_keys SET wrapped = NULL, master_key_id = NULL, shredded_at = $1
             WHERE owner_id = $2 AND shredded_at IS NULL",
        )
        .bind(micros(at))
        .bind(owner.hyphenated().to_string())
        .execute(&mut *self.transaction)
        .await?;
        if updated.rows_affected() == 1 {
            return Ok(true);
        }
        // A record that never sealed anything gets a tombstone, so nothing can be
        // sealed for it later either.
        let inserted = sqlx::query(
            "INSERT INTO data_keys (owner_id, created_at, shredded_at) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING",
        )
        .bind(owner.hyphenated().to_string())
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Whether `owner`'s content was shredded.
    pub async fn is_shredded(&mut self, owner: Uuid) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT owner_id FROM data_keys WHERE owner_id = $1 AND shredded_at IS NOT NULL")
            .bind(owner.hyphenated().to_string())
            .fetch_optional(&mut *self.transaction)
            .await?
            .is_some())
    }

    /// Re-wraps every live data key with the current master key; returns how many.
    pub async fn rewrap_data_keys(&mut self) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT owner_id, master_key_id, wrapped FROM data_keys WHERE shredded_at IS NULL ORDER BY owner_id",
        )
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut count = 0;
        for row in &rows {
            let columns = Columns::new(row, "data_keys");
            let owner = Uuid::try_parse(&columns.text("owner_id")?)
                .map_err(|_| StoreError::Corrupt { table: "data_keys", column: "owner_id" })?;
            let master_id = columns.opt_text("master_key_id")?.unwrap_or_default();
            if master_id == self.keys.current().id() {
                continue;
            }
            let key = self.keys.unwrap(owner, &master_id, &columns.bytes("wrapped")?).map_err(vault_error)?;
            let (new_id, wrapped) = self.keys.wrap(owner, &key);
            sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2 WHERE owner_id = $3")
                .bind(new_id)
                .bind(wrapped)
                .bind(owner.hyphenated().to_string())
                .execute(&mut *self.transaction)
                .await?;
            count += 1;
        }
        Ok(count)
    }

    /// The ids of the master keys that still wrap a data key.
    pub async fn master_keys_in_use(&mut self) -> Result<Vec<String>, StoreError> {
        sqlx::query(
            "SELECT DISTINCT master_key_id FROM data_keys WHERE shredded_at IS NULL AND master_key_id IS NOT NULL
             ORDER BY master_key_id",
        )
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "data_keys").text("master_key_id"))
        .collect()
    }
}

fn vault_error(error: VaultError) -> StoreError {
    match error {
        VaultError::UnknownMasterKey(id) => StoreError::UnknownMasterKey(id),
        VaultError::Unsealable => StoreError::Unsealable { table: "data_keys" },
    }
}
