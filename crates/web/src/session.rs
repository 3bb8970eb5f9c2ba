//! From a request to the acting user: the session cookie (or a bearer token) is
//! resolved once per request by [`require_actor`], which puts the [`sila_app::Actor`]
//! into the request for handlers to take with [`CurrentActor`].

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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

/// The session token of a request: the cookie, or an `Authorization: Bearer` header.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        return Some(token);
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_string())
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn expired_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The paths a session may use before its user has enrolled in two-factor sign-in.
const ENROLMENT_PATHS: [&str; 4] = ["/api/v1/me", "/api/v1/me/totp", "/api/v1/me/totp/confirm", "/api/v1/session"];

/// Resolves the actor of a request or answers 401. A session still waiting for
/// two-factor enrolment may only enrol; a read-only API token may only read.
pub async fn require_actor(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(token) = session_token(request.headers()) else {
        return ApiError::from(AppError::Unauthenticated).into_response();
    };
    match state.app.authenticate(&token).await {
        Ok(authenticated) => {
            if authenticated.enrolment_only && !ENROLMENT_PATHS.contains(&request.uri().path()) {
                return ApiError::from(AppError::EnrolmentRequired).into_response();
            }
            let reading = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
            if authenticated.scope == sila_app::auth::TokenScope::Read && !reading {
                return ApiError::from(AppError::TokenScope).into_response();
            }
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
/// info). A deployment behind a proxy sees the proxy here, and throttles per account
/// only — trusting `X-Forwarded-For` blindly would let anyone pick their address.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip()),
        ))
    }
}
