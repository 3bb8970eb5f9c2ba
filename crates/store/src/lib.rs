//! Sila's storage, the only crate that contains SQL.
//!
//! SQLite (embedded, the default) and PostgreSQL (for a national deployment) run the
//! *same* statements through sqlx's `Any` driver: placeholders are `$1`, ids are UUID
//! text, instants are microseconds in `BIGINT`, flags are 0/1 integers. One query set
//! means one behaviour, tested on both databases by the same tests; the only
//! dialect-specific text is in the migrations and in how a write transaction begins.
//!
//! Every use of the database goes through a [`Tx`]. Writes take a write transaction
//! (`BEGIN IMMEDIATE` on SQLite, serialised in-process so that two writers never
//! deadlock on a lock upgrade); the audit entry of a change is appended on the same
//! `Tx`, so both commit or neither does.

#![deny(missing_docs)]

mod accounts;
mod audit;
mod cases;
mod casework;
mod codec;
mod connect;
mod consents;
mod contact;
mod court;
mod directory;
mod engagement;
mod error;
mod grants;
mod keyring;
mod merges;
mod migrate;
mod monitor;
mod persons;
mod protocols;
mod referrals;
mod search_index;
mod security;
mod sessions;
mod vault;
mod work;

pub use accounts::{AccountRequest, DeviceRecord, SetupLink};
pub use audit::{AuditEntry, AuditFilter, RawAuditRow, StoredTreeHead};
pub use cases::{CaseFilter, CaseScope};
pub use casework::{Calendar, TransferRecord};
pub use connect::{Dialect, Store, StoreOptions, Tx};
pub use directory::NewUser;
pub use error::StoreError;
pub use grants::Alert;
pub use merges::{MergeEffects, PersonMerge};
pub use migrate::MIGRATIONS;
pub use monitor::{OutboxItem, PendingStep};
pub use persons::PersonScope;
pub use referrals::{ReferralBox, ReferralFilter};
pub use search_index::{IndexStats, NameMatch};
pub use security::{ApiToken, Throttle, TotpState};
pub use sessions::{IdempotencyClaim, IdempotentResponse, SessionRecord};
pub use vault::{MasterKey, MasterKeys};
pub use work::{CaseTransfer, RiskAssessmentRecord};

/// A page of a list, ordered newest first, with the cursor of the next page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<Cursor>,
}

/// A position in a list ordered by (creation time, id), both descending. Opaque to
/// clients; the web layer encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Creation time (microseconds) of the last item seen.
    pub created_at: i64,
    /// Id of the last item seen.
    pub id: uuid::Uuid,
}
