//! Break-glass, conflicts of interest, and each user's alerts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sila_domain::ids::CaseId;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::types::{ErrorBody, ReasonIn};
use crate::error::ApiError;
use crate::extract::{JsonBody, path_id};
use crate::session::{Context, CurrentActor};

/// A break-glass access.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassOut {
    /// The case.
    pub case_id: String,
    /// When the access ends.
    pub expires_at: String,
}

/// Opens a case outside the caller's scope in an emergency (police supervisors, centre
/// managers), with a reason; audited, time-limited, and the auditors are alerted.
#[utoipa::path(post, path = "/api/v1/cases/{id}/break-glass", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = ReasonIn,
    responses((status = 201, body = BreakGlassOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn break_glass(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonIn>,
) -> Result<(StatusCode, Json<BreakGlassOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let grant = state.app.break_glass(&actor, id, body.reason.as_deref().unwrap_or(""), &context).await?;
    Ok((
        StatusCode::CREATED,
        Json(BreakGlassOut { case_id: grant.case_id.to_string(), expires_at: grant.expires_at.to_string() }),
    ))
}

/// A declared tie.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConflictIn {
    /// The person.
    pub person_id: Option<String>,
    /// The user tied (absent: the caller). Declaring for a colleague needs a police
    /// supervisor or a centre manager.
    pub user_id: Option<String>,
}

/// Declares a conflict of interest: the user is blocked from the person's cases.
#[utoipa::path(post, path = "/api/v1/conflicts", tag = "cases", security(("session" = []), ("bearer" = [])),
    request_body = ConflictIn,
    responses((status = 204, description = "recorded"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn declare_conflict(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<ConflictIn>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .declare_conflict(&actor, body.person_id.as_deref().unwrap_or(""), body.user_id.as_deref(), &context)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    /// Id.
    pub id: String,
    /// What happened (`break_glass.opened`, …).
    pub kind: String,
    /// The kind of record.
    pub subject_kind: Option<String>,
    /// Its id.
    pub subject_id: Option<String>,
    /// When.
    pub created_at: String,
    /// When read.
    pub read_at: Option<String>,
}

/// The caller's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "session", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = [AlertOut]), (status = 401, body = ErrorBody)))]
pub async fn alerts(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<AlertOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .alerts(&actor)
            .await?
            .into_iter()
            .map(|alert| AlertOut {
                id: alert.id.hyphenated().to_string(),
                kind: alert.kind,
                subject_kind: alert.subject_kind,
                subject_id: alert.subject_id,
                created_at: alert.created_at.to_string(),
                read_at: alert.read_at.map(|at| at.to_string()),
            })
            .collect(),
    ))
}
