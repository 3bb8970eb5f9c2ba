//! Signing in and out, and who is signed in.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::api::types::{ErrorBody, MeOut, SessionIn};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::session::{ClientAddress, CurrentActor, SessionToken, expired_session_cookie, session_cookie};

/// Signs in; the answer sets the session cookie (`HttpOnly`, `SameSite=Strict`).
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    request_body = SessionIn,
    responses(
        (status = 201, body = MeOut, description = "signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "wrong username, password or code, or a code is needed (`totp_required`)"),
        (status = 429, body = ErrorBody, description = "too many failures: locked for `Retry-After` seconds"),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SessionIn>,
) -> Result<Response, ApiError> {
    let username = body.username.unwrap_or_default();
    let password = body.password.unwrap_or_default();
    if username.trim().is_empty() {
        return Err(ApiError::field("username", sila_domain::Problem::Required));
    }
    if password.is_empty() {
        return Err(ApiError::field("password", sila_domain::Problem::Required));
    }
    let attempt = sila_app::auth::SignIn {
        username,
        password,
        totp: body.totp,
        client,
        previous_token: crate::session::cookie(&headers, crate::session::SESSION_COOKIE),
    };
    let session = state.app.sign_in(&attempt).await?;
    let max_age = session.expires_at.duration_since(state.app.now()).as_secs().max(0);
    let cookie = session_cookie(&session.token, max_age, state.secure_cookies);
    let mut me = MeOut::from(&session.actor);
    me.totp_enrolment_required = session.enrolment_required;
    let mut response = (StatusCode::CREATED, Json(me)).into_response();
    let value =
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::from(sila_app::AppError::Internal("cookie".into())))?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    Ok(response)
}

/// Signs out: the session ends on the server, and the cookie is cleared.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    security(("session" = []), ("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody))
)]
pub async fn delete_session(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    token: axum::Extension<SessionToken>,
) -> Result<Response, ApiError> {
    state.app.sign_out(&actor, &token.0.0).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&expired_session_cookie(state.secure_cookies)) {
        headers.insert(header::SET_COOKIE, value);
    }
    response.headers_mut().extend(headers);
    Ok(response)
}

/// The signed-in user, their agency, offices and roles.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "session",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = MeOut), (status = 401, body = ErrorBody))
)]
pub async fn me(CurrentActor(actor): CurrentActor) -> Json<MeOut> {
    Json(MeOut::from(&actor))
}

/// A two-factor enrolment.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EnrolmentOut {
    /// The secret in base32, to type into an authenticator app.
    pub secret: String,
    /// The `otpauth://` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

/// Starts two-factor enrolment: a new secret, its URI and QR code. Confirm with a code.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp",
    tag = "session",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = EnrolmentOut), (status = 409, body = ErrorBody, description = "already enrolled"))
)]
pub async fn begin_enrolment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<EnrolmentOut>, ApiError> {
    let enrolment = state.app.begin_totp_enrolment(&actor).await?;
    Ok(Json(EnrolmentOut { secret: enrolment.secret, otpauth_uri: enrolment.otpauth_uri, qr_svg: enrolment.qr_svg }))
}

/// A code to confirm enrolment.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct ConfirmIn {
    /// The six digits the authenticator app shows.
    pub code: Option<String>,
}

/// Confirms enrolment: from now on every sign-in needs a code.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp/confirm",
    tag = "session",
    security(("session" = []), ("bearer" = [])),
    request_body = ConfirmIn,
    responses((status = 204, description = "enrolled"), (status = 400, body = ErrorBody))
)]
pub async fn confirm_enrolment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody<ConfirmIn>,
) -> Result<StatusCode, ApiError> {
    state.app.confirm_totp_enrolment(&actor, body.code.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}
