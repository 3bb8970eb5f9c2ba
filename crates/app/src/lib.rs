//! Sila's use cases: one public function per thing a user does (`register_person`,
//! `refer_case`, `transition_referral`, …). Each takes the acting user, and follows the
//! same order: authorise → validate → write, with its audit entry, in one transaction.
//!
//! This crate is the only way from the outside to the store: `web` and the binary do
//! not depend on `sila-store` directly, so Cargo guarantees that no page or endpoint
//! reaches the database without passing [`access::authorize`] and the audit log.

#![deny(missing_docs)]

pub mod access;
pub mod approvals;
mod audit;
pub mod auth;
pub mod cases;
pub mod casework;
pub mod consents;
pub mod contact;
pub mod court;
pub mod court_report;
pub mod demo;
pub mod directory;
pub mod emergency;
pub mod engagement;
mod error;
mod group_commit;
mod idempotency;
pub mod keys;
pub mod ledger;
pub mod merges;
pub mod monitor;
pub mod notes;
pub mod packets;
pub mod persons;
pub mod referrals;
pub mod retention;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfers;

use std::sync::Arc;

pub use jiff::{SignedDuration, Timestamp};
use sila_domain::agency::{Agency, User};
pub use sila_domain::risk::{RiskInstrument, RiskItem};
pub use sila_store::{
    AccountRequest, Alert, Cursor, Dialect, IdempotencyClaim, IdempotentResponse, IndexStats, MasterKey, MasterKeys,
    Page, ReferralBox, RiskAssessmentRecord, StoreOptions,
};
use sila_store::{Store, StoreError};
pub use uuid::Uuid;

pub use audit::{AuditQuery, AuditView};
pub use error::{AppError, Conflict};
pub use keys::AuditKey;

/// Where the current time comes from. Production reads the system clock; tests use a
/// [`ManualClock`] so that deadlines and expiry are tested without sleeping.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that tests set and advance by hand.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: Timestamp) -> ManualClock {
        ManualClock { now: std::sync::Mutex::new(now) }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.checked_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Settings of the use cases, validated before serving.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The risk checklist in use.
    pub risk_instrument: RiskInstrument,
    /// A session ends after this long without a request.
    pub session_idle: SignedDuration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_absolute: SignedDuration,
    /// How long a break-glass access lasts.
    pub break_glass_duration: SignedDuration,
    /// The largest file a case accepts, in bytes.
    pub attachment_max_bytes: usize,
    /// Where signed tree heads are witnessed outside the database.
    pub witness: ledger::Witness,
    /// How long an idempotency key (and its sealed answer) is kept.
    pub idempotency_retention: SignedDuration,
    /// How long before and after a visit's day (local time) its steps may be recorded.
    pub visit_day_tolerance: SignedDuration,
    /// How fast one account may read, on average: audited reads per second.
    pub reads_per_second: u32,
    /// How many audited reads one account may make at once before that rate applies.
    pub read_burst: u32,
}

impl Default for AppConfig {
    fn default() -> AppConfig {
        AppConfig {
            risk_instrument: RiskInstrument::default_checklist(),
            session_idle: SignedDuration::from_mins(30),
            session_absolute: SignedDuration::from_hours(12),
            break_glass_duration: SignedDuration::from_hours(1),
            attachment_max_bytes: 4 * 1024 * 1024,
            witness: ledger::Witness::default(),
            idempotency_retention: SignedDuration::from_hours(24),
            visit_day_tolerance: SignedDuration::from_hours(2),
            // A person at a desk opens a handful of records a minute; a page makes a few
            // reads. Far above that, far below what would starve everyone else.
            reads_per_second: 20,
            read_burst: 200,
        }
    }
}

impl AppConfig {
    /// Checks the settings; the error says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        self.risk_instrument.check()?;
        if self.session_idle <= SignedDuration::ZERO || self.session_absolute < self.session_idle {
            return Err("session timeouts must satisfy 0 < idle ≤ absolute".into());
        }
        if self.idempotency_retention < SignedDuration::from_mins(5) {
            return Err("idempotency keys must be kept at least five minutes".into());
        }
        if self.break_glass_duration <= SignedDuration::ZERO
            || self.break_glass_duration > SignedDuration::from_hours(24)
        {
            return Err("break-glass access must last more than nothing and at most a day".into());
        }
        if self.visit_day_tolerance < SignedDuration::ZERO || self.visit_day_tolerance > SignedDuration::from_hours(12)
        {
            return Err("a visit day's tolerance must be between none and twelve hours".into());
        }
        if self.reads_per_second == 0 || self.read_burst == 0 {
            return Err("reads_per_second and read_burst must be at least 1".into());
        }
        Ok(())
    }
}

/// The signed-in user a use case acts for, with their agency, the persons they are
/// tied to and the cases they hold a live break-glass grant for — loaded from the store
/// for each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub user: User,
    /// Their agency.
    pub agency: Agency,
    /// Persons the user declared (or was declared) tied to.
    pub conflicts: std::collections::BTreeSet<sila_domain::ids::PersonId>,
    /// Cases with a live break-glass grant.
    pub break_glass: std::collections::BTreeSet<sila_domain::ids::CaseId>,
}

impl Actor {
    /// An actor with no ties and no grants (a freshly seeded user).
    pub fn new(user: User, agency: Agency) -> Actor {
        Actor { user, agency, conflicts: Default::default(), break_glass: Default::default() }
    }
}

/// Context of one request besides the actor: the idempotency key of a write, so that
/// the write's own transaction records that it committed.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The `Idempotency-Key` header of the request, if any.
    pub idempotency_key: Option<String>,
}

/// The application: storage, clock and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    config: Arc<AppConfig>,
    audit_key: Arc<AuditKey>,
    root_cache: Arc<ledger::RootCache>,
    policy: Arc<sila_policy::Engine>,
    /// Where messages to people outside Sila go (check-in codes to parents): the log
    /// sender unless the deployment (or a test) sets another.
    texts: Arc<std::sync::RwLock<Arc<dyn monitor::Sender>>>,
    /// Passwords checked against a hash since start (real or dummy): what the sign-in
    /// throttles bound, counted where the work is done.
    password_checks: Arc<std::sync::atomic::AtomicU64>,
    /// Rewrites of the database files a shred still asks for (see `retention`).
    erase_pending: Arc<std::sync::atomic::AtomicU32>,
    /// Audit entries of reads and refusals waiting for their group commit.
    group_commit: Arc<group_commit::GroupCommit>,
    /// Each account's read allowance (`audit::ReadAllowances`).
    read_allowances: Arc<audit::ReadAllowances>,
}

impl App {
    /// Connects to the database and checks that its schema is current.
    pub async fn open(
        options: &StoreOptions,
        audit_key: AuditKey,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<App, AppError> {
        config.check().map_err(AppError::Internal)?;
        let store = Store::connect(options).await.map_err(AppError::from)?;
        store.check_schema().await.map_err(AppError::from)?;
        App::assemble(store, audit_key, clock, config)
    }

    fn assemble(store: Store, audit_key: AuditKey, clock: Arc<dyn Clock>, config: AppConfig) -> Result<App, AppError> {
        Ok(App {
            store,
            clock,
            config: Arc::new(config),
            audit_key: Arc::new(audit_key),
            root_cache: Default::default(),
            policy: Arc::new(sila_policy::Engine::load().map_err(AppError::Internal)?),
            texts: Arc::new(std::sync::RwLock::new(Arc::new(monitor::LogSender))),
            password_checks: Default::default(),
            erase_pending: Default::default(),
            group_commit: Default::default(),
            read_allowances: Default::default(),
        })
    }

    /// Connects and applies pending migrations first (for `sila demo`, `sila migrate`
    /// and tests).
    pub async fn open_and_migrate(
        options: &StoreOptions,
        audit_key: AuditKey,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<(App, Vec<i64>), AppError> {
        config.check().map_err(AppError::Internal)?;
        let store = Store::connect(options).await.map_err(AppError::from)?;
        let applied = store.migrate().await.map_err(AppError::from)?;
        Ok((App::assemble(store, audit_key, clock, config)?, applied))
    }

    /// The audit key's public half and id (published so that tree heads can be checked).
    pub fn audit_public_key(&self) -> ([u8; 32], String) {
        (self.audit_key.public_key(), self.audit_key.id().to_string())
    }

    /// Applies pending migrations to an already open database.
    pub async fn migrate(&self) -> Result<Vec<i64>, AppError> {
        Ok(self.store.migrate().await?)
    }

    /// Sets where text messages to people outside Sila go.
    pub fn set_text_sender(&self, sender: Arc<dyn monitor::Sender>) {
        *self.texts.write().unwrap_or_else(std::sync::PoisonError::into_inner) = sender;
    }

    pub(crate) fn text_sender(&self) -> Arc<dyn monitor::Sender> {
        self.texts.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// How many passwords this process has checked against a hash (each an Argon2 run).
    pub fn password_checks(&self) -> u64 {
        self.password_checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The current instant of the application's clock, truncated to the microsecond:
    /// the one precision every stored instant, audit record and report has, so that an
    /// instant read back compares equal to the one written.
    pub fn now(&self) -> Timestamp {
        let now = self.clock.now();
        Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Which database is behind the application.
    pub fn dialect(&self) -> Dialect {
        self.store.dialect()
    }

    /// Readiness: the database answers and its schema is the one this binary needs.
    pub async fn ready(&self) -> Result<(), AppError> {
        if !self.store.ping().await {
            return Err(AppError::Unavailable);
        }
        self.store.check_schema().await.map_err(|_| AppError::Unavailable)
    }

    /// Closes the database pool.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Creates a fresh PostgreSQL schema (tests give each test its own).
    pub async fn create_postgres_schema(url: &str, schema: &str) -> Result<(), AppError> {
        Ok(Store::create_schema(url, schema).await?)
    }

    /// Drops a PostgreSQL schema made by [`App::create_postgres_schema`].
    pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<(), AppError> {
        Ok(Store::drop_schema(url, schema).await?)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Stale => AppError::Conflict(Conflict::StaleVersion),
            StoreError::Duplicate => AppError::Conflict(Conflict::Duplicate),
            StoreError::Shredded => AppError::Conflict(Conflict::Shredded),
            // Every connection busy for the whole wait: the server is saturated, not broken.
            saturated if saturated.is_saturation() => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// A new UUID v7: time-ordered, so ids sort roughly by creation and index well.
pub(crate) fn new_uuid() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
