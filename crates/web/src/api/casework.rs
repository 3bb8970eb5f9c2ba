//! Centre case work over HTTP: assessments, sessions and calendars, plan, services,
//! follow-ups, attachments, closure and transfer requests and the manager's approvals.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use sila_app::casework::{FollowUpInput, PlanInput, ServiceInput, SessionInput};
use sila_app::transfers::{TransferAnswer, TransferInput};
use sila_domain::Problem;
use sila_domain::ids::{ApprovalId, AttachmentId, CaseId, FollowUpId, OfficeId, PlanItemId, SessionId};
use sila_domain::time::{WindowEnd, parse_window_end};
use utoipa::IntoParams;

use crate::AppState;
use crate::api::types::{
    ApprovalOut, AssessmentIn, AssessmentOut, AttachmentIn, AttachmentOut, AttendanceIn, CaseSessionIn, CaseSessionOut,
    CaseworkOut, CloseIn, DecisionIn, ErrorBody, FollowUpIn, FollowUpOut, FormIn, FormOut, PlanIn, PlanOut, ServiceIn,
    ServiceOut, StatusIn, TransferIn,
};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, number_text, path_id, text};
use crate::session::{Context, CurrentActor};

/// The assessment forms of the caller's agency (latest versions).
#[utoipa::path(get, path = "/api/v1/assessment-forms", tag = "casework", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<FormOut>)))]
pub async fn assessment_forms(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<FormOut>>, ApiError> {
    Ok(Json(state.app.assessment_forms(&actor).await?.iter().map(FormOut::from).collect()))
}

/// Adds a version of one of the agency's assessment forms (a centre's administrators).
#[utoipa::path(post, path = "/api/v1/assessment-forms", tag = "casework", security(("session" = []), ("bearer" = [])),
    request_body = FormIn,
    responses((status = 201, body = FormOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_assessment_form(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<FormIn>,
) -> Result<(StatusCode, Json<FormOut>), ApiError> {
    let input = sila_app::casework::FormInput {
        code: text(body.code),
        name_ar: text(body.name_ar),
        name_en: text(body.name_en),
        questions: body
            .questions
            .into_iter()
            .map(|question| sila_app::casework::QuestionInput {
                code: text(question.code),
                label_ar: text(question.label_ar),
                label_en: text(question.label_en),
                kind: text(question.kind),
                options: question.options,
                required: question.required,
            })
            .collect(),
    };
    let form = state.app.add_assessment_form(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(FormOut::from(&form))))
}

/// Everything of a case's work the caller may see.
#[utoipa::path(get, path = "/api/v1/cases/{id}/casework", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseworkOut), (status = 404, body = ErrorBody)))]
pub async fn casework(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<CaseworkOut>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    Ok(Json(CaseworkOut::from(&state.app.casework(&actor, id).await?)))
}

/// Records an assessment on one of the agency's forms.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = AssessmentIn,
    responses((status = 201, body = AssessmentOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_assessment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssessmentIn>,
) -> Result<(StatusCode, Json<AssessmentOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let form_id = text(body.form_id);
    let assessment = state.app.record_assessment(&actor, id, &form_id, &body.answers, &context).await?;
    Ok((StatusCode::CREATED, Json(AssessmentOut::new(&assessment, None))))
}

/// Books a session or appointment; the worker is never booked twice at once.
#[utoipa::path(post, path = "/api/v1/cases/{id}/sessions", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = CaseSessionIn,
    responses((status = 201, body = CaseSessionOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn book_session(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CaseSessionIn>,
) -> Result<(StatusCode, Json<CaseSessionOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let minutes = number_text(body.minutes);
    let input = SessionInput {
        kind: text(body.kind),
        starts_at: text(body.starts_at),
        minutes,
        worker_id: body.worker_id,
        office_id: body.office_id,
    };
    let session = state.app.book_session(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(CaseSessionOut::new(&session, true))))
}

/// Records whether she came to a session.
#[utoipa::path(post, path = "/api/v1/cases/{id}/sessions/{session_id}/attendance", tag = "casework",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id"), ("session_id" = String, Path, description = "session id")),
    request_body = AttendanceIn,
    responses((status = 200, body = CaseSessionOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_attendance(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path((id, session_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<AttendanceIn>,
) -> Result<Json<CaseSessionOut>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let session_id = path_id(&session_id, SessionId::parse)?;
    let session = state.app.record_attendance(&actor, id, session_id, &text(body.attendance), &context).await?;
    Ok(Json(CaseSessionOut::new(&session, true)))
}

/// A calendar query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CalendarQuery {
    /// An office the caller works at (a desk); absent: the caller's own calendar.
    pub office_id: Option<String>,
    /// From (date or instant).
    pub from: Option<String>,
    /// To (date or instant; a date includes its day).
    pub to: Option<String>,
}

/// Sessions in a calendar: the caller's own, or an office's. A session of a case the
/// caller may not read shows only as busy time.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(CalendarQuery),
    responses((status = 200, body = Vec<CaseSessionOut>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn calendar(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<CalendarQuery>,
) -> Result<Json<Vec<CaseSessionOut>>, ApiError> {
    let office = match query.office_id.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(OfficeId::parse(text).map_err(|problem| ApiError::field("office_id", problem))?),
        None => None,
    };
    let end = |field: &str, value: Option<&str>, which| {
        parse_window_end(value.unwrap_or(""), which).map_err(|problem| ApiError::field(field, problem))
    };
    let from = end("from", query.from.as_deref(), WindowEnd::Start)?;
    let to = end("to", query.to.as_deref(), WindowEnd::End)?;
    let items = state.app.calendar(&actor, office, from, to).await?;
    Ok(Json(items.iter().map(|(session, readable)| CaseSessionOut::new(session, *readable)).collect()))
}

/// Adds an item to the case plan.
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = PlanIn,
    responses((status = 201, body = PlanOut), (status = 400, body = ErrorBody)))]
pub async fn add_plan_item(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PlanIn>,
) -> Result<(StatusCode, Json<PlanOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = PlanInput {
        goal: text(body.goal),
        action: text(body.action),
        responsible_id: body.responsible_id,
        due_on: text(body.due_on),
    };
    let item = state.app.add_plan_item(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(PlanOut::from(&item))))
}

/// Moves a plan item to a status.
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans/{item_id}/status", tag = "casework",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id"), ("item_id" = String, Path, description = "plan item id")),
    request_body = StatusIn,
    responses((status = 204, description = "changed"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_plan_status(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path((id, item_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<StatusIn>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let item_id = path_id(&item_id, PlanItemId::parse)?;
    state.app.set_plan_status(&actor, id, item_id, &text(body.status), &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a service given.
#[utoipa::path(post, path = "/api/v1/cases/{id}/services", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = ServiceIn,
    responses((status = 201, body = ServiceOut), (status = 400, body = ErrorBody)))]
pub async fn record_service(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ServiceIn>,
) -> Result<(StatusCode, Json<ServiceOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = ServiceInput { kind: text(body.kind), given_on: body.given_on, description: text(body.description) };
    let service = state.app.record_service(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ServiceOut::from(&service))))
}

/// Adds a follow-up.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = FollowUpIn,
    responses((status = 201, body = FollowUpOut), (status = 400, body = ErrorBody)))]
pub async fn add_follow_up(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FollowUpIn>,
) -> Result<(StatusCode, Json<FollowUpOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = FollowUpInput { due_on: text(body.due_on), purpose: text(body.purpose), assigned_to: body.assigned_to };
    let item = state.app.add_follow_up(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(FollowUpOut::from(&item))))
}

/// Marks a follow-up done.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups/{follow_up_id}/done", tag = "casework",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id"), ("follow_up_id" = String, Path, description = "follow-up id")),
    responses((status = 204, description = "done"), (status = 404, body = ErrorBody)))]
pub async fn complete_follow_up(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path((id, follow_up_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let follow_up_id = path_id(&follow_up_id, FollowUpId::parse)?;
    state.app.complete_follow_up(&actor, id, follow_up_id, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches a file (PDF, PNG or JPEG, told by its content; at most the configured size).
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = AttachmentIn,
    responses((status = 201, body = AttachmentOut), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn add_attachment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AttachmentIn>,
) -> Result<(StatusCode, Json<AttachmentOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let encoded = text(body.content_base64);
    let content = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ApiError::field("content_base64", Problem::InvalidText))?;
    let attachment = state.app.add_attachment(&actor, id, &text(body.file_name), &content, &context).await?;
    Ok((StatusCode::CREATED, Json(AttachmentOut::from(&attachment))))
}

/// An attachment's content, as a download (never shown inline).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{attachment_id}", tag = "casework",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id"), ("attachment_id" = String, Path, description = "attachment id")),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let attachment_id = path_id(&attachment_id, AttachmentId::parse)?;
    let (attachment, content) = state.app.attachment(&actor, id, attachment_id).await?;
    let extension = match attachment.content_type {
        sila_domain::casework::ContentType::Pdf => "pdf",
        sila_domain::casework::ContentType::Png => "png",
        sila_domain::casework::ContentType::Jpeg => "jpg",
    };
    // The stored name may hold any script; the download is named by its id, ASCII only.
    let disposition = format!("attachment; filename=\"{attachment_id}.{extension}\"");
    Ok((
        [
            (header::CONTENT_TYPE, attachment.content_type.mime().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from(content),
    )
        .into_response())
}

/// Asks the manager to close a centre case with an outcome (a manager's own request is
/// approved at once and closes the case).
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")), request_body = CloseIn,
    responses((status = 201, body = ApprovalOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CloseIn>,
) -> Result<(StatusCode, Json<ApprovalOut>), ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = sila_app::approvals::ClosureInput {
        outcome: text(body.outcome),
        reason: text(body.reason),
        version: body.version,
    };
    let approval = state.app.request_closure(&actor, id, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ApprovalOut::from(&approval))))
}

/// Asks for a case to go to a competent authority: a police case after a police
/// supervisor of its office approves (centre before authorities applies), a centre case
/// after its manager approves; either carries exactly the data classes of the
/// authority's redaction profile (`data_classes` is not used). The answer is the request,
/// approved at once when the one who approves asked.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer", tag = "cases", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "case id")),
    request_body = TransferIn,
    responses((status = 200, body = ApprovalOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferIn>,
) -> Result<Json<ApprovalOut>, ApiError> {
    let id = path_id(&id, CaseId::parse)?;
    let input = TransferInput {
        authority_agency_id: body.authority_agency_id.unwrap_or_default(),
        authority_reference: body.authority_reference,
        data_classes: body.data_classes,
        version: body.version,
        reason: body.reason,
    };
    let TransferAnswer::Requested(approval) = state.app.transfer(&actor, id, &input, &context).await?;
    Ok(Json(ApprovalOut::from(&approval)))
}

/// The closures and transfers waiting for the caller's approval (centre managers).
#[utoipa::path(get, path = "/api/v1/approvals", tag = "casework", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ApprovalOut>)))]
pub async fn pending_approvals(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Vec<ApprovalOut>>, ApiError> {
    let items = state.app.pending_approvals(&actor).await?;
    Ok(Json(items.iter().map(|(approval, _)| ApprovalOut::from(approval)).collect()))
}

/// The manager's decision: `approve` closes or transfers the case; `refuse` (with a
/// note) sends the request back.
#[utoipa::path(post, path = "/api/v1/approvals/{id}", tag = "casework", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "approval id")), request_body = DecisionIn,
    responses((status = 200, body = ApprovalOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_approval(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DecisionIn>,
) -> Result<Json<ApprovalOut>, ApiError> {
    let id = path_id(&id, ApprovalId::parse)?;
    let approve = match body.decision.as_deref().map(str::trim) {
        Some("approve") => true,
        Some("refuse") => false,
        Some("") | None => return Err(ApiError::field("decision", Problem::Required)),
        Some(_) => return Err(ApiError::field("decision", Problem::UnknownValue)),
    };
    let approval = state.app.decide_approval(&actor, id, approve, body.note.as_deref(), &context).await?;
    Ok(Json(ApprovalOut::from(&approval)))
}
