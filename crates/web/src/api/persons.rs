//! Registering, finding and reading persons.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sila_domain::ids::PersonId;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::types::{
    ErrorBody, MatchOut, MergeIn, MergeOut, OpeningOut, PersonIn, PersonOut, PurposeIn, RegistrationOut,
};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, RequestLang, path_id};
use crate::session::{Context, CurrentActor};

/// Registers a person; the answer lists possible existing matches to look at.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", security(("session" = []), ("bearer" = [])),
    request_body = PersonIn,
    responses((status = 201, body = RegistrationOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    RequestLang(lang): RequestLang,
    JsonBody(body): JsonBody<PersonIn>,
) -> Result<(StatusCode, Json<RegistrationOut>), ApiError> {
    let registration = state.app.register_person(&actor, &body.into_input(), &context).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationOut {
            person: PersonOut::from(&registration.person),
            possible_matches: registration
                .possible_matches
                .iter()
                .map(|found| MatchOut::new(found, &state.catalogs, lang))
                .collect(),
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
    RequestLang(lang): RequestLang,
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
    Ok(Json(found.iter().map(|found| MatchOut::new(found, &state.catalogs, lang)).collect()))
}

/// One person, with only the fields the caller's agency holds. A person outside the
/// caller's cases answers 403 `purpose_required` until the caller states a purpose
/// (`POST /api/v1/persons/{id}/open`).
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = PersonOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>, ApiError> {
    let id = path_id(&id, PersonId::parse)?;
    Ok(Json(PersonOut::from(&state.app.person(&actor, id).await?)))
}

/// Opens the record of a person outside the caller's cases for half an hour, for the
/// purpose stated (kept sealed; the opening is audited as `person.open`).
#[utoipa::path(post, path = "/api/v1/persons/{id}/open", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "person id")),
    request_body = PurposeIn,
    responses((status = 201, body = OpeningOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PurposeIn>,
) -> Result<(StatusCode, Json<OpeningOut>), ApiError> {
    let id = path_id(&id, PersonId::parse)?;
    let opening = state.app.open_person(&actor, id, body.purpose.as_deref().unwrap_or(""), &context).await?;
    Ok((
        StatusCode::CREATED,
        Json(OpeningOut { person_id: opening.person_id.to_string(), expires_at: opening.expires_at.to_string() }),
    ))
}

/// Merges the duplicate record `duplicate_id` into the person in the path (police
/// supervisors and centre managers, their own agency's records): the duplicate's cases,
/// consents and accesses follow, and it is no longer found. Reversible by `unmerge`.
#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "the person who survives")),
    request_body = MergeIn,
    responses((status = 200, body = MergeOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn merge_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MergeIn>,
) -> Result<Json<MergeOut>, ApiError> {
    let survivor = path_id(&id, PersonId::parse)?;
    let duplicate = match body.duplicate_id.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError::field("duplicate_id", sila_domain::Problem::Required)),
        Some(text) => PersonId::parse(text).map_err(|problem| ApiError::field("duplicate_id", problem))?,
    };
    Ok(Json(MergeOut::from(&state.app.merge_persons(&actor, survivor, duplicate, &context).await?)))
}

/// Undoes the merge of the person in the path into another record: the record, its
/// cases, consents and accesses come back.
#[utoipa::path(post, path = "/api/v1/persons/{id}/unmerge", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "the person merged away")),
    responses((status = 200, body = MergeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn unmerge_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
) -> Result<Json<MergeOut>, ApiError> {
    let merged = path_id(&id, PersonId::parse)?;
    Ok(Json(MergeOut::from(&state.app.unmerge_person(&actor, merged, &context).await?)))
}
