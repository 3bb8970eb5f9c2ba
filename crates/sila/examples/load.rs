//! The load benchmark (docs/BENCHMARKS.md, "Many users at once"): the release `sila`
//! binary and a bare axum + sqlx SQLite server built from the same lockfile, measured
//! side by side in one run over real HTTP.
//!
//! ```sh
//! cargo build --release -p sila --bins --example load
//! target/release/examples/load --seconds 10 \
//!     --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! Scenarios: a point read on the bare server and the audited person read
//! (`GET /api/v1/persons/{id}` as an officer) at 50 clients; the read mix (case list, a
//! case, referral list, person search) at 200; a one-row INSERT transaction on the bare
//! server and the audited person creation at 50; with `--postgres`, the read mix at 200
//! on one server and on three; 2,000 slow clients (a header byte every two seconds)
//! while a normal client reads; and the servers' resident memory. The load comes from
//! one account, so the run raises the per-account read allowance, which exists to stop
//! exactly that.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Http = Client<HttpConnector, Full<Bytes>>;

/// Rows the bare server reads from.
const BARE_ROWS: i64 = 10_000;

struct Options {
    sila: PathBuf,
    seconds: u64,
    postgres: Option<String>,
    slow: usize,
    /// Extra lines for the servers' configuration file (`--set "max_connections = 4"`).
    settings: Vec<String>,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let here = std::env::current_exe().expect("the benchmark's path");
    let mut options = Options {
        sila: here.parent().and_then(Path::parent).map(|dir| dir.join("sila")).expect("target/release"),
        seconds: 10,
        postgres: None,
        slow: 2000,
        settings: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--sila" => options.sila = value().into(),
            "--seconds" => options.seconds = value().parse().expect("--seconds N"),
            "--postgres" => options.postgres = Some(value()),
            "--slow" => options.slow = value().parse().expect("--slow N"),
            "--set" => options.settings.push(value()),
            other => panic!("unknown argument {other}"),
        }
    }
    options
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Resident memory, from /proc.
    fn resident_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_ready(http: &Http, port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if let Ok((200, _)) = send(http, "GET", &format!("http://127.0.0.1:{port}/readyz"), None, None).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server on {port} did not become ready");
}

async fn send(
    http: &Http,
    method: &str,
    url: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, Bytes), String> {
    let mut request = hyper::Request::builder().method(method).uri(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request =
        request.body(Full::new(Bytes::from(body.unwrap_or_default().to_string()))).map_err(|e| e.to_string())?;
    let answer = http.request(request).await.map_err(|error| error.to_string())?;
    let status = answer.status().as_u16();
    let bytes = answer.into_body().collect().await.map_err(|error| error.to_string())?.to_bytes();
    Ok((status, bytes))
}

/// One request of a scenario: method, URL, body.
type Pick = Arc<dyn Fn(usize) -> (&'static str, String, Option<String>) + Send + Sync>;

struct Figures {
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
    server_errors: usize,
}

/// Runs `clients` workers for `seconds` (after a one-second warm-up that is not counted).
async fn run(http: &Http, clients: usize, seconds: u64, cookie: Option<String>, pick: Pick) -> Figures {
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..clients {
        let (http, cookie, pick, counting, stop) =
            (http.clone(), cookie.clone(), pick.clone(), counting.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut server_errors) = (0, 0);
            let mut turn = worker;
            while !stop.load(Ordering::Relaxed) {
                let (method, url, body) = pick(turn);
                turn += clients;
                let started = Instant::now();
                let answer = send(&http, method, &url, cookie.as_deref(), body.as_deref()).await;
                if !counting.load(Ordering::Relaxed) {
                    continue;
                }
                latencies.push(started.elapsed().as_micros() as u64);
                match answer {
                    Ok((status, _)) if status < 400 => {}
                    Ok((status, _)) => {
                        errors += 1;
                        if status >= 500 {
                            server_errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors, server_errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let (mut errors, mut server_errors) = (0, 0);
    for worker in workers {
        let (mine, e, s) = worker.await.unwrap();
        latencies.extend(mine);
        errors += e;
        server_errors += s;
    }
    latencies.sort_unstable();
    let at = |fraction: f64| {
        latencies.get(((latencies.len() as f64 * fraction) as usize).min(latencies.len().saturating_sub(1))).copied()
    };
    Figures {
        requests: latencies.len(),
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50).unwrap_or(0) as f64 / 1000.0,
        p99_ms: at(0.99).unwrap_or(0) as f64 / 1000.0,
        errors,
        server_errors,
    }
}

fn report(name: &str, clients: usize, figures: &Figures) {
    println!(
        "| {name} | {clients} | {:.0} | {:.1} | {:.1} | {} | {} | {} |",
        figures.per_second, figures.p50_ms, figures.p99_ms, figures.requests, figures.errors, figures.server_errors
    );
}

/// `sila demo --no-serve` on `database`: the officer's (username, password, secret).
fn demo(options: &Options, dir: &Path, database: &str) -> (String, String, String) {
    let output = Command::new(&options.sila)
        .args(["demo", "--no-serve", "--database", database])
        .env("SILA_KEYS_DIR", dir.join("keys"))
        .env("SILA_LOG", "warn")
        .output()
        .expect("sila runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let login = text.lines().find_map(|line| line.strip_prefix("login: cp.officer ")).expect("the officer's login");
    let fields: Vec<&str> = login.split(' ').collect();
    ("cp.officer".into(), fields[0].into(), fields[3].into())
}

fn serve(options: &Options, dir: &Path, database: &str, port: u16) -> Process {
    let config = dir.join("load.toml");
    let mut text = String::from("reads_per_second = 1000000\nread_burst = 1000000\n");
    for line in &options.settings {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(&config, text).unwrap();
    Process(
        Command::new(&options.sila)
            .args(["serve", "--config", config.to_str().unwrap(), "--database", database])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("SILA_KEYS_DIR", dir.join("keys"))
            .env("SILA_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("sila serve starts"),
    )
}

/// Signs the officer in; registers `count` persons; returns the cookie, their ids and a
/// case id.
async fn prepare(
    http: &Http,
    port: u16,
    login: &(String, String, String),
    count: usize,
) -> (String, Vec<String>, String) {
    let secret = sila_app::auth::totp::from_base32(&login.2).expect("a secret");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let body = format!(
        r#"{{"username":"{}","password":"{}","totp":"{}"}}"#,
        login.0,
        login.1,
        sila_app::auth::totp::code_at(&secret, now)
    );
    let request = hyper::Request::post(format!("http://127.0.0.1:{port}/api/v1/session"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let answer = http.request(request).await.expect("sign-in");
    assert_eq!(answer.status(), 201, "sign-in");
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let mut persons = Vec::new();
    for index in 0..count {
        let body = format!(
            r#"{{"first_name_ar":"حصة","family_name_ar":"الكعبي","name_latin":"Hessa {} Alkaabi","sex":"female"}}"#,
            ["Salem", "Ali", "Hamad", "Rashid", "Khalid"][index % 5]
        );
        let url = format!("http://127.0.0.1:{port}/api/v1/persons");
        let (status, bytes) = send(http, "POST", &url, Some(&cookie), Some(&body)).await.unwrap();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        persons.push(value["person"]["id"].as_str().expect("an id").to_string());
    }
    let (_, bytes) =
        send(http, "GET", &format!("http://127.0.0.1:{port}/api/v1/cases?limit=1"), Some(&cookie), None).await.unwrap();
    let cases: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let case = cases["items"][0]["id"].as_str().expect("a case").to_string();
    (cookie, persons, case)
}

/// The read mix on `ports` in turn.
fn read_mix(ports: Vec<u16>, case: String) -> Pick {
    Arc::new(move |turn| {
        let port = ports[turn % ports.len()];
        let path = match (turn / ports.len()) % 4 {
            0 => "/api/v1/cases?limit=25".to_string(),
            1 => format!("/api/v1/cases/{case}"),
            2 => "/api/v1/referrals?box=outgoing&limit=25".to_string(),
            _ => "/api/v1/persons/search?q=Hessa%20Alkaabi".to_string(),
        };
        ("GET", format!("http://127.0.0.1:{port}{path}"), None)
    })
}

/// Slow clients: each opens a connection, sends the start of a request and then one
/// header byte every two seconds, and opens another when the server closes it.
fn slow_clients(port: u16, count: usize, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut tasks = Vec::new();
        for _ in 0..count {
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    };
                    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.is_err() {
                        continue;
                    }
                    while !stop.load(Ordering::Relaxed) && stream.write_all(b"a").await.is_ok() {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
            }));
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        for task in tasks {
            let _ = task.await;
        }
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bare") {
        return bare::main(&args[2], args[3].parse().expect("a port"));
    }
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(measure(options));
}

async fn measure(options: Options) {
    let dir = std::env::temp_dir().join(format!("sila-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let http: Http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(4096).build_http();
    let seconds = options.seconds;
    println!("sila: {} — {seconds} s per scenario", options.sila.display());

    // The bare server, as a process of its own like Sila's.
    let bare_port = free_port();
    let bare_file = dir.join("bare.db");
    let _bare = Process(
        Command::new(std::env::current_exe().unwrap())
            .args(["bare", bare_file.to_str().unwrap(), &bare_port.to_string()])
            .spawn()
            .unwrap(),
    );
    // Sila on SQLite, with the demo data.
    let database = dir.join("sila.db");
    let database = database.to_str().unwrap().to_string();
    let login = demo(&options, &dir, &database);
    let port = free_port();
    let server = serve(&options, &dir, &database, port);
    wait_ready(&http, port).await;
    wait_ready(&http, bare_port).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = server.resident_mib();
    let (cookie, persons, case) = prepare(&http, port, &login, 50).await;

    println!();
    println!("| scenario | clients | requests/s | p50 ms | p99 ms | requests | errors | 5xx |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let bare_read: Pick = Arc::new(move |turn| {
        ("GET", format!("http://127.0.0.1:{bare_port}/read/{}", (turn as i64 * 7919) % BARE_ROWS + 1), None)
    });
    let bare = run(&http, 50, seconds, None, bare_read).await;
    report("bare point read (SQLite)", 50, &bare);
    let ids = persons.clone();
    let person_read: Pick = Arc::new(move |turn| {
        ("GET", format!("http://127.0.0.1:{port}/api/v1/persons/{}", ids[turn % ids.len()]), None)
    });
    let audited = run(&http, 50, seconds, Some(cookie.clone()), person_read).await;
    report("audited person read (SQLite)", 50, &audited);
    println!("| — audited read ÷ bare read | | {:.0}% | | | | | |", 100.0 * audited.per_second / bare.per_second);
    let mix = run(&http, 200, seconds, Some(cookie.clone()), read_mix(vec![port], case.clone())).await;
    report("read mix (SQLite)", 200, &mix);
    let bare_write: Pick = Arc::new(move |turn| {
        ("POST", format!("http://127.0.0.1:{bare_port}/write"), Some(format!(r#"{{"body":"row {turn}"}}"#)))
    });
    let bare_insert = run(&http, 50, seconds, None, bare_write).await;
    report("bare one-row INSERT transaction (SQLite)", 50, &bare_insert);
    // Names as a registry sees them: many women share a first or a family name, few
    // share both (the matcher weighs every near name, so a run of one name over and over
    // would measure the worst case, not the desk's day).
    let create: Pick = Arc::new(move |turn| {
        const FIRST: [(&str, &str); 8] = [
            ("موزة", "Moza"),
            ("مريم", "Maryam"),
            ("نورة", "Noura"),
            ("فاطمة", "Fatima"),
            ("عائشة", "Aisha"),
            ("هند", "Hind"),
            ("شيخة", "Shaikha"),
            ("لطيفة", "Latifa"),
        ];
        const FATHER: [(&str, &str); 8] = [
            ("سعد", "Saad"),
            ("ناصر", "Nasser"),
            ("فهد", "Fahad"),
            ("جاسم", "Jassim"),
            ("خالد", "Khalid"),
            ("حمد", "Hamad"),
            ("علي", "Ali"),
            ("راشد", "Rashid"),
        ];
        const FAMILY: [(&str, &str); 8] = [
            ("المهندي", "Almohannadi"),
            ("الكواري", "Alkuwari"),
            ("النعيمي", "Alnuaimi"),
            ("المري", "Almarri"),
            ("السليطي", "Alsulaiti"),
            ("العطية", "Alattiyah"),
            ("الهاجري", "Alhajri"),
            ("الدوسري", "Aldosari"),
        ];
        let (first, father, family) = (FIRST[turn % 8], FATHER[(turn / 8) % 8], FAMILY[(turn / 64) % 8]);
        let body = format!(
            r#"{{"first_name_ar":"{}","father_name_ar":"{}","family_name_ar":"{}","name_latin":"{} {} {}","sex":"female"}}"#,
            first.0, father.0, family.0, first.1, father.1, family.1
        );
        ("POST", format!("http://127.0.0.1:{port}/api/v1/persons"), Some(body))
    });
    let created = run(&http, 50, seconds, Some(cookie.clone()), create).await;
    report("audited person creation (SQLite)", 50, &created);
    println!(
        "| — audited creation ÷ bare insert | | {:.0}% | | | | | |",
        100.0 * created.per_second / bare_insert.per_second
    );

    // Slow clients while a normal one reads.
    let stop = Arc::new(AtomicBool::new(false));
    let slow = slow_clients(port, options.slow, stop.clone());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let normal = run(&http, 4, seconds, Some(cookie.clone()), read_mix(vec![port], case.clone())).await;
    report(&format!("read mix beside {} slow connections (SQLite)", options.slow), 4, &normal);
    stop.store(true, Ordering::Relaxed);
    slow.abort();

    if let Some(base) = &options.postgres {
        postgres(&options, &http, base, seconds).await;
    }

    // Memory: the serve process idle at the start, and a fresh demo serving its data.
    let demo_dir = dir.join("demo");
    std::fs::create_dir_all(&demo_dir).unwrap();
    let demo_port = free_port();
    let demo_server = Process(
        Command::new(&options.sila)
            .args(["demo", "--database", demo_dir.join("demo.db").to_str().unwrap()])
            .args(["--listen", &format!("127.0.0.1:{demo_port}")])
            .env("SILA_KEYS_DIR", demo_dir.join("keys"))
            .env("SILA_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(&http, demo_port).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!();
    println!("| process | resident MiB |");
    println!("|---|---:|");
    println!("| `sila serve` on the demo data, idle after start | {idle:.1} |");
    println!("| `sila serve` after the runs above | {:.1} |", server.resident_mib());
    println!("| `sila demo` (seeded and serving), idle | {:.1} |", demo_server.resident_mib());
    drop(demo_server);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn postgres(options: &Options, http: &Http, base: &str, seconds: u64) {
    let schema = format!("load_{}", std::process::id());
    sila_app::App::create_postgres_schema(base, &schema).await.expect("PostgreSQL");
    let separator = if base.contains('?') { '&' } else { '?' };
    let database = format!("{base}{separator}options[search_path]={schema}");
    let dir = std::env::temp_dir().join(format!("sila-load-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let login = demo(options, &dir, &database);
    let ports = [free_port(), free_port(), free_port()];
    let servers: Vec<Process> = ports.iter().map(|port| serve(options, &dir, &database, *port)).collect();
    for port in ports {
        wait_ready(http, port).await;
    }
    let (cookie, _, case) = prepare(http, ports[0], &login, 50).await;
    let one = run(http, 200, seconds, Some(cookie.clone()), read_mix(vec![ports[0]], case.clone())).await;
    report("read mix, one server (PostgreSQL)", 200, &one);
    let three = run(http, 200, seconds, Some(cookie.clone()), read_mix(ports.to_vec(), case.clone())).await;
    report("read mix, three servers (PostgreSQL)", 200, &three);
    println!("| — three servers ÷ one | | {:.0}% | | | | | |", 100.0 * three.per_second / one.per_second);
    drop(servers);
    let _ = sila_app::App::drop_postgres_schema(base, &schema).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bare server: axum and sqlx on SQLite in WAL mode with `synchronous=FULL` (what
/// Sila's connections use), a point read by primary key and a one-row INSERT
/// transaction; no sessions, authorisation, sealing or audit.
mod bare {
    use std::str::FromStr;

    use axum::Router;
    use axum::extract::{Path, State};
    use axum::routing::{get, post};
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

    #[derive(Clone)]
    struct Pools {
        readers: SqlitePool,
        writer: SqlitePool,
    }

    pub fn main(file: &str, port: u16) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{file}?mode=rwc"))
                .unwrap()
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full);
            let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.unwrap();
            sqlx::query("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&writer)
                .await
                .unwrap();
            let mut tx = writer.begin().await.unwrap();
            for id in 1..=super::BARE_ROWS {
                sqlx::query("INSERT OR IGNORE INTO items (id, body) VALUES ($1, $2)")
                    .bind(id)
                    .bind(format!("row {id}"))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            let readers = SqlitePoolOptions::new().max_connections(16).connect_with(options).await.unwrap();
            let app = Router::new()
                .route("/readyz", get(|| async { "ok" }))
                .route("/read/{id}", get(read))
                .route("/write", post(write))
                .with_state(Pools { readers, writer });
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    }

    async fn read(State(pools): State<Pools>, Path(id): Path<i64>) -> Result<axum::Json<serde_json::Value>, String> {
        let (id, body): (i64, String) = sqlx::query_as("SELECT id, body FROM items WHERE id = $1")
            .bind(id)
            .fetch_one(&pools.readers)
            .await
            .map_err(|error| error.to_string())?;
        Ok(axum::Json(serde_json::json!({ "id": id, "body": body })))
    }

    async fn write(State(pools): State<Pools>, body: String) -> Result<axum::http::StatusCode, String> {
        let mut tx = pools.writer.begin().await.map_err(|error| error.to_string())?;
        sqlx::query("INSERT INTO items (body) VALUES ($1)")
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(|error| error.to_string())?;
        tx.commit().await.map_err(|error| error.to_string())?;
        Ok(axum::http::StatusCode::CREATED)
    }
}
