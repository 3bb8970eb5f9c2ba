//! Agencies, offices, categories, protocols and colleagues.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::api::types::{AgencyOut, CategoryOut, ErrorBody, OfficeOut, ProtocolIn, ProtocolOut, UserOut};
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
    Ok(Json(
        users
            .iter()
            .filter(|user| !user.disabled)
            .map(|user| UserOut {
                id: user.id.to_string(),
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                roles: user.roles.iter().map(|role| role.code().to_string()).collect(),
            })
            .collect(),
    ))
}
