//! Consultations, awareness activities and their counts over HTTP.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sila_app::engagement::{ActivityInput, ConsultationInput};
use sila_domain::engagement::{Activity, Consultation};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::types::ErrorBody;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, number_text, text};
use crate::session::{Context, CurrentActor};

/// A consultation to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsultationIn {
    /// `legal`, `social`, `psychological`.
    pub kind: Option<String>,
    /// `walk_in` or `phone`.
    pub channel: Option<String>,
    /// The person; absent for an anonymous consultation.
    pub person_id: Option<String>,
    /// `female` or `male`, when known.
    pub sex: Option<String>,
    /// `under_18`, `18_29`, `30_59`, `60_plus`, when known.
    pub age_group: Option<String>,
    /// What was asked and advised.
    pub summary: Option<String>,
    /// The day (default today).
    pub held_on: Option<String>,
}

/// A consultation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationOut {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Channel.
    pub channel: String,
    /// Whether no person is named.
    pub anonymous: bool,
    /// The person.
    pub person_id: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Age group.
    pub age_group: Option<String>,
    /// What was asked and advised (absent once shredded).
    pub summary: Option<String>,
    /// Who gave it.
    pub recorded_by: String,
    /// The day.
    pub held_on: String,
}

impl From<&Consultation> for ConsultationOut {
    fn from(item: &Consultation) -> ConsultationOut {
        ConsultationOut {
            id: item.id.to_string(),
            kind: item.kind.code().into(),
            channel: item.channel.code().into(),
            anonymous: item.person_id.is_none(),
            person_id: item.person_id.map(|id| id.to_string()),
            sex: item.sex.map(|sex| sex.code().to_string()),
            age_group: item.age_group.map(|age| age.code().to_string()),
            summary: item.summary.as_ref().map(|text| text.as_str().to_string()),
            recorded_by: item.recorded_by.to_string(),
            held_on: item.held_on.to_string(),
        }
    }
}

/// A period.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`).
    pub to: Option<String>,
}

/// Records a consultation (anonymous unless a person is named).
#[utoipa::path(post, path = "/api/v1/consultations", tag = "engagement", security(("session" = []), ("bearer" = [])),
    request_body = ConsultationIn,
    responses((status = 201, body = ConsultationOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_consultation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<ConsultationIn>,
) -> Result<(StatusCode, Json<ConsultationOut>), ApiError> {
    let input = ConsultationInput {
        kind: text(body.kind),
        channel: text(body.channel),
        person_id: body.person_id,
        sex: body.sex,
        age_group: body.age_group,
        summary: text(body.summary),
        held_on: body.held_on,
    };
    let consultation = state.app.record_consultation(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ConsultationOut::from(&consultation))))
}

/// The consultations of a period the caller may read: their own; all, for a manager.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "engagement", security(("session" = []), ("bearer" = [])),
    params(PeriodQuery),
    responses((status = 200, body = Vec<ConsultationOut>), (status = 400, body = ErrorBody)))]
pub async fn consultations(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<PeriodQuery>,
) -> Result<Json<Vec<ConsultationOut>>, ApiError> {
    let items = state.app.consultations(&actor, &text(query.from), &text(query.to)).await?;
    Ok(Json(items.iter().map(ConsultationOut::from).collect()))
}

/// One cell of attendance.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AttendanceRow {
    /// `female` or `male`.
    pub sex: Option<String>,
    /// `under_18`, `18_29`, `30_59`, `60_plus`.
    pub age_group: Option<String>,
    /// How many.
    pub attendees: Option<serde_json::Value>,
}

/// An activity to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityIn {
    /// `lecture`, `workshop`, `campaign`.
    pub kind: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Who it was for.
    pub audience: Option<String>,
    /// Where.
    pub place: Option<String>,
    /// Partner organisation.
    pub partner: Option<String>,
    /// The day.
    pub held_on: Option<String>,
    /// Attendance by sex and age group.
    #[serde(default)]
    pub attendance: Vec<AttendanceRow>,
}

/// An activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Audience.
    pub audience: String,
    /// Place.
    pub place: String,
    /// Partner.
    pub partner: Option<String>,
    /// The day.
    pub held_on: String,
    /// Attendance.
    pub attendance: Vec<AttendanceRow>,
    /// Total attendees.
    pub total: u64,
}

impl From<&Activity> for ActivityOut {
    fn from(item: &Activity) -> ActivityOut {
        ActivityOut {
            id: item.id.to_string(),
            kind: item.kind.code().into(),
            title: item.title.as_str().into(),
            audience: item.audience.as_str().into(),
            place: item.place.as_str().into(),
            partner: item.partner.as_ref().map(|text| text.as_str().to_string()),
            held_on: item.held_on.to_string(),
            attendance: item
                .attendance
                .iter()
                .map(|(sex, age, number)| AttendanceRow {
                    sex: Some(sex.code().into()),
                    age_group: Some(age.code().into()),
                    attendees: Some(serde_json::Value::from(*number)),
                })
                .collect(),
            total: item.attendance.iter().map(|(_, _, number)| u64::from(*number)).sum(),
        }
    }
}

/// Records an awareness activity with its attendance.
#[utoipa::path(post, path = "/api/v1/activities", tag = "engagement", security(("session" = []), ("bearer" = [])),
    request_body = ActivityIn,
    responses((status = 201, body = ActivityOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_activity(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    JsonBody(body): JsonBody<ActivityIn>,
) -> Result<(StatusCode, Json<ActivityOut>), ApiError> {
    let input = ActivityInput {
        kind: text(body.kind),
        title: text(body.title),
        audience: text(body.audience),
        place: text(body.place),
        partner: body.partner,
        held_on: text(body.held_on),
        attendance: body
            .attendance
            .into_iter()
            .map(|row| (text(row.sex), text(row.age_group), number_text(row.attendees).unwrap_or_default()))
            .collect(),
    };
    let activity = state.app.record_activity(&actor, &input, &context).await?;
    Ok((StatusCode::CREATED, Json(ActivityOut::from(&activity))))
}

/// The agency's activities of a period.
#[utoipa::path(get, path = "/api/v1/activities", tag = "engagement", security(("session" = []), ("bearer" = [])),
    params(PeriodQuery),
    responses((status = 200, body = Vec<ActivityOut>), (status = 400, body = ErrorBody)))]
pub async fn activities(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<PeriodQuery>,
) -> Result<Json<Vec<ActivityOut>>, ApiError> {
    let items = state.app.activities(&actor, &text(query.from), &text(query.to)).await?;
    Ok(Json(items.iter().map(ActivityOut::from).collect()))
}

/// The period's counts, cells of 1–4 shown as `<5`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementOut {
    /// Consultations by kind.
    pub consultations_by_kind: BTreeMap<String, String>,
    /// Consultations by channel.
    pub consultations_by_channel: BTreeMap<String, String>,
    /// Anonymous consultations.
    pub anonymous_consultations: String,
    /// Activities by kind.
    pub activities_by_kind: BTreeMap<String, String>,
    /// Attendees by `sex/age_group`.
    pub attendees: BTreeMap<String, String>,
}

/// Consultations and activities counted for a period (managers, supervisors, analysts).
#[utoipa::path(get, path = "/api/v1/stats/engagement", tag = "engagement", security(("session" = []), ("bearer" = [])),
    params(PeriodQuery),
    responses((status = 200, body = EngagementOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn engagement_counts(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<PeriodQuery>,
) -> Result<Json<EngagementOut>, ApiError> {
    let counts = state.app.engagement_counts(&actor, &text(query.from), &text(query.to)).await?;
    Ok(Json(EngagementOut {
        consultations_by_kind: counts.consultations_by_kind,
        consultations_by_channel: counts.consultations_by_channel,
        anonymous_consultations: counts.anonymous_consultations,
        activities_by_kind: counts.activities_by_kind,
        attendees: counts.attendees,
    }))
}
