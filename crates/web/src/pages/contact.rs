//! Safe-contact rules of a person, and the warm handoff of a referral: the officer books a
//! slot at the desk and records walking her over; the desk records her reception.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use sila_app::contact::{HandoffStep, HandoffView};
use sila_app::{AppError, RequestContext};
use sila_domain::contact::{ContactChannel, SafeContactInput};
use sila_domain::ids::{PersonId, ReferralId};
use sila_domain::referral::Side;

use super::case_actions::FormsPage;
use super::cases::FormPage;
use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render_with, see_other, status_of};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/safe-contact", get(safe_page).post(save_safe))
        .route("/referrals/{id}/handoff", get(handoff_page).post(book))
        .route("/referrals/{id}/handoff/{step}", post(step))
}

fn safe_form(ui: &Ui<'_>, person: &str, data: &FormData) -> Form {
    let channels = ContactChannel::ALL
        .iter()
        .map(|channel| (channel.code().to_string(), ui.t(&format!("safe-channel-{}", channel.code()))))
        .collect();
    Form::post("safe-contact", &format!("/persons/{person}/safe-contact"), ui.t("safe-submit"))
        .field(Field::radios("channel", ui.t("field-channel"), channels, &data.text("channel")).required())
        .field(Field::code("phone", ui.t("field-safe-phone"), data.text("phone")).hint(ui.t("hint-phone")))
        .field(Field::text("times", ui.t("field-times"), data.text("times")))
        .field(Field::checkbox("never_at_home", ui.t("safe-never-at-home"), data.ticked("never_at_home")))
        .field(Field::text("through", ui.t("field-through"), data.text("through")))
        .field(Field::text("code_word", ui.t("field-code_word"), data.text("code_word")))
}

async fn safe_answer(
    state: &AppState,
    viewer: &Viewer,
    id: PersonId,
    tried: Option<(&FormData, AppError)>,
) -> PageResult {
    let fail = fail(state, viewer);
    let person = state.app.person(&viewer.actor, id).await.map_err(&fail)?;
    if !person.contact {
        return Err(fail(AppError::Forbidden));
    }
    let ui = Ui::new(state, viewer, "/intake", "safe-title");
    let current = person.safe_contact.clone().unwrap_or_default();
    let saved = FormData(
        [
            ("channel", current.channel.map(|channel| channel.code().to_string())),
            ("phone", current.phone.clone()),
            ("times", current.times.as_ref().map(|text| text.as_str().to_string())),
            ("never_at_home", current.never_at_home.then(|| "yes".to_string())),
            ("through", current.through.as_ref().map(|text| text.as_str().to_string())),
            ("code_word", current.code_word.as_ref().map(|text| text.as_str().to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name.to_string(), value)))
        .collect(),
    );
    let mut form = safe_form(&ui, &id.to_string(), tried.as_ref().map(|(data, _)| *data).unwrap_or(&saved));
    let mut status = axum::http::StatusCode::OK;
    if let Some((_, error)) = tried {
        status = status_of(&error);
        form = form.with_error(&ui, error, &base_field);
    }
    let lead = ui.t("safe-lead");
    Ok(render_with(status, &FormPage { ui, lead, form, back: Some(format!("/persons/{id}")) }))
}

async fn safe_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = PersonId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    safe_answer(&state, &viewer, id, None).await
}

async fn save_safe(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let id = PersonId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    let input = SafeContactInput {
        channel: data.text("channel"),
        phone: data.filled("phone"),
        times: data.filled("times"),
        never_at_home: data.ticked("never_at_home"),
        through: data.filled("through"),
        code_word: data.filled("code_word"),
    };
    match state.app.set_safe_contact(&viewer.actor, id, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other(&format!("/persons/{id}"))),
        Err(error) => safe_answer(&state, &viewer, id, Some((&data, error))).await,
    }
}

fn handoff_lead(ui: &Ui<'_>, view: Option<&HandoffView>) -> String {
    let Some(view) = view else { return ui.t("handoff-none") };
    let mut lead = ui.t1("handoff-slot", "at", &ui.instant(view.handoff.slot_at).text);
    if let Some((_, at)) = view.handoff.escorted {
        lead.push_str(&format!(" {}", ui.t1("handoff-escorted-at", "at", &ui.instant(at).text)));
    }
    if let Some(minutes) = view.intake_to_contact_minutes {
        lead.push_str(&format!(" {}", ui.t1("handoff-received-after", "minutes", &minutes.to_string())));
    }
    lead
}

async fn handoff_answer(
    state: &AppState,
    viewer: &Viewer,
    id: ReferralId,
    tried: Option<(&FormData, AppError)>,
) -> PageResult {
    let fail = fail(state, viewer);
    let referral = state.app.referral(&viewer.actor, id).await.map_err(&fail)?;
    let view = state.app.handoff(&viewer.actor, id).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/referrals", "handoff-title");
    let mut forms = Vec::new();
    let mut status = axum::http::StatusCode::OK;
    match referral.side {
        Side::Referrer => {
            let empty = FormData::default();
            let data = tried.as_ref().map(|(data, _)| *data).unwrap_or(&empty);
            let mut form = Form::post("handoff", &format!("/referrals/{id}/handoff"), ui.t("handoff-book"))
                .legend(ui.t("handoff-book-title"))
                .field(
                    Field::date("slot_at", ui.t("field-slot_at"), data.text("slot_at"), ui.t("hint-datetime"))
                        .required(),
                );
            if let Some((_, error)) = tried {
                status = status_of(&error);
                form = form.with_error(&ui, error, &base_field);
            }
            forms.push(form);
            if view.as_ref().is_some_and(|view| view.handoff.escorted.is_none()) {
                forms.push(Form::post(
                    "escorted",
                    &format!("/referrals/{id}/handoff/escorted"),
                    ui.t("handoff-escorted"),
                ));
            }
        }
        Side::Receiver => {
            if view.as_ref().is_some_and(|view| view.handoff.received.is_none()) {
                forms.push(Form::post(
                    "received",
                    &format!("/referrals/{id}/handoff/received"),
                    ui.t("handoff-received"),
                ));
            }
        }
    }
    let lead = handoff_lead(&ui, view.as_ref());
    Ok(render_with(status, &FormsPage { ui, lead, forms, back: Some(format!("/referrals/{id}")) }))
}

async fn handoff_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = ReferralId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    handoff_answer(&state, &viewer, id, None).await
}

async fn book(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let id = ReferralId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    match state.app.book_handoff(&viewer.actor, id, &data.text("slot_at"), &RequestContext::default()).await {
        Ok(_) => Ok(see_other(&format!("/referrals/{id}/handoff"))),
        Err(error) => handoff_answer(&state, &viewer, id, Some((&data, error))).await,
    }
}

async fn step(State(state): State<AppState>, viewer: Viewer, Path((id, step)): Path<(String, String)>) -> PageResult {
    let fail = fail(&state, &viewer);
    let id = ReferralId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    let step = match step.as_str() {
        "escorted" => HandoffStep::Escorted,
        "received" => HandoffStep::Received,
        _ => return Err(fail(AppError::NotFound)),
    };
    state.app.record_handoff(&viewer.actor, id, step, &RequestContext::default()).await.map_err(&fail)?;
    Ok(see_other(&format!("/referrals/{id}/handoff")))
}
