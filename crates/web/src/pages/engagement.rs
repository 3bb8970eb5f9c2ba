//! Consultations and awareness activities: the month's (or the year's) list and the form
//! to record one, on the same page.

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::{Form as Posted, Router};
use sila_app::engagement::{ActivityInput, ConsultationInput};
use sila_app::{AppError, RequestContext};
use sila_domain::engagement::{ActivityKind, AgeGroup, Channel, ConsultationKind, CountedSex};

use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render_with, see_other, status_of};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(consultations_page).post(record_consultation))
        .route("/activities", get(activities_page).post(record_activity))
}

/// One line of a list.
pub struct Line {
    at: super::dates::Shown,
    what: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "engagement.html")]
struct EngagementPage<'a> {
    ui: Ui<'a>,
    lead: String,
    lines: Vec<Line>,
    form: Form,
}

fn labelled<T: Copy>(ui: &Ui<'_>, all: &[T], code: impl Fn(T) -> &'static str, prefix: &str) -> Vec<(String, String)> {
    all.iter().map(|item| (code(*item).to_string(), ui.t(&format!("{prefix}-{}", code(*item))))).collect()
}

fn consultation_form(ui: &Ui<'_>, data: &FormData) -> Form {
    let mut sexes = vec![(String::new(), ui.t("unknown"))];
    sexes.extend(labelled(ui, CountedSex::ALL, |sex| sex.code(), "sex"));
    let mut ages = vec![(String::new(), ui.t("unknown"))];
    ages.extend(labelled(ui, AgeGroup::ALL, |age| age.code(), "age"));
    Form::post("consultation", "/consultations", ui.t("consultation-submit"))
        .legend(ui.t("consultation-new"))
        .field(
            Field::radios(
                "kind",
                ui.t("field-consultation-kind"),
                labelled(ui, ConsultationKind::ALL, |kind| kind.code(), "consultation-kind"),
                &data.text("kind"),
            )
            .required(),
        )
        .field(
            Field::radios(
                "channel",
                ui.t("field-consultation-channel"),
                labelled(ui, Channel::ALL, |channel| channel.code(), "channel"),
                &data.text("channel"),
            )
            .required(),
        )
        .field(Field::select("sex", ui.t("field-sex"), sexes, &data.text("sex")))
        .field(Field::select("age_group", ui.t("field-age_group"), ages, &data.text("age_group")))
        .field(Field::textarea("summary", ui.t("field-consultation-summary"), data.text("summary")).required())
        .field(Field::date("held_on", ui.t("field-held_on"), data.text("held_on"), ui.t("hint-date")))
}

fn month(state: &AppState) -> (String, String) {
    let today = sila_domain::time::local_date(state.app.now());
    (today.first_of_month().to_string(), today.to_string())
}

async fn consultations_answer(state: &AppState, viewer: &Viewer, tried: Option<(&FormData, AppError)>) -> PageResult {
    let fail = fail(state, viewer);
    let (from, to) = month(state);
    let items = state.app.consultations(&viewer.actor, &from, &to).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/consultations", "consultations-title");
    let lines = items
        .iter()
        .map(|item| Line {
            at: ui.date(item.held_on),
            what: format!(
                "{} · {}",
                ui.t(&format!("consultation-kind-{}", item.kind.code())),
                ui.t(&format!("channel-{}", item.channel.code()))
            ),
            detail: item.summary.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
        })
        .collect();
    let empty = FormData::default();
    let mut form = consultation_form(&ui, tried.as_ref().map(|(data, _)| *data).unwrap_or(&empty));
    let mut status = axum::http::StatusCode::OK;
    if let Some((_, error)) = tried {
        status = status_of(&error);
        form = form.with_error(&ui, error, &base_field);
    }
    let lead = ui.t("consultations-lead");
    Ok(render_with(status, &EngagementPage { ui, lead, lines, form }))
}

async fn consultations_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    consultations_answer(&state, &viewer, None).await
}

async fn record_consultation(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let input = ConsultationInput {
        kind: data.text("kind"),
        channel: data.text("channel"),
        person_id: None,
        sex: data.filled("sex"),
        age_group: data.filled("age_group"),
        summary: data.text("summary"),
        held_on: data.filled("held_on"),
    };
    match state.app.record_consultation(&viewer.actor, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other("/consultations")),
        Err(error) => consultations_answer(&state, &viewer, Some((&data, error))).await,
    }
}

fn cell(sex: CountedSex, age: AgeGroup) -> String {
    format!("attendance-{}-{}", sex.code(), age.code())
}

fn activity_form(ui: &Ui<'_>, data: &FormData) -> Form {
    let mut form = Form::post("activity", "/activities", ui.t("activity-submit"))
        .legend(ui.t("activity-new"))
        .field(
            Field::radios(
                "kind",
                ui.t("field-activity-kind"),
                labelled(ui, ActivityKind::ALL, |kind| kind.code(), "activity-kind"),
                &data.text("kind"),
            )
            .required(),
        )
        .field(Field::text("title", ui.t("field-title"), data.text("title")).required())
        .field(Field::text("audience", ui.t("field-audience"), data.text("audience")).required())
        .field(Field::text("place", ui.t("field-place"), data.text("place")).required())
        .field(Field::text("partner", ui.t("field-partner"), data.text("partner")))
        .field(Field::date("held_on", ui.t("field-held_on"), data.text("held_on"), ui.t("hint-date")).required());
    for sex in CountedSex::ALL {
        for age in AgeGroup::ALL {
            let label = format!("{} — {}", ui.t(&format!("sex-{}", sex.code())), ui.t(&format!("age-{}", age.code())));
            form = form.field(Field::code(&cell(*sex, *age), label, data.text(&cell(*sex, *age))));
        }
    }
    form
}

async fn activities_answer(state: &AppState, viewer: &Viewer, tried: Option<(&FormData, AppError)>) -> PageResult {
    let fail = fail(state, viewer);
    let today = sila_domain::time::local_date(state.app.now());
    let from = jiff::civil::Date::new(today.year(), 1, 1).unwrap_or(today).to_string();
    let items = state.app.activities(&viewer.actor, &from, &today.to_string()).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/activities", "activities-title");
    let lines = items
        .iter()
        .map(|item| {
            let total: u64 = item.attendance.iter().map(|(_, _, number)| u64::from(*number)).sum();
            Line {
                at: ui.date(item.held_on),
                what: format!("{} · {}", ui.t(&format!("activity-kind-{}", item.kind.code())), item.title.as_str()),
                detail: format!(
                    "{} · {} · {}",
                    item.audience.as_str(),
                    item.place.as_str(),
                    ui.t1("activity-total", "total", &total.to_string())
                ),
            }
        })
        .collect();
    let empty = FormData::default();
    let mut form = activity_form(&ui, tried.as_ref().map(|(data, _)| *data).unwrap_or(&empty));
    let mut status = axum::http::StatusCode::OK;
    if let Some((data, error)) = tried {
        status = status_of(&error);
        // The use case names attendance rows by position; the form by cell.
        let filled: Vec<String> = CountedSex::ALL
            .iter()
            .flat_map(|sex| AgeGroup::ALL.iter().map(move |age| cell(*sex, *age)))
            .filter(|name| data.filled(name).is_some())
            .collect();
        form = form.with_error(&ui, error, &|field: &str| {
            let row = field
                .strip_prefix("attendance[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            match row {
                Some(row) => filled.get(row).cloned().unwrap_or_else(|| base_field(field)),
                None => base_field(field),
            }
        });
    }
    let lead = ui.t("activities-lead");
    Ok(render_with(status, &EngagementPage { ui, lead, lines, form }))
}

async fn activities_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    activities_answer(&state, &viewer, None).await
}

async fn record_activity(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let mut attendance = Vec::new();
    for sex in CountedSex::ALL {
        for age in AgeGroup::ALL {
            if let Some(number) = data.filled(&cell(*sex, *age)) {
                attendance.push((sex.code().to_string(), age.code().to_string(), number));
            }
        }
    }
    let input = ActivityInput {
        kind: data.text("kind"),
        title: data.text("title"),
        audience: data.text("audience"),
        place: data.text("place"),
        partner: data.filled("partner"),
        held_on: data.text("held_on"),
        attendance,
    };
    match state.app.record_activity(&viewer.actor, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other("/activities")),
        Err(error) => activities_answer(&state, &viewer, Some((&data, error))).await,
    }
}
