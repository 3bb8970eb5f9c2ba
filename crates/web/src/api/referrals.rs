//! Referrals: making one, the desk's and the referrer's lists, one referral, and its
//! lifecycle steps.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sila_app::ReferralBox;
use sila_app::referrals::TransitionInput;
use sila_domain::Problem;
use sila_domain::ids::ReferralId;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::cases::parse_limit;
use crate::api::types::{ErrorBody, ListOf, ReferralIn, ReferralOut, SharedOut, TransitionIn, TransitionOut};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, decode_cursor, encode_cursor, path_id};
use crate::session::{Context, CurrentActor};

/// What a referral would carry, checked as sending it would be, without sending it: the
/// packet exactly as it would leave, person by person (an officer reads it before
/// sending).
#[utoipa::path(post, path = "/api/v1/referrals/preview", tag = "referrals", security(("session" = []), ("bearer" = [])),
    request_body = ReferralIn,
    responses(
        (status = 200, body = SharedOut),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "no protocol in force, category not covered, data class not allowed, or no consent"),
    ))]
pub async fn preview_referral(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody<ReferralIn>,
) -> Result<Json<SharedOut>, ApiError> {
    let input = body.into_input();
    let preview = state.app.preview_referral(&actor, &input).await?;
    let contact = input.data_classes.iter().any(|class| class.trim() == "contact");
    Ok(Json(SharedOut::new(&preview.packet, contact)))
}

/// Refers a case to another agency's desk; checks the protocol in force and consent.
#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", security(("session" = []), ("bearer" = [])),
    request_body = ReferralIn,
    responses(
        (status = 201, body = ReferralOut),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "no protocol in force, category not covered, data class not allowed, or no consent"),
    ))]
pub async fn create_referral(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<ReferralIn>,
) -> Result<(StatusCode, Json<ReferralOut>), ApiError> {
    let input = body.into_input();
    let view = state.app.refer_case(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ReferralOut::from(&view))))
}

/// A referral list query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReferralQuery {
    /// `incoming` (the caller's desks) or `outgoing` (the caller's cases).
    #[serde(rename = "box")]
    pub referral_box: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Page size (1–100).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// The desk's incoming or the referrer's outgoing referrals, newest first.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(ReferralQuery),
    responses((status = 200, body = ListOf<ReferralOut>), (status = 400, body = ErrorBody)))]
pub async fn list_referrals(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<ReferralQuery>,
) -> Result<Json<ListOf<ReferralOut>>, ApiError> {
    let referral_box = match query.referral_box.as_deref() {
        Some("incoming") => ReferralBox::Incoming,
        Some("outgoing") | None | Some("") => ReferralBox::Outgoing,
        Some(_) => return Err(ApiError::field("box", Problem::UnknownValue)),
    };
    let page = state
        .app
        .list_referrals(
            &actor,
            referral_box,
            query.status.as_deref(),
            decode_cursor(query.cursor.as_deref())?,
            parse_limit(query.limit.as_deref())?,
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(ReferralOut::from).collect(),
        next_cursor: encode_cursor(page.next_cursor),
    }))
}

/// One referral as the caller's side may see it.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralOut), (status = 404, body = ErrorBody)))]
pub async fn get_referral(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<ReferralOut>, ApiError> {
    let id = path_id(&id, ReferralId::parse)?;
    Ok(Json(ReferralOut::from(&state.app.referral(&actor, id).await?)))
}

/// Moves a referral along its lifecycle: `received`, `accepted` (opens the centre
/// case), `rejected`, `redirected`, `cancelled`, `in-progress`, `on-hold`, `completed`
/// (with an outcome), `transferred` (with an authority).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/transitions", tag = "referrals", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "referral id")),
    request_body = TransitionIn,
    responses(
        (status = 200, body = TransitionOut),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the lifecycle forbids the step, or the version is stale"),
        (status = 422, body = ErrorBody),
    ))]
pub async fn transition_referral(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransitionIn>,
) -> Result<Json<TransitionOut>, ApiError> {
    let id = path_id(&id, ReferralId::parse)?;
    let input = TransitionInput {
        to: body.to.unwrap_or_default(),
        reason: body.reason,
        outcome: body.outcome,
        authority_agency_id: body.authority_agency_id.or(body.authority),
        to_office_id: body.to_office_id,
        version: body.version,
    };
    let result = state.app.transition_referral(&actor, id, &input, &context).await?;
    Ok(Json(TransitionOut {
        referral: ReferralOut::from(&result.referral),
        redirected_to: result.redirected_to.map(|id| id.to_string()),
    }))
}
