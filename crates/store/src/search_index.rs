//! The person search index: every server keeps the names of all persons in memory
//! ([`NameIndex`]), so that a name search answers in milliseconds at national scale, and
//! keeps it current from the database.
//!
//! **Rebuilt at start, not persisted.** The index is built from the `persons` table the
//! first time it is needed (a server warms it up at start): a million persons take
//! about twelve seconds from SQLite or PostgreSQL on two cores (docs/BENCHMARKS.md).
//! Persisting it would save that, at the price
//! of a second copy of every name on disk to keep consistent and to protect; rebuilding
//! from the one copy is simpler and leaves nothing behind.
//!
//! **Kept current through a change log.** Every transaction that registers a person,
//! changes a name, shares a person with another agency, merges or unmerges appends the
//! person's id to `person_changes` ([`Tx::record_person_change`]). Before each search the
//! index reads the changes after the last one it applied — usually none, one indexed
//! query — and reloads those persons. So a server sees what another server wrote, and
//! a rolled-back registration never reaches the index. On PostgreSQL the writers take a
//! transaction-scoped advisory lock before appending, so that sequence order is commit
//! order and no change can commit behind one already read.
//!
//! **On a connection of its own.** The catch-up runs as a pass on the index's own
//! connection (`Store::index_pool`), never on a second connection borrowed by the
//! searching request: a request that holds one connection and waits for another is how
//! a busy pool deadlocks. Passes run one at a time; a search waits for the first pass
//! that *began* after the search did (so it sees everything committed before it), and
//! many searches arriving together are served by the same pass.
//!
//! **Only what the searcher's agency may see.** The index knows each person's
//! registering agency and the agencies a referral gave their identity to, and passes
//! over everyone else before the result limit is applied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sila_arabic::{Comparison, Name, NameIndex, SearchOptions};
use sila_domain::ids::{AgencyId, PersonId};

use crate::codec::{Columns, id_text};
use crate::connect::{Dialect, Store, Tx};
use crate::error::StoreError;

/// Arbitrary constant naming the lock that orders `person_changes` on PostgreSQL.
const CHANGE_LOCK: i64 = 0x5157_4c41_0002;

/// Persons read per query while building.
const PAGE: i64 = 20_000;

/// A person whose name matches a query.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    /// The person.
    pub person_id: PersonId,
    /// The comparison with the person's best-matching name (Arabic or Latin).
    pub comparison: Comparison,
    /// Bits of evidence in the agreeing name parts (rare names say more).
    pub information: f32,
}

/// Figures about the index, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    /// Persons indexed (merged persons are not).
    pub persons: usize,
    /// Distinct name parts.
    pub distinct_parts: usize,
    /// The last change applied.
    pub seen_change: i64,
}

/// The in-memory index and what it needs to know about each person.
#[derive(Default)]
struct Loaded {
    names: NameIndex,
    ids: Vec<PersonId>,
    slots: HashMap<PersonId, u32>,
    /// Slot → registering agency (index into `agencies`).
    registered: Vec<u16>,
    agencies: Vec<AgencyId>,
    agency_slots: HashMap<AgencyId, u16>,
    /// Slot → agencies a referral gave the person's identity to.
    shared: HashMap<u32, Vec<u16>>,
    seen: i64,
}

impl Loaded {
    fn agency_slot(&mut self, agency: AgencyId) -> u16 {
        if let Some(&slot) = self.agency_slots.get(&agency) {
            return slot;
        }
        let slot = u16::try_from(self.agencies.len()).unwrap_or(u16::MAX);
        self.agencies.push(agency);
        self.agency_slots.insert(agency, slot);
        slot
    }

    fn slot(&mut self, person: PersonId) -> u32 {
        if let Some(&slot) = self.slots.get(&person) {
            return slot;
        }
        let slot = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.push(person);
        self.registered.push(u16::MAX);
        self.slots.insert(person, slot);
        slot
    }

    fn apply(&mut self, row: PersonNames, identity_shared_with: &[AgencyId]) {
        if row.merged && !self.slots.contains_key(&row.id) {
            // A merged person never indexed needs no slot.
            return;
        }
        let slot = self.slot(row.id);
        if row.merged {
            self.names.remove(slot);
            return;
        }
        let agency = self.agency_slot(row.registered_by);
        self.registered[slot as usize] = agency;
        let shared: Vec<u16> = identity_shared_with.iter().map(|agency| self.agency_slot(*agency)).collect();
        if shared.is_empty() {
            self.shared.remove(&slot);
        } else {
            self.shared.insert(slot, shared);
        }
        self.names.insert(slot, &row.names());
    }

    fn visible(&self, slot: u32, agency: Option<u16>) -> bool {
        let Some(agency) = agency else { return false };
        self.registered.get(slot as usize) == Some(&agency)
            || self.shared.get(&slot).is_some_and(|agencies| agencies.contains(&agency))
    }
}

/// The names of one person, as stored.
struct PersonNames {
    id: PersonId,
    registered_by: AgencyId,
    arabic: String,
    latin: Option<String>,
    merged: bool,
}

impl PersonNames {
    fn names(&self) -> Vec<Name> {
        let mut names = vec![Name::parse(&self.arabic)];
        if let Some(latin) = &self.latin {
            names.push(Name::parse(latin));
        }
        names
    }
}

/// The index shared by every clone of a [`Store`].
#[derive(Default)]
pub(crate) struct PersonIndex {
    loaded: RwLock<Option<Loaded>>,
    /// Serialises building and catching up; searches only read.
    updating: tokio::sync::Mutex<()>,
    /// Catch-up passes begun, numbered from 1 (taken under `updating`).
    begun: AtomicU64,
    /// The last pass that finished without error.
    finished: AtomicU64,
}

impl std::fmt::Debug for PersonIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonIndex")
    }
}

impl PersonIndex {
    pub(crate) fn new() -> Arc<PersonIndex> {
        Arc::new(PersonIndex::default())
    }
}

const NAME_COLUMNS: &str = "id, registered_by_agency_id, first_name_ar, father_name_ar, grandfather_name_ar, family_name_ar, name_latin, merged_into";

fn names_from(row: &sqlx::any::AnyRow) -> Result<PersonNames, StoreError> {
    let columns = Columns::new(row, "persons");
    let arabic = ["first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar"]
        .into_iter()
        .map(|column| columns.opt_text(column))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect::<Vec<String>>()
        .join(" ");
    Ok(PersonNames {
        id: columns.id("id")?,
        registered_by: columns.id("registered_by_agency_id")?,
        arabic,
        latin: columns.opt_text("name_latin")?,
        merged: columns.opt_text("merged_into")?.is_some(),
    })
}

impl Tx {
    /// Records that a person changed in a way the name index must see. Call it in the
    /// transaction of the change.
    pub async fn record_person_change(&mut self, person: PersonId) -> Result<(), StoreError> {
        if self.dialect == Dialect::Postgres {
            // Held to the end of the transaction: the next writer's sequence number is
            // taken only after this one commits.
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHANGE_LOCK).execute(&mut *self.transaction).await?;
        }
        sqlx::query("INSERT INTO person_changes (person_id) VALUES ($1)")
            .bind(id_text(person))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    async fn last_person_change(&mut self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM person_changes")
            .fetch_one(&mut *self.transaction)
            .await?;
        Columns::new(&row, "person_changes").int("last")
    }

    async fn identity_shares(&mut self, persons: &[PersonId]) -> Result<HashMap<PersonId, Vec<AgencyId>>, StoreError> {
        let mut shares: HashMap<PersonId, Vec<AgencyId>> = HashMap::new();
        for chunk in persons.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|index| format!("${index}")).collect();
            let sql = format!(
                "SELECT DISTINCT person_id, agency_id FROM person_access
                 WHERE data_class = 'identity' AND person_id IN ({})",
                placeholders.join(", ")
            );
            // Only numbered placeholders are spliced in; the ids are bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for person in chunk {
                query = query.bind(id_text(*person));
            }
            for row in query.fetch_all(&mut *self.transaction).await? {
                let columns = Columns::new(&row, "person_access");
                shares.entry(columns.id("person_id")?).or_default().push(columns.id("agency_id")?);
            }
        }
        Ok(shares)
    }

    async fn person_names(&mut self, persons: &[PersonId]) -> Result<Vec<PersonNames>, StoreError> {
        let mut found = Vec::with_capacity(persons.len());
        for chunk in persons.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|index| format!("${index}")).collect();
            let sql = format!("SELECT {NAME_COLUMNS} FROM persons WHERE id IN ({})", placeholders.join(", "));
            // Only numbered placeholders are spliced in; the ids are bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for person in chunk {
                query = query.bind(id_text(*person));
            }
            for row in query.fetch_all(&mut *self.transaction).await? {
                found.push(names_from(&row)?);
            }
        }
        Ok(found)
    }
}

impl Store {
    /// Builds the index now if it is not built yet (a server calls this at start, so
    /// that the first search does not wait). `progress` hears (done, total) persons.
    pub async fn warm_person_index(&self, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<(), StoreError> {
        let _updating = self.person_index.updating.lock().await;
        self.warm_locked(progress).await
    }

    /// Builds the index if it is not built; the caller holds `updating`.
    async fn warm_locked(&self, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<(), StoreError> {
        if self.person_index.loaded.read().map(|loaded| loaded.is_some()).unwrap_or(false) {
            return Ok(());
        }
        let loaded = self.build_person_index(progress).await?;
        *self.person_index.loaded.write().map_err(|_| StoreError::IndexPoisoned)? = Some(loaded);
        Ok(())
    }

    /// Builds a fresh index from the database (whatever is loaded is left alone): for
    /// `sila reindex`, which reports how long it takes and how big it is.
    pub async fn rebuild_person_index(
        &self,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<IndexStats, StoreError> {
        let loaded = self.build_person_index(progress).await?;
        Ok(IndexStats {
            persons: loaded.names.len(),
            distinct_parts: loaded.names.distinct_parts(),
            seen_change: loaded.seen,
        })
    }

    async fn build_person_index(&self, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<Loaded, StoreError> {
        let mut tx = self.index_read().await?;
        // Changes after this point are applied on top by the next catch-up: a person
        // read twice is simply indexed again.
        let seen = tx.last_person_change().await?;
        let total_row = sqlx::query("SELECT COUNT(*) AS total FROM persons").fetch_one(&mut *tx.transaction).await?;
        let total = u64::try_from(Columns::new(&total_row, "persons").int("total")?).unwrap_or(0);
        // Every identity share at once: far fewer than persons, and one query.
        let mut shares: HashMap<PersonId, Vec<AgencyId>> = HashMap::new();
        let rows = sqlx::query("SELECT DISTINCT person_id, agency_id FROM person_access WHERE data_class = 'identity'")
            .fetch_all(&mut *tx.transaction)
            .await?;
        for row in &rows {
            let columns = Columns::new(row, "person_access");
            shares.entry(columns.id("person_id")?).or_default().push(columns.id("agency_id")?);
        }
        // Names are cut into parts and filed on another thread while the next page is
        // read. Pages follow the primary key (merged persons are skipped when filed, not
        // in SQL: a filter on `merged_into` would lead the planner away from the key's
        // order and into a sort of the whole table for every page).
        let (pages, mut received) = tokio::sync::mpsc::channel::<Vec<PersonNames>>(2);
        let builder = std::thread::spawn(move || {
            let mut loaded = Loaded { seen, ..Loaded::default() };
            while let Some(page) = received.blocking_recv() {
                for person in page {
                    let shared = shares.remove(&person.id).unwrap_or_default();
                    loaded.apply(person, &shared);
                }
            }
            loaded
        });
        let mut after = String::new();
        let mut done = 0u64;
        loop {
            let sql = format!("SELECT {NAME_COLUMNS} FROM persons WHERE id > $1 ORDER BY id LIMIT {PAGE}");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&after).fetch_all(&mut *tx.transaction).await?;
            if rows.is_empty() {
                break;
            }
            let page: Vec<PersonNames> = rows.iter().map(names_from).collect::<Result<_, _>>()?;
            after = page.last().map(|person| id_text(person.id)).unwrap_or_default();
            done += page.len() as u64;
            if pages.send(page).await.is_err() {
                break;
            }
            progress(done, total.max(done));
        }
        drop(pages);
        tx.commit().await?;
        builder.join().map_err(|_| StoreError::IndexPoisoned)
    }

    /// Brings the index up to every change committed before this call: waits for a
    /// catch-up pass that begins after it. The pass runs as a task of its own, so a
    /// request given up half-way (its client gone) never leaves a pass half done.
    async fn catch_up_person_index(&self) -> Result<(), StoreError> {
        let needed = self.person_index.begun.load(Ordering::SeqCst) + 1;
        let store = self.clone();
        tokio::spawn(async move { store.catch_up_pass(needed).await }).await.map_err(|_| StoreError::IndexPoisoned)?
    }

    /// Runs pass `needed` unless one numbered at least that has finished meanwhile.
    async fn catch_up_pass(&self, needed: u64) -> Result<(), StoreError> {
        let _updating = self.person_index.updating.lock().await;
        if self.person_index.finished.load(Ordering::SeqCst) >= needed {
            return Ok(());
        }
        let pass = self.person_index.begun.fetch_add(1, Ordering::SeqCst) + 1;
        self.apply_person_changes().await?;
        self.person_index.finished.store(pass, Ordering::SeqCst);
        Ok(())
    }

    /// Applies the changes committed since the last pass; the caller holds `updating`.
    async fn apply_person_changes(&self) -> Result<(), StoreError> {
        let seen =
            self.person_index.loaded.read().map_err(|_| StoreError::IndexPoisoned)?.as_ref().map(|loaded| loaded.seen);
        let Some(seen) = seen else {
            return self.warm_locked(&mut |_, _| {}).await;
        };
        let mut tx = self.index_read().await?;
        let rows = sqlx::query("SELECT seq, person_id FROM person_changes WHERE seq > $1 ORDER BY seq")
            .bind(seen)
            .fetch_all(&mut *tx.transaction)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut last = seen;
        let mut persons: Vec<PersonId> = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "person_changes");
            last = last.max(columns.int("seq")?);
            persons.push(columns.id("person_id")?);
        }
        persons.sort_unstable_by_key(|person| person.to_string());
        persons.dedup();
        let names = tx.person_names(&persons).await?;
        let shares = tx.identity_shares(&persons).await?;
        tx.commit().await?;
        let mut guard = self.person_index.loaded.write().map_err(|_| StoreError::IndexPoisoned)?;
        if let Some(loaded) = guard.as_mut() {
            for person in names {
                let shared = shares.get(&person.id).cloned().unwrap_or_default();
                loaded.apply(person, &shared);
            }
            loaded.seen = last;
        }
        Ok(())
    }

    /// The persons whose names may be `query`, among those `agency` may identify, best
    /// first.
    pub async fn search_person_names(
        &self,
        query: &Name,
        agency: AgencyId,
        options: SearchOptions,
    ) -> Result<Vec<NameMatch>, StoreError> {
        self.catch_up_person_index().await?;
        let guard = self.person_index.loaded.read().map_err(|_| StoreError::IndexPoisoned)?;
        let Some(loaded) = guard.as_ref() else { return Ok(Vec::new()) };
        let agency = loaded.agency_slots.get(&agency).copied();
        let hits = loaded.names.search(query, options, |slot| loaded.visible(slot, agency));
        Ok(hits
            .into_iter()
            .map(|hit| NameMatch {
                person_id: loaded.ids[hit.owner as usize],
                comparison: hit.comparison,
                information: hit.information,
            })
            .collect())
    }

    /// Figures about the loaded index, once it is built.
    pub fn person_index_stats(&self) -> Option<IndexStats> {
        let guard = self.person_index.loaded.read().ok()?;
        guard.as_ref().map(|loaded| IndexStats {
            persons: loaded.names.len(),
            distinct_parts: loaded.names.distinct_parts(),
            seen_change: loaded.seen,
        })
    }
}
