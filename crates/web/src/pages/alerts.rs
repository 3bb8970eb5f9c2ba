//! The user's inbox of alerts, newest first, each linking to what it is about.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::dates::Shown;
use super::{PageResult, Ui, Viewer, fail, render};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/alerts", get(alerts_page))
}

/// One alert as the inbox shows it.
pub struct AlertRow {
    what: String,
    at: Shown,
    href: Option<String>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage<'a> {
    ui: Ui<'a>,
    rows: Vec<AlertRow>,
}

async fn alerts_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let alerts = state.app.alerts(&viewer.actor).await.map_err(fail(&state, &viewer))?;
    let ui = Ui::new(&state, &viewer, "/alerts", "alerts-title");
    let rows = alerts
        .iter()
        .map(|alert| AlertRow {
            what: ui.t_or(&format!("alert-{}", alert.kind.replace('.', "-")), &alert.kind),
            at: ui.instant(alert.created_at),
            href: match (alert.subject_kind.as_deref(), alert.subject_id.as_deref()) {
                (Some("case"), Some(id)) => Some(format!("/cases/{id}")),
                (Some("referral"), Some(id)) => Some(format!("/referrals/{id}")),
                (Some("approval"), Some(_)) if viewer.actor.user.has_role(sila_domain::agency::Role::CentreManager) => {
                    Some("/approvals".to_string())
                }
                (Some("court_order"), Some(id)) => Some(format!("/court-orders/{id}")),
                _ => None,
            },
            unread: alert.read_at.is_none(),
        })
        .collect();
    Ok(render(&AlertsPage { ui, rows }))
}
