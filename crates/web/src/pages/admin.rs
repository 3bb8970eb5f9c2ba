//! The administrator's pages: the offices, users and protocol versions of their own
//! agency, each with its form. Administrators read no case and no person: these pages
//! show only the directory.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Form as Posted, Router};
use sila_app::directory::{OfficeInput, ProtocolInput};
use sila_app::{AppError, RequestContext};
use sila_domain::agency::Role;
use sila_domain::consent::DataClass;
use sila_domain::referral::{Priority, Step};

use super::dates::Shown;
use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render_with, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/offices", get(offices_page).post(create_office))
        .route("/admin/protocols", get(protocols_page).post(create_protocol))
        .route("/admin/protocols/{id}/accept", axum::routing::post(accept_protocol))
        .route("/admin/directory", get(directory_page))
}

/// The agencies that work together and the case categories, as seeded (read only: a
/// new agency or category comes with a new agreement and a release).
#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage<'a> {
    ui: Ui<'a>,
    agencies: Vec<(String, String, String, String)>,
    categories: Vec<(String, String, String, bool)>,
}

async fn directory_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let fail = fail(&state, &viewer);
    administrator(&viewer).map_err(&fail)?;
    let ui = Ui::new(&state, &viewer, "/admin/directory", "admin-directory-title");
    let agencies = state
        .app
        .agencies(&viewer.actor)
        .await
        .map_err(&fail)?
        .iter()
        .map(|agency| {
            (
                agency.code.clone(),
                agency.name_ar.clone(),
                agency.name_en.clone(),
                ui.t(&format!("agency-kind-{}", agency.kind.code())),
            )
        })
        .collect();
    let taxonomy = state.app.taxonomy().await.map_err(&fail)?;
    let categories = taxonomy
        .all()
        .iter()
        .map(|category| {
            let name = ui.pick(&category.name_ar, &category.name_en).to_string();
            let parent = category
                .parent
                .as_deref()
                .and_then(|code| taxonomy.get(code))
                .map(|parent| ui.pick(&parent.name_ar, &parent.name_en).to_string())
                .unwrap_or_default();
            (category.code.clone(), name, parent, category.active)
        })
        .collect();
    Ok(super::render(&DirectoryPage { ui, agencies, categories }))
}

/// A directory page: a table and the form that adds to it.
#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    ui: Ui<'a>,
    lead: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Forms beside the table (a protocol version waiting for the viewer's agency).
    actions: Vec<Form>,
    form: Form,
    added: bool,
}

fn answer(state: &AppState, viewer: &Viewer, page: Result<AdminPage<'_>, AppError>, status: StatusCode) -> PageResult {
    match page {
        Ok(page) => Ok(render_with(status, &page)),
        Err(error) => Err(fail(state, viewer)(error)),
    }
}

// Offices.

fn office_form(ui: &Ui<'_>, data: &FormData) -> Form {
    Form::post("office", "/admin/offices", ui.t("admin-office-submit"))
        .legend(ui.t("admin-office-new"))
        .field(
            Field::code("code", ui.t("field-office-code"), data.text("code"))
                .hint(ui.t("admin-office-code-hint"))
                .required(),
        )
        .field(Field::text("name_ar", ui.t("field-name_ar"), data.text("name_ar")).required())
        .field(Field::text("name_en", ui.t("field-name_en"), data.text("name_en")).required())
        .field(Field::checkbox("is_desk", ui.t("field-is_desk"), data.ticked("is_desk")))
}

#[derive(serde::Deserialize)]
struct Added {
    added: Option<String>,
}

/// The administrator's pages are for administrators (what they may change is still
/// decided by the policy on each write).
fn administrator(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.actor.user.has_role(Role::Administrator) { Ok(()) } else { Err(AppError::Forbidden) }
}

async fn office_page<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    data: &FormData,
    error: Option<AppError>,
    added: bool,
) -> Result<AdminPage<'a>, AppError> {
    administrator(viewer)?;
    let ui = Ui::new(state, viewer, "/admin/offices", "admin-offices-title");
    let offices = state.app.offices(&viewer.actor).await?;
    let rows = offices
        .iter()
        .filter(|office| office.agency_id == viewer.actor.agency.id)
        .map(|office| {
            vec![
                office.code.clone(),
                office.name_ar.clone(),
                office.name_en.clone(),
                if office.is_desk { ui.t("answer-yes") } else { ui.t("answer-no") },
            ]
        })
        .collect();
    let headers = vec![ui.t("field-office-code"), ui.t("field-name_ar"), ui.t("field-name_en"), ui.t("field-is_desk")];
    let mut form = office_form(&ui, data);
    if let Some(error) = error {
        form = form.with_error(&ui, error, &base_field);
    }
    Ok(AdminPage { lead: ui.t("admin-offices-lead"), ui, headers, rows, actions: Vec::new(), form, added })
}

async fn offices_page(State(state): State<AppState>, viewer: Viewer, query: axum::extract::Query<Added>) -> PageResult {
    let page = office_page(&state, &viewer, &FormData::default(), None, query.added.is_some()).await;
    answer(&state, &viewer, page, StatusCode::OK)
}

async fn create_office(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let input = OfficeInput {
        agency_id: viewer.actor.agency.id.to_string(),
        code: data.text("code"),
        name_ar: data.text("name_ar"),
        name_en: data.text("name_en"),
        is_desk: data.ticked("is_desk"),
    };
    match state.app.create_office(&viewer.actor, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other("/admin/offices?added=1")),
        Err(error) => {
            let status = super::status_of(&error);
            let page = office_page(&state, &viewer, &data, Some(error), false).await;
            answer(&state, &viewer, page, status)
        }
    }
}

// Protocols.

fn deadline_name(priority: Priority, step: Step) -> String {
    format!("deadline.{}.{}", priority.code(), step.code())
}

async fn protocol_form(state: &AppState, viewer: &Viewer, ui: &Ui<'_>, data: &FormData) -> Result<Form, AppError> {
    let agencies = state.app.agencies(&viewer.actor).await?;
    let protocols = state.app.protocols(&viewer.actor).await?;
    let taxonomy = state.app.taxonomy().await?;
    // A new version starts from the latest one of the administrator's agency.
    let latest = protocols
        .iter()
        .filter(|protocol| {
            protocol.connects(viewer.actor.agency.id, protocol.agency_b)
                || protocol.connects(protocol.agency_a, viewer.actor.agency.id)
        })
        .max_by_key(|protocol| (protocol.valid_from, protocol.version));
    let fresh = data.0.is_empty();
    let mut partners = vec![(String::new(), ui.t("choice-choose"))];
    partners.extend(
        agencies
            .iter()
            .filter(|agency| agency.id != viewer.actor.agency.id)
            .map(|agency| (agency.id.to_string(), ui.pick(&agency.name_ar, &agency.name_en).to_string())),
    );
    let categories: Vec<(String, String)> = taxonomy
        .all()
        .iter()
        .filter(|category| category.parent.is_none() && category.active)
        .map(|category| (category.code.clone(), ui.pick(&category.name_ar, &category.name_en).to_string()))
        .collect();
    let classes: Vec<(String, String)> = DataClass::ALL
        .iter()
        .map(|class| (class.code().to_string(), ui.t(&format!("class-{}", class.code()))))
        .collect();
    let chosen = |name: &str, from_latest: Vec<String>| if fresh { from_latest } else { data.all(name) };
    let today = sila_domain::time::local_date(state.app.now()).to_string();
    let mut form = Form::post("protocol", "/admin/protocols", ui.t("admin-protocol-submit"))
        .legend(ui.t("admin-protocol-new"))
        .field(Field::select("agency_b_id", ui.t("field-agency_b_id"), partners, &data.text("agency_b_id")).required())
        .field(
            Field::date(
                "valid_from",
                ui.t("field-valid_from"),
                data.get("valid_from").unwrap_or(today),
                ui.t("hint-date"),
            )
            .required(),
        )
        .field(Field::date("valid_until", ui.t("field-valid_until"), data.text("valid_until"), ui.t("hint-date")))
        .field(
            Field::text("document_ref", ui.t("field-document_ref"), data.text("document_ref"))
                .hint(ui.t("admin-protocol-document-hint")),
        )
        .field(
            Field::checkboxes(
                "categories",
                ui.t("field-categories"),
                categories.clone(),
                &chosen("categories", latest.map(|p| p.categories.iter().cloned().collect()).unwrap_or_default()),
            )
            .required(),
        )
        .field(
            Field::checkboxes(
                "centre_first",
                ui.t("field-centre_first"),
                categories,
                &chosen("centre_first", latest.map(|p| p.centre_first.iter().cloned().collect()).unwrap_or_default()),
            )
            .hint(ui.t("admin-protocol-centre-first-hint")),
        )
        .field(
            Field::checkboxes(
                "data_classes",
                ui.t("field-data_classes"),
                classes,
                &chosen(
                    "data_classes",
                    latest
                        .map(|p| p.data_classes.iter().map(|class| class.code().to_string()).collect())
                        .unwrap_or_default(),
                ),
            )
            .required(),
        )
        .field(
            Field::radios(
                "uncovered",
                ui.t("field-uncovered"),
                sila_domain::protocol::Uncovered::ALL
                    .iter()
                    .map(|choice| (choice.code().to_string(), ui.t(&format!("uncovered-{}", choice.code()))))
                    .collect(),
                &data.get("uncovered").unwrap_or_else(|| {
                    latest
                        .map(|p| p.uncovered)
                        .unwrap_or(sila_domain::protocol::Uncovered::RoleAndAge)
                        .code()
                        .to_string()
                }),
            )
            .required(),
        );
    for priority in Priority::ALL {
        for step in Step::ALL {
            let name = deadline_name(priority, step);
            let hours = match latest.and_then(|protocol| protocol.deadlines.get(priority, step)) {
                Some(within) if fresh => (within.as_secs() / 3600).to_string(),
                _ => data.text(&name),
            };
            let label = format!(
                "{} — {} ({})",
                ui.t(&format!("priority-{}", priority.code())),
                ui.t(&format!("step-{}", step.code())),
                ui.t("admin-hours")
            );
            form = form.field(Field::code(&name, label, hours));
        }
    }
    Ok(form)
}

/// A protocol error's field on the form. The deadline boxes are checked here before the
/// use case sees them (as whole hours), so their errors already carry the box's name.
fn protocol_field(field: &str) -> String {
    if field.starts_with("deadline.") { field.to_string() } else { base_field(field) }
}

async fn protocol_page<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    data: &FormData,
    error: Option<AppError>,
    added: bool,
) -> Result<AdminPage<'a>, AppError> {
    administrator(viewer)?;
    let ui = Ui::new(state, viewer, "/admin/protocols", "admin-protocols-title");
    let agencies = state.app.agencies(&viewer.actor).await?;
    let name = |id| {
        agencies
            .iter()
            .find(|agency| agency.id == id)
            .map(|agency| ui.pick(&agency.name_ar, &agency.name_en).to_string())
            .unwrap_or_default()
    };
    let mut protocols = state.app.protocols(&viewer.actor).await?;
    protocols.sort_by_key(|protocol| std::cmp::Reverse((protocol.valid_from, protocol.version)));
    let rows = protocols
        .iter()
        .map(|protocol| {
            let from: Shown = ui.date(protocol.valid_from);
            vec![
                format!("{} ↔ {}", name(protocol.agency_a), name(protocol.agency_b)),
                protocol.version.to_string(),
                from.text,
                protocol.valid_until.map(|until| ui.date(until).text).unwrap_or_default(),
                protocol
                    .data_classes
                    .iter()
                    .map(|class| ui.t(&format!("class-{}", class.code())))
                    .collect::<Vec<_>>()
                    .join(ui.pick("، ", ", ")),
                if protocol.accepted() {
                    ui.t("protocol-accepted")
                } else {
                    let waiting = [protocol.agency_a, protocol.agency_b]
                        .into_iter()
                        .filter(|agency| !protocol.accepted_by.contains(agency))
                        .map(name)
                        .collect::<Vec<_>>()
                        .join(ui.pick("، ", ", "));
                    ui.t1("protocol-waiting", "agency", &waiting)
                },
            ]
        })
        .collect();
    let headers = vec![
        ui.t("admin-protocol-between"),
        ui.t("field-version"),
        ui.t("field-valid_from"),
        ui.t("field-valid_until"),
        ui.t("field-data_classes"),
        ui.t("field-acceptance"),
    ];
    // The versions the other party proposed, waiting for this agency's acceptance.
    let own = viewer.actor.agency.id;
    let actions = protocols
        .iter()
        .filter(|protocol| protocol.agency_a == own || protocol.agency_b == own)
        .filter(|protocol| !protocol.revoked && !protocol.accepted_by.contains(&own))
        .map(|protocol| {
            let label = format!("{} ↔ {} — {}", name(protocol.agency_a), name(protocol.agency_b), protocol.version);
            Form::post(
                &format!("accept-{}", protocol.id),
                &format!("/admin/protocols/{}/accept", protocol.id),
                ui.t("protocol-accept"),
            )
            .legend(ui.t1("protocol-accept-legend", "protocol", &label))
        })
        .collect();
    let mut form = protocol_form(state, viewer, &ui, data).await?;
    if let Some(error) = error {
        form = form.with_error(&ui, error, &protocol_field);
    }
    Ok(AdminPage { lead: ui.t("admin-protocols-lead"), ui, headers, rows, actions, form, added })
}

async fn protocols_page(
    State(state): State<AppState>,
    viewer: Viewer,
    query: axum::extract::Query<Added>,
) -> PageResult {
    let page = protocol_page(&state, &viewer, &FormData::default(), None, query.added.is_some()).await;
    answer(&state, &viewer, page, StatusCode::OK)
}

async fn accept_protocol(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let id = sila_domain::ids::ProtocolId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    match state.app.accept_protocol(&viewer.actor, id, &RequestContext::default()).await {
        Ok(_) => Ok(see_other("/admin/protocols?added=1")),
        Err(error) => {
            let status = super::status_of(&error);
            let page = protocol_page(&state, &viewer, &FormData::default(), Some(error), false).await;
            answer(&state, &viewer, page, status)
        }
    }
}

async fn create_protocol(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let mut deadlines = Vec::new();
    let mut problems = Vec::new();
    for priority in Priority::ALL {
        for step in Step::ALL {
            let name = deadline_name(priority, step);
            match data.filled(&name).map(|text| sila_domain::time::ascii_digits(text.trim()).parse::<i64>()) {
                None => {}
                Some(Ok(hours)) if (1..=24 * 365).contains(&hours) => {
                    deadlines.push((priority.code().to_string(), step.code().to_string(), hours * 60));
                }
                Some(_) => problems.push(sila_domain::FieldError::new(name, sila_domain::Problem::UnknownValue)),
            }
        }
    }
    let result = if problems.is_empty() {
        let input = ProtocolInput {
            agency_a_id: viewer.actor.agency.id.to_string(),
            agency_b_id: data.text("agency_b_id"),
            valid_from: data.text("valid_from"),
            valid_until: data.filled("valid_until"),
            document_ref: data.filled("document_ref"),
            categories: data.all("categories"),
            centre_first: data.all("centre_first"),
            data_classes: data.all("data_classes"),
            deadlines,
            uncovered: data.filled("uncovered"),
        };
        state.app.create_protocol(&viewer.actor, &input, &RequestContext::default()).await.map(|_| ())
    } else {
        Err(AppError::Invalid(problems))
    };
    match result {
        Ok(()) => Ok(see_other("/admin/protocols?added=1")),
        Err(error) => {
            let status = super::status_of(&error);
            // Deadline errors name the boxes as typed, not the list the use case saw.
            let page = protocol_page(&state, &viewer, &data, Some(error), false).await;
            answer(&state, &viewer, page, status)
        }
    }
}
