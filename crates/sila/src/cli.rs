//! The subcommands of API.md's command line.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sila_app::auth::UserInput;
use sila_app::demo::{DemoOptions, seed_cases, seed_directory};
use sila_app::{App, MasterKey, MasterKeys, StoreOptions, SystemClock};

use crate::config::Config;
use crate::keys::{self, Keys};

/// Sila: confidential referral and case management.
#[derive(Debug, Parser)]
#[command(name = "sila", version, about)]
pub struct Cli {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "SILA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (applies pending migrations first).
    Serve {
        /// Database: a SQLite file path, `sqlite://…` or `postgres://…`.
        #[arg(long)]
        database: Option<String>,
        /// Address to listen on.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Create a fresh demo database (agencies, protocols, users, persons, cases) and serve it.
    Demo {
        /// Database; by default a fresh `sila-demo.db` next to you.
        #[arg(long)]
        database: Option<String>,
        /// Address to listen on.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Erase an existing demo database first (SQLite: the file; PostgreSQL: refused
        /// unless empty).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        fresh: bool,
        /// Seed and print the logins, then exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply pending database migrations.
    Migrate {
        /// Database.
        #[arg(long)]
        database: Option<String>,
    },
    /// Create the key files (master key, audit key) in the keys directory.
    Init {
        /// Keys directory.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Key management.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
        /// Database.
        #[arg(long, global = true)]
        database: Option<String>,
        /// Keys directory.
        #[arg(long, global = true)]
        keys: Option<PathBuf>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
        /// Database.
        #[arg(long, global = true)]
        database: Option<String>,
        /// Keys directory.
        #[arg(long, global = true)]
        keys: Option<PathBuf>,
    },
    /// Case retention.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
        /// Database.
        #[arg(long, global = true)]
        database: Option<String>,
        /// Keys directory.
        #[arg(long, global = true)]
        keys: Option<PathBuf>,
    },
    /// The person-name matcher.
    Match {
        #[command(subcommand)]
        command: MatchCommand,
    },
    /// Build the person name index from the database, with a progress bar, and report
    /// its size and how long it took (a server builds the same index at start).
    Reindex {
        /// Database.
        #[arg(long)]
        database: Option<String>,
    },
    /// User administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
        /// Database.
        #[arg(long, global = true)]
        database: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum MatchCommand {
    /// Evaluate the matcher on a labelled file of name pairs (columns left, right, same,
    /// kind): accuracy per kind, then precision, recall and F1 at the shipped threshold.
    Eval {
        /// The tab-separated file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a new master key current and re-wrap every data key with it.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the whole audit log, read-only; exit non-zero and say where, if it was
    /// altered, copied into, or cut short of a head witnessed outside the database.
    Verify {
        /// Verify with the published public key alone (hex, as `GET
        /// /api/v1/audit/public-key` gives it): the tree and every signed head, without
        /// the key files; each entry's MAC needs the MAC key and is not checked.
        #[arg(long)]
        public_key: Option<String>,
        /// A head kept elsewhere to check the log against: a witness file, one head, or
        /// a court report whose tree head it takes. The keys directory's witness file is
        /// checked too when there is one.
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Prove offline that a court report (its JSON form) is as the centre issued it:
    /// its content, the audit entries it rests on, and the signed tree head. Needs no
    /// database.
    VerifyReport {
        /// The report's JSON file.
        file: PathBuf,
        /// The centre's audit public key (hex, as `GET /api/v1/audit/public-key` gives
        /// it); without it the key inside the report is trusted and its hex is printed.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// End a case's retention: destroy its data key (its content becomes unreadable).
    Shred {
        /// The case reference (`CP-2026-000123`).
        reference: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user (in effect at once: the operator is trusted with the server). Prints
    /// a one-time set-up link with which the user chooses a password and enrols their
    /// authenticator; nobody else ever knows the password.
    Add {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Name shown to colleagues.
        #[arg(long)]
        display_name: String,
        /// Agency code (`CP`, `AMAN`, …).
        #[arg(long)]
        agency: String,
        /// Role code; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Office code within the agency; repeat for several.
        #[arg(long = "office")]
        offices: Vec<String>,
        /// `ar` or `en`.
        #[arg(long, default_value = "ar")]
        language: String,
    },
    /// Disable a user: they can no longer sign in, and every session, API token and
    /// recognised device of theirs ends.
    Disable {
        /// Sign-in name.
        username: String,
    },
    /// Reset a user's sign-in (a forgotten password, a lost phone): the password and
    /// the two-factor secret are void, everything the user holds ends, and a new
    /// one-time set-up link is printed to hand over.
    ResetPassword {
        /// Sign-in name.
        username: String,
    },
    /// API tokens for integrations.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        /// The user the token acts as.
        #[arg(long)]
        username: String,
        /// What it is for (a label).
        #[arg(long)]
        name: String,
        /// `read` (reading requests only) or `write`.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List a user's tokens.
    List {
        /// The user.
        #[arg(long)]
        username: String,
    },
    /// Revoke a token by id: requests with it fail from now on.
    Revoke {
        /// The token id (from `list`).
        id: String,
    },
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { database, listen } => {
            apply_overrides(&mut config, database, listen);
            config.check()?;
            init_logging(&config);
            let app = open(&config, true).await?;
            serve(app, &config).await
        }
        Command::Demo { database, listen, fresh, no_serve } => {
            config.database = database.unwrap_or_else(|| "sila-demo.db".into());
            if std::env::var("SILA_KEYS_DIR").is_err() {
                config.keys_dir = "sila-demo-keys".into();
            }
            apply_overrides(&mut config, None, listen);
            config.check()?;
            init_logging(&config);
            let url = config.database_url();
            if fresh && url.starts_with("sqlite:") {
                remove_sqlite_file(&url)?;
                // A fresh demo database gets fresh keys; the old ones open nothing now.
                let _ = std::fs::remove_dir_all(&config.keys_dir);
            }
            if !config.keys_dir.join("master.key").exists() {
                keys::init(&config.keys_dir)?;
            }
            let app = open(&config, true).await?;
            if !app.is_empty().await? {
                bail!("the database {} is not empty; the demo needs a fresh one", config.database);
            }
            let world = seed_directory(&app, &DemoOptions::default()).await.context("seeding the demo directory")?;
            let persons = seed_cases(&app, &world).await.context("seeding the demo cases")?;
            println!("Sila demo: {} persons and 20 referred cases in {}", persons, config.database);
            for login in &world.logins {
                println!(
                    "login: {} {} {} {} {}",
                    login.username,
                    login.password,
                    login.role.code(),
                    login.agency,
                    login.totp_secret
                );
            }
            if no_serve {
                return Ok(());
            }
            println!("serving http://{}", config.listen);
            serve(app, &config).await
        }
        Command::Migrate { database } => {
            apply_overrides(&mut config, database, None);
            config.check()?;
            init_logging(&config);
            let keys = keys::load(&config.keys_dir)?;
            let (_, applied) = App::open_and_migrate(
                &store_options(&config, keys.master),
                keys.audit,
                Arc::new(SystemClock),
                config.app_config()?,
            )
            .await?;
            if applied.is_empty() {
                println!("the database is up to date");
            } else {
                println!("applied migrations: {applied:?}");
            }
            Ok(())
        }
        Command::Match { command: MatchCommand::Eval { file } } => crate::matching::eval(&file),
        Command::Reindex { database } => {
            apply_overrides(&mut config, database, None);
            config.check()?;
            let app = open(&config, false).await?;
            crate::matching::reindex(&app).await
        }
        Command::User { command, database } => {
            apply_overrides(&mut config, database, None);
            config.check()?;
            let app = open(&config, false).await?;
            user_command(&app, &config, command).await
        }
        Command::Init { keys: dir } => {
            let dir = dir.unwrap_or(config.keys_dir);
            let created = keys::init(&dir)?;
            let names: Vec<String> = created
                .iter()
                .filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
                .collect();
            println!("created {} in {}; back them up apart from the database", names.join(", "), dir.display());
            Ok(())
        }
        Command::Keys { command: KeysCommand::Rotate, database, keys: dir } => {
            apply_overrides(&mut config, database, None);
            if let Some(dir) = dir {
                config.keys_dir = dir;
            }
            config.check()?;
            rotate(&config).await
        }
        Command::Audit { command: AuditCommand::VerifyReport { file, public_key }, .. } => {
            verify_report(&file, public_key.as_deref())
        }
        Command::Audit { command: AuditCommand::Verify { public_key, head }, database, keys: dir } => {
            apply_overrides(&mut config, database, None);
            if let Some(dir) = dir {
                config.keys_dir = dir;
            }
            config.check()?;
            verify_audit(&config, public_key.as_deref(), head.as_deref()).await
        }
        Command::Case { command: CaseCommand::Shred { reference }, database, keys: dir } => {
            apply_overrides(&mut config, database, None);
            if let Some(dir) = dir {
                config.keys_dir = dir;
            }
            config.check()?;
            let app = open(&config, false).await?;
            let id = app.case_id_for_operator(&reference).await?.with_context(|| format!("no case {reference}"))?;
            app.shred_case(None, id).await?;
            println!("the content of {reference} is shredded; its audit entries remain");
            Ok(())
        }
    }
}

/// `sila audit verify`: with the key files (every MAC too) or with the public key alone,
/// against the witness file and any head given; signs nothing, writes nothing.
async fn verify_audit(config: &Config, public_key: Option<&str>, head: Option<&std::path::Path>) -> anyhow::Result<()> {
    let mut witnessed = Vec::new();
    let mut sources = Vec::new();
    let witness = config.witness_file().filter(|path| path.exists());
    for path in witness.iter().map(PathBuf::as_path).chain(head) {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let heads = sila_app::ledger::read_witnessed_heads(&text)
            .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
        sources.push(format!("{} ({} heads)", path.display(), heads.len()));
        witnessed.extend(heads);
    }
    let report = match public_key {
        Some(text) => {
            let key: [u8; 32] = sila_reports::court::unhex(text.trim())
                .and_then(|bytes| bytes.try_into().ok())
                .context("--public-key is not 64 hex digits")?;
            let reader = sila_app::ledger::AuditLogReader::open(&config.database_url(), None).await?;
            let report = reader.verify(&key, &witnessed).await;
            reader.close().await;
            report?
        }
        None => open(config, false).await?.verify_audit_log_against(&witnessed).await?,
    };
    match report.first_problem {
        None => {
            println!(
                "audit log intact: {} entries in the tree, {} signed tree heads checked, {} witnessed heads checked{}, {} pending",
                report.tree_size,
                report.heads_checked,
                report.witnessed_checked,
                if sources.is_empty() { String::new() } else { format!(" (from {})", sources.join(", ")) },
                report.pending
            );
            if !report.macs_checked {
                println!("entry MACs not checked: they need the MAC key (audit-mac.key)");
            }
            Ok(())
        }
        Some(problem) => bail!("audit log altered: {problem}"),
    }
}

/// Makes a new master key current: the key file lists it first and the old one after
/// (so a crash leaves every key readable), every data key is re-wrapped, then the old
/// key is dropped from the file.
async fn rotate(config: &Config) -> anyhow::Result<()> {
    let Keys { master, audit } = keys::load(&config.keys_dir)?;
    let old = master.current().clone();
    let new = MasterKey::generate();
    keys::write_master(&config.keys_dir, &[&new, &old])?;
    let rotated = MasterKeys::new(new.clone(), vec![old]);
    let app = App::open(&store_options(config, rotated), audit, Arc::new(SystemClock), config.app_config()?).await?;
    let (count, in_use) = app.rewrap_data_keys().await?;
    if in_use.iter().any(|id| id != new.id()) {
        bail!("some data keys are still wrapped by an older key ({in_use:?}); the key file keeps both");
    }
    keys::write_master(&config.keys_dir, &[&new])?;
    println!("re-wrapped {count} data keys; master key {} is current", new.id());
    Ok(())
}

fn apply_overrides(config: &mut Config, database: Option<String>, listen: Option<std::net::SocketAddr>) {
    if let Some(database) = database {
        config.database = database;
    }
    if let Some(listen) = listen {
        config.listen = listen;
    }
}

fn store_options(config: &Config, keys: MasterKeys) -> StoreOptions {
    let mut options = StoreOptions::new(config.database_url(), keys);
    options.max_connections = config.max_connections;
    options.acquire_timeout = std::time::Duration::from_millis(config.acquire_timeout_ms);
    options
}

async fn open(config: &Config, migrate: bool) -> anyhow::Result<App> {
    let Keys { master, audit } = keys::load(&config.keys_dir)?;
    let options = store_options(config, master);
    let clock = Arc::new(SystemClock);
    if migrate {
        let (app, applied) = App::open_and_migrate(&options, audit, clock, config.app_config()?).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        Ok(app)
    } else {
        Ok(App::open(&options, audit, clock, config.app_config()?).await?)
    }
}

async fn serve(app: App, config: &Config) -> anyhow::Result<()> {
    // The audit log's sequencer: puts new entries into the Merkle tree and signs a tree
    // head every few seconds while anything happens.
    let sequencer = {
        let app = app.clone();
        let every = std::time::Duration::from_secs(config.tree_head_seconds);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(error) = app.sequence_and_sign().await {
                    tracing::error!(error = %error, "could not sign a tree head");
                }
            }
        })
    };
    // The deadline monitor and the notification sender (the log sender: a line per
    // notification, naming only the user's id). Several servers may run both.
    let monitor = {
        let app = app.clone();
        let every = std::time::Duration::from_secs(config.monitor_seconds);
        let worker = format!("{}-{}", config.listen, std::process::id());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(error) = app.monitor_deadlines().await {
                    tracing::error!(error = %error, "the deadline monitor failed");
                }
                if let Err(error) = app.deliver_notifications(&sila_app::monitor::LogSender, &worker).await {
                    tracing::error!(error = %error, "notifications could not be delivered");
                }
                if let Err(error) = app.purge_idempotency_keys().await {
                    tracing::error!(error = %error, "old idempotency keys could not be forgotten");
                }
                app.erase_shred_remnants(false).await;
            }
        })
    };
    // The person name index, built in the background: searches wait for it only if they
    // come before it is ready.
    let warming = {
        let app = app.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match app.warm_person_index(&mut |_, _| {}).await {
                Ok(()) => tracing::info!(seconds = started.elapsed().as_secs_f64(), "person index ready"),
                Err(error) => tracing::error!(error = %error, "could not build the person index"),
            }
        })
    };
    let router = sila_web::router(app.clone(), &config.web_config()?).map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let open_files = sila_web::server::raise_open_file_limit();
    let limits = sila_web::server::ServerLimits {
        header_timeout: std::time::Duration::from_secs(config.header_seconds),
        max_connections: sila_web::server::connection_cap(config.max_http_connections, open_files),
    };
    tracing::info!(address = %config.listen, connections = limits.max_connections, "serving");
    sila_web::server::serve(listener, router, limits, shutdown()).await?;
    sequencer.abort();
    monitor.abort();
    warming.abort();
    app.sequence_and_sign().await?;
    app.close().await;
    Ok(())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn remove_sqlite_file(url: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("removing {file}")),
        }
    }
    Ok(())
}

/// The link a set-up token opens, at the configured public address.
fn setup_url(config: &Config, link: &sila_app::auth::SetupLinkIssued) -> String {
    let base = match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{}", config.listen),
    };
    format!("{base}/set-up?token={}", link.token)
}

async fn user_command(app: &App, config: &Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, display_name, agency, roles, offices, language } => {
            let (agencies, all_offices) = app.operator_directory().await?;
            let agency = agencies
                .iter()
                .find(|candidate| candidate.code.eq_ignore_ascii_case(&agency))
                .with_context(|| format!("no agency with code {agency}"))?;
            let mut office_ids = Vec::new();
            for code in &offices {
                let office = all_offices
                    .iter()
                    .find(|office| office.agency_id == agency.id && office.code.eq_ignore_ascii_case(code))
                    .with_context(|| format!("no office {code} in {}", agency.code))?;
                office_ids.push(office.id.to_string());
            }
            let input = UserInput {
                username,
                display_name,
                roles,
                agency_id: agency.id.to_string(),
                office_ids,
                language: Some(language),
            };
            match app.create_user(None, &input).await {
                Ok(created) => {
                    println!("added user {} ({})", created.user.username, created.user.id);
                    if let Some(link) = &created.setup_link {
                        println!("set-up link (works once, until {}):", link.expires_at);
                        println!("{}", setup_url(config, link));
                    }
                    Ok(())
                }
                Err(sila_app::AppError::Invalid(errors)) => {
                    let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    bail!("invalid: {}", problems.join("; "))
                }
                Err(error) => Err(error.into()),
            }
        }
        UserCommand::Disable { username } => {
            app.set_user_disabled(&username, true).await?;
            println!("disabled {username}");
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let link = app.reset_sign_in_for_operator(&username).await?;
            println!("the sign-in of {username} is reset; set-up link (works once, until {}):", link.expires_at);
            println!("{}", setup_url(config, &link));
            Ok(())
        }
        UserCommand::Token { command: TokenCommand::Create { username, name, scope, days } } => {
            let scope = sila_app::auth::TokenScope::parse(&scope).context("the scope is read or write")?;
            let created =
                app.create_api_token(&username, &name, scope, sila_app::SignedDuration::from_hours(24 * days)).await?;
            println!("token {} ({}, until {}):", created.token.id, scope.code(), created.token.expires_at);
            println!("{}", created.secret);
            Ok(())
        }
        UserCommand::Token { command: TokenCommand::List { username } } => {
            for token in app.api_tokens(&username).await? {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => format!("until {}", token.expires_at),
                };
                println!("{} {} {} {}", token.id, token.scope, token.name, state);
            }
            Ok(())
        }
        UserCommand::Token { command: TokenCommand::Revoke { id } } => {
            let id = uuid_of(&id)?;
            app.revoke_api_token(id).await?;
            println!("revoked {id}");
            Ok(())
        }
    }
}

fn uuid_of(text: &str) -> anyhow::Result<sila_app::Uuid> {
    sila_app::Uuid::try_parse(text.trim()).context("not a token id")
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SILA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // Logs carry record ids and codes, never names or text a user typed.
    let _ = if config.log_format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// `sila audit verify-report`: exits non-zero, saying what failed, unless the report
/// verifies.
fn verify_report(file: &std::path::Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let expected = match public_key {
        Some(text) => Some(sila_reports::court::unhex(text.trim()).context("--public-key is not hex")?),
        None => None,
    };
    match sila_reports::court::verify(&bytes, expected.as_deref()) {
        Ok(verified) => {
            println!(
                "court report verified: {} from {} to {}, {} visit events and the issue proven in the audit log of {} entries",
                verified.case_reference, verified.period.0, verified.period.1, verified.events, verified.tree_size
            );
            if expected.is_none() {
                println!("signed by the audit key {}; compare it with the centre's published key", verified.public_key);
            }
            Ok(())
        }
        Err(error) => bail!("court report NOT verified: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from(["sila", "demo", "--listen", "127.0.0.1:9000", "--no-serve"]).unwrap();
        assert!(matches!(cli.command, Command::Demo { no_serve: true, .. }));
        let cli = Cli::try_parse_from([
            "sila",
            "user",
            "add",
            "--username",
            "x.y",
            "--display-name",
            "X",
            "--agency",
            "CP",
            "--role",
            "police_officer",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::User { command: UserCommand::Add { .. }, .. }));
        assert!(Cli::try_parse_from(["sila", "user", "add"]).is_err());
    }
}
