//! Sila over HTTP: the JSON API of API.md with its OpenAPI 3.1 document, sessions,
//! translated errors, idempotent writes, security headers, and the pages.
//!
//! This crate reaches data only through `sila-app`; it does not depend on the store.

#![deny(missing_docs)]

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod idempotency;
mod pages;
pub mod security;
pub mod server;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use sila_app::App;

use crate::i18n::Catalogs;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// The message catalogs.
    pub catalogs: Arc<Catalogs>,
    /// Whether cookies get the `Secure` attribute (served over TLS, directly or behind
    /// a terminating proxy); the pages then also send `Strict-Transport-Security`.
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<session::TrustedProxies>,
    /// The address people reach Sila at (`https://sila.example`), for the set-up links
    /// shown to administrators; without it, the request's own host.
    pub public_url: Option<String>,
}

impl FromRef<AppState> for Arc<Catalogs> {
    fn from_ref(state: &AppState) -> Arc<Catalogs> {
        state.catalogs.clone()
    }
}

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Set `Secure` on cookies and send `Strict-Transport-Security`.
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: session::TrustedProxies,
    /// The address people reach Sila at.
    pub public_url: Option<String>,
    /// Every request is answered within this time, its body read included: a client
    /// that sends too slowly, or a request that waits too long, gets `408`.
    pub request_time_limit: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: false,
            trusted_proxies: session::TrustedProxies::default(),
            public_url: None,
            request_time_limit: std::time::Duration::from_secs(30),
        }
    }
}

/// Answers a request that is not answered within `limit` with `408 request_timeout`
/// (dropping its work: an open transaction rolls back).
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error::ApiError::new(axum::http::StatusCode::REQUEST_TIMEOUT, "request_timeout").into_response(),
    }
}

/// The whole HTTP application.
pub fn router(app: App, config: &WebConfig) -> Result<Router, String> {
    let state = AppState {
        app,
        catalogs: Arc::new(Catalogs::load()?),
        secure_cookies: config.secure_cookies,
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        public_url: config.public_url.as_ref().map(|url| url.trim_end_matches('/').to_string()),
    };
    let (api, openapi) = api::routes(&state);
    let openapi = Arc::new(openapi);
    let router = Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .merge(pages::routes())
        .fallback(|| async { error::ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found") })
        .layer(axum::middleware::from_fn_with_state(config.request_time_limit, time_limit))
        .layer(axum::middleware::from_fn(security::cross_site))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::localize))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .with_state(state);
    Ok(router)
}
