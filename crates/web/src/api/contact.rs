//! Safe contact and the warm handoff over HTTP.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use sila_app::contact::{HandoffStep, HandoffView};
use sila_domain::contact::SafeContactInput;
use sila_domain::ids::{PersonId, ReferralId};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::types::{ErrorBody, SafeContactIn, SafeContactOut};
use crate::error::ApiError;
use crate::extract::{JsonBody, path_id};
use crate::session::{Context, CurrentActor};

/// Records (replaces) how a person may safely be contacted. Who may see her contact
/// details may record it.
#[utoipa::path(post, path = "/api/v1/persons/{id}/safe-contact", tag = "persons", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "person id")), request_body = SafeContactIn,
    responses((status = 200, body = SafeContactOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_safe_contact(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SafeContactIn>,
) -> Result<Json<SafeContactOut>, ApiError> {
    let id = path_id(&id, PersonId::parse)?;
    let input = SafeContactInput {
        channel: body.channel.unwrap_or_default(),
        phone: body.phone,
        times: body.times,
        never_at_home: body.never_at_home,
        through: body.through,
        code_word: body.code_word,
    };
    let rules = state.app.set_safe_contact(&actor, id, &input, &context).await?;
    Ok(Json(SafeContactOut::from(&rules)))
}

/// A desk slot to book.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoffIn {
    /// When (RFC 3339, or local Doha time `YYYY-MM-DDTHH:MM`), within three days.
    pub slot_at: Option<String>,
}

/// A warm handoff.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffOut {
    /// The desk slot.
    pub slot_at: String,
    /// When the officer walked her over.
    pub escorted_at: Option<String>,
    /// When the desk received her: her first contact with the centre.
    pub received_at: Option<String>,
    /// Minutes from her police intake to that first contact.
    pub intake_to_contact_minutes: Option<i64>,
}

impl From<&HandoffView> for HandoffOut {
    fn from(view: &HandoffView) -> HandoffOut {
        HandoffOut {
            slot_at: view.handoff.slot_at.to_string(),
            escorted_at: view.handoff.escorted.map(|(_, at)| at.to_string()),
            received_at: view.handoff.received.map(|(_, at)| at.to_string()),
            intake_to_contact_minutes: view.intake_to_contact_minutes,
        }
    }
}

/// Books (or moves) a slot at the receiving desk for a referral (its referring side).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/handoff", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "referral id")), request_body = HandoffIn,
    responses((status = 200, body = HandoffOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn book_handoff(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<HandoffIn>,
) -> Result<Json<HandoffOut>, ApiError> {
    let id = path_id(&id, ReferralId::parse)?;
    let view = state.app.book_handoff(&actor, id, body.slot_at.as_deref().unwrap_or(""), &context).await?;
    Ok(Json(HandoffOut::from(&view)))
}

/// A referral's handoff.
#[utoipa::path(get, path = "/api/v1/referrals/{id}/handoff", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = HandoffOut), (status = 404, body = ErrorBody)))]
pub async fn handoff(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<HandoffOut>, ApiError> {
    let id = path_id(&id, ReferralId::parse)?;
    match state.app.handoff(&actor, id).await? {
        Some(view) => Ok(Json(HandoffOut::from(&view))),
        None => Err(ApiError::from(sila_app::AppError::NotFound)),
    }
}

/// Records that the officer walked her to the desk (`escorted`, the referring side) or
/// that the desk received her (`received`, the desk: her first contact with the centre).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/handoff/{step}", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "referral id"), ("step" = String, Path, description = "escorted or received")),
    responses((status = 200, body = HandoffOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_handoff(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path((id, step)): Path<(String, String)>,
) -> Result<Json<HandoffOut>, ApiError> {
    let id = path_id(&id, ReferralId::parse)?;
    let step = match step.as_str() {
        "escorted" => HandoffStep::Escorted,
        "received" => HandoffStep::Received,
        _ => return Err(ApiError::from(sila_app::AppError::NotFound)),
    };
    let view = state.app.record_handoff(&actor, id, step, &context).await?;
    Ok(Json(HandoffOut::from(&view)))
}
