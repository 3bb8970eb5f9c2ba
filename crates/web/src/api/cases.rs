//! Cases and the work on them: persons, risk, consent, notes, assignment, transfer.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sila_app::cases::{CaseInput, CaseListQuery, CaseView};
use sila_domain::ids::{CaseId, ConsentId};
use utoipa::IntoParams;

use crate::AppState;
use crate::api::types::{
    AssignIn, BypassIn, CaseDetailOut, CaseIn, CaseOut, CasePersonOut, ConsentIn, ConsentOut, ErrorBody, EventOut,
    ListOf, NoteIn, NoteOut, PersonOut, ReasonIn, ReferralOut, RiskIn, RiskOut,
};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, decode_cursor, encode_cursor, path_id};
use crate::session::{Context, CurrentActor};

/// Opens a case in the caller's agency.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("session" = []), ("bearer" = [])),
    request_body = CaseIn,
    responses((status = 201, body = CaseOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<CaseIn>,
) -> Result<(StatusCode, Json<CaseOut>), ApiError> {
    let input = CaseInput {
        kind: body.kind,
        category: body.category,
        subcategory: body.subcategory,
        narrative: body.narrative,
        office_id: body.office_id,
    };
    let case = state.app.open_case(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(CaseOut::from(&case))))
}

/// A case list query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Status code.
    pub status: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// `me`: cases assigned to the caller.
    pub assigned: Option<String>,
    /// Page size (1–100).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// Cases of the caller's agency that the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(CaseQuery),
    responses((status = 200, body = ListOf<CaseOut>), (status = 400, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<CaseQuery>,
) -> Result<Json<ListOf<CaseOut>>, ApiError> {
    let page = state
        .app
        .list_cases(
            &actor,
            &CaseListQuery {
                status: query.status,
                category: query.category,
                assigned: query.assigned,
                cursor: decode_cursor(query.cursor.as_deref())?,
                limit: parse_limit(query.limit.as_deref())?,
            },
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(CaseOut::from).collect(),
        next_cursor: encode_cursor(page.next_cursor),
    }))
}

/// Reads a page size.
pub(crate) fn parse_limit(text: Option<&str>) -> Result<Option<i64>, ApiError> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| ApiError::field("limit", sila_domain::Problem::UnknownValue)),
    }
}

fn detail(view: &CaseView) -> CaseDetailOut {
    CaseDetailOut {
        case: CaseOut::from(&view.case),
        persons: view
            .persons
            .iter()
            .map(|(entry, person)| CasePersonOut {
                person: PersonOut::from(person),
                role: entry.role.code().into(),
                added_at: entry.added_at.to_string(),
            })
            .collect(),
        risk: view.risk.as_ref().map(RiskOut::from),
        consents: view.consents.iter().map(ConsentOut::from).collect(),
        referrals: view.referrals.iter().map(ReferralOut::from).collect(),
        origin_referral: view.origin.as_ref().map(ReferralOut::from),
        timeline: view.events.iter().map(EventOut::from).collect(),
        content_shredded: view.shredded,
    }
}

/// One case with its persons, latest risk assessment, consents, referrals and timeline.
/// Another agency's case — or one outside the caller's scope — is not found.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<CaseDetailOut>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    Ok(Json(detail(&state.app.case(&actor, id).await?)))
}

/// A person to add to a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CasePersonIn {
    /// Person id.
    pub person_id: Option<String>,
    /// Role code.
    pub role: Option<String>,
}

/// Adds a person to a case in a role.
#[utoipa::path(post, path = "/api/v1/cases/{id}/persons", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = CasePersonIn,
    responses((status = 201, description = "added"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_case_person(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CasePersonIn>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let entry = state
        .app
        .add_case_person(
            &actor,
            id,
            body.person_id.as_deref().unwrap_or(""),
            body.role.as_deref().unwrap_or(""),
            &context,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "person_id": entry.person_id.to_string(),
            "role": entry.role.code(),
            "added_at": entry.added_at.to_string(),
        })),
    ))
}

/// Records the risk checklist; the answer has the score and level.
#[utoipa::path(post, path = "/api/v1/cases/{id}/risk-assessments", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = RiskIn,
    responses((status = 201, body = RiskOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assess_risk(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RiskIn>,
) -> Result<(StatusCode, Json<RiskOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = sila_domain::risk::AssessmentInput {
        answers: body.answers,
        judged_level: body.judged_level,
        judgement_reason: body.judgement_reason,
    };
    let record = state.app.assess_risk(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(RiskOut::from(&record))))
}

/// Records consent (or a child's mandatory-protection basis).
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = ConsentIn,
    responses((status = 201, body = ConsentOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_consent(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ConsentIn>,
) -> Result<(StatusCode, Json<ConsentOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = sila_domain::consent::ConsentInput {
        basis: body.basis,
        method: body.method,
        witness: body.witness,
        mandatory_ground: body.mandatory_ground,
        purpose: body.purpose,
        data_classes: body.data_classes,
        expires_on: body.expires_on,
    };
    let consent = state
        .app
        .record_consent(
            &actor,
            id,
            body.person_id.as_deref().unwrap_or(""),
            body.recipient_agency_id.as_deref().unwrap_or(""),
            &input,
            &context,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ConsentOut::from(&consent))))
}

/// Withdraws a consent: no later referral may rely on it.
#[utoipa::path(post, path = "/api/v1/consents/{id}/withdraw", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "consent id")),
    request_body = ReasonIn,
    responses((status = 200, body = ConsentOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonIn>,
) -> Result<Json<ConsentOut>, ApiError> {
    let id = path_id(&id, ConsentId::parse)?;
    let consent = state.app.withdraw_consent(&actor, id, body.reason.as_deref().unwrap_or(""), &context).await?;
    Ok(Json(ConsentOut::from(&consent)))
}

/// Writes a note.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = NoteIn,
    responses((status = 201, body = NoteOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_note(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NoteIn>,
) -> Result<(StatusCode, Json<NoteOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let note = state
        .app
        .add_note(
            &actor,
            id,
            body.level.as_deref().unwrap_or(""),
            body.text.as_deref().unwrap_or(""),
            &body.readers,
            &context,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(NoteOut::from(&note))))
}

/// The notes of a case the caller may read.
#[utoipa::path(get, path = "/api/v1/cases/{id}/notes", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = [NoteOut]), (status = 404, body = ErrorBody)))]
pub async fn list_notes(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<NoteOut>>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    Ok(Json(state.app.notes(&actor, id).await?.iter().map(NoteOut::from).collect()))
}

/// Assigns a case to a worker or team.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assignment", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = AssignIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn assign_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignIn>,
) -> Result<Json<CaseOut>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let case = state
        .app
        .assign_case(&actor, id, body.user_id.as_deref(), body.team_id.as_deref(), body.version, &context)
        .await?;
    Ok(Json(CaseOut::from(&case)))
}

/// Records a police supervisor's bypass of the centre-first rule, with its ground.
#[utoipa::path(post, path = "/api/v1/cases/{id}/centre-first-bypass", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = BypassIn,
    responses((status = 204, description = "recorded"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn bypass_centre_first(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<BypassIn>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    state
        .app
        .bypass_centre_first(
            &actor,
            id,
            body.ground.as_deref().unwrap_or(""),
            body.note.as_deref().unwrap_or(""),
            &context,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
