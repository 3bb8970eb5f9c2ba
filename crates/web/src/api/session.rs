//! Signing in and out, who is signed in, first use through a set-up link, two-factor
//! enrolment, and changing one's own password.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::api::types::{ErrorBody, MeOut, SessionIn};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::session::{
    ClientAddress, CurrentActor, EnrolmentOnly, SessionToken, device_cookie, device_tokens, expired_session_cookie,
    session_cookie,
};

/// Adds a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The cookies of a new session: the session's, and — when the browser was not yet
/// recognised for the user — the recognised-device cookie with the new token added.
pub(crate) fn session_cookies(state: &AppState, headers: &HeaderMap, session: &sila_app::auth::Session) -> Vec<String> {
    let max_age = session.expires_at.duration_since(state.app.now()).as_secs().max(0);
    let mut cookies = vec![session_cookie(&session.token, max_age, state.secure_cookies)];
    if let Some(device) = &session.device {
        cookies.push(device_cookie(device, &device_tokens(headers), state.secure_cookies));
    }
    cookies
}

/// Signs in; the answer sets the session cookie (`HttpOnly`, `SameSite=Strict`) and,
/// from a browser not yet recognised for the user, the recognised-device cookie.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    request_body = SessionIn,
    responses(
        (status = 201, body = MeOut, description = "signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "`sign_in_failed`: the username, the password or the code is not right — the same answer whichever it is"),
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
        devices: device_tokens(&headers),
    };
    let session = state.app.sign_in(&attempt).await?;
    let me = MeOut::from(&session.actor);
    let mut response = (StatusCode::CREATED, Json(me)).into_response();
    for cookie in session_cookies(&state, &headers, &session) {
        set_cookie(&mut response, &cookie);
    }
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
    set_cookie(&mut response, &expired_session_cookie(state.secure_cookies));
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
pub async fn me(CurrentActor(actor): CurrentActor, enrolment: Option<axum::Extension<EnrolmentOnly>>) -> Json<MeOut> {
    let mut me = MeOut::from(&actor);
    me.totp_enrolment_required = enrolment.is_some_and(|only| only.0.0);
    Json(me)
}

/// First use of an account: the one-time set-up link's token and the password the
/// user chooses.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct SetupIn {
    /// The token of the set-up link (`/set-up?token=…`).
    pub token: Option<String>,
    /// The new password (at least 12 characters).
    pub password: Option<String>,
    /// The same password again.
    pub password_repeat: Option<String>,
}

/// Uses a one-time set-up link: the password is set and a session that may only enrol
/// in two-factor sign-in begins (`POST /api/v1/me/totp`, then `…/confirm`). A bad
/// password leaves the link unused.
#[utoipa::path(
    post,
    path = "/api/v1/setup",
    tag = "session",
    request_body = SetupIn,
    responses(
        (status = 201, body = MeOut, description = "the password is set; the session may only enrol"),
        (status = 400, body = ErrorBody, description = "a password problem, or `link_not_valid` (used, replaced, expired or unknown)"),
    )
)]
pub async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SetupIn>,
) -> Result<Response, ApiError> {
    let session = state
        .app
        .complete_setup(
            body.token.as_deref().unwrap_or(""),
            body.password.as_deref().unwrap_or(""),
            body.password_repeat.as_deref().unwrap_or(""),
        )
        .await?;
    let mut me = MeOut::from(&session.actor);
    me.totp_enrolment_required = true;
    let mut response = (StatusCode::CREATED, Json(me)).into_response();
    for cookie in session_cookies(&state, &headers, &session) {
        set_cookie(&mut response, &cookie);
    }
    Ok(response)
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

/// Confirms enrolment: from now on every sign-in needs a code. This session becomes a
/// full one; every other session and API token of the user ends.
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
    token: axum::Extension<SessionToken>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ConfirmIn>,
) -> Result<Response, ApiError> {
    let device = state.app.confirm_totp_enrolment(&actor, &token.0.0, body.code.as_deref().unwrap_or("")).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &device_cookie(&device, &device_tokens(&headers), state.secure_cookies));
    Ok(response)
}

/// A change of one's own password.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordIn {
    /// The password in use now.
    pub current_password: Option<String>,
    /// The new password (at least 12 characters).
    pub password: Option<String>,
    /// The new password again.
    pub password_repeat: Option<String>,
}

/// Changes the signed-in user's password. Every other session and API token of theirs
/// ends; this one goes on. A wrong current password counts as a failed sign-in.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "session",
    security(("session" = []), ("bearer" = [])),
    request_body = PasswordIn,
    responses(
        (status = 204, description = "changed"),
        (status = 400, body = ErrorBody, description = "a password problem, or `wrong_password` on `current_password`"),
        (status = 429, body = ErrorBody, description = "too many wrong passwords: locked for `Retry-After` seconds"),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    token: axum::Extension<SessionToken>,
    JsonBody(body): JsonBody<PasswordIn>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .change_password(
            &actor,
            &token.0.0,
            body.current_password.as_deref().unwrap_or(""),
            body.password.as_deref().unwrap_or(""),
            body.password_repeat.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
