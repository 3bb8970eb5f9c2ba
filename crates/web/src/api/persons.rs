//! Registering, finding and reading persons.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sila_domain::ids::PersonId;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::types::{ErrorBody, MatchOut, PersonIn, PersonOut, RegistrationOut};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, path_id};
use crate::session::{Context, CurrentActor};

/// Registers a person; the answer lists possible existing matches to look at.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", security(("session" = []), ("bearer" = [])),
    request_body = PersonIn,
    responses((status = 201, body = RegistrationOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<PersonIn>,
) -> Result<(StatusCode, Json<RegistrationOut>), ApiError> {
    let registration = state.app.register_person(&actor, &body.into_input(), &context).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationOut {
            person: PersonOut::from(&registration.person),
            possible_matches: registration.possible_matches.iter().map(MatchOut::from).collect(),
        }),
    ))
}

/// A person search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// A name in Arabic or Latin letters.
    pub q: Option<String>,
    /// A Qatar ID number.
    pub qid: Option<String>,
    /// A date of birth, `YYYY-MM-DD`.
    pub dob: Option<String>,
    /// At most this many (1–50, default 10).
    pub limit: Option<String>,
}

/// Ranked persons the caller's agency may identify.
#[utoipa::path(get, path = "/api/v1/persons/search", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = [MatchOut]), (status = 400, body = ErrorBody)))]
pub async fn search_persons(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<Vec<MatchOut>>, ApiError> {
    let limit = match query.limit.as_deref() {
        None | Some("") => None,
        Some(text) => {
            Some(text.parse::<i64>().map_err(|_| ApiError::field("limit", sila_domain::Problem::UnknownValue))?)
        }
    };
    let found = state
        .app
        .search_persons(
            &actor,
            &sila_app::persons::PersonQuery { q: query.q, qid: query.qid, birth_date: query.dob, limit },
        )
        .await?;
    Ok(Json(found.iter().map(MatchOut::from).collect()))
}

/// One person, with only the fields the caller's agency holds.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = PersonOut), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>, ApiError> {
    let id = path_id(&id, PersonId::parse)?;
    Ok(Json(PersonOut::from(&state.app.person(&actor, id).await?)))
}
