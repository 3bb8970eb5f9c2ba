//! Referrals: the desk's incoming queue, ordered by the nearest deadline and coloured
//! when one is near or past; the referrer's outgoing list; and the referral page, where
//! the desk receives, accepts, rejects (with a reason) or redirects, the centre marks
//! first contact and completion, and the officer follows the status — and nothing more.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use jiff::{SignedDuration, Timestamp};
use sila_app::referrals::{ReferralView, TransitionInput};
use sila_app::{AppError, ReferralBox, RequestContext};
use sila_domain::agency::Office;
use sila_domain::ids::ReferralId;
use sila_domain::referral::{Outcome, ReferralStatus, Side, Step};

use super::cases::{directory, status_class};
use super::dates::Shown;
use super::forms::{Field, Form, FormData, same};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/referrals/incoming", get(incoming))
        .route("/referrals/outgoing", get(outgoing))
        .route("/referrals/{id}", get(referral_page))
        .route("/referrals/{id}/transitions", post(transition))
}

/// The agencies and offices, for their names.
pub type Directory = (Vec<sila_domain::agency::Agency>, Vec<Office>);

/// A deadline is "due soon" within this time.
const DUE_SOON: SignedDuration = SignedDuration::from_hours(4);

/// One referral in a list or on a case page.
pub struct ReferralRow {
    /// Link.
    pub href: String,
    /// Status, translated.
    pub status: String,
    /// Status class for colour.
    pub status_class: &'static str,
    /// Priority, translated.
    pub priority: String,
    /// The other office.
    pub office: String,
    /// Sent at.
    pub sent: Shown,
    /// The next deadline not yet met: what, when.
    pub next_due: Option<(String, Shown)>,
    /// `overdue`, `due-soon` or empty.
    pub urgency: &'static str,
    /// The urgency, in words (colour is never the only sign).
    pub urgency_text: String,
    /// The outcome, translated.
    pub outcome: String,
    due_at: Option<Timestamp>,
}

/// The row of a referral for the viewer's side.
pub fn referral_row(ui: &Ui<'_>, view: &ReferralView, directory: &Directory, now: Timestamp) -> ReferralRow {
    let referral = &view.referral;
    let other = if view.side == Side::Receiver { referral.from_office_id } else { referral.to_office_id };
    let office = office_name(ui, &directory.1, &directory.0, other);
    let pending = if referral.status.is_terminal() {
        None
    } else {
        Step::ALL
            .into_iter()
            .filter(|step| !referral.reached.contains_key(step))
            .find_map(|step| referral.due.get(&step).map(|due| (step, *due)))
    };
    let (urgency, urgency_text) = match pending {
        Some((_, due)) if due <= now => ("overdue", ui.t("due-overdue")),
        Some((_, due)) if due.duration_since(now) <= DUE_SOON => ("due-soon", ui.t("due-soon")),
        _ => ("", String::new()),
    };
    ReferralRow {
        href: format!("/referrals/{}", referral.id),
        status: ui.t(&format!("referral-status-{}", referral.status.code())),
        status_class: status_class(referral.status.code()),
        priority: ui.t(&format!("priority-{}", referral.priority.code())),
        office,
        sent: ui.instant(referral.created_at),
        next_due: pending.map(|(step, due)| (ui.t(&format!("step-{}", step.code())), ui.instant(due))),
        urgency,
        urgency_text,
        outcome: referral.outcome.map(|outcome| ui.t(&format!("outcome-{}", outcome.code()))).unwrap_or_default(),
        due_at: pending.map(|(_, due)| due),
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ListPage<'a> {
    ui: Ui<'a>,
    incoming: bool,
    rows: Vec<ReferralRow>,
    older: Option<String>,
}

#[derive(serde::Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn list(state: AppState, viewer: Viewer, referral_box: ReferralBox, query: ListQuery) -> PageResult {
    let fail = fail(&state, &viewer);
    let cursor = super::cases::page_cursor(&state, &viewer, query.cursor.as_deref())?;
    let page = state
        .app
        .list_referrals(&viewer.actor, referral_box, None, cursor, Some(super::cases::PAGE_SIZE))
        .await
        .map_err(&fail)?;
    let names = directory(&state, &viewer).await.map_err(&fail)?;
    let incoming = referral_box == ReferralBox::Incoming;
    let (here, title) =
        if incoming { ("/referrals/incoming", "incoming-title") } else { ("/referrals/outgoing", "outgoing-title") };
    let ui = Ui::new(&state, &viewer, here, title);
    let now = state.app.now();
    let mut rows: Vec<ReferralRow> = page.items.iter().map(|view| referral_row(&ui, view, &names, now)).collect();
    if incoming {
        // The desk works the nearest deadline first; closed ones go last.
        rows.sort_by_key(|row| (row.due_at.is_none(), row.due_at));
    }
    let older = crate::extract::encode_cursor(page.next_cursor).map(|cursor| format!("{here}?cursor={cursor}"));
    Ok(render(&ListPage { ui, incoming, rows, older }))
}

async fn incoming(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    list(state, viewer, ReferralBox::Incoming, query).await
}

async fn outgoing(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    list(state, viewer, ReferralBox::Outgoing, query).await
}

/// A shared person, as the receiving desk sees them.
pub struct SharedPerson {
    role: String,
    name_ar: String,
    name_latin: String,
    qid: String,
    birth: Option<Shown>,
    phones: Vec<String>,
}

/// A step of the lifecycle with its deadline.
pub struct StepRow {
    name: String,
    due: Option<Shown>,
    reached: Option<Shown>,
    late: bool,
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage<'a> {
    ui: Ui<'a>,
    row: ReferralRow,
    receiver: bool,
    from: String,
    to: String,
    reason: String,
    status_reason: String,
    classes: Vec<String>,
    steps: Vec<StepRow>,
    category: String,
    persons: Vec<SharedPerson>,
    risk: Option<(String, u32)>,
    narrative: String,
    centre_case: Option<String>,
    case: Option<String>,
    forms: Vec<Form>,
}

fn office_name(
    ui: &Ui<'_>,
    offices: &[Office],
    agencies: &[sila_domain::agency::Agency],
    id: sila_domain::ids::OfficeId,
) -> String {
    offices
        .iter()
        .find(|office| office.id == id)
        .map(|office| {
            let agency = agencies.iter().find(|agency| agency.id == office.agency_id);
            let agency = agency.map(|agency| ui.pick(&agency.name_ar, &agency.name_en)).unwrap_or_default();
            format!("{agency} — {}", ui.pick(&office.name_ar, &office.name_en))
        })
        .unwrap_or_default()
}

/// The steps the viewer may take from here, as forms.
fn action_forms(
    ui: &Ui<'_>,
    view: &ReferralView,
    offices: &[Office],
    agencies: &[sila_domain::agency::Agency],
    data: Option<(&str, &FormData)>,
) -> Vec<Form> {
    let referral = &view.referral;
    let id = referral.id.to_string();
    let action = format!("/referrals/{id}/transitions");
    let version = referral.version.to_string();
    let data_for = |to: &str| match data {
        Some((tried, data)) if tried == to => data.clone(),
        _ => FormData::default(),
    };
    let simple = |to: &str, key: &str| {
        Form::post(&format!("to-{to}"), &action, ui.t(key)).hidden("to", to).hidden("version", &version)
    };
    let reason = |to: &str, key: &str| {
        let data = data_for(to);
        simple(to, key)
            .legend(ui.t(&format!("{key}-title")))
            .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
            .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm")))
            .danger()
    };
    let mut forms = Vec::new();
    match (view.side, referral.status) {
        (Side::Receiver, ReferralStatus::Requested | ReferralStatus::Received) => {
            if referral.status == ReferralStatus::Requested {
                forms.push(simple("received", "transition-received"));
            }
            forms.push(simple("accepted", "transition-accepted"));
            forms.push(reason("rejected", "transition-rejected"));
            let data = data_for("redirected");
            let desks: Vec<(String, String)> = std::iter::once((String::new(), ui.t("choice-choose")))
                .chain(
                    offices
                        .iter()
                        .filter(|office| {
                            office.is_desk
                                && office.id != referral.to_office_id
                                && office.agency_id != referral.from_agency_id
                        })
                        .map(|office| (office.id.to_string(), office_name(ui, offices, agencies, office.id))),
                )
                .collect();
            forms.push(
                simple("redirected", "transition-redirected")
                    .legend(ui.t("transition-redirected-title"))
                    .field(
                        Field::select("to_office_id", ui.t("field-to_office_id"), desks, &data.text("to_office_id"))
                            .required(),
                    )
                    .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
                    .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm"))),
            );
        }
        (Side::Receiver, ReferralStatus::Accepted | ReferralStatus::OnHold) => {
            forms.push(simple("in-progress", "transition-in-progress"));
        }
        (Side::Receiver, ReferralStatus::InProgress) => {
            let data = data_for("completed");
            let outcomes = Outcome::ALL
                .map(|outcome| (outcome.code().to_string(), ui.t(&format!("outcome-{}", outcome.code()))))
                .to_vec();
            forms.push(
                simple("completed", "transition-completed")
                    .legend(ui.t("transition-completed-title"))
                    .field(Field::radios("outcome", ui.t("field-outcome"), outcomes, &data.text("outcome")).required())
                    .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm"))),
            );
        }
        (Side::Referrer, ReferralStatus::Requested | ReferralStatus::Received) => {
            forms.push(reason("cancelled", "transition-cancelled"));
        }
        _ => {}
    }
    forms
}

async fn referral_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let fail = fail(&state, &viewer);
    let id = ReferralId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    let view = state.app.referral(&viewer.actor, id).await.map_err(&fail)?;
    let page = build(&state, &viewer, &view, None).await?;
    Ok(render(&page))
}

async fn build<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    view: &ReferralView,
    tried: Option<(&str, &FormData, AppError)>,
) -> Result<ReferralPage<'a>, Response> {
    let fail = fail(state, viewer);
    let names = directory(state, viewer).await.map_err(&fail)?;
    let (agencies, offices) = (&names.0, &names.1);
    let taxonomy = state.app.taxonomy().await.map_err(&fail)?;
    let here = if view.side == Side::Receiver { "/referrals/incoming" } else { "/referrals/outgoing" };
    let ui = Ui::new(state, viewer, here, "referral-title");
    let referral = &view.referral;
    let now = state.app.now();
    let mut forms = action_forms(&ui, view, offices, agencies, tried.as_ref().map(|(to, data, _)| (*to, *data)));
    if let Some((to, _, error)) = tried
        && let Some(form) = forms.iter_mut().find(|form| form.id == format!("to-{to}"))
    {
        *form = form.clone().with_error(&ui, error, &same);
    }
    let packet = referral.packet.as_ref().filter(|_| view.side == Side::Receiver);
    let steps = Step::ALL
        .into_iter()
        .filter(|step| referral.due.contains_key(step) || referral.reached.contains_key(step))
        .map(|step| {
            let due = referral.due.get(&step).copied();
            let reached = referral.reached.get(&step).copied();
            StepRow {
                name: ui.t(&format!("step-{}", step.code())),
                due: due.map(|at| ui.instant(at)),
                reached: reached.map(|at| ui.instant(at)),
                late: match (due, reached) {
                    (Some(due), Some(reached)) => reached > due,
                    (Some(due), None) => due <= now && !referral.status.is_terminal(),
                    _ => false,
                },
            }
        })
        .collect();
    Ok(ReferralPage {
        row: referral_row(&ui, view, &names, now),
        receiver: view.side == Side::Receiver,
        from: office_name(&ui, offices, agencies, referral.from_office_id),
        to: office_name(&ui, offices, agencies, referral.to_office_id),
        reason: referral.reason.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
        status_reason: referral.status_reason.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
        classes: referral.data_classes.iter().map(|class| ui.t(&format!("class-{}", class.code()))).collect(),
        steps,
        category: packet
            .map(|packet| {
                taxonomy
                    .get(&packet.category)
                    .map(|category| ui.pick(&category.name_ar, &category.name_en).to_string())
                    .unwrap_or_else(|| packet.category.clone())
            })
            .unwrap_or_default(),
        persons: packet
            .map(|packet| {
                packet
                    .persons
                    .iter()
                    .map(|person| SharedPerson {
                        role: ui.t(&format!("role-{}", person.role.code())),
                        name_ar: person.name_ar.clone().unwrap_or_default(),
                        name_latin: person.name_latin.clone().unwrap_or_default(),
                        qid: person.qid.clone().unwrap_or_default(),
                        birth: person
                            .birth_date
                            .as_deref()
                            .and_then(|text| text.parse().ok())
                            .map(|date| ui.date(date)),
                        phones: person.phones.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        risk: packet
            .and_then(|packet| packet.risk.as_ref())
            .map(|risk| (ui.t(&format!("risk-level-{}", risk.level.code())), risk.score)),
        narrative: packet.and_then(|packet| packet.narrative.clone()).unwrap_or_default(),
        centre_case: referral.centre_case_id.map(|id| format!("/cases/{id}")),
        case: (view.side == Side::Referrer).then(|| format!("/cases/{}", referral.case_id)),
        forms,
        ui,
    })
}

async fn transition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let fail = fail(&state, &viewer);
    let id = ReferralId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    let to = data.text("to");
    let needs_confirmation = matches!(to.as_str(), "rejected" | "redirected" | "completed" | "cancelled");
    let result = if needs_confirmation && !data.ticked("confirm") {
        Err(AppError::invalid("confirm", sila_domain::Problem::Required))
    } else {
        let input = TransitionInput {
            to: to.clone(),
            reason: data.filled("reason"),
            outcome: data.filled("outcome"),
            authority_agency_id: None,
            to_office_id: data.filled("to_office_id"),
            version: data.get("version").and_then(|version| version.parse().ok()),
        };
        state.app.transition_referral(&viewer.actor, id, &input, &RequestContext::default()).await
    };
    match result {
        Ok(result) => {
            // Accepting opens the centre case: the desk goes there to assign it.
            match (to.as_str(), result.referral.referral.centre_case_id) {
                ("accepted", Some(case)) => Ok(see_other(&format!("/cases/{case}"))),
                _ => Ok(see_other(&format!("/referrals/{id}"))),
            }
        }
        Err(error) => {
            let status = super::status_of(&error);
            let view = state.app.referral(&viewer.actor, id).await.map_err(&fail)?;
            let page = build(&state, &viewer, &view, Some((to.as_str(), &data, error))).await?;
            Ok(render_with(if status == StatusCode::OK { StatusCode::BAD_REQUEST } else { status }, &page))
        }
    }
}
