//! The test harness: an [`App`] on a fresh database — a new SQLite file, or a new
//! PostgreSQL schema — with the demo directory seeded and a clock the test controls.
//! Every store and use-case test runs on both databases through [`TestApp::start`].
//!
//! PostgreSQL is found at `SILA_TEST_POSTGRES_URL` (default: the local server's `test`
//! database). When it cannot be reached the test fails: a suite that silently skips
//! half its databases proves nothing.

use std::path::PathBuf;
use std::sync::Arc;

use crate::demo::{DemoOptions, DemoWorld, seed_directory};
use crate::{App, AppConfig, AuditKey, ManualClock, MasterKey, MasterKeys, StoreOptions};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in the temporary directory.
    Sqlite,
    /// A fresh schema on the PostgreSQL server.
    Postgres,
}

/// The password of every seeded test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// The instant test clocks start at.
pub const START: &str = "2026-11-29T08:00:00Z";

/// The default PostgreSQL URL for tests.
pub fn postgres_url() -> String {
    std::env::var("SILA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// An application on a fresh database with the demo directory.
pub struct TestApp {
    /// The application.
    pub app: App,
    /// Its clock.
    pub clock: Arc<ManualClock>,
    /// The seeded directory.
    pub world: DemoWorld,
    /// The database URL (tests that inspect the database directly use it).
    pub url: String,
    /// The PostgreSQL schema, if any.
    pub schema: Option<String>,
    /// The store options the application was opened with (keys included), for tests
    /// that open a second application on the same database.
    pub options: StoreOptions,
    /// The audit key.
    pub audit_key: AuditKey,
    /// The last TOTP step each user signed in with in this test.
    totp_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema(String, String),
}

impl TestApp {
    /// Starts an application on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> TestApp {
        let clock = Arc::new(ManualClock::new(START.parse().expect("START is an instant")));
        let unique = crate::new_uuid().simple().to_string();
        let keys = MasterKeys::new(MasterKey::generate(), Vec::new());
        let (options, cleanup, url, schema) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("sila-test-{unique}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (StoreOptions::new(url.clone(), keys), Cleanup::File(path), url, None)
            }
            Backend::Postgres => {
                let url = postgres_url();
                let schema = format!("test_{unique}");
                App::create_postgres_schema(&url, &schema)
                    .await
                    .unwrap_or_else(|error| panic!("PostgreSQL at {url} is needed by the tests: {error}"));
                let mut options = StoreOptions::new(url.clone(), keys);
                options.schema = Some(schema.clone());
                options.max_connections = 4;
                (options, Cleanup::Schema(url.clone(), schema.clone()), url, Some(schema))
            }
        };
        let audit_key = AuditKey::generate();
        let (app, _) = App::open_and_migrate(&options, audit_key.clone(), clock.clone(), AppConfig::default())
            .await
            .expect("the test database opens and migrates");
        let world = seed_directory(&app, &DemoOptions { shared_password: Some(PASSWORD.into()) })
            .await
            .expect("the demo directory seeds");
        TestApp { app, clock, world, url, schema, options, audit_key, totp_steps: Default::default(), cleanup }
    }
}

impl TestApp {
    /// A TOTP code for `username` that the server has not seen yet: codes are accepted
    /// once, so a test that signs the same user in again at the same instant gets the
    /// code of the next step (up to one step ahead, as a phone's clock may be).
    pub fn totp_code(&self, username: &str) -> String {
        let login = self.world.logins.iter().find(|login| login.username == username).expect("a seeded user");
        let secret = crate::auth::totp::from_base32(&login.totp_secret).expect("a base32 secret");
        let now = crate::Clock::now(self.clock.as_ref()).as_second();
        let current = crate::auth::totp::step_of(now);
        let mut steps = self.totp_steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let step = steps.get(username).map_or(current - 1, |last| (last + 1).max(current - 1));
        assert!(step <= current + 1, "{username} signed in more than three times within one step; advance the clock");
        steps.insert(username.to_string(), step);
        crate::auth::totp::code_at(&secret, step * crate::auth::totp::STEP_SECONDS)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema(url, schema) => {
                // Drop cannot await; a short-lived thread with its own runtime can.
                let (url, schema) = (url.clone(), schema.clone());
                let _ = std::thread::spawn(move || {
                    if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        let _ = runtime.block_on(App::drop_postgres_schema(&url, &schema));
                    }
                })
                .join();
            }
        }
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL:
/// `both_databases!(name, |test| async move { … });` defines `name_sqlite` and
/// `name_postgres`.
#[macro_export]
macro_rules! both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test = $crate::testing::TestApp::start($crate::testing::Backend::Sqlite).await;
                ($body)(test).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = $crate::testing::TestApp::start($crate::testing::Backend::Postgres).await;
                ($body)(test).await;
            }
        }
    };
}
