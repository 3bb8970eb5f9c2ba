//! From a request to the acting user: the session cookie (or a bearer token) is
//! resolved once per request by [`require_actor`], which puts the [`sila_app::Actor`]
//! into the request for handlers to take with [`CurrentActor`].

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

use sila_app::{Actor, AppError, RequestContext};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sila_session";

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Name of the recognised-device cookie: the tokens of the users who signed in with
/// both factors on this browser (at most [`sila_app::auth::DEVICES_PER_BROWSER`]).
pub const DEVICE_COOKIE: &str = "sila_device";

/// How a request proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The session cookie (a browser): sessions only, never an API token.
    Cookie(String),
    /// An `Authorization: Bearer` header (a program): a session or an API token.
    Bearer(String),
}

impl Credential {
    /// The token.
    pub fn token(&self) -> &str {
        match self {
            Credential::Cookie(token) | Credential::Bearer(token) => token,
        }
    }
}

/// The credential of a request: the session cookie, else an `Authorization: Bearer`
/// header.
pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        return Some(Credential::Cookie(token));
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| Credential::Bearer(token.trim().to_string()))
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// The recognised-device tokens the browser holds.
pub fn device_tokens(headers: &HeaderMap) -> Vec<String> {
    cookie(headers, DEVICE_COOKIE)
        .map(|value| {
            value
                .split('.')
                .filter(|token| !token.is_empty())
                .take(sila_app::auth::DEVICES_PER_BROWSER)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The `Set-Cookie` value that adds a recognised-device token to the browser's (the
/// newest first; the oldest falls out past the limit). Long-lived, `HttpOnly`,
/// `SameSite=Strict`: it proves nothing by itself, it only spares its holder the
/// account's lockout.
pub fn device_cookie(token: &str, held: &[String], secure: bool) -> String {
    let tokens: Vec<&str> = std::iter::once(token)
        .chain(held.iter().map(String::as_str).filter(|held| *held != token))
        .take(sila_app::auth::DEVICES_PER_BROWSER)
        .collect();
    let secure = if secure { "; Secure" } else { "" };
    let max_age = sila_app::auth::DEVICE_LIFETIME.as_secs();
    format!("{DEVICE_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}", tokens.join("."))
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn expired_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The paths a session may use before its user has enrolled in two-factor sign-in.
const ENROLMENT_PATHS: [&str; 4] = ["/api/v1/me", "/api/v1/me/totp", "/api/v1/me/totp/confirm", "/api/v1/session"];

/// Resolves the actor of a request or answers 401. A cookie carries a session only (an
/// API token put in the cookie is refused); a session still waiting for two-factor
/// enrolment may only enrol; a read-only API token may only read.
pub async fn require_actor(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(credential) = credential(request.headers()) else {
        return ApiError::from(AppError::Unauthenticated).into_response();
    };
    let authenticated = match &credential {
        Credential::Cookie(token) => state.app.authenticate_session(token).await,
        Credential::Bearer(token) => state.app.authenticate(token).await,
    };
    let token = credential.token().to_string();
    match authenticated {
        Ok(authenticated) => {
            if authenticated.enrolment_only && !ENROLMENT_PATHS.contains(&request.uri().path()) {
                return ApiError::from(AppError::EnrolmentRequired).into_response();
            }
            let reading = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
            if authenticated.scope == sila_app::auth::TokenScope::Read && !reading {
                return ApiError::from(AppError::TokenScope).into_response();
            }
            request.extensions_mut().insert(EnrolmentOnly(authenticated.enrolment_only));
            request.extensions_mut().insert(authenticated.actor);
            request.extensions_mut().insert(SessionToken(token));
            next.run(request).await
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// The session token of an authenticated request (for sign-out).
#[derive(Debug, Clone)]
pub struct SessionToken(pub String);

/// Whether the request's session may only enrol in two-factor sign-in.
#[derive(Debug, Clone, Copy)]
pub struct EnrolmentOnly(pub bool);

/// The acting user, put there by [`require_actor`].
#[derive(Debug, Clone)]
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(CurrentActor)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in"))
    }
}

/// The request's context for the use case (its idempotency key), put there by the
/// idempotency middleware; empty when the request has none.
#[derive(Debug, Clone, Default)]
pub struct Context(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Context(parts.extensions.get::<RequestContext>().cloned().unwrap_or_default()))
    }
}

/// The address of the client: the TCP peer (the server is started with connection
/// info) — or, when the peer is one of the configured trusted proxies, the address that
/// proxy put in `X-Forwarded-For`. `X-Forwarded-For` from anyone else is ignored:
/// trusting it blindly would let a client choose the address it is throttled under.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientAddress(peer.map(|peer| state.trusted_proxies.client(peer, &parts.headers))))
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks
/// (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Reads a list of addresses and blocks; the error names the entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        let mut blocks = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry, None),
            };
            let address: IpAddr = address.parse().map_err(|_| format!("{entry} is not an address or a block"))?;
            let width = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits.parse::<u8>().ok().filter(|bits| *bits <= width),
                None => Some(width),
            }
            .ok_or_else(|| format!("{entry} has no valid prefix length"))?;
            blocks.push((address, bits));
        }
        Ok(TrustedProxies(blocks))
    }

    /// Whether `address` is one of the proxies.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|(block, bits)| match (block, address) {
            (IpAddr::V4(block), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
                u32::from(*block) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(block), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*bits)).unwrap_or(0);
                u128::from(*block) & mask == u128::from(address) & mask
            }
            _ => false,
        })
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the
    /// right-most address of `X-Forwarded-For` that is not a trusted proxy (each proxy
    /// appends the address it saw; the ones to its left could be typed by anyone).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        for entry in forwarded.iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(address) if self.contains(address) => continue,
                Ok(address) => return address,
                Err(_) => return peer,
            }
        }
        peer
    }
}
