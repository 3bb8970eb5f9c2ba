//! `Idempotency-Key` on writes: a retry with the same key returns the first answer and
//! changes nothing.
//!
//! The key is claimed before the handler runs (a row of its own); the use case marks it
//! *committed* inside the transaction of its write; the answer is stored after. So a
//! retry finds either the stored answer (replayed), a running or committed-but-unanswered
//! request (409, never run twice), or a claim abandoned before writing anything (taken
//! over after a minute). A request that failed writes nothing and releases its key.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sila_app::{Actor, AppError, Conflict, RequestContext};

use crate::AppState;
use crate::error::ApiError;

/// Largest request or response body the middleware buffers.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The header.
pub const HEADER: &str = "idempotency-key";

/// Put on an answer that carries a secret shown once (a set-up link): the body stored
/// for retries instead, without the secret — a credential never rests in the database
/// in clear. A retry gets this body, and the administrator asks for a new link.
#[derive(Debug, Clone)]
pub struct StoredInstead(pub String);

/// Applies idempotency to writes that carry a key.
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(HEADER).map(|value| value.to_str().map(str::to_string)) else {
        return next.run(request).await;
    };
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let key = match key {
        Ok(key) if !key.is_empty() && key.len() <= 255 => key,
        _ => return ApiError::field("idempotency_key", sila_domain::Problem::InvalidText).into_response(),
    };
    let Some(actor) = request.extensions().get::<Actor>().cloned() else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: String = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
    match state.app.claim_idempotency_key(&actor, &key, &request_hash).await {
        Ok(sila_app::IdempotencyClaim::Claimed) => {}
        Ok(sila_app::IdempotencyClaim::Replay(stored)) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            let mut response = (status, Body::from(stored.body)).into_response();
            response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Ok(sila_app::IdempotencyClaim::Mismatch) => {
            return ApiError::from(AppError::IdempotencyKeyReused).into_response();
        }
        Ok(sila_app::IdempotencyClaim::InProgress) => {
            return ApiError::from(AppError::Conflict(Conflict::IdempotencyInProgress)).into_response();
        }
        Err(error) => return ApiError::from(error).into_response(),
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(RequestContext { idempotency_key: Some(key.clone()) });
    let response = next.run(request).await;
    if !response.status().is_success() {
        if let Err(error) = state.app.complete_idempotency_key(&actor, &key, None).await {
            tracing::error!(error = %error, "could not release an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::from(AppError::Internal("response too large to store".into())).into_response();
    };
    let body = match parts.extensions.get::<StoredInstead>() {
        Some(instead) => instead.0.clone(),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let stored = sila_app::IdempotentResponse { status: parts.status.as_u16(), body };
    if let Err(error) = state.app.complete_idempotency_key(&actor, &key, Some(stored)).await {
        tracing::error!(error = %error, "could not store an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}
