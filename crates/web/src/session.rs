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

/// Resolves the actor of a request or answers 401.
pub async fn require_actor(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(token) = session_token(request.headers()) else {
        return ApiError::from(AppError::Unauthenticated).into_response();
    };
    match state.app.authenticate(&token).await {
        Ok(actor) => {
            request.extensions_mut().insert(actor);
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
