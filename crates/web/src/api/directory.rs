//! Agencies, offices, categories, protocols and colleagues.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sila_app::auth::AccountChange;

use crate::AppState;
use crate::api::types::{
    AccountChangeOut, AccountDecidedOut, AccountDecisionIn, AccountRequestOut, AgencyOut, CategoryOut, ErrorBody,
    OfficeIn, OfficeOut, ProtocolIn, ProtocolOut, RolesIn, SetupLinkOut, UserCreatedOut, UserIn, UserOut,
};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::session::{Context, CurrentActor};

/// Every agency.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [AgencyOut]), (status = 401, body = ErrorBody)))]
pub async fn agencies(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<AgencyOut>>, ApiError> {
    Ok(Json(state.app.agencies(&actor).await?.iter().map(AgencyOut::from).collect()))
}

/// Every office (desks have `is_desk`).
#[utoipa::path(get, path = "/api/v1/offices", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [OfficeOut]), (status = 401, body = ErrorBody)))]
pub async fn offices(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<OfficeOut>>, ApiError> {
    Ok(Json(state.app.offices(&actor).await?.iter().map(OfficeOut::from).collect()))
}

/// Adds an office to the administrator's own agency (administrators).
#[utoipa::path(post, path = "/api/v1/offices", tag = "directory", security(("session" = []), ("bearer" = [])),
    request_body = OfficeIn,
    responses((status = 201, body = OfficeOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_office(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<OfficeIn>,
) -> Result<(StatusCode, Json<OfficeOut>), ApiError> {
    let input = sila_app::directory::OfficeInput {
        agency_id: body.agency_id.unwrap_or_else(|| actor.agency.id.to_string()),
        code: body.code.unwrap_or_default(),
        name_ar: body.name_ar.unwrap_or_default(),
        name_en: body.name_en.unwrap_or_default(),
        is_desk: body.is_desk.unwrap_or(false),
    };
    let office = state.app.create_office(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(OfficeOut::from(&office))))
}

/// The case category taxonomy, in Arabic and English.
#[utoipa::path(get, path = "/api/v1/categories", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [CategoryOut]), (status = 401, body = ErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    CurrentActor(_actor): CurrentActor,
) -> Result<Json<Vec<CategoryOut>>, ApiError> {
    Ok(Json(state.app.taxonomy().await?.all().iter().map(CategoryOut::from).collect()))
}

/// Every protocol version.
#[utoipa::path(get, path = "/api/v1/protocols", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [ProtocolOut]), (status = 401, body = ErrorBody)))]
pub async fn list_protocols(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<ProtocolOut>>, ApiError> {
    Ok(Json(state.app.protocols(&actor).await?.iter().map(ProtocolOut::from).collect()))
}

/// Proposes a protocol version between the caller's agency and another (administrators);
/// it is in force once an administrator of the other party accepts it.
#[utoipa::path(post, path = "/api/v1/protocols", tag = "directory", security(("session" = []), ("bearer" = [])),
    request_body = ProtocolIn,
    responses((status = 201, body = ProtocolOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_protocol(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<ProtocolIn>,
) -> Result<(StatusCode, Json<ProtocolOut>), ApiError> {
    let input = sila_app::directory::ProtocolInput {
        agency_a_id: body.agency_a_id.unwrap_or_default(),
        agency_b_id: body.agency_b_id.unwrap_or_default(),
        valid_from: body.valid_from.unwrap_or_default(),
        valid_until: body.valid_until,
        document_ref: body.document_ref,
        categories: body.categories,
        centre_first: body.centre_first,
        data_classes: body.data_classes,
        uncovered: body.uncovered,
        deadlines: body
            .deadlines
            .into_iter()
            .map(|deadline| {
                (
                    deadline.priority.unwrap_or_default(),
                    deadline.step.unwrap_or_default(),
                    deadline.minutes.unwrap_or(0),
                )
            })
            .collect(),
    };
    let protocol = state.app.create_protocol(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ProtocolOut::from(&protocol))))
}

/// Accepts a protocol version the other party proposed (administrators of a party): with
/// both acceptances it is in force.
#[utoipa::path(post, path = "/api/v1/protocols/{id}/accept", tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "protocol version id")),
    responses((status = 200, body = ProtocolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn accept_protocol(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<ProtocolOut>, ApiError> {
    let id = crate::extract::path_id(&id, sila_domain::ids::ProtocolId::parse)?;
    Ok(Json(ProtocolOut::from(&state.app.accept_protocol(&actor, id, &context).await?)))
}

/// The colleagues of the caller's agency.
#[utoipa::path(get, path = "/api/v1/users", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [UserOut]), (status = 401, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<UserOut>>, ApiError> {
    let users = state.app.colleagues(&actor).await?;
    Ok(Json(users.iter().filter(|user| !user.disabled).map(UserOut::from).collect()))
}

/// The address set-up links point at: the configured public address, else the host the
/// administrator reached Sila at.
pub(crate) fn link_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Adds a user account to the administrator's own agency (administrators). Nobody sets
/// a password for someone else: when the roles take effect at once (an analyst, an
/// auditor) the answer carries the one-time set-up link, shown this once, to hand to the
/// user; roles that read case content or administer wait for a second administrator,
/// whose approval issues the link.
#[utoipa::path(post, path = "/api/v1/users", tag = "directory", security(("session" = []), ("bearer" = [])),
    request_body = UserIn,
    responses((status = 201, body = UserCreatedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UserIn>,
) -> Result<Response, ApiError> {
    let input = sila_app::auth::UserInput {
        username: body.username.unwrap_or_default(),
        display_name: body.display_name.unwrap_or_default(),
        roles: body.roles,
        agency_id: body.agency_id.unwrap_or_else(|| actor.agency.id.to_string()),
        office_ids: body.office_ids,
        language: body.language,
    };
    let created = state.app.create_user_with_context(Some(&actor), &input, &context).await?;
    let base = link_base(&state, &headers);
    let mut out = UserCreatedOut {
        user: UserOut::from(&created.user),
        setup_link: created.setup_link.as_ref().map(|link| SetupLinkOut::new(&base, link)),
        waiting_request_id: created.waiting.map(|id| id.hyphenated().to_string()),
    };
    let shown = serde_json::to_value(&out).unwrap_or_default();
    out.setup_link = None;
    Ok(shown_once(StatusCode::CREATED, shown, &out))
}

/// An answer with a secret shown once: retries get `stored` (without it).
fn shown_once(status: StatusCode, shown: serde_json::Value, stored: &impl serde::Serialize) -> Response {
    let mut response = (status, Json(shown)).into_response();
    let stored = serde_json::to_string(stored).unwrap_or_default();
    response.extensions_mut().insert(crate::idempotency::StoredInstead(stored));
    response
}

/// Gives a user of the administrator's agency exactly these roles. Taking roles away is
/// immediate; adding one waits for a second administrator. Once in effect, the user's
/// sessions and API tokens end.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    request_body = RolesIn,
    responses((status = 200, body = AccountChangeOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "a change of this account already waits")))]
pub async fn set_user_roles(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RolesIn>,
) -> Result<Json<AccountChangeOut>, ApiError> {
    let change = state.app.set_user_roles(&actor, &id, &body.roles, &context).await?;
    Ok(Json(match change {
        AccountChange::Applied => AccountChangeOut { status: "applied".into(), request_id: None },
        AccountChange::Waiting(id) => {
            AccountChangeOut { status: "waiting".into(), request_id: Some(id.hyphenated().to_string()) }
        }
    }))
}

/// Disables a user of the administrator's agency at once: every session, API token,
/// recognised device and set-up link of theirs ends.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 204, description = "disabled"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "an administrator cannot disable themselves")))]
pub async fn disable_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.disable_user(&actor, &id, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks for a reset of a user's sign-in (password and two-factor): once a second
/// administrator approves, everything the user holds ends and the approver gets a new
/// set-up link for them.
#[utoipa::path(post, path = "/api/v1/users/{id}/sign-in-reset", tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 202, body = AccountChangeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a change of this account already waits")))]
pub async fn request_sign_in_reset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<AccountChangeOut>), ApiError> {
    let request = state.app.request_sign_in_reset(&actor, &id, &context).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(AccountChangeOut { status: "waiting".into(), request_id: Some(request.hyphenated().to_string()) }),
    ))
}

/// The account changes of the administrator's agency: those waiting first.
#[utoipa::path(get, path = "/api/v1/account-requests", tag = "directory", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [AccountRequestOut]), (status = 403, body = ErrorBody)))]
pub async fn account_requests(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<AccountRequestOut>>, ApiError> {
    Ok(Json(state.app.account_requests(&actor).await?.iter().map(AccountRequestOut::from).collect()))
}

/// Approves or rejects an account change, as a second administrator (neither the one
/// who asked nor the user concerned). An approved new account or reset of sign-in
/// answers its set-up link, shown this once.
#[utoipa::path(post, path = "/api/v1/account-requests/{id}/decision", tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "request id")),
    request_body = AccountDecisionIn,
    responses((status = 200, body = AccountDecidedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`already_decided`, or `second_administrator_required`")))]
pub async fn decide_account_request(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AccountDecisionIn>,
) -> Result<Response, ApiError> {
    let approve = match body.decision.as_deref().map(str::trim) {
        Some("approve") => true,
        Some("reject") => false,
        Some(_) => return Err(ApiError::field("decision", sila_domain::Problem::UnknownValue)),
        None => return Err(ApiError::field("decision", sila_domain::Problem::Required)),
    };
    let decided = state.app.decide_account_request(&actor, &id, approve, &context).await?;
    let base = link_base(&state, &headers);
    let mut out = AccountDecidedOut {
        request: AccountRequestOut::from(&decided.request),
        setup_link: decided.setup_link.as_ref().map(|link| SetupLinkOut::new(&base, link)),
    };
    let shown = serde_json::to_value(&out).unwrap_or_default();
    out.setup_link = None;
    Ok(shown_once(StatusCode::OK, shown, &out))
}
