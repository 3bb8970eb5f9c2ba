//! The audit log for auditors: who did what to which record, when, and how it ended.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::cases::parse_limit;
use crate::api::types::ErrorBody;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::session::CurrentActor;

/// An audit query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Any record id: entries about that record.
    pub subject: Option<String>,
    /// A user id: entries by that user.
    pub actor: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    /// Position in the log.
    pub index: i64,
    /// When.
    pub at: String,
    /// Who (absent for the system).
    pub actor_id: Option<String>,
    /// What (`case.read`, `referral.transition`, …).
    pub action: String,
    /// How it ended: `ok`, `denied`, `failed:<code>`.
    pub outcome: String,
    /// The records concerned, as `kind:id`.
    pub subjects: Vec<String>,
    /// Qualifying codes.
    pub details: std::collections::BTreeMap<String, String>,
}

/// Audit entries about a record or by a user, oldest first (auditors only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("session" = []), ("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = [AuditEntryOut]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Vec<AuditEntryOut>>, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let entries = state.app.audit_entries(&actor, query.subject.as_deref(), query.actor.as_deref(), limit).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|entry| AuditEntryOut {
                index: entry.index,
                at: entry.record.at.to_string(),
                actor_id: entry.record.actor.map(|id| id.to_string()),
                action: entry.record.action.clone(),
                outcome: entry.record.outcome.encoded(),
                subjects: entry
                    .record
                    .subjects
                    .iter()
                    .map(|subject| format!("{}:{}", subject.kind.code(), subject.id.hyphenated()))
                    .collect(),
                details: entry.record.details.clone(),
            })
            .collect(),
    ))
}
