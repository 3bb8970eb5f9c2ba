//! Merging a duplicate person record into the record that survives, and undoing it.
//!
//! A merge moves what hangs off the duplicate to the survivor — its links to cases (the
//! cases follow the surviving person), its consents, the access other agencies received
//! to it — and copies its declared conflicts of interest to the survivor, so that a user
//! tied to the woman stays closed out of her cases under either record. Every row it
//! touches is written down in `person_merge_items`, so that unmerging puts back exactly
//! that and nothing else. A case that already lists the survivor in the same role loses
//! the duplicate's link (`removed`, restored on unmerge); an access the survivor already
//! has is left on the merged record (`kept`), where nothing finds it.

use jiff::Timestamp;
use sila_domain::ids::{CaseId, PersonId, UserId};
use uuid::Uuid;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A merge as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMerge {
    /// The merge.
    pub id: Uuid,
    /// The person who absorbed the other.
    pub survivor: PersonId,
    /// The person merged away.
    pub merged: PersonId,
    /// Who merged.
    pub merged_by: UserId,
    /// When.
    pub merged_at: Timestamp,
}

/// What a merge (or its undoing) moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeEffects {
    /// Cases whose link moved between the two records.
    pub cases: Vec<CaseId>,
    /// Consents that moved.
    pub consents: usize,
    /// Other agencies' accesses that moved.
    pub accesses: usize,
    /// Conflicts of interest copied to the survivor (or removed from it again).
    pub conflicts: usize,
}

impl Tx {
    /// Whom a person was merged into, if they were.
    pub async fn merged_into(&mut self, person: PersonId) -> Result<Option<PersonId>, StoreError> {
        let row = sqlx::query("SELECT merged_into FROM persons WHERE id = $1")
            .bind(id_text(person))
            .fetch_optional(&mut *self.transaction)
            .await?;
        match row {
            None => Ok(None),
            Some(row) => Columns::new(&row, "persons").opt_id("merged_into"),
        }
    }

    /// The merge that absorbed `merged` and is not undone, if any.
    pub async fn open_merge_of(&mut self, merged: PersonId) -> Result<Option<PersonMerge>, StoreError> {
        let row = sqlx::query(
            "SELECT id, survivor_id, merged_id, merged_by, merged_at FROM person_merges
             WHERE merged_id = $1 AND unmerged_at IS NULL ORDER BY merged_at DESC LIMIT 1",
        )
        .bind(id_text(merged))
        .fetch_optional(&mut *self.transaction)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let columns = Columns::new(&row, "person_merges");
        let id: String = columns.text("id")?;
        Ok(Some(PersonMerge {
            id: Uuid::try_parse(&id).map_err(|_| StoreError::Corrupt { table: "person_merges", column: "id" })?,
            survivor: columns.id("survivor_id")?,
            merged: columns.id("merged_id")?,
            merged_by: columns.id("merged_by")?,
            merged_at: columns.instant("merged_at")?,
        }))
    }

    async fn item(&mut self, merge: Uuid, kind: &str, keys: [&str; 3], effect: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO person_merge_items (merge_id, kind, key1, key2, key3, effect) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(merge.hyphenated().to_string())
        .bind(kind)
        .bind(keys[0])
        .bind(keys[1])
        .bind(keys[2])
        .bind(effect)
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Merges `merge.merged` into `merge.survivor` (both checked by the caller: existing,
    /// distinct, neither merged already).
    pub async fn merge_persons(&mut self, merge: &PersonMerge) -> Result<MergeEffects, StoreError> {
        let (survivor, merged) = (id_text(merge.survivor), id_text(merge.merged));
        let merge_id = merge.id;
        sqlx::query(
            "INSERT INTO person_merges (id, survivor_id, merged_id, merged_by, merged_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(merge_id.hyphenated().to_string())
        .bind(&survivor)
        .bind(&merged)
        .bind(id_text(merge.merged_by))
        .bind(micros(merge.merged_at))
        .execute(&mut *self.transaction)
        .await?;
        let mut effects = MergeEffects::default();

        let links = sqlx::query(
            "SELECT case_id, role, added_by, added_at FROM case_persons WHERE person_id = $1 ORDER BY case_id, role",
        )
        .bind(&merged)
        .fetch_all(&mut *self.transaction)
        .await?;
        for row in &links {
            let columns = Columns::new(row, "case_persons");
            let (case_id, role) = (columns.text("case_id")?, columns.text("role")?);
            let survivor_has =
                sqlx::query("SELECT 1 AS found FROM case_persons WHERE case_id = $1 AND person_id = $2 AND role = $3")
                    .bind(&case_id)
                    .bind(&survivor)
                    .bind(&role)
                    .fetch_optional(&mut *self.transaction)
                    .await?
                    .is_some();
            if survivor_has {
                // The case already lists the survivor in this role: the duplicate's link
                // goes, remembered with who added it and when, to come back on unmerge.
                let added = format!("{} {}", columns.text("added_by")?, columns.int("added_at")?);
                sqlx::query("DELETE FROM case_persons WHERE case_id = $1 AND person_id = $2 AND role = $3")
                    .bind(&case_id)
                    .bind(&merged)
                    .bind(&role)
                    .execute(&mut *self.transaction)
                    .await?;
                self.item(merge_id, "case", [&case_id, &role, &added], "removed").await?;
                continue;
            }
            sqlx::query("UPDATE case_persons SET person_id = $1 WHERE case_id = $2 AND person_id = $3 AND role = $4")
                .bind(&survivor)
                .bind(&case_id)
                .bind(&merged)
                .bind(&role)
                .execute(&mut *self.transaction)
                .await?;
            self.item(merge_id, "case", [&case_id, &role, ""], "moved").await?;
            effects.cases.push(columns.id("case_id")?);
        }

        let consents = sqlx::query("SELECT id FROM consents WHERE person_id = $1 ORDER BY id")
            .bind(&merged)
            .fetch_all(&mut *self.transaction)
            .await?;
        for row in &consents {
            let id = Columns::new(row, "consents").text("id")?;
            sqlx::query("UPDATE consents SET person_id = $1 WHERE id = $2")
                .bind(&survivor)
                .bind(&id)
                .execute(&mut *self.transaction)
                .await?;
            self.item(merge_id, "consent", [&id, "", ""], "moved").await?;
            effects.consents += 1;
        }

        let accesses = sqlx::query(
            "SELECT agency_id, data_class, referral_id FROM person_access WHERE person_id = $1
             ORDER BY agency_id, data_class, referral_id",
        )
        .bind(&merged)
        .fetch_all(&mut *self.transaction)
        .await?;
        for row in &accesses {
            let columns = Columns::new(row, "person_access");
            let keys = [columns.text("agency_id")?, columns.text("data_class")?, columns.text("referral_id")?];
            let survivor_has = sqlx::query(
                "SELECT 1 AS found FROM person_access
                 WHERE person_id = $1 AND agency_id = $2 AND data_class = $3 AND referral_id = $4",
            )
            .bind(&survivor)
            .bind(&keys[0])
            .bind(&keys[1])
            .bind(&keys[2])
            .fetch_optional(&mut *self.transaction)
            .await?
            .is_some();
            let effect = if survivor_has {
                "kept"
            } else {
                sqlx::query(
                    "UPDATE person_access SET person_id = $1
                     WHERE person_id = $2 AND agency_id = $3 AND data_class = $4 AND referral_id = $5",
                )
                .bind(&survivor)
                .bind(&merged)
                .bind(&keys[0])
                .bind(&keys[1])
                .bind(&keys[2])
                .execute(&mut *self.transaction)
                .await?;
                effects.accesses += 1;
                "moved"
            };
            self.item(merge_id, "access", [&keys[0], &keys[1], &keys[2]], effect).await?;
        }

        let conflicts = sqlx::query(
            "SELECT user_id FROM conflicts_of_interest WHERE person_id = $1
             AND user_id NOT IN (SELECT user_id FROM conflicts_of_interest WHERE person_id = $2) ORDER BY user_id",
        )
        .bind(&merged)
        .bind(&survivor)
        .fetch_all(&mut *self.transaction)
        .await?;
        for row in &conflicts {
            let user = Columns::new(row, "conflicts_of_interest").text("user_id")?;
            sqlx::query(
                "INSERT INTO conflicts_of_interest (user_id, person_id, declared_by, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&user)
            .bind(&survivor)
            .bind(id_text(merge.merged_by))
            .bind(micros(merge.merged_at))
            .execute(&mut *self.transaction)
            .await?;
            self.item(merge_id, "conflict", [&user, "", ""], "copied").await?;
            effects.conflicts += 1;
        }

        sqlx::query("UPDATE persons SET merged_into = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(&survivor)
            .bind(micros(merge.merged_at))
            .bind(&merged)
            .execute(&mut *self.transaction)
            .await?;
        self.record_person_change(merge.survivor).await?;
        self.record_person_change(merge.merged).await?;
        Ok(effects)
    }

    /// Undoes a merge: everything it moved goes back, what it copied is removed, and the
    /// merged person is a person of their own again.
    pub async fn unmerge_persons(
        &mut self,
        merge: &PersonMerge,
        by: UserId,
        at: Timestamp,
    ) -> Result<MergeEffects, StoreError> {
        let (survivor, merged) = (id_text(merge.survivor), id_text(merge.merged));
        let items = sqlx::query(
            "SELECT kind, key1, key2, key3, effect FROM person_merge_items WHERE merge_id = $1 ORDER BY kind, key1, key2, key3",
        )
        .bind(merge.id.hyphenated().to_string())
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut effects = MergeEffects::default();
        for row in &items {
            let columns = Columns::new(row, "person_merge_items");
            let (kind, effect) = (columns.text("kind")?, columns.text("effect")?);
            let keys = [columns.text("key1")?, columns.text("key2")?, columns.text("key3")?];
            match (kind.as_str(), effect.as_str()) {
                ("case", "moved") => {
                    sqlx::query(
                        "UPDATE case_persons SET person_id = $1 WHERE case_id = $2 AND person_id = $3 AND role = $4",
                    )
                    .bind(&merged)
                    .bind(&keys[0])
                    .bind(&survivor)
                    .bind(&keys[1])
                    .execute(&mut *self.transaction)
                    .await?;
                    effects.cases.push(columns.id("key1")?);
                }
                ("case", "removed") => {
                    let (added_by, added_at) = keys[2].split_once(' ').unwrap_or_default();
                    let added_at: i64 = added_at
                        .parse()
                        .map_err(|_| StoreError::Corrupt { table: "person_merge_items", column: "key3" })?;
                    sqlx::query(
                        "INSERT INTO case_persons (case_id, person_id, role, added_by, added_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&keys[0])
                    .bind(&merged)
                    .bind(&keys[1])
                    .bind(added_by)
                    .bind(added_at)
                    .execute(&mut *self.transaction)
                    .await?;
                }
                ("consent", "moved") => {
                    sqlx::query("UPDATE consents SET person_id = $1 WHERE id = $2 AND person_id = $3")
                        .bind(&merged)
                        .bind(&keys[0])
                        .bind(&survivor)
                        .execute(&mut *self.transaction)
                        .await?;
                    effects.consents += 1;
                }
                ("access", "moved") => {
                    sqlx::query(
                        "UPDATE person_access SET person_id = $1
                         WHERE person_id = $2 AND agency_id = $3 AND data_class = $4 AND referral_id = $5",
                    )
                    .bind(&merged)
                    .bind(&survivor)
                    .bind(&keys[0])
                    .bind(&keys[1])
                    .bind(&keys[2])
                    .execute(&mut *self.transaction)
                    .await?;
                    effects.accesses += 1;
                }
                ("conflict", "copied") => {
                    sqlx::query("DELETE FROM conflicts_of_interest WHERE user_id = $1 AND person_id = $2")
                        .bind(&keys[0])
                        .bind(&survivor)
                        .execute(&mut *self.transaction)
                        .await?;
                    effects.conflicts += 1;
                }
                _ => {}
            }
        }
        sqlx::query("UPDATE persons SET merged_into = NULL, updated_at = $1, version = version + 1 WHERE id = $2")
            .bind(micros(at))
            .bind(&merged)
            .execute(&mut *self.transaction)
            .await?;
        sqlx::query("UPDATE person_merges SET unmerged_by = $1, unmerged_at = $2 WHERE id = $3")
            .bind(id_text(by))
            .bind(micros(at))
            .bind(merge.id.hyphenated().to_string())
            .execute(&mut *self.transaction)
            .await?;
        self.record_person_change(merge.survivor).await?;
        self.record_person_change(merge.merged).await?;
        Ok(effects)
    }
}
