//! Cases: the list of the viewer's cases, opening a case for a person, and the case
//! page with its persons, risk, consents, referrals, notes and timeline, from which the
//! officer runs the risk checklist, records consent and refers, and the centre assigns.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::cases::{CaseInput, CaseListQuery, CaseView};
use sila_app::{Actor, AppError, RequestContext};
use sila_domain::agency::Role;
use sila_domain::case::{CaseKind, NoteLevel};
use sila_domain::ids::{CaseId, PersonId};
use sila_domain::person::PersonRole;

use super::dates::Shown;
use super::forms::{Field, Form, FormData, base_field, same};
use super::intake::{PersonCard, add_to_case_form, role_label};
use super::referrals::{ReferralRow, referral_row};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page))
        .route("/cases/new", get(new_case_page).post(open_case))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/persons", post(add_person))
        .route("/cases/{id}/assign", post(assign))
        .route("/cases/{id}/notes", post(add_note))
}

pub(super) fn case_id(state: &AppState, viewer: &Viewer, text: &str) -> Result<CaseId, Response> {
    CaseId::parse(text).map_err(|_| fail(state, viewer)(AppError::NotFound))
}

/// A category's name in the page's language.
fn category_name(ui: &Ui<'_>, taxonomy: &sila_domain::case::Taxonomy, code: &str) -> String {
    taxonomy
        .get(code)
        .map(|category| ui.pick(&category.name_ar, &category.name_en).to_string())
        .unwrap_or_else(|| code.into())
}

/// One line of a case list.
pub struct CaseRow {
    href: String,
    reference: String,
    category: String,
    status: String,
    status_code: String,
    opened: Shown,
    assigned: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage<'a> {
    ui: Ui<'a>,
    rows: Vec<CaseRow>,
    mine: bool,
    can_open: bool,
    older: Option<String>,
}

#[derive(Deserialize)]
struct ListQuery {
    assigned: Option<String>,
    cursor: Option<String>,
}

/// Rows on one page of a list; the next page starts after the last.
pub(super) const PAGE_SIZE: i64 = 50;

/// The position a list page starts at, from its `cursor` parameter.
pub(super) fn page_cursor(
    state: &AppState,
    viewer: &Viewer,
    text: Option<&str>,
) -> Result<Option<sila_app::Cursor>, Response> {
    crate::extract::decode_cursor(text).map_err(|error| super::problem_page(state, viewer.lang, Some(viewer), &error))
}

fn works_cases(actor: &Actor) -> bool {
    [Role::Caseworker, Role::Psychologist, Role::LegalAdvisor, Role::FamilyCounsellor]
        .into_iter()
        .any(|role| actor.user.has_role(role))
}

async fn list_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let fail = fail(&state, &viewer);
    // Caseworkers start from their own cases; everyone may switch.
    let mine = match query.assigned.as_deref() {
        Some("me") => true,
        Some(_) => false,
        None => works_cases(&viewer.actor),
    };
    let cursor = page_cursor(&state, &viewer, query.cursor.as_deref())?;
    let list =
        CaseListQuery { assigned: mine.then(|| "me".into()), limit: Some(PAGE_SIZE), cursor, ..Default::default() };
    let page = state.app.list_cases(&viewer.actor, &list).await.map_err(&fail)?;
    let taxonomy = state.app.taxonomy().await.map_err(&fail)?;
    let colleagues = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
    let ui = Ui::new(&state, &viewer, "/cases", "cases-title");
    let rows = page
        .items
        .iter()
        .map(|case| CaseRow {
            href: format!("/cases/{}", case.id),
            reference: case.reference.to_string(),
            category: category_name(&ui, &taxonomy, &case.category),
            status: ui.t(&format!("case-status-{}", case.status.code())),
            status_code: case.status.code().into(),
            opened: ui.instant(case.created_at),
            assigned: case
                .assigned_user_id
                .and_then(|id| colleagues.iter().find(|user| user.id == id))
                .map(|user| user.display_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let can_open = viewer.actor.user.has_role(Role::PoliceOfficer);
    let assigned = if mine { "me" } else { "all" };
    let older = crate::extract::encode_cursor(page.next_cursor)
        .map(|cursor| format!("/cases?assigned={assigned}&cursor={cursor}"));
    Ok(render(&ListPage { ui, rows, mine, can_open, older }))
}

/// A page holding one form.
#[derive(Template)]
#[template(path = "form_page.html")]
pub(super) struct FormPage<'a> {
    pub(super) ui: Ui<'a>,
    pub(super) lead: String,
    pub(super) form: Form,
    pub(super) back: Option<String>,
}

impl<'a> FormPage<'a> {
    /// A form about case `case`, with the way back to it.
    pub(super) fn for_case(ui: Ui<'a>, lead: String, form: Form, case: CaseId) -> FormPage<'a> {
        FormPage { ui, lead, form, back: Some(format!("/cases/{case}")) }
    }
}

async fn case_form(state: &AppState, viewer: &Viewer, ui: &Ui<'_>, data: &FormData) -> Result<Form, AppError> {
    let taxonomy = state.app.taxonomy().await?;
    let mut categories = vec![(String::new(), ui.t("choice-choose"))];
    let mut subcategories = vec![(String::new(), ui.t("choice-none"))];
    for category in taxonomy.all().iter().filter(|category| category.active) {
        let name = ui.pick(&category.name_ar, &category.name_en).to_string();
        match &category.parent {
            None => categories.push((category.code.clone(), name)),
            Some(parent) => {
                let parent = category_name(ui, &taxonomy, parent);
                subcategories.push((category.code.clone(), format!("{parent} — {name}")));
            }
        }
    }
    let roles = PersonRole::ALL.map(|role| (role.code().to_string(), role_label(ui, role))).to_vec();
    let _ = viewer;
    Ok(Form::post("case", "/cases/new", ui.t("case-open"))
        .hidden("person", &data.text("person"))
        .field(Field::select("category", ui.t("field-category"), categories, &data.text("category")).required())
        .field(Field::select("subcategory", ui.t("field-subcategory"), subcategories, &data.text("subcategory")))
        .field(Field::select("role", ui.t("field-role"), roles, &data.get("role").unwrap_or_else(|| "survivor".into())))
        .field(
            Field::textarea("narrative", ui.t("field-narrative"), data.text("narrative"))
                .hint(ui.t("case-narrative-hint")),
        ))
}

#[derive(Deserialize)]
struct NewCaseQuery {
    person: Option<String>,
}

async fn new_case_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<NewCaseQuery>) -> PageResult {
    let fail = fail(&state, &viewer);
    let ui = Ui::new(&state, &viewer, "/cases/new", "case-new-title");
    let person = query.person.unwrap_or_default();
    let lead = match PersonId::parse(&person) {
        Ok(id) => {
            let view = state.app.person(&viewer.actor, id).await.map_err(&fail)?;
            let card = PersonCard::new(&ui, &view);
            ui.t1("case-new-for", "name", &card.name_ar)
        }
        Err(_) => ui.t("case-new-lead"),
    };
    let data = FormData(vec![("person".into(), person)]);
    let mut form = case_form(&state, &viewer, &ui, &data).await.map_err(&fail)?;
    if let Some(field) = form.fields.first_mut() {
        field.autofocus = true;
    }
    Ok(render(&FormPage { ui, lead, form, back: None }))
}

async fn open_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let fail = fail(&state, &viewer);
    let context = RequestContext::default();
    let input = CaseInput {
        kind: None,
        category: data.get("category"),
        subcategory: data.filled("subcategory"),
        narrative: data.get("narrative"),
        office_id: None,
    };
    // The person and the role are checked first, so that a wrong one opens nothing.
    let person = data.text("person");
    let role = data.text("role");
    let mut problems = Vec::new();
    if PersonRole::parse(&role).is_err() {
        problems.push(sila_domain::FieldError::new("role", sila_domain::Problem::UnknownValue));
    }
    let result = if problems.is_empty() {
        match state.app.open_case(&viewer.actor, &input, &context).await {
            Ok(case) => {
                if !person.is_empty() {
                    state.app.add_case_person(&viewer.actor, case.id, &person, &role, &context).await.map_err(&fail)?;
                }
                return Ok(see_other(&format!("/cases/{}", case.id)));
            }
            Err(error) => error,
        }
    } else {
        AppError::Invalid(problems)
    };
    let ui = Ui::new(&state, &viewer, "/cases/new", "case-new-title");
    let status = crate::error::ApiError::from(result.clone()).status;
    let form = case_form(&state, &viewer, &ui, &data).await.map_err(&fail)?.with_error(&ui, result, &same);
    let lead = ui.t("case-new-lead");
    Ok(render_with(status, &FormPage { ui, lead, form, back: None }))
}

/// A person of the case as the page shows them.
pub struct CasePersonRow {
    card: PersonCard,
    role: String,
}

/// A note as the page shows it.
pub struct NoteRow {
    level: String,
    text: String,
    at: Shown,
    author: String,
}

/// A timeline entry.
pub struct EventRow {
    at: Shown,
    what: String,
    who: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    ui: Ui<'a>,
    id: String,
    reference: String,
    category: String,
    status: String,
    kind: String,
    police: bool,
    opened: Shown,
    narrative: String,
    assigned: String,
    persons: Vec<CasePersonRow>,
    risk: Option<(String, String, u32)>,
    consents: Vec<(String, String, String, Option<String>)>,
    referrals: Vec<ReferralRow>,
    origin: Option<ReferralRow>,
    notes: Vec<NoteRow>,
    events: Vec<EventRow>,
    assign: Option<Form>,
    note: Option<Form>,
    shredded: bool,
    work: bool,
}

async fn case_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&state, &viewer, &id)?;
    // A case outside the viewer's scope answers as the API does, with the way to ask for
    // emergency access beside it (shown whether or not the case exists).
    let view = match state.app.case(&viewer.actor, id).await {
        Ok(view) => view,
        Err(error) if !matches!(error, AppError::Forbidden | AppError::NotFound | AppError::Hidden) => {
            return Err(fail(&state, &viewer)(error));
        }
        Err(error) => {
            let api = crate::error::ApiError::from(error);
            let ui = Ui::new(
                &state,
                &viewer,
                "/cases",
                if api.status == axum::http::StatusCode::FORBIDDEN { "page-forbidden" } else { "page-not-found" },
            );
            let lead = super::message_of(&state, viewer.lang, &api);
            let form = super::case_actions::break_glass_form(&ui, &id.to_string(), &FormData::default());
            return Ok(render_with(
                api.status,
                &super::case_actions::FormsPage { ui, lead, forms: vec![form], back: None },
            ));
        }
    };
    let ui = Ui::new(&state, &viewer, "/cases", "case-title");
    let page = build_case_page(&state, &viewer, ui, id, Some(view), None, None).await?;
    Ok(render(&page))
}

async fn build_case_page<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    ui: Ui<'a>,
    id: CaseId,
    view: Option<CaseView>,
    assign: Option<Form>,
    note: Option<Form>,
) -> Result<CasePage<'a>, Response> {
    let fail = fail(state, viewer);
    let view: CaseView = match view {
        Some(view) => view,
        None => state.app.case(&viewer.actor, id).await.map_err(&fail)?,
    };
    let taxonomy = state.app.taxonomy().await.map_err(&fail)?;
    let colleagues = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
    let names = directory(state, viewer).await.map_err(&fail)?;
    let agencies = &names.0;
    let name_of = |user: Option<sila_domain::ids::UserId>| {
        user.and_then(|id| colleagues.iter().find(|colleague| colleague.id == id))
            .map(|colleague| colleague.display_name.clone())
            .unwrap_or_default()
    };
    let case = &view.case;
    // The officer's steps apply to an open police case only.
    let police = case.kind == CaseKind::Police && case.status == sila_domain::case::CaseStatus::Open;
    // Notes are read (and audited) only where the viewer may read them at all.
    let notes = match state.app.notes(&viewer.actor, id).await {
        Ok(notes) => notes
            .iter()
            .filter_map(|note| {
                note.text.as_ref().map(|text| NoteRow {
                    level: ui.t(&format!("note-level-{}", note.level.code())),
                    text: text.as_str().to_string(),
                    at: ui.instant(note.created_at),
                    author: name_of(Some(note.author_id)),
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let desk = viewer.actor.user.has_role(Role::DeskCoordinator) || viewer.actor.user.has_role(Role::CentreManager);
    let assign = match assign {
        Some(form) => Some(form),
        None if case.kind != CaseKind::Police && desk && case.status == sila_domain::case::CaseStatus::Open => {
            Some(assign_form(&ui, &id.to_string(), &colleagues, case.assigned_user_id.map(|id| id.to_string())))
        }
        None => None,
    };
    let note = match note {
        Some(form) => Some(form),
        None if !view.shredded => {
            Some(note_form(&ui, &id.to_string(), &FormData::default(), &colleagues, &viewer.actor))
        }
        None => None,
    };
    Ok(CasePage {
        id: id.to_string(),
        reference: case.reference.to_string(),
        category: category_name(&ui, &taxonomy, &case.category),
        status: ui.t(&format!("case-status-{}", case.status.code())),
        kind: ui.t(&format!("case-kind-{}", case.kind.code())),
        police,
        opened: ui.instant(case.created_at),
        narrative: case.narrative.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
        assigned: name_of(case.assigned_user_id),
        persons: view
            .persons
            .iter()
            .map(|(entry, person)| CasePersonRow {
                card: PersonCard::new(&ui, person),
                role: role_label(&ui, entry.role),
            })
            .collect(),
        risk: view.risk.as_ref().map(|record| {
            (
                ui.t(&format!("risk-level-{}", record.assessment.level.code())),
                record.assessment.level.code().to_string(),
                record.assessment.score,
            )
        }),
        consents: view
            .consents
            .iter()
            .map(|consent| {
                let agency = agencies
                    .iter()
                    .find(|agency| agency.id == consent.recipient_agency_id)
                    .map(|agency| ui.pick(&agency.name_ar, &agency.name_en).to_string())
                    .unwrap_or_default();
                let classes: Vec<String> =
                    consent.terms.data_classes.iter().map(|class| ui.t(&format!("class-{}", class.code()))).collect();
                let state = if consent.withdrawn_at.is_some() {
                    ui.t("consent-withdrawn")
                } else {
                    ui.date(consent.terms.expires_on).text
                };
                let withdraw = (police && consent.withdrawn_at.is_none())
                    .then(|| format!("/consents/{}/withdraw?case={}", consent.id, case.id));
                (agency, classes.join(ui.pick("، ", ", ")), state, withdraw)
            })
            .collect(),
        referrals: view.referrals.iter().map(|referral| referral_row(&ui, referral, &names, state.app.now())).collect(),
        origin: view.origin.as_ref().map(|referral| referral_row(&ui, referral, &names, state.app.now())),
        notes,
        events: view
            .events
            .iter()
            .rev()
            .map(|event| EventRow {
                at: ui.instant(event.at),
                what: event_text(&ui, &event.kind, &event.details),
                who: name_of(event.actor_id),
            })
            .collect(),
        assign,
        note,
        shredded: view.shredded,
        work: case.kind != CaseKind::Police,
        ui,
    })
}

fn event_text(ui: &Ui<'_>, kind: &str, details: &std::collections::BTreeMap<String, String>) -> String {
    let base = ui.t_or(&format!("event-{}", kind.replace('.', "-")), kind);
    let extra = if let Some(outcome) = details.get("outcome") {
        Some(ui.t(&format!("outcome-{outcome}")))
    } else if let Some(role) = details.get("role") {
        Some(ui.t(&format!("role-{role}")))
    } else {
        details
            .get("level")
            .map(|level| ui.t_or(&format!("risk-level-{level}"), &ui.t_or(&format!("note-level-{level}"), level)))
    };
    match extra {
        Some(extra) => format!("{base}: {extra}"),
        None => base,
    }
}

/// Agencies and offices, for names.
pub async fn directory(
    state: &AppState,
    viewer: &Viewer,
) -> Result<(Vec<sila_domain::agency::Agency>, Vec<sila_domain::agency::Office>), AppError> {
    Ok((state.app.agencies(&viewer.actor).await?, state.app.offices(&viewer.actor).await?))
}

async fn add_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let person = data.text("person_id");
    match state.app.add_case_person(&viewer.actor, case, &person, &data.text("role"), &RequestContext::default()).await
    {
        Ok(_) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "person-add-title");
            let status = super::status_of(&error);
            let form = add_to_case_form(&ui, &case.to_string(), &person, &data).with_error(&ui, error, &same);
            let lead = String::new();
            Ok(render_with(status, &FormPage::for_case(ui, lead, form, case)))
        }
    }
}

fn assign_form(ui: &Ui<'_>, case: &str, colleagues: &[sila_domain::agency::User], chosen: Option<String>) -> Form {
    let mut people = vec![(String::new(), ui.t("choice-choose"))];
    people.extend(
        colleagues
            .iter()
            .filter(|user| {
                !user.disabled
                    && [Role::Caseworker, Role::Psychologist, Role::LegalAdvisor, Role::FamilyCounsellor]
                        .into_iter()
                        .any(|role| user.has_role(role))
            })
            .map(|user| (user.id.to_string(), user.display_name.clone())),
    );
    Form::post("assign", &format!("/cases/{case}/assign"), ui.t("assign-submit"))
        .legend(ui.t("assign-title"))
        .field(Field::select("user_id", ui.t("field-user_id"), people, &chosen.unwrap_or_default()).required())
}

async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let user = data.text("user_id");
    let result = if user.trim().is_empty() {
        Err(AppError::invalid("user_id", sila_domain::Problem::Required))
    } else {
        state.app.assign_case(&viewer.actor, case, Some(&user), None, None, &RequestContext::default()).await
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "case-title");
            let status = super::status_of(&error);
            let colleagues = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
            let form = assign_form(&ui, &case.to_string(), &colleagues, Some(user)).with_error(&ui, error, &same);
            let page = build_case_page(&state, &viewer, ui, case, None, Some(form), None).await?;
            Ok(render_with(status, &page))
        }
    }
}

fn note_form(
    ui: &Ui<'_>,
    case: &str,
    data: &FormData,
    colleagues: &[sila_domain::agency::User],
    actor: &Actor,
) -> Form {
    let levels = [NoteLevel::Team, NoteLevel::Restricted, NoteLevel::Sealed]
        .map(|level| (level.code().to_string(), ui.t(&format!("note-level-{}", level.code()))))
        .to_vec();
    let readers: Vec<(String, String)> = colleagues
        .iter()
        .filter(|user| !user.disabled && user.id != actor.user.id && works_cases_or_manages(user))
        .map(|user| (user.id.to_string(), user.display_name.clone()))
        .collect();
    Form::post("note", &format!("/cases/{case}/notes"), ui.t("note-submit"))
        .legend(ui.t("note-title"))
        .field(
            Field::radios("level", ui.t("field-level"), levels, &data.get("level").unwrap_or_else(|| "team".into()))
                .hint(ui.t("note-level-hint")),
        )
        .field(Field::textarea("text", ui.t("field-text"), data.text("text")).required())
        .field(
            Field::checkboxes("readers", ui.t("field-readers"), readers, &data.all("readers"))
                .hint(ui.t("note-readers-hint")),
        )
}

/// Those who may be named readers of a restricted note: the centre's case workers and
/// managers, and the police's officers and supervisors.
fn works_cases_or_manages(user: &sila_domain::agency::User) -> bool {
    user.roles.iter().any(|role| !matches!(role, Role::Administrator | Role::Auditor | Role::Analyst))
}

async fn add_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    match state
        .app
        .add_note(
            &viewer.actor,
            case,
            &data.text("level"),
            &data.text("text"),
            &data.all("readers"),
            &RequestContext::default(),
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/cases/{case}#notes"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "case-title");
            let status = super::status_of(&error);
            let colleagues = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
            let form = note_form(&ui, &case.to_string(), &data, &colleagues, &viewer.actor).with_error(
                &ui,
                error,
                &base_field,
            );
            let page = build_case_page(&state, &viewer, ui, case, None, None, Some(form)).await?;
            Ok(render_with(status, &page))
        }
    }
}

/// Statuses shown with their own colour.
pub fn status_class(code: &str) -> &'static str {
    match code {
        "open" | "requested" | "received" => "status-new",
        "accepted" | "in-progress" => "status-active",
        "completed" | "closed" => "status-done",
        "rejected" | "cancelled" => "status-stopped",
        _ => "status-other",
    }
}
