//! Agencies, offices, categories, protocols and colleagues.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::api::types::{
    AgencyOut, CategoryOut, ErrorBody, OfficeIn, OfficeOut, ProtocolIn, ProtocolOut, UserIn, UserOut,
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

/// Adds a protocol version (administrators).
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

/// Adds a user account to the administrator's own agency (administrators). The answer
/// carries no secret; a user whose roles read case content enrols in two-factor sign-in
/// at the first sign-in.
#[utoipa::path(post, path = "/api/v1/users", tag = "directory", security(("session" = []), ("bearer" = [])),
    request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let input = sila_app::auth::UserInput {
        username: body.username.unwrap_or_default(),
        display_name: body.display_name.unwrap_or_default(),
        password: body.password.unwrap_or_default(),
        roles: body.roles,
        agency_id: body.agency_id.unwrap_or_else(|| actor.agency.id.to_string()),
        office_ids: body.office_ids,
        language: body.language,
    };
    let user = state.app.create_user_with_context(Some(&actor), &input, &context).await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(&user))))
}
