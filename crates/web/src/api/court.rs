//! Court orders over HTTP: registering an order, its visits, what is recorded at them,
//! and the court report (PDF, or JSON with `Accept: application/json`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sila_app::court::{CourtOrderInput, CourtOrderView, VisitEventInput};
use sila_domain::court::{CourtOrder, ScheduleInput, Visit, VisitEvent};
use sila_domain::ids::{CourtOrderId, VisitId};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::types::ErrorBody;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, number_text, path_id, text};
use crate::session::{Context, CurrentActor};

/// A schedule as sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ScheduleIn {
    /// RFC 5545 rule (`FREQ=WEEKLY;BYDAY=FR`).
    pub rule: Option<String>,
    /// First date.
    pub starts_on: Option<String>,
    /// Last date.
    pub ends_on: Option<String>,
    /// `HH:MM` (Doha time).
    pub start_time: Option<String>,
    /// `HH:MM`.
    pub end_time: Option<String>,
    /// Minutes between the parties' arrivals and departures (default 15).
    pub gap_minutes: Option<serde_json::Value>,
    /// Dates without a visit.
    #[serde(default)]
    pub exceptions: Vec<String>,
}

/// A court order to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CourtOrderIn {
    /// The court.
    pub court: Option<String>,
    /// The decision number.
    pub decision_number: Option<String>,
    /// The decision date.
    pub decision_date: Option<String>,
    /// `visitation`, `custody_handover`, `remote_contact`.
    pub kind: Option<String>,
    /// Supervised visits.
    #[serde(default)]
    pub supervised: bool,
    /// Conditions of the order.
    pub conditions: Option<String>,
    /// Where the visits take place.
    pub office_id: Option<String>,
    /// The custodial parent (person id).
    pub custodial_person_id: Option<String>,
    /// The visiting parent (person id).
    pub visiting_person_id: Option<String>,
    /// The children (person ids).
    #[serde(default)]
    pub child_person_ids: Vec<String>,
    /// The schedule.
    #[serde(default)]
    pub schedule: ScheduleIn,
}

/// A visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitOut {
    /// Id.
    pub id: String,
    /// The day.
    pub date: String,
    /// The visiting parent arrives.
    pub visiting_arrives_at: String,
    /// The custodial parent arrives with the children: the handover.
    pub starts_at: String,
    /// The children are returned.
    pub ends_at: String,
    /// The visiting parent may leave.
    pub visiting_leaves_at: String,
    /// `scheduled`, `held`, `missed`.
    pub status: String,
    /// What was recorded (when asked for one visit).
    pub events: Option<Vec<VisitEventOut>>,
}

impl VisitOut {
    fn new(visit: &Visit, events: Option<&[VisitEvent]>) -> VisitOut {
        VisitOut {
            id: visit.id.to_string(),
            date: visit.on.to_string(),
            visiting_arrives_at: visit.times.visiting_arrives_at.to_string(),
            starts_at: visit.times.starts_at.to_string(),
            ends_at: visit.times.ends_at.to_string(),
            visiting_leaves_at: visit.times.visiting_leaves_at.to_string(),
            status: visit.status.code().into(),
            events: events.map(|events| events.iter().map(VisitEventOut::from).collect()),
        }
    }
}

/// Something recorded at a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitEventOut {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Party.
    pub party: Option<String>,
    /// What was written.
    pub note: Option<String>,
    /// When it happened.
    pub at: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// A correction: the event it supersedes.
    pub supersedes: Option<String>,
    /// A correction's reason.
    pub reason: Option<String>,
    /// A correction: when it was recorded (`at` is the time it corrects to).
    pub recorded_at: Option<String>,
}

impl From<&VisitEvent> for VisitEventOut {
    fn from(event: &VisitEvent) -> VisitEventOut {
        VisitEventOut {
            id: event.id.hyphenated().to_string(),
            kind: event.kind.code().into(),
            party: event.party.map(|party| party.code().to_string()),
            note: event.note.as_ref().map(|note| note.as_str().to_string()),
            at: event.at.to_string(),
            recorded_by: event.recorded_by.to_string(),
            supersedes: event.supersedes.map(|id| id.hyphenated().to_string()),
            reason: event.reason.as_ref().map(|reason| reason.as_str().to_string()),
            recorded_at: event.recorded_at.map(|at| at.to_string()),
        }
    }
}

/// A court order with its visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourtOrderOut {
    /// Id.
    pub id: String,
    /// The court-order case.
    pub case_id: String,
    /// Its reference.
    pub case_reference: String,
    /// The court.
    pub court: String,
    /// Decision number.
    pub decision_number: String,
    /// Decision date.
    pub decision_date: String,
    /// Kind.
    pub kind: String,
    /// Supervised.
    pub supervised: bool,
    /// Where.
    pub office_id: String,
    /// The rule.
    pub rule: String,
    /// Minutes between the parties.
    pub gap_minutes: i64,
    /// The visits, by day.
    pub visits: Vec<VisitOut>,
}

fn order_out(view: &CourtOrderView) -> CourtOrderOut {
    let order: &CourtOrder = &view.order;
    CourtOrderOut {
        id: order.id.to_string(),
        case_id: view.case.id.to_string(),
        case_reference: view.case.reference.to_string(),
        court: order.court.as_str().into(),
        decision_number: order.decision_number.as_str().into(),
        decision_date: order.decision_date.to_string(),
        kind: order.kind.code().into(),
        supervised: order.supervised,
        office_id: order.office_id.to_string(),
        rule: order.schedule.rule.to_rule(),
        gap_minutes: order.schedule.gap_minutes,
        visits: view.visits.iter().map(|visit| VisitOut::new(visit, None)).collect(),
    }
}

/// Registers a family-court order: its court-order case opens with the parents and
/// children, and the schedule's visits are generated (public holidays skipped).
#[utoipa::path(post, path = "/api/v1/court-orders", tag = "court orders", security(("session" = []), ("bearer" = [])),
    request_body = CourtOrderIn,
    responses((status = 201, body = CourtOrderOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn register_court_order(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<CourtOrderIn>,
) -> Result<(StatusCode, Json<CourtOrderOut>), ApiError> {
    let gap = number_text(body.schedule.gap_minutes);
    let input = CourtOrderInput {
        court: text(body.court),
        decision_number: text(body.decision_number),
        decision_date: text(body.decision_date),
        kind: text(body.kind),
        supervised: body.supervised,
        conditions: body.conditions,
        office_id: body.office_id,
        custodial_person_id: text(body.custodial_person_id),
        visiting_person_id: text(body.visiting_person_id),
        child_person_ids: body.child_person_ids,
        schedule: ScheduleInput {
            rule: text(body.schedule.rule),
            starts_on: text(body.schedule.starts_on),
            ends_on: body.schedule.ends_on,
            start_time: text(body.schedule.start_time),
            end_time: text(body.schedule.end_time),
            gap_minutes: gap,
            exceptions: body.schedule.exceptions,
        },
    };
    let view = state.app.register_court_order(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(order_out(&view))))
}

/// A court order with its visits.
#[utoipa::path(get, path = "/api/v1/court-orders/{id}", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "court order id")),
    responses((status = 200, body = CourtOrderOut), (status = 404, body = ErrorBody)))]
pub async fn court_order(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<CourtOrderOut>, ApiError> {
    let id = path_id(&id, CourtOrderId::parse)?;
    Ok(Json(order_out(&state.app.court_order(&actor, id).await?)))
}

/// The scheduled visits of a court order.
#[utoipa::path(get, path = "/api/v1/court-orders/{id}/visits", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "court order id")),
    responses((status = 200, body = Vec<VisitOut>), (status = 404, body = ErrorBody)))]
pub async fn visits(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<VisitOut>>, ApiError> {
    let id = path_id(&id, CourtOrderId::parse)?;
    Ok(Json(order_out(&state.app.court_order(&actor, id).await?).visits))
}

/// One visit with what was recorded at it.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "visit id")),
    responses((status = 200, body = VisitOut), (status = 404, body = ErrorBody)))]
pub async fn visit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<VisitOut>, ApiError> {
    let id = path_id(&id, VisitId::parse)?;
    let (visit, events) = state.app.visit_events(&actor, id).await?;
    Ok(Json(VisitOut::new(&visit, Some(&events))))
}

/// What happened at a visit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitEventIn {
    /// `arrived`, `handover`, `returned`, `no_show`, `incident`, `note`.
    pub kind: Option<String>,
    /// `custodial` or `visiting` (arrivals and no-shows).
    pub party: Option<String>,
    /// What happened (no-shows, incidents, notes).
    pub note: Option<String>,
    /// The one-time check-in code a parent shows on arrival (with `arrived`): it names
    /// the party.
    pub code: Option<String>,
    /// A correction: the id of the event it supersedes (which stays on the record).
    pub corrects: Option<String>,
    /// A correction's reason (at least three words).
    pub reason: Option<String>,
    /// A correction's time, `HH:MM` local on the visit's date (the corrected event's time
    /// when absent).
    pub time: Option<String>,
}

/// Records what happened at a visit.
#[utoipa::path(post, path = "/api/v1/visits/{id}/events", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "visit id")), request_body = VisitEventIn,
    responses((status = 201, body = VisitOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_visit_event(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<VisitEventIn>,
) -> Result<(StatusCode, Json<VisitOut>), ApiError> {
    let id = path_id(&id, VisitId::parse)?;
    let input = VisitEventInput {
        kind: text(body.kind),
        party: body.party,
        note: body.note,
        code: body.code,
        corrects: body.corrects,
        reason: body.reason,
        time: body.time,
    };
    let (visit, event) = state.app.record_visit_event(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(VisitOut::new(&visit, Some(std::slice::from_ref(&event))))))
}

/// The report's period.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// First day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// `json` for the verifiable JSON (as `Accept: application/json`), `pdf` otherwise.
    pub format: Option<String>,
}

/// The court report of an order for a period, in Arabic: a PDF, or its verifiable JSON
/// with `Accept: application/json` or `format=json` (`sila audit verify-report` checks
/// the JSON offline).
#[utoipa::path(get, path = "/api/v1/court-orders/{id}/report", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "court order id"), ReportQuery),
    responses((status = 200, description = "application/pdf, or the JSON report"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<ReportQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, CourtOrderId::parse)?;
    let report = state.app.court_report(&actor, id, &text(query.from), &text(query.to)).await?;
    let json = query.format.as_deref() == Some("json")
        || headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"));
    let name = format!("court-report-{}-{}", report.content.case_reference, report.content.to);
    if json {
        let disposition = format!("attachment; filename=\"{name}.json\"");
        return Ok((
            [(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, disposition)],
            report.to_bytes(),
        )
            .into_response());
    }
    let pdf = tokio::task::spawn_blocking(move || {
        sila_reports::pdf::court_report_pdf(&report, &|date| {
            date.parse().map(sila_reports::dates::hijri_ar).unwrap_or_default()
        })
    })
    .await
    .map_err(|error| ApiError::from(sila_app::AppError::Internal(error.to_string())))?
    .map_err(|error| ApiError::from(sila_app::AppError::Internal(error.to_string())))?;
    let disposition = format!("attachment; filename=\"{name}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], pdf)
        .into_response())
}

/// Who was sent a check-in code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodesOut {
    /// Parties sent a code (`custodial`, `visiting`).
    pub sent: Vec<String>,
    /// Parties not sent one: their safe-contact rules forbid messages, or they have no
    /// phone; the desk checks them in by sight.
    pub not_sent: Vec<String>,
}

/// Sends each parent a one-time check-in code for the visit by text message (the number
/// their safe-contact rules allow); the code, shown at the desk, records the arrival.
#[utoipa::path(post, path = "/api/v1/visits/{id}/codes", tag = "court orders", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "visit id")),
    responses((status = 200, body = CodesOut), (status = 404, body = ErrorBody)))]
pub async fn send_codes(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
) -> Result<Json<CodesOut>, ApiError> {
    let id = path_id(&id, VisitId::parse)?;
    let answer = state.app.send_check_in_codes(&actor, id, &context).await?;
    let of = |sent: bool| {
        answer.iter().filter(|(_, went)| *went == sent).map(|(party, _)| party.code().to_string()).collect()
    };
    Ok(Json(CodesOut { sent: of(true), not_sent: of(false) }))
}
