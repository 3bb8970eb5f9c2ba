//! The configuration: one typed struct, read at start from an optional TOML file, then
//! the environment (`SILA_*`), then command-line flags, and validated before anything
//! is served.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

/// Everything the server needs to know.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path` (or a plain file path) or `postgres://…`.
    pub database: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Set `Secure` on cookies and send `Strict-Transport-Security` (served over TLS).
    /// Unset: on exactly when `public_url` is `https://…`.
    pub secure_cookies: Option<bool>,
    /// The address people reach Sila at (`https://sila.example`): set-up links point
    /// there, and an `https` address turns `secure_cookies` on.
    pub public_url: Option<String>,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the
    /// client; from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Minutes without a request before a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in when a session ends regardless.
    pub session_absolute_hours: i64,
    /// Database connections for requests (PostgreSQL: the pool; SQLite: the readers,
    /// beside two for the one writer). Each server also keeps one for its name index.
    pub max_connections: u32,
    /// HTTP connections open at once (lowered to fit under the open-file limit).
    pub max_http_connections: usize,
    /// Seconds for a request's head to arrive, from the connection's opening or the
    /// previous answer: also how long an idle keep-alive connection stays open.
    pub header_seconds: u64,
    /// Audited reads per second one account may make, on average.
    pub reads_per_second: u32,
    /// Audited reads one account may make at once before that rate applies.
    pub read_burst: u32,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// A TOML file defining the risk checklist in use; the built-in checklist when
    /// absent.
    pub risk_instrument: Option<std::path::PathBuf>,
    /// The directory of the key files (`master.key`, `audit.key`).
    pub keys_dir: std::path::PathBuf,
    /// Seconds between signed tree heads of the audit log while serving.
    pub tree_head_seconds: u64,
    /// Seconds between passes of the deadline monitor and the notification sender.
    pub monitor_seconds: u64,
    /// Minutes a break-glass access lasts.
    pub break_glass_minutes: i64,
    /// The file each signed tree head of the audit log is appended to, out of the
    /// database writer's reach; `audit-heads.log` in the keys directory by default.
    pub witness_file: Option<std::path::PathBuf>,
    /// A syslog socket (`/dev/log`) each signed tree head is also sent to.
    pub witness_syslog: Option<std::path::PathBuf>,
    /// Hours an idempotency key and its sealed answer are kept for retries.
    pub idempotency_hours: i64,
    /// Milliseconds a request waits for a database connection before it is answered
    /// `503` with `Retry-After`.
    pub acquire_timeout_ms: u64,
    /// Seconds within which every request is answered, its body read included (`408`
    /// after that).
    pub request_seconds: u64,
    /// Minutes before and after a visit's day within which its steps are still taken.
    pub visit_day_tolerance_minutes: i64,
}

/// A risk checklist as written in its TOML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentFile {
    code: String,
    version: u32,
    medium_at: u32,
    high_at: u32,
    items: Vec<ItemFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    code: String,
    text_ar: String,
    text_en: String,
}

/// Reads a risk checklist from TOML text and checks it.
pub fn parse_instrument(text: &str) -> anyhow::Result<sila_app::RiskInstrument> {
    let file: InstrumentFile = toml::from_str(text)?;
    let instrument = sila_app::RiskInstrument {
        code: file.code,
        version: file.version,
        medium_at: file.medium_at,
        high_at: file.high_at,
        items: file
            .items
            .into_iter()
            .map(|item| sila_app::RiskItem { code: item.code, text_ar: item.text_ar, text_en: item.text_en })
            .collect(),
    };
    instrument.check().map_err(anyhow::Error::msg)?;
    Ok(instrument)
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database: "sila.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            max_connections: 16,
            max_http_connections: 4096,
            header_seconds: 10,
            reads_per_second: 20,
            read_burst: 200,
            log_format: "text".into(),
            risk_instrument: None,
            keys_dir: "sila-keys".into(),
            tree_head_seconds: 10,
            monitor_seconds: 60,
            break_glass_minutes: 60,
            witness_file: None,
            witness_syslog: None,
            idempotency_hours: 24,
            acquire_timeout_ms: 5_000,
            request_seconds: 30,
            visit_day_tolerance_minutes: 120,
        }
    }
}

impl Config {
    /// Reads the file (if any) and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => Config::default(),
        };
        if let Ok(database) = std::env::var("SILA_DATABASE") {
            config.database = database;
        }
        if let Ok(listen) = std::env::var("SILA_LISTEN") {
            config.listen = listen.parse().context("SILA_LISTEN is not an address like 127.0.0.1:8080")?;
        }
        if let Ok(dir) = std::env::var("SILA_KEYS_DIR") {
            config.keys_dir = dir.into();
        }
        if let Ok(secure) = std::env::var("SILA_SECURE_COOKIES") {
            config.secure_cookies = Some(matches!(secure.as_str(), "1" | "true" | "yes"));
        }
        if let Ok(url) = std::env::var("SILA_PUBLIC_URL") {
            config.public_url = Some(url);
        }
        if let Ok(proxies) = std::env::var("SILA_TRUSTED_PROXIES") {
            config.trusted_proxies =
                proxies.split(',').map(str::trim).filter(|entry| !entry.is_empty()).map(str::to_string).collect();
        }
        Ok(config)
    }

    /// Checks values that parsing cannot.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.session_idle_minutes <= 0 || self.session_absolute_hours <= 0 {
            bail!("session timeouts must be positive");
        }
        if self.session_idle_minutes > self.session_absolute_hours * 60 {
            bail!("the idle timeout cannot exceed the absolute one");
        }
        if self.request_seconds == 0 {
            bail!("request_seconds must be at least 1");
        }
        if self.max_connections == 0 {
            bail!("max_connections must be at least 1");
        }
        if self.max_http_connections == 0 || self.header_seconds == 0 {
            bail!("max_http_connections and header_seconds must be at least 1");
        }
        if self.reads_per_second == 0 || self.read_burst == 0 {
            bail!("reads_per_second and read_burst must be at least 1");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format is text or json");
        }
        if self.tree_head_seconds == 0 {
            bail!("tree_head_seconds must be at least 1");
        }
        if self.monitor_seconds == 0 {
            bail!("monitor_seconds must be at least 1");
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!("public_url must start with https:// (or http:// for a trial on one machine)");
        }
        sila_web::session::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|problem| anyhow::anyhow!("trusted_proxies: {problem}"))?;
        Ok(())
    }

    /// The witness file: as configured, else `audit-heads.log` in the keys directory
    /// when there is one (keys given in the environment may have none).
    pub fn witness_file(&self) -> Option<std::path::PathBuf> {
        self.witness_file.clone().or_else(|| self.keys_dir.is_dir().then(|| crate::keys::witness_file(&self.keys_dir)))
    }

    /// Whether cookies are `Secure` (and HSTS is sent): as configured, else exactly when
    /// the public address is `https`.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| self.public_url.as_deref().is_some_and(|url| url.starts_with("https://")))
    }

    /// The web layer's settings.
    pub fn web_config(&self) -> anyhow::Result<sila_web::WebConfig> {
        Ok(sila_web::WebConfig {
            secure_cookies: self.secure_cookies(),
            trusted_proxies: sila_web::session::TrustedProxies::parse(&self.trusted_proxies)
                .map_err(|problem| anyhow::anyhow!("trusted_proxies: {problem}"))?,
            public_url: self.public_url.clone(),
            request_time_limit: std::time::Duration::from_secs(self.request_seconds),
        })
    }

    /// The database URL in the form the store takes: a bare path means SQLite, created
    /// when missing.
    pub fn database_url(&self) -> String {
        database_url(&self.database)
    }

    /// The use cases' settings (reads the risk checklist file, if one is configured).
    pub fn app_config(&self) -> anyhow::Result<sila_app::AppConfig> {
        let mut config = sila_app::AppConfig {
            session_idle: jiff_minutes(self.session_idle_minutes),
            session_absolute: jiff_minutes(self.session_absolute_hours * 60),
            break_glass_duration: jiff_minutes(self.break_glass_minutes),
            witness: sila_app::ledger::Witness { file: self.witness_file(), syslog: self.witness_syslog.clone() },
            idempotency_retention: jiff_minutes(self.idempotency_hours * 60),
            visit_day_tolerance: jiff_minutes(self.visit_day_tolerance_minutes),
            reads_per_second: self.reads_per_second,
            read_burst: self.read_burst,
            ..sila_app::AppConfig::default()
        };
        if let Some(path) = &self.risk_instrument {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            config.risk_instrument = parse_instrument(&text).with_context(|| format!("in {}", path.display()))?;
        }
        Ok(config)
    }
}

fn jiff_minutes(minutes: i64) -> sila_app::SignedDuration {
    sila_app::SignedDuration::from_mins(minutes)
}

/// `sqlite://…`, `postgres://…` pass through; anything else is a SQLite file path.
pub fn database_url(database: &str) -> String {
    if database.starts_with("sqlite:") || database.starts_with("postgres://") || database.starts_with("postgresql://") {
        if database.starts_with("sqlite:") && !database.contains("mode=") {
            let separator = if database.contains('?') { '&' } else { '?' };
            return format!("{database}{separator}mode=rwc");
        }
        database.to_string()
    } else {
        format!("sqlite://{database}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(database_url("sila.db"), "sqlite://sila.db?mode=rwc");
        assert_eq!(database_url("sqlite://x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(database_url("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn a_risk_checklist_is_read_from_toml_and_checked() {
        let text = r#"
            code = "short_form"
            version = 2
            medium_at = 1
            high_at = 2
            [[items]]
            code = "threat_to_kill"
            text_ar = "هل هدد بالقتل؟"
            text_en = "Was there a threat to kill?"
            [[items]]
            code = "strangulation"
            text_ar = "هل حاول الخنق؟"
            text_en = "Was there an attempt to strangle?"
        "#;
        let instrument = parse_instrument(text).unwrap();
        assert_eq!((instrument.items.len(), instrument.high_at), (2, 2));
        let unreachable = text.replace("high_at = 2", "high_at = 3");
        assert!(parse_instrument(&unreachable).is_err());
    }

    #[test]
    fn secure_cookies_default_to_on_behind_an_https_address() {
        assert!(!Config::default().secure_cookies());
        let https = Config { public_url: Some("https://sila.example".into()), ..Config::default() };
        assert!(https.secure_cookies());
        assert!(https.web_config().unwrap().secure_cookies);
        let plain = Config { public_url: Some("http://127.0.0.1:8080".into()), ..Config::default() };
        assert!(!plain.secure_cookies());
        let forced = Config { secure_cookies: Some(false), ..https.clone() };
        assert!(!forced.secure_cookies(), "an explicit setting wins");
        let parsed: Config = toml::from_str("public_url = \"https://sila.example\"").unwrap();
        assert!(parsed.secure_cookies());
        let proxies = Config { trusted_proxies: vec!["10.0.0.0/8".into(), "::1".into()], ..Config::default() };
        assert!(proxies.check().is_ok());
        let wrong = Config { trusted_proxies: vec!["10.0.0.0/33".into()], ..Config::default() };
        assert!(wrong.check().unwrap_err().to_string().contains("10.0.0.0/33"));
        let ftp = Config { public_url: Some("ftp://sila.example".into()), ..Config::default() };
        assert!(ftp.check().is_err());
    }

    #[test]
    fn defaults_are_valid_and_bad_values_are_caught() {
        assert!(Config::default().check().is_ok());
        let config = Config { session_idle_minutes: 800, ..Config::default() };
        assert!(config.check().is_err());
        let parsed: Result<Config, _> = toml::from_str("listen = \"0.0.0.0:9000\"\nunknown = 1");
        assert!(parsed.is_err());
    }
}
