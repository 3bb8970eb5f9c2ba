//! The auditor's pages: the audit log filtered by record ("who looked at this woman's
//! file, and when?"), by user and by time; the latest signed tree head with its
//! signature checked; and, on request, a full verification of the log.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use sila_app::AuditQuery;

use super::dates::Shown;
use super::forms::{Field, Form, same};
use super::{PageResult, Ui, Viewer, fail, render, render_with};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(log_page)).route("/audit/verify", post(verify))
}

/// Entries on one page: a busy file has thousands, and the window narrows them.
const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
struct Filter {
    subject: Option<String>,
    actor: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// One entry as the page lists it.
pub struct EntryRow {
    index: i64,
    at: Shown,
    who: String,
    action: String,
    subjects: Vec<String>,
    outcome: String,
    denied: bool,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct LogPage<'a> {
    ui: Ui<'a>,
    form: Form,
    searched: bool,
    entries: Vec<EntryRow>,
    more: Option<String>,
    head: Option<(u64, String, Shown, bool, String)>,
    verification: Option<(bool, String)>,
    verify: Form,
}

fn filter_form(ui: &Ui<'_>, filter: &Filter) -> Form {
    Form::get("audit-filter", "/audit", ui.t("audit-search"))
        .field(
            Field::code("subject", ui.t("field-subject"), filter.subject.clone().unwrap_or_default())
                .hint(ui.t("audit-subject-hint")),
        )
        .field(Field::code("actor", ui.t("field-actor"), filter.actor.clone().unwrap_or_default()))
        .field(Field::date("from", ui.t("field-from"), filter.from.clone().unwrap_or_default(), ui.t("hint-date")))
        .field(Field::date("to", ui.t("field-to-date"), filter.to.clone().unwrap_or_default(), ui.t("hint-date")))
}

async fn build<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    filter: &Filter,
    verification: Option<(bool, String)>,
) -> Result<(LogPage<'a>, StatusCode), Response> {
    let fail = fail(state, viewer);
    let ui = Ui::new(state, viewer, "/audit", "audit-title");
    let mut form = filter_form(&ui, filter);
    let searched = [&filter.subject, &filter.actor, &filter.from, &filter.to]
        .iter()
        .any(|value| value.as_deref().is_some_and(|text| !text.trim().is_empty()));
    let mut status = StatusCode::OK;
    let mut entries = Vec::new();
    if searched {
        let query = AuditQuery {
            subject: filter.subject.as_deref(),
            actor: filter.actor.as_deref(),
            from: filter.from.as_deref(),
            to: filter.to.as_deref(),
            limit: Some(PAGE_SIZE),
        };
        match state.app.audit_entries(&viewer.actor, &query).await {
            Ok(found) => {
                let agencies = state.app.agencies(&viewer.actor).await.unwrap_or_default();
                entries = found
                    .iter()
                    .map(|entry| {
                        let record = &entry.record;
                        let agency = entry
                            .actor_agency
                            .and_then(|id| agencies.iter().find(|agency| agency.id == id))
                            .map(|agency| agency.code.clone())
                            .unwrap_or_default();
                        let who = match (record.actor, &entry.actor_name) {
                            (None, _) => ui.t("audit-system"),
                            (Some(_), Some(name)) => format!("{name} ({agency})"),
                            (Some(id), None) => id.to_string(),
                        };
                        let outcome = record.outcome.encoded();
                        EntryRow {
                            index: entry.index,
                            at: ui.instant(record.at),
                            who,
                            action: ui
                                .t_or(&format!("audit-action-{}", record.action.replace('.', "-")), &record.action),
                            subjects: record
                                .subjects
                                .iter()
                                .map(|subject| {
                                    format!("{} {}", ui.t(&format!("subject-{}", subject.kind.code())), subject.id)
                                })
                                .collect(),
                            denied: outcome != "ok",
                            outcome: match outcome.strip_prefix("failed:") {
                                Some(code) => ui.t1("audit-outcome-failed", "code", code),
                                None => ui.t(&format!("audit-outcome-{outcome}")),
                            },
                        }
                    })
                    .collect();
            }
            Err(error) => {
                status = super::status_of(&error);
                if status == StatusCode::BAD_REQUEST {
                    form = form.with_error(&ui, error, &same);
                } else {
                    return Err(fail(error));
                }
            }
        }
    }
    let head = state.app.tree_head(&viewer.actor).await.map_err(&fail)?;
    let (public_key, key_id) = state.app.audit_public_key();
    let signature_ok = head.verify(&public_key);
    let root: String = head.root.iter().map(|byte| format!("{byte:02x}")).collect();
    let head = Some((head.tree_size, root, ui.instant(head.signed_at), signature_ok, key_id));
    let verify = Form::post("verify", "/audit/verify", ui.t("audit-verify-submit")).legend(ui.t("audit-verify-title"));
    let more = (entries.len() as i64 >= PAGE_SIZE).then(|| ui.t1("audit-first", "count", &PAGE_SIZE.to_string()));
    Ok((LogPage { ui, form, searched, entries, more, head, verification, verify }, status))
}

async fn log_page(State(state): State<AppState>, viewer: Viewer, Query(filter): Query<Filter>) -> PageResult {
    let (page, status) = build(&state, &viewer, &filter, None).await?;
    Ok(render_with(status, &page))
}

/// Recomputes the whole log: every entry's MAC and hash, every signed head.
async fn verify(State(state): State<AppState>, viewer: Viewer, _data: axum::Form<Vec<(String, String)>>) -> PageResult {
    let fail = fail(&state, &viewer);
    // Only those who may read the tree head (auditors) may ask for the verification.
    state.app.tree_head(&viewer.actor).await.map_err(&fail)?;
    let report = state.app.verify_audit_log().await.map_err(&fail)?;
    let ui = Ui::new(&state, &viewer, "/audit", "audit-title");
    let verification = match &report.first_problem {
        None => (true, ui.t1("audit-verified", "size", &report.tree_size.to_string())),
        Some(problem) => (false, ui.t1("audit-altered", "problem", &format!("{problem:?}"))),
    };
    drop(ui);
    let (page, _) = build(&state, &viewer, &Filter::default(), Some(verification)).await?;
    Ok(render(&page))
}
