//! What the binary's tests share: running `sila`, plain HTTP/1.1 over a socket, signing
//! in with a printed login.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn sila() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sila"))
}

/// `sila` with its keys in `dir` (the demo creates them there; later commands read them).
pub fn sila_in(dir: &std::path::Path) -> Command {
    let mut command = sila();
    command.env("SILA_KEYS_DIR", dir.join("keys"));
    command
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 exchange over a fresh connection: (status, headers, body).
pub fn http(port: u16, method: &str, path: &str, cookie: Option<&str>, body: Option<&str>) -> (u16, String, String) {
    try_http(port, method, path, cookie, body).unwrap_or_else(|error| panic!("{method} {path} on {port}: {error}"))
}

/// One HTTP/1.1 exchange, or why the server could not be reached or did not answer.
pub fn try_http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    if let Some(body) = body {
        request.push_str(body);
    }
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    if status == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no answer"));
    }
    Ok((status, head.to_string(), body.to_string()))
}

pub fn wait_until_ready(port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && http(port, "GET", "/readyz", None, None).0 == 200 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not become ready");
}

/// The code of the current step, or of a later one (a code is accepted once, and one
/// step of clock drift ahead is allowed: a second sign-in within 30 seconds uses it).
pub fn totp(secret: &str, steps_ahead: i64) -> String {
    let secret = sila_app::auth::totp::from_base32(secret).expect("a base32 secret");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    sila_app::auth::totp::code_at(&secret, i64::try_from(now).unwrap() + 30 * steps_ahead)
}

pub fn sign_in(port: u16, username: &str, password: &str, secret: Option<&str>) -> String {
    sign_in_ahead(port, username, password, secret, 0)
}

pub fn sign_in_ahead(port: u16, username: &str, password: &str, secret: Option<&str>, steps_ahead: i64) -> String {
    let code = secret.map(|secret| totp(secret, steps_ahead)).unwrap_or_default();
    let body = format!("{{\"username\":\"{username}\",\"password\":\"{password}\",\"totp\":\"{code}\"}}");
    let (status, head, answer) = http(port, "POST", "/api/v1/session", None, Some(&body));
    assert_eq!(status, 201, "{username}: {answer}");
    let line = head.lines().find(|line| line.to_ascii_lowercase().starts_with("set-cookie:")).expect("a cookie");
    line.split_once(':').unwrap().1.trim().split(';').next().unwrap().to_string()
}

/// The logins `sila demo` prints before it serves: (username, password, role, agency,
/// TOTP secret) each.
/// What comes after is read and dropped, so that the server never blocks on a full pipe.
pub fn demo_logins(stdout: impl std::io::Read + Send + 'static) -> Vec<Vec<String>> {
    use std::io::BufRead;
    let mut logins = Vec::new();
    let mut lines = std::io::BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("login: ") {
            logins.push(rest.split(' ').map(str::to_string).collect());
        }
        if line.starts_with("serving http://") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    logins
}
