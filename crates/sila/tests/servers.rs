//! Several `sila serve` processes on one PostgreSQL database, as a national deployment
//! runs them, and `kill -9` under a write load on both databases: a person registered
//! through one server is found through another at once, a session opened on one works
//! on another, a server killed mid-load loses no write it acknowledged while the others
//! keep answering, and the audit log verifies afterwards.

#[path = "support/process.rs"]
mod support;

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{Server, demo_logins, free_port, http, sign_in, sila_in, try_http, wait_until_ready};

/// What a load run saw, per server.
#[derive(Debug, Default)]
struct Seen {
    /// Ids of the persons whose registration was acknowledged (201).
    acknowledged: Vec<String>,
    /// (server, status) of every answer 500 or above.
    server_errors: Vec<(usize, u16)>,
    /// Acknowledged writes per server, after the kill.
    after_kill: Vec<usize>,
    /// Requests to a live server that got no answer at all.
    unanswered: Vec<(usize, String)>,
}

/// Registers persons through `ports` in turn from four clients for `before` and then,
/// after killing `victim` (if any), for as long again.
fn write_load(ports: &[u16], cookie: &str, before: Duration, mut victim: Option<(usize, &mut Server)>) -> Seen {
    let seen = Arc::new(Mutex::new(Seen { after_kill: vec![0; ports.len()], ..Seen::default() }));
    let killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let victim_index = victim.as_ref().map(|(index, _)| *index);
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (ports, cookie) = (ports.to_vec(), cookie.to_string());
            let (seen, killed, stop) = (seen.clone(), killed.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut turn = client;
                while !stop.load(Ordering::SeqCst) {
                    let server = turn % ports.len();
                    turn += 1;
                    let was_killed = killed.load(Ordering::SeqCst);
                    let body = format!(
                        r#"{{"first_name_ar":"حصة","family_name_ar":"الكعبي","name_latin":"Hessa {} {}","sex":"female"}}"#,
                        letters(client),
                        letters(turn)
                    );
                    match try_http(ports[server], "POST", "/api/v1/persons", Some(&cookie), Some(&body)) {
                        Ok((201, _, answer)) => {
                            let id = answer.split("\"id\":\"").nth(1).and_then(|rest| rest.split('"').next());
                            let mut seen = seen.lock().unwrap();
                            seen.acknowledged.push(id.expect("an id").to_string());
                            if was_killed {
                                seen.after_kill[server] += 1;
                            }
                        }
                        Ok((status, _, _)) if status >= 500 => seen.lock().unwrap().server_errors.push((server, status)),
                        Ok((status, _, answer)) => panic!("a registration was refused: {status} {answer}"),
                        // The killed server's requests fail; no one else's may.
                        Err(_) if victim_index == Some(server) && (was_killed || killed.load(Ordering::SeqCst)) => {}
                        Err(error) => seen.lock().unwrap().unanswered.push((server, error.to_string())),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(before);
    if let Some((_, server)) = victim.as_mut() {
        killed.store(true, Ordering::SeqCst);
        // SIGKILL: no shutdown, no flush, nothing finished.
        server.0.kill().unwrap();
        server.0.wait().unwrap();
    }
    std::thread::sleep(before);
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
}

/// A number in letters (names take no digits): 0 → "Ba", 27 → "Bbb".
fn letters(mut number: usize) -> String {
    let mut word = String::from("B");
    loop {
        word.push(char::from(b'a' + (number % 26) as u8));
        number /= 26;
        if number == 0 {
            return word;
        }
    }
}

/// The ids of the persons in the database.
fn stored_persons(url: &str) -> std::collections::HashSet<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM persons").fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows.into_iter().map(|(id,)| id).collect()
    })
}

fn start_serve(dir: &std::path::Path, database: &str, port: u16) -> Server {
    let child = sila_in(dir)
        .args(["serve", "--database", database, "--listen", &format!("127.0.0.1:{port}")])
        .env("SILA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    wait_until_ready(port);
    server
}

/// `sila demo` on `database`, serving on `port`: the server and the officer's login.
fn start_demo(dir: &std::path::Path, database: &str, port: u16) -> (Server, Vec<String>) {
    let mut child = sila_in(dir)
        .args(["demo", "--database", database, "--listen", &format!("127.0.0.1:{port}")])
        .env("SILA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let logins = demo_logins(child.stdout.take().unwrap());
    let server = Server(child);
    wait_until_ready(port);
    let officer = logins.into_iter().find(|login| login[0] == "cp.officer").expect("the officer's login");
    (server, officer)
}

fn audit_verifies(dir: &std::path::Path, database: &str) {
    let output = sila_in(dir).args(["audit", "verify", "--database", database]).output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && report.starts_with("audit log intact"),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sila-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn three_servers_on_one_postgresql_share_everything_and_survive_a_kill() {
    let base = sila_app::testing::postgres_url();
    let schema = format!("cluster_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime
        .block_on(sila_app::App::create_postgres_schema(&base, &schema))
        .unwrap_or_else(|error| panic!("PostgreSQL at {base} is needed: {error}"));
    let separator = if base.contains('?') { '&' } else { '?' };
    let database = format!("{base}{separator}options[search_path]={schema}");
    let dir = scratch("cluster");
    let ports = [free_port(), free_port(), free_port()];
    let (a, officer) = start_demo(&dir, &database, ports[0]);
    let mut b = start_serve(&dir, &database, ports[1]);
    let c = start_serve(&dir, &database, ports[2]);

    // A session opened on B works on A.
    let cookie = sign_in(ports[1], &officer[0], &officer[1], Some(&officer[4]));
    let (status, _, me) = http(ports[0], "GET", "/api/v1/me", Some(&cookie), None);
    assert_eq!(status, 200, "{me}");
    assert!(me.contains("cp.officer"), "{me}");
    // A person registered through A is found through C at once.
    let body = r#"{"first_name_ar":"نوف","family_name_ar":"السليطي","sex":"female","qid":"29063400777","birth_date":"1990-06-01"}"#;
    let (status, _, created) = http(ports[0], "POST", "/api/v1/persons", Some(&cookie), Some(body));
    assert_eq!(status, 201, "{created}");
    let id = created.split("\"id\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_string();
    let (status, _, found) = http(ports[2], "GET", "/api/v1/persons/search?qid=29063400777", Some(&cookie), None);
    assert_eq!(status, 200, "{found}");
    assert!(found.contains(&id), "C does not find what A registered: {found}");
    let (status, _, found) = http(ports[2], "GET", "/api/v1/persons/search?q=Nouf", Some(&cookie), None);
    assert_eq!(status, 200, "{found}");

    // B is killed under a write load: nothing it acknowledged is lost, A and C go on.
    let seen = write_load(&ports, &cookie, Duration::from_secs(3), Some((1, &mut b)));
    assert!(seen.server_errors.is_empty(), "{:?}", seen.server_errors);
    assert!(seen.unanswered.is_empty(), "{:?}", seen.unanswered);
    assert!(seen.after_kill[0] > 0 && seen.after_kill[2] > 0, "A and C kept answering: {:?}", seen.after_kill);
    let stored = stored_persons(&database);
    let lost: Vec<&String> = seen.acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged writes lost", lost.len(), seen.acknowledged.len());
    drop((a, c));
    audit_verifies(&dir, &database);
    runtime.block_on(sila_app::App::drop_postgres_schema(&base, &schema)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sqlite_server_killed_under_load_loses_no_acknowledged_write() {
    let dir = scratch("kill");
    let file = dir.join("sila.db");
    let database = format!("sqlite://{}?mode=rwc", file.display());
    let port = free_port();
    let (mut server, officer) = start_demo(&dir, file.to_str().unwrap(), port);
    let cookie = sign_in(port, &officer[0], &officer[1], Some(&officer[4]));
    let seen = write_load(&[port], &cookie, Duration::from_secs(3), Some((0, &mut server)));
    assert!(seen.server_errors.is_empty(), "{:?}", seen.server_errors);
    assert!(seen.unanswered.is_empty(), "{:?}", seen.unanswered);
    assert!(!seen.acknowledged.is_empty(), "the load wrote nothing");
    let stored = stored_persons(&database);
    let lost: Vec<&String> = seen.acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged writes lost", lost.len(), seen.acknowledged.len());
    // The server starts again on what the kill left, and the log verifies.
    let restarted = start_serve(&dir, file.to_str().unwrap(), port);
    let (status, _, _) = http(port, "GET", "/readyz", None, None);
    assert_eq!(status, 200);
    drop(restarted);
    audit_verifies(&dir, file.to_str().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
