//! The HTTP/1.1 server loop: every connection bounded.
//!
//! `axum::serve` accepts every connection and waits for each as long as its client
//! likes, so a few thousand clients that open a connection and send nothing (or a
//! byte a minute) exhaust the server's file descriptors and nobody else gets in. Here:
//!
//! - **Header read timeout**, which is also the **idle keep-alive timeout**: a request's
//!   head must arrive within [`ServerLimits::header_timeout`] of the connection opening
//!   or of the previous answer, or the connection is closed.
//! - **Body and handling**: the request time limit of the router (`time_limit`) answers
//!   `408` to a body that stalls.
//! - **A cap on open connections** ([`ServerLimits::max_connections`]), kept below the
//!   process's file-descriptor limit ([`raise_open_file_limit`] raises the soft limit to
//!   the hard one at start). At the cap, the server stops accepting until one closes:
//!   newcomers wait in the kernel's queue instead of failing with "too many open files".

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// Descriptors kept back from the connection cap: database connections, the log, the
/// listener, files a request opens.
const RESERVED_DESCRIPTORS: u64 = 256;

/// How long and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Time for a request's head to arrive, from the connection's opening or the end of
    /// the previous answer (so also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits { header_timeout: Duration::from_secs(10), max_connections: 4096 }
    }
}

/// Raises the soft limit on open files to the hard limit (where the system allows) and
/// returns the soft limit in force.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if let (Some(current), Some(hard)) = (limit.current, limit.maximum)
            && current < hard
            && setrlimit(Resource::Nofile, rustix::process::Rlimit { current: Some(hard), maximum: Some(hard) }).is_ok()
        {
            return Some(hard);
        }
        limit.current
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap actually used: the one asked for, lowered to leave
/// [`RESERVED_DESCRIPTORS`] under the open-file limit.
pub fn connection_cap(asked: usize, open_file_limit: Option<u64>) -> usize {
    match open_file_limit {
        Some(limit) => {
            let room = usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
            asked.min(room).max(1)
        }
        None => asked.max(1),
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish. Handlers see the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stopping, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stopping.send(true);
    });
    let mut stop_accepting = stop.clone();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = stopped(&mut stop_accepting) => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before it was taken: wait
                    // a moment rather than spin, and go on.
                    tracing::warn!(error = %error, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop_accepting) => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            request
        });
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    // Requests in flight finish (their connections hold the slots); then return.
    let _all = slots.acquire_many(u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX)).await;
    Ok(())
}

/// Completes once the server is told to stop.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, which happens only after it said "stop".
    let _ = stop.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::connection_cap;

    #[test]
    fn the_connection_cap_stays_under_the_open_file_limit() {
        assert_eq!(connection_cap(4096, Some(1024)), 768, "descriptors are kept back for the database and files");
        assert_eq!(connection_cap(4096, Some(1_048_576)), 4096, "the cap asked for, when there is room");
        assert_eq!(connection_cap(4096, Some(100)), 1, "at least one connection");
        assert_eq!(connection_cap(4096, None), 4096);
    }
}
