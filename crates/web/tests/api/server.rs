//! The server loop over real sockets: a client that opens a connection and sends
//! nothing (or stops half-way through its request's head, or goes quiet after an
//! answer) is disconnected; at the connection cap newcomers wait instead of failing,
//! and are served once a connection closes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use sila_app::both_databases;
use sila_app::testing::TestApp;
use sila_web::server::{ServerLimits, serve};

/// Starts the real server loop for `test` on an ephemeral port; stops when dropped.
async fn start(test: &TestApp, limits: ServerLimits) -> (u16, tokio::sync::oneshot::Sender<()>) {
    let router = sila_web::router(test.app.clone(), &sila_web::WebConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    (port, stop)
}

/// Reads until the server closes the connection; `None` if it is still open after
/// `patience`.
fn read_to_close(stream: &mut TcpStream, patience: Duration) -> Option<String> {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(String::from_utf8_lossy(&answer).into_owned()),
            Ok(count) => answer.extend_from_slice(&buffer[..count]),
            Err(error) if matches!(error.kind(), std::io::ErrorKind::ConnectionReset) => {
                return Some(String::from_utf8_lossy(&answer).into_owned());
            }
            Err(_) => return None,
        }
    }
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

both_databases!(a_connection_that_sends_no_request_is_closed, |test: TestApp| async move {
    let limits = ServerLimits { header_timeout: Duration::from_millis(500), max_connections: 64 };
    let (port, _stop) = start(&test, limits).await;
    tokio::task::spawn_blocking(move || {
        // Silent from the start.
        let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let answer = read_to_close(&mut silent, Duration::from_secs(20)).expect("a silent connection is closed");
        assert!(!answer.contains(" 200 "), "{answer}");
        // Half a request's head, then nothing.
        let mut halting = TcpStream::connect(("127.0.0.1", port)).unwrap();
        halting.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.").unwrap();
        let answer = read_to_close(&mut halting, Duration::from_secs(20)).expect("a stalled head is cut off");
        assert!(!answer.contains(" 200 "), "{answer}");
        // Answered, then quiet: the idle keep-alive connection is closed too.
        let mut quiet = TcpStream::connect(("127.0.0.1", port)).unwrap();
        quiet.write_all(HEALTH).unwrap();
        let answer = read_to_close(&mut quiet, Duration::from_secs(20)).expect("an idle connection is closed");
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    })
    .await
    .unwrap();
});

both_databases!(at_the_connection_cap_a_newcomer_waits_and_is_then_served, |test: TestApp| async move {
    let limits = ServerLimits { header_timeout: Duration::from_secs(1), max_connections: 2 };
    let (port, _stop) = start(&test, limits).await;
    tokio::task::spawn_blocking(move || {
        let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
        // The two slots are taken: the kernel queues the newcomer, the server does not
        // take it (nor run out of descriptors).
        std::thread::sleep(Duration::from_millis(100));
        let mut newcomer = TcpStream::connect(("127.0.0.1", port)).unwrap();
        newcomer.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        assert!(read_to_close(&mut newcomer, Duration::from_millis(300)).is_none(), "answered beyond the cap");
        // The idle ones are closed at their header timeout; then the newcomer is served.
        let answer = read_to_close(&mut newcomer, Duration::from_secs(20)).expect("the newcomer is served");
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        drop(idle);
    })
    .await
    .unwrap();
});
