//! Connecting to SQLite or PostgreSQL, and the transaction type every query runs in.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::StoreError;
use crate::vault::{DataKey, MasterKeys};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub url: String,
    /// Connections for requests: on PostgreSQL the one pool every transaction uses; on
    /// SQLite the readers (WAL lets them read while one writer writes), beside a pool of
    /// [`WRITE_CONNECTIONS`] for the writer. Each server also keeps one connection of its
    /// own for its name index (`search_index.rs`), so a server uses at most
    /// `max_connections + 1` on PostgreSQL.
    pub max_connections: u32,
    /// How long a request waits for a connection of a saturated pool before it is
    /// answered "unavailable, retry" (never an internal error).
    pub acquire_timeout: Duration,
    /// PostgreSQL only: the schema to use (tests use a fresh schema each).
    pub schema: Option<String>,
    /// The master keys that wrap the data keys (never stored in the database).
    pub keys: MasterKeys,
}

impl StoreOptions {
    /// Options for `url` with the default pool size.
    pub fn new(url: impl Into<String>, keys: MasterKeys) -> StoreOptions {
        StoreOptions {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
            schema: None,
            keys,
        }
    }
}

/// SQLite writers, one at a time behind the in-process write lock: the one writing, and
/// a spare for migrations, checkpoints and probes.
pub const WRITE_CONNECTIONS: u32 = 2;

/// The database: its connection pools and its dialect.
///
/// No request holds more than one connection: a use case runs in one [`Tx`], and the
/// person name index is brought up to date on a connection of its own
/// (`index_pool`), never on a second one borrowed by the request.
#[derive(Clone)]
pub struct Store {
    /// Writes (and, on PostgreSQL, reads too).
    pool: AnyPool,
    /// SQLite only: read-only connections for [`Store::read`]; on PostgreSQL the same
    /// pool as `pool`.
    readers: AnyPool,
    /// One connection for the name index's catch-up and build.
    index_pool: AnyPool,
    dialect: Dialect,
    /// SQLite allows one writer at a time. Serialising writers here, rather than
    /// letting them collide in SQLite, turns lock contention into a fair queue and
    /// avoids the deadlock of two deferred transactions both upgrading to write.
    write_lock: Option<Arc<Mutex<()>>>,
    keys: Arc<MasterKeys>,
    /// The in-memory person name index (`search_index.rs`), shared by every clone.
    pub(crate) person_index: Arc<crate::search_index::PersonIndex>,
}

impl Store {
    /// Connects, with WAL and foreign keys on for SQLite.
    pub async fn connect(options: &StoreOptions) -> Result<Store, StoreError> {
        install_default_drivers();
        let dialect = if options.url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if options.url.starts_with("postgres://") || options.url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            )));
        };
        if dialect == Dialect::Sqlite {
            create_private_file(&options.url)?;
        }
        if let Some(name) = &options.schema
            && !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            return Err(StoreError::Database(sqlx::Error::Configuration("invalid schema name".into())));
        }
        let pool = match dialect {
            Dialect::Sqlite => open_pool(options, dialect, WRITE_CONNECTIONS, false).await?,
            Dialect::Postgres => open_pool(options, dialect, options.max_connections, false).await?,
        };
        let readers = match dialect {
            Dialect::Sqlite => open_pool(options, dialect, options.max_connections, true).await?,
            Dialect::Postgres => pool.clone(),
        };
        let index_pool = open_pool(options, dialect, 1, true).await?;
        let write_lock = (dialect == Dialect::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            pool,
            readers,
            index_pool,
            dialect,
            write_lock,
            keys: Arc::new(options.keys.clone()),
            person_index: crate::search_index::PersonIndex::new(),
        })
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Begins a transaction that may write.
    pub async fn write(&self) -> Result<Tx, StoreError> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let transaction = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { transaction, dialect: self.dialect, keys: self.keys.clone(), data_keys: HashMap::new(), _guard: guard })
    }

    /// Begins a transaction that only reads: on SQLite a connection of the readers'
    /// pool (no write lock: WAL readers do not block the writer, nor it them), on
    /// PostgreSQL `BEGIN READ ONLY`. Either way a write attempted in it fails loudly.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let transaction = match self.dialect {
            Dialect::Sqlite => self.readers.begin().await?,
            Dialect::Postgres => self.readers.begin_with("BEGIN READ ONLY").await?,
        };
        Ok(Tx { transaction, dialect: self.dialect, keys: self.keys.clone(), data_keys: HashMap::new(), _guard: None })
    }

    /// A reading transaction on the name index's own connection.
    pub(crate) async fn index_read(&self) -> Result<Tx, StoreError> {
        let transaction = self.index_pool.begin().await?;
        Ok(Tx { transaction, dialect: self.dialect, keys: self.keys.clone(), data_keys: HashMap::new(), _guard: None })
    }

    /// The master keys.
    pub fn keys(&self) -> &MasterKeys {
        &self.keys
    }

    /// A plain connection from the pool, outside any transaction (migrations, probes).
    pub(crate) async fn pool_connection(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Removes what a shred left behind in the database's files, after its commit:
    /// on SQLite (whose `secure_delete` already zeroed the old pages in the main file) a
    /// `TRUNCATE` checkpoint copies the WAL into the file and empties the WAL, so the old
    /// wrapped key is in neither; on PostgreSQL `VACUUM FULL` rewrites the tables that
    /// held the key and the case's stored answers without their dead rows. (PostgreSQL's
    /// WAL segments keep the old row until they are recycled; see docs/SECURITY.md.)
    pub async fn erase_freed_space(&self) -> Result<(), StoreError> {
        let mut connection = self.pool_connection().await?;
        match self.dialect {
            Dialect::Sqlite => {
                let _guard = match &self.write_lock {
                    Some(lock) => Some(lock.clone().lock_owned().await),
                    None => None,
                };
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *connection).await?;
            }
            Dialect::Postgres => {
                for table in ["data_keys", "idempotency_keys"] {
                    connection.execute(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}"))).await?;
                }
            }
        }
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.readers).await.is_ok()
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.index_pool.close().await;
        self.readers.close().await;
        self.pool.close().await;
    }

    /// Creates a PostgreSQL schema (for tests that want a fresh one).
    pub async fn create_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        install_default_drivers();
        if !schema.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
            return Err(StoreError::Database(sqlx::Error::Configuration("invalid schema name".into())));
        }
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).await?;
        pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).await?;
        pool.close().await;
        Ok(())
    }

    /// Drops a PostgreSQL schema created by [`Store::create_schema`].
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        install_default_drivers();
        if !schema.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
            return Err(StoreError::Database(sqlx::Error::Configuration("invalid schema name".into())));
        }
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).await?;
        pool.close().await;
        Ok(())
    }
}

/// Opens a pool of `size` connections; `read_only` ones (SQLite) refuse every write
/// (`PRAGMA query_only`), so a use case that reads cannot change anything by mistake.
async fn open_pool(
    options: &StoreOptions,
    dialect: Dialect,
    size: u32,
    read_only: bool,
) -> Result<AnyPool, StoreError> {
    let schema = options.schema.clone();
    let pool = AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(options.acquire_timeout)
        .after_connect(move |connection, _meta| {
            let schema = schema.clone();
            Box::pin(async move {
                match dialect {
                    Dialect::Sqlite => {
                        // WAL lets readers work while one writer writes; it is a
                        // property of the file, so setting it on every connection
                        // is a cheap no-op after the first.
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA foreign_keys = ON").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                        // Deleted and overwritten content is zeroed in the file, so
                        // a shredded data key does not linger in a free page.
                        connection.execute("PRAGMA secure_delete = ON").await?;
                        if read_only {
                            connection.execute("PRAGMA query_only = ON").await?;
                        }
                    }
                    Dialect::Postgres => {
                        if let Some(schema) = schema {
                            let statement = format!("SET search_path TO {schema}");
                            connection.execute(sqlx::AssertSqlSafe(statement)).await?;
                        }
                    }
                }
                Ok(())
            })
        })
        .connect(&options.url)
        .await?;
    Ok(pool)
}

/// Creates a missing SQLite database file readable and writable by the server's user
/// only (0600), before SQLite would create it with the process's umask (often 0644);
/// SQLite gives its `-wal` and `-shm` files the permissions of the database file.
fn create_private_file(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError::Database(sqlx::Error::Io(error))),
    }
}

/// A database transaction. Dropping it without [`Tx::commit`] rolls it back, so an
/// early return on an error never leaves half a change behind.
pub struct Tx {
    pub(crate) transaction: Transaction<'static, Any>,
    pub(crate) dialect: Dialect,
    pub(crate) keys: Arc<MasterKeys>,
    /// Data keys opened in this transaction (`None`: shredded), so that a case read
    /// with its notes unwraps its key once.
    pub(crate) data_keys: HashMap<uuid::Uuid, Option<Arc<DataKey>>>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.transaction.commit().await?;
        Ok(())
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}
