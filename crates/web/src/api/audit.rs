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
    /// From this instant (`2026-11-29T08:00:00Z`) or the start of this local date.
    pub from: Option<String>,
    /// Until this instant, or the end of this local date.
    pub to: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    /// Position in the log (append order).
    pub index: i64,
    /// When.
    pub at: String,
    /// Who (absent for the system).
    pub actor_id: Option<String>,
    /// Their display name.
    pub actor_name: Option<String>,
    /// Their agency (id).
    pub actor_agency_id: Option<String>,
    /// What (`case.read`, `referral.transition`, …).
    pub action: String,
    /// How it ended: `ok`, `denied`, `failed:<code>`.
    pub outcome: String,
    /// The records concerned, as `kind:id`.
    pub subjects: Vec<String>,
    /// Qualifying codes.
    pub details: std::collections::BTreeMap<String, String>,
}

/// Audit entries about a record or by a user, within a time window, oldest first
/// (auditors only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("session" = []), ("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = [AuditEntryOut]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Vec<AuditEntryOut>>, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let filter = sila_app::AuditQuery {
        subject: query.subject.as_deref(),
        actor: query.actor.as_deref(),
        from: query.from.as_deref(),
        to: query.to.as_deref(),
        limit,
    };
    let entries = state.app.audit_entries(&actor, &filter).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|entry| AuditEntryOut {
                index: entry.index,
                at: entry.record.at.to_string(),
                actor_id: entry.record.actor.map(|id| id.to_string()),
                actor_name: entry.actor_name.clone(),
                actor_agency_id: entry.actor_agency.map(|id| id.to_string()),
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

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A signed tree head. Hashes and signatures are base64.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHeadOut {
    /// Entries in the tree.
    pub tree_size: u64,
    /// The Merkle root (RFC 6962).
    pub root: String,
    /// When it was signed.
    pub signed_at: String,
    /// Ed25519 signature over `"SILA-STH" 0x01 ‖ size (u64, big-endian) ‖ time (µs, i64) ‖ root`.
    pub signature: String,
    /// Id of the signing key.
    pub key_id: String,
    /// The public key that verifies it.
    pub public_key: String,
}

/// The latest signed tree head; signs a new one when the log has grown (auditors).
#[utoipa::path(get, path = "/api/v1/audit/tree-head", tag = "audit", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = TreeHeadOut), (status = 403, body = ErrorBody)))]
pub async fn tree_head(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<TreeHeadOut>, ApiError> {
    let head = state.app.tree_head(&actor).await?;
    let (public_key, _) = state.app.audit_public_key();
    Ok(Json(TreeHeadOut {
        tree_size: head.tree_size,
        root: b64(&head.root),
        signed_at: head.signed_at.to_string(),
        signature: b64(&head.signature),
        key_id: head.key_id,
        public_key: b64(&public_key),
    }))
}

/// The audit public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKeyOut {
    /// `Ed25519`.
    pub algorithm: String,
    /// Key id.
    pub key_id: String,
    /// The key, base64.
    pub public_key: String,
}

/// The public key that signs tree heads (anyone may fetch it to verify).
#[utoipa::path(get, path = "/api/v1/audit/public-key", tag = "audit", responses((status = 200, body = PublicKeyOut)))]
pub async fn public_key(State(state): State<AppState>) -> Json<PublicKeyOut> {
    let (key, id) = state.app.audit_public_key();
    Json(PublicKeyOut { algorithm: "Ed25519".into(), key_id: id, public_key: b64(&key) })
}

/// An inclusion proof query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct InclusionQuery {
    /// Leaf index (0-based).
    pub index: Option<String>,
    /// Tree size.
    pub tree_size: Option<String>,
}

/// An inclusion proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionOut {
    /// Leaf index.
    pub leaf_index: u64,
    /// Tree size.
    pub tree_size: u64,
    /// The leaf hash.
    pub leaf_hash: String,
    /// The audit path.
    pub proof: Vec<String>,
    /// The root of the tree of that size.
    pub root: String,
}

fn number(field: &str, value: Option<&str>) -> Result<u64, ApiError> {
    value.unwrap_or("").trim().parse().map_err(|_| {
        ApiError::field(
            field,
            if value.is_none() { sila_domain::Problem::Required } else { sila_domain::Problem::UnknownValue },
        )
    })
}

/// Proves that the entry at `index` is in the tree of `tree_size` (auditors).
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit", security(("session" = []), ("bearer" = [])),
    params(InclusionQuery),
    responses((status = 200, body = InclusionOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<InclusionQuery>,
) -> Result<Json<InclusionOut>, ApiError> {
    let index = number("index", query.index.as_deref())?;
    let tree_size = number("tree_size", query.tree_size.as_deref())?;
    let proof = state.app.inclusion_proof(&actor, index, tree_size).await?;
    Ok(Json(InclusionOut {
        leaf_index: proof.leaf_index,
        tree_size: proof.tree_size,
        leaf_hash: b64(&proof.leaf_hash),
        proof: proof.proof.iter().map(|hash| b64(hash)).collect(),
        root: b64(&proof.root),
    }))
}

/// A consistency proof query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ConsistencyQuery {
    /// The earlier tree size.
    pub first: Option<String>,
    /// The later tree size.
    pub second: Option<String>,
}

/// A consistency proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyOut {
    /// The earlier size.
    pub first: u64,
    /// The later size.
    pub second: u64,
    /// The proof.
    pub proof: Vec<String>,
    /// The earlier root.
    pub first_root: String,
    /// The later root.
    pub second_root: String,
}

/// Proves that the tree of `second` entries extends the tree of `first` (auditors).
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit", security(("session" = []), ("bearer" = [])),
    params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    QueryParams(query): QueryParams<ConsistencyQuery>,
) -> Result<Json<ConsistencyOut>, ApiError> {
    let first = number("first", query.first.as_deref())?;
    let second = number("second", query.second.as_deref())?;
    let proof = state.app.consistency_proof(&actor, first, second).await?;
    Ok(Json(ConsistencyOut {
        first: proof.first,
        second: proof.second,
        proof: proof.proof.iter().map(|hash| b64(hash)).collect(),
        first_root: b64(&proof.first_root),
        second_root: b64(&proof.second_root),
    }))
}
