//! Court orders at Wifaq: the list, registering an order from the court's decision (the
//! parents and children picked from the persons the centre registered), the order with
//! its visits and the report for a period, the desk's visits of a day, and one visit with
//! what happened at it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::court::{CourtOrderInput, VisitEventInput};
use sila_app::{AppError, RequestContext};
use sila_domain::agency::Role;
use sila_domain::court::{OrderKind, Party, ScheduleInput, VisitEventKind};
use sila_domain::ids::{CourtOrderId, VisitId};

use super::dates::Shown;
use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other, status_of};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/court-orders", get(list_page))
        .route("/court-orders/new", get(new_page).post(register))
        .route("/court-orders/{id}", get(order_page))
        .route("/visits", get(day_page))
        .route("/visits/{id}", get(visit_page).post(record))
        .route("/visits/{id}/codes", axum::routing::post(send_codes))
}

/// One line of a list.
pub struct Row {
    href: String,
    title: String,
    detail: String,
    at: Option<Shown>,
    status: String,
}

#[derive(Template)]
#[template(path = "court_list.html")]
struct ListPage<'a> {
    ui: Ui<'a>,
    lead: String,
    rows: Vec<Row>,
    new_order: bool,
    day: Option<Form>,
}

#[derive(Template)]
#[template(path = "court_order.html")]
struct OrderPage<'a> {
    ui: Ui<'a>,
    reference: String,
    facts: Vec<(String, String)>,
    visits: Vec<Row>,
    report: Option<Form>,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage<'a> {
    ui: Ui<'a>,
    order_href: Option<String>,
    day: Shown,
    times: Vec<(String, Shown)>,
    status: String,
    events: Vec<Row>,
    form: Option<Form>,
    correction: Option<Form>,
    codes: Option<Form>,
}

fn counsels(viewer: &Viewer) -> bool {
    viewer.actor.user.has_role(Role::FamilyCounsellor) || viewer.actor.user.has_role(Role::CentreManager)
}

async fn list_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let orders = state.app.court_orders(&viewer.actor).await.map_err(fail(&state, &viewer))?;
    let ui = Ui::new(&state, &viewer, "/court-orders", "court-orders-title");
    let rows = orders
        .iter()
        .map(|view| Row {
            href: format!("/court-orders/{}", view.order.id),
            title: view.case.reference.to_string(),
            detail: format!(
                "{} — {} {}",
                view.order.court.as_str(),
                ui.t("field-decision_number"),
                view.order.decision_number.as_str()
            ),
            at: Some(ui.date(view.order.decision_date)),
            status: ui.t(&format!("order-kind-{}", view.order.kind.code())),
        })
        .collect();
    let lead = ui.t("court-orders-lead");
    Ok(render(&ListPage { ui, lead, rows, new_order: counsels(&viewer), day: None }))
}

fn order_form(ui: &Ui<'_>, persons: &[(String, String)], data: &FormData) -> Form {
    let kinds = OrderKind::ALL
        .iter()
        .map(|kind| (kind.code().to_string(), ui.t(&format!("order-kind-{}", kind.code()))))
        .collect();
    let repeats =
        ["weekly", "fortnightly", "monthly"].map(|code| (code.to_string(), ui.t(&format!("repeat-{code}")))).to_vec();
    let weekdays = ["FR", "SA", "SU", "MO", "TU", "WE", "TH"]
        .map(|code| (code.to_string(), ui.t(&format!("weekday-{code}"))))
        .to_vec();
    let mut choose = vec![(String::new(), ui.t("choose"))];
    choose.extend(persons.iter().cloned());
    Form::post("court-order", "/court-orders/new", ui.t("court-order-submit"))
        .field(Field::text("court", ui.t("field-court"), data.text("court")).required())
        .field(Field::code("decision_number", ui.t("field-decision_number"), data.text("decision_number")).required())
        .field(
            Field::date("decision_date", ui.t("field-decision_date"), data.text("decision_date"), ui.t("hint-date"))
                .required(),
        )
        .field(Field::radios("kind", ui.t("field-order-kind"), kinds, &data.text("kind")).required())
        .field(Field::checkbox("supervised", ui.t("field-supervised"), data.ticked("supervised")))
        .field(Field::textarea("conditions", ui.t("field-conditions"), data.text("conditions")))
        .field(
            Field::select(
                "custodial_person_id",
                ui.t("field-custodial"),
                choose.clone(),
                &data.text("custodial_person_id"),
            )
            .required(),
        )
        .field(
            Field::select("visiting_person_id", ui.t("field-visiting"), choose, &data.text("visiting_person_id"))
                .required(),
        )
        .field(
            Field::checkboxes(
                "child_person_ids",
                ui.t("field-children"),
                persons.to_vec(),
                &data.all("child_person_ids"),
            )
            .required(),
        )
        .field(
            Field::radios(
                "repeat",
                ui.t("field-repeat"),
                repeats,
                &data.get("repeat").unwrap_or_else(|| "weekly".into()),
            )
            .required(),
        )
        .field(Field::select(
            "weekday",
            ui.t("field-weekday"),
            weekdays,
            &data.get("weekday").unwrap_or_else(|| "FR".into()),
        ))
        .field(Field::date("starts_on", ui.t("field-starts_on"), data.text("starts_on"), ui.t("hint-date")).required())
        .field(Field::date("ends_on", ui.t("field-ends_on"), data.text("ends_on"), ui.t("hint-date")))
        .field(
            Field::code("start_time", ui.t("field-start_time"), data.text("start_time"))
                .hint(ui.t("hint-time"))
                .required(),
        )
        .field(
            Field::code("end_time", ui.t("field-end_time"), data.text("end_time")).hint(ui.t("hint-time")).required(),
        )
        .field(
            Field::code(
                "gap_minutes",
                ui.t("field-gap_minutes"),
                data.get("gap_minutes").unwrap_or_else(|| "15".into()),
            )
            .hint(ui.t("hint-gap")),
        )
        .field(
            Field::text("exceptions", ui.t("field-exceptions"), data.text("exceptions")).hint(ui.t("hint-exceptions")),
        )
}

async fn order_answer(state: &AppState, viewer: &Viewer, tried: Option<(&FormData, AppError)>) -> PageResult {
    let fail = fail(state, viewer);
    if !counsels(viewer) {
        return Err(fail(AppError::Forbidden));
    }
    let persons: Vec<(String, String)> = state
        .app
        .recent_persons(&viewer.actor)
        .await
        .map_err(&fail)?
        .iter()
        .map(|person| {
            let born = person.details.birth_date.map(|date| format!(" ({date})")).unwrap_or_default();
            (person.id.to_string(), format!("{}{born}", person.details.name_ar.full()))
        })
        .collect();
    let ui = Ui::new(state, viewer, "/court-orders", "court-order-new-title");
    let empty = FormData::default();
    let mut form = order_form(&ui, &persons, tried.as_ref().map(|(data, _)| *data).unwrap_or(&empty));
    let mut status = axum::http::StatusCode::OK;
    if let Some((_, error)) = tried {
        status = status_of(&error);
        form = form.with_error(&ui, error, &|field: &str| {
            let field = field.strip_prefix("schedule.").unwrap_or(field);
            if field == "rule" { "repeat".to_string() } else { base_field(field) }
        });
    }
    let lead = ui.t("court-order-new-lead");
    Ok(render_with(status, &super::cases::FormPage { ui, lead, form, back: Some("/court-orders".into()) }))
}

async fn new_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    order_answer(&state, &viewer, None).await
}

async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let weekday = data.get("weekday").unwrap_or_else(|| "FR".into());
    let rule = match data.text("repeat").as_str() {
        "weekly" => format!("FREQ=WEEKLY;BYDAY={weekday}"),
        "fortnightly" => format!("FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"),
        "monthly" => "FREQ=MONTHLY".to_string(),
        _ => String::new(),
    };
    let input = CourtOrderInput {
        court: data.text("court"),
        decision_number: data.text("decision_number"),
        decision_date: data.text("decision_date"),
        kind: data.text("kind"),
        supervised: data.ticked("supervised"),
        conditions: data.filled("conditions"),
        office_id: None,
        custodial_person_id: data.text("custodial_person_id"),
        visiting_person_id: data.text("visiting_person_id"),
        child_person_ids: data.all("child_person_ids"),
        schedule: ScheduleInput {
            rule,
            starts_on: data.text("starts_on"),
            ends_on: data.filled("ends_on"),
            start_time: data.text("start_time"),
            end_time: data.text("end_time"),
            gap_minutes: data.filled("gap_minutes"),
            exceptions: data
                .text("exceptions")
                .split([',', '،', ' '])
                .filter(|text| !text.trim().is_empty())
                .map(str::to_string)
                .collect(),
        },
    };
    match state.app.register_court_order(&viewer.actor, &input, &RequestContext::default()).await {
        Ok(view) => Ok(see_other(&format!("/court-orders/{}", view.order.id))),
        Err(error) => order_answer(&state, &viewer, Some((&data, error))).await,
    }
}

fn visit_row(ui: &Ui<'_>, visit: &sila_domain::court::Visit, title: String) -> Row {
    let local = |at: jiff::Timestamp| jiff::tz::Offset::constant(3).to_datetime(at).strftime("%H:%M").to_string();
    Row {
        href: format!("/visits/{}", visit.id),
        title,
        detail: format!(
            "{} {} · {} {} · {} {}",
            ui.t("time-visiting-arrives"),
            local(visit.times.visiting_arrives_at),
            ui.t("time-handover"),
            local(visit.times.starts_at),
            ui.t("time-return"),
            local(visit.times.ends_at)
        ),
        at: Some(ui.date(visit.on)),
        status: ui.t(&format!("visit-status-{}", visit.status.code())),
    }
}

#[derive(Deserialize)]
struct PeriodParams {
    from: Option<String>,
    to: Option<String>,
}

async fn order_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(period): Query<PeriodParams>,
) -> PageResult {
    let fail = fail(&state, &viewer);
    let id = CourtOrderId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    let view = state.app.court_order(&viewer.actor, id).await.map_err(&fail)?;
    let ui = Ui::new(&state, &viewer, "/court-orders", "court-order-title");
    let order = &view.order;
    let schedule = &order.schedule;
    let facts = vec![
        (ui.t("field-court"), order.court.as_str().to_string()),
        (ui.t("field-decision_number"), order.decision_number.as_str().to_string()),
        (ui.t("field-decision_date"), {
            let shown = ui.date(order.decision_date);
            format!("{} ({})", shown.text, shown.hijri)
        }),
        (ui.t("field-order-kind"), ui.t(&format!("order-kind-{}", order.kind.code()))),
        (ui.t("field-supervised"), ui.t(if order.supervised { "answer-yes" } else { "answer-no" })),
        (
            ui.t("field-schedule"),
            format!(
                "{} · {}–{} · {}",
                sila_reports::dates::rule_ar(&schedule.rule),
                schedule.start_time.strftime("%H:%M"),
                schedule.end_time.strftime("%H:%M"),
                ui.t1("gap-minutes", "minutes", &schedule.gap_minutes.to_string())
            ),
        ),
    ];
    let visits = view.visits.iter().map(|visit| visit_row(&ui, visit, ui.date(visit.on).hijri)).collect();
    let report = viewer.actor.user.has_role(Role::CentreManager) || viewer.actor.user.has_role(Role::FamilyCounsellor);
    let report = report.then(|| {
        let first = view.visits.first().map(|visit| visit.on.to_string()).unwrap_or_default();
        let last = view.visits.last().map(|visit| visit.on.to_string()).unwrap_or_default();
        Form::get("report", &format!("/api/v1/court-orders/{id}/report"), ui.t("report-pdf"))
            .legend(ui.t("report-title"))
            .field(
                Field::date("from", ui.t("field-from"), period.from.clone().unwrap_or(first), ui.t("hint-date"))
                    .required(),
            )
            .field(Field::date("to", ui.t("field-to"), period.to.clone().unwrap_or(last), ui.t("hint-date")).required())
    });
    Ok(render(&OrderPage { reference: view.case.reference.to_string(), facts, visits, report, ui }))
}

#[derive(Deserialize)]
struct DayParams {
    day: Option<String>,
}

async fn day_page(State(state): State<AppState>, viewer: Viewer, Query(params): Query<DayParams>) -> PageResult {
    let fail = fail(&state, &viewer);
    let today = sila_domain::time::local_date(state.app.now());
    let typed = params.day.clone().unwrap_or_default();
    let ui = Ui::new(&state, &viewer, "/visits", "visits-title");
    let mut day_form = Form::get("day", "/visits", ui.t("visits-show")).field(Field::date(
        "day",
        ui.t("field-day"),
        if typed.is_empty() { today.to_string() } else { typed.clone() },
        ui.t("hint-date"),
    ));
    let day = if typed.is_empty() {
        Ok(today)
    } else {
        sila_domain::time::parse_date(&typed).map_err(|problem| AppError::invalid("day", problem))
    };
    let (rows, status) = match day {
        Ok(day) => {
            let visits = state.app.visits_on(&viewer.actor, day).await.map_err(&fail)?;
            let rows = visits
                .iter()
                .map(|(visit, order)| {
                    visit_row(&ui, visit, format!("{} — {}", order.decision_number.as_str(), order.court.as_str()))
                })
                .collect();
            (rows, axum::http::StatusCode::OK)
        }
        Err(error) => {
            let status = status_of(&error);
            day_form = day_form.with_error(&ui, error, &base_field);
            (Vec::new(), status)
        }
    };
    let lead = ui.t("visits-lead");
    Ok(render_with(status, &ListPage { ui, lead, rows, new_order: false, day: Some(day_form) }))
}

/// Choices of a select or radio group: (value, label).
type Choices = Vec<(String, String)>;

/// The kinds of visit event and the parties, as choices.
fn event_choices(ui: &Ui<'_>) -> (Choices, Choices) {
    let kinds = VisitEventKind::ALL
        .iter()
        .map(|kind| (kind.code().to_string(), ui.t(&format!("visit-event-{}", kind.code()))))
        .collect();
    let mut parties = vec![(String::new(), ui.t("party-none"))];
    parties.extend(Party::ALL.iter().map(|party| (party.code().to_string(), ui.t(&format!("party-{}", party.code())))));
    (kinds, parties)
}

fn event_form(ui: &Ui<'_>, visit: &str, data: &FormData) -> Form {
    let (kinds, parties) = event_choices(ui);
    Form::post("visit-event", &format!("/visits/{visit}"), ui.t("visit-event-submit"))
        .legend(ui.t("visit-event-title"))
        .field(Field::radios("kind", ui.t("field-event-kind"), kinds, &data.text("kind")).required())
        .field(Field::radios("party", ui.t("field-party"), parties, &data.text("party")))
        .field(Field::textarea("note", ui.t("field-note"), data.text("note")))
        .field(Field::code("code", ui.t("field-check-in-code"), data.text("code")).hint(ui.t("hint-check-in-code")))
}

/// The form that corrects a recorded step: which event, what it should say, at what time,
/// and why. The corrected event stays on the record and in the report.
fn correction_form(ui: &Ui<'_>, visit: &str, events: &[(String, String)], data: &FormData) -> Form {
    let (kinds, parties) = event_choices(ui);
    Form::post("visit-correction", &format!("/visits/{visit}"), ui.t("visit-correction-submit"))
        .legend(ui.t("visit-correction-title"))
        .field(Field::select("corrects", ui.t("field-corrects"), events.to_vec(), &data.text("corrects")).required())
        .field(
            Field::select("corrected_kind", ui.t("field-event-kind"), kinds, &data.text("corrected_kind")).required(),
        )
        .field(Field::select("corrected_party", ui.t("field-party"), parties, &data.text("corrected_party")))
        .field(Field::code("time", ui.t("field-time"), data.text("time")).hint(ui.t("hint-correction-time")))
        .field(Field::textarea("corrected_note", ui.t("field-note"), data.text("corrected_note")))
        .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
}

/// The correction form's name for a field an error names (its fields are named apart
/// from the event form's on the same page).
fn correction_field(field: &str) -> String {
    match base_field(field).as_str() {
        "kind" => "corrected_kind".into(),
        "party" => "corrected_party".into(),
        "note" => "corrected_note".into(),
        other => other.into(),
    }
}

async fn visit_answer(
    state: &AppState,
    viewer: &Viewer,
    id: VisitId,
    tried: Option<(&FormData, AppError)>,
) -> PageResult {
    let fail = fail(state, viewer);
    let (visit, events) = state.app.visit_events(&viewer.actor, id).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/visits", "visit-title");
    let names = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
    let empty = FormData::default();
    let superseded: std::collections::BTreeSet<uuid::Uuid> =
        events.iter().filter_map(|event| event.supersedes).collect();
    let label = |event: &sila_domain::court::VisitEvent| {
        let mut text = format!("{} {}", ui.instant(event.at).text, ui.t(&format!("visit-event-{}", event.kind.code())));
        if let Some(party) = event.party {
            text.push_str(&format!(" — {}", ui.t(&format!("party-{}", party.code()))));
        }
        text
    };
    let standing: Vec<(String, String)> = events
        .iter()
        .filter(|event| !superseded.contains(&event.id))
        .map(|event| (event.id.hyphenated().to_string(), label(event)))
        .collect();
    let correcting = tried.as_ref().is_some_and(|(data, _)| data.filled("corrects").is_some());
    let tried_data = tried.as_ref().map(|(data, _)| *data).unwrap_or(&empty);
    let mut form = event_form(&ui, &id.to_string(), if correcting { &empty } else { tried_data });
    let mut correction = (!standing.is_empty())
        .then(|| correction_form(&ui, &id.to_string(), &standing, if correcting { tried_data } else { &empty }));
    let mut status = axum::http::StatusCode::OK;
    if let Some((_, error)) = tried {
        status = status_of(&error);
        match (correcting, correction.take()) {
            (true, Some(corrected)) => correction = Some(corrected.with_error(&ui, error, &correction_field)),
            (_, kept) => {
                correction = kept;
                form = form.with_error(&ui, error, &base_field);
            }
        }
    }
    let times = vec![
        (ui.t("time-visiting-arrives"), ui.instant(visit.times.visiting_arrives_at)),
        (ui.t("time-handover"), ui.instant(visit.times.starts_at)),
        (ui.t("time-return"), ui.instant(visit.times.ends_at)),
        (ui.t("time-visiting-leaves"), ui.instant(visit.times.visiting_leaves_at)),
    ];
    let events = events
        .iter()
        .map(|event| Row {
            href: String::new(),
            title: match event.party {
                Some(party) => format!(
                    "{} — {}",
                    ui.t(&format!("visit-event-{}", event.kind.code())),
                    ui.t(&format!("party-{}", party.code()))
                ),
                None => ui.t(&format!("visit-event-{}", event.kind.code())),
            },
            detail: {
                let mut detail = event.note.as_ref().map(|note| note.as_str().to_string()).unwrap_or_default();
                if superseded.contains(&event.id) {
                    detail = [detail, ui.t("visit-event-corrected")].join(" ").trim().to_string();
                }
                if let Some(reason) = &event.reason {
                    let line = ui.t1("visit-event-correction", "reason", reason.as_str());
                    detail = [detail, line].join(" ").trim().to_string();
                }
                detail
            },
            at: Some(ui.instant(event.at)),
            status: names
                .iter()
                .find(|user| user.id == event.recorded_by)
                .map(|user| user.display_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let order_href = counsels(viewer).then(|| format!("/court-orders/{}", visit.order_id));
    let codes = Form::post("codes", &format!("/visits/{id}/codes"), ui.t("visit-send-codes"));
    let page = VisitPage {
        codes: Some(codes),
        order_href,
        day: ui.date(visit.on),
        times,
        status: ui.t(&format!("visit-status-{}", visit.status.code())),
        events,
        form: Some(form),
        correction,
        ui,
    };
    Ok(render_with(status, &page))
}

async fn visit_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = VisitId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    visit_answer(&state, &viewer, id, None).await
}

async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let id = VisitId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    let input = match data.filled("corrects") {
        Some(corrects) => VisitEventInput {
            kind: data.text("corrected_kind"),
            party: data.filled("corrected_party"),
            note: data.filled("corrected_note"),
            corrects: Some(corrects),
            reason: data.filled("reason"),
            time: data.filled("time"),
            ..VisitEventInput::default()
        },
        None => VisitEventInput {
            kind: data.text("kind"),
            party: data.filled("party"),
            note: data.filled("note"),
            code: data.filled("code"),
            ..VisitEventInput::default()
        },
    };
    match state.app.record_visit_event(&viewer.actor, id, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other(&format!("/visits/{id}#events"))),
        Err(error) => visit_answer(&state, &viewer, id, Some((&data, error))).await,
    }
}

async fn send_codes(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let fail = fail(&state, &viewer);
    let id = VisitId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    state.app.send_check_in_codes(&viewer.actor, id, &RequestContext::default()).await.map_err(&fail)?;
    Ok(see_other(&format!("/visits/{id}#codes")))
}
