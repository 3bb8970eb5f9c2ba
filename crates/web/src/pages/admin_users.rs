//! The administrator's pages for the people of their agency: the users, each user's
//! roles, a reset of their sign-in and disabling them, and the changes that wait for a
//! second administrator. No page ever shows or asks for someone else's password: a new
//! account, or one whose sign-in was reset, gets a one-time set-up link, shown once to
//! the administrator who hands it over.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::auth::{AccountChange, SetupLinkIssued, UserInput};
use sila_app::{AccountRequest, AppError, RequestContext};
use sila_domain::agency::{Role, User};

use super::dates::Shown;
use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{id}", get(user_page))
        .route("/admin/users/{id}/roles", post(change_roles))
        .route("/admin/users/{id}/reset", post(reset_sign_in))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/requests", get(requests_page))
        .route("/admin/requests/{id}", post(decide))
}

fn administrator(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.actor.user.has_role(Role::Administrator) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The roles an administrator of the viewer's agency may give, with their labels.
fn role_choices(ui: &Ui<'_>, viewer: &Viewer) -> Vec<(String, String)> {
    let kind = viewer.actor.agency.kind;
    Role::ALL
        .into_iter()
        .filter(|role| role.agency_kind().is_none_or(|wanted| wanted == kind))
        .map(|role| (role.code().to_string(), ui.t(&format!("user-role-{}", role.code()))))
        .collect()
}

fn role_names(ui: &Ui<'_>, roles: &BTreeSet<Role>) -> String {
    let names: Vec<String> = roles.iter().map(|role| ui.t(&format!("user-role-{}", role.code()))).collect();
    names.join(ui.pick("، ", ", "))
}

/// One user in the list.
pub struct UserRow {
    href: String,
    username: String,
    display_name: String,
    roles: String,
    status: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    ui: Ui<'a>,
    notice: Option<String>,
    rows: Vec<UserRow>,
    form: Form,
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

fn notice(ui: &Ui<'_>, done: Option<&str>) -> Option<String> {
    match done {
        Some("applied") => Some(ui.t("admin-user-applied")),
        Some("waiting") => Some(ui.t("admin-user-waiting")),
        Some("disabled") => Some(ui.t("admin-user-disabled-now")),
        Some("decided") => Some(ui.t("admin-request-decided")),
        _ => None,
    }
}

fn user_form(ui: &Ui<'_>, viewer: &Viewer, offices: &[sila_domain::agency::Office], data: &FormData) -> Form {
    let own: Vec<(String, String)> = offices
        .iter()
        .filter(|office| office.agency_id == viewer.actor.agency.id)
        .map(|office| (office.id.to_string(), ui.pick(&office.name_ar, &office.name_en).to_string()))
        .collect();
    let languages = vec![("ar".to_string(), "العربية".to_string()), ("en".to_string(), "English".to_string())];
    Form::post("user", "/admin/users", ui.t("admin-user-submit"))
        .legend(ui.t("admin-user-new"))
        .field(Field::code("username", ui.t("field-username"), data.text("username")).required())
        .field(Field::text("display_name", ui.t("field-display_name"), data.text("display_name")).required())
        .field(
            Field::checkboxes("roles", ui.t("field-roles"), role_choices(ui, viewer), &data.all("roles"))
                .hint(ui.t("admin-user-roles-hint"))
                .required(),
        )
        .field(Field::checkboxes("office_ids", ui.t("field-office_ids"), own, &data.all("office_ids")))
        .field(Field::radios(
            "language",
            ui.t("field-language"),
            languages,
            &data.get("language").unwrap_or_else(|| "ar".into()),
        ))
}

/// The users whose account change waits for a second administrator.
fn waiting_users(requests: &[AccountRequest]) -> BTreeSet<sila_domain::ids::UserId> {
    requests.iter().filter(|request| request.decided_at.is_none()).map(|request| request.user_id).collect()
}

async fn users_view<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    data: &FormData,
    error: Option<AppError>,
    done: Option<&str>,
) -> Result<UsersPage<'a>, AppError> {
    administrator(viewer)?;
    let ui = Ui::new(state, viewer, "/admin/users", "admin-users-title");
    let users = state.app.colleagues(&viewer.actor).await?;
    let offices = state.app.offices(&viewer.actor).await?;
    let waiting = waiting_users(&state.app.account_requests(&viewer.actor).await?);
    let rows = users
        .iter()
        .map(|user| UserRow {
            href: format!("/admin/users/{}", user.id),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            roles: role_names(&ui, &user.roles),
            status: status(&ui, user, &waiting),
        })
        .collect();
    let mut form = user_form(&ui, viewer, &offices, data);
    if let Some(error) = error {
        form = form.with_error(&ui, error, &base_field);
    }
    Ok(UsersPage { notice: notice(&ui, done), ui, rows, form })
}

fn status(ui: &Ui<'_>, user: &User, waiting: &BTreeSet<sila_domain::ids::UserId>) -> String {
    if user.disabled {
        ui.t("admin-user-disabled")
    } else if waiting.contains(&user.id) {
        ui.t("admin-user-waiting-status")
    } else {
        ui.t("admin-user-active")
    }
}

async fn users_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<Notice>) -> PageResult {
    let page = users_view(&state, &viewer, &FormData::default(), None, query.done.as_deref()).await;
    page.map(|page| render(&page)).map_err(fail(&state, &viewer))
}

/// The page that shows a set-up link, once.
#[derive(Template)]
#[template(path = "setup_link.html")]
struct SetupLinkPage<'a> {
    ui: Ui<'a>,
    lead: String,
    url: String,
    until: Shown,
}

fn setup_link_page(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    username: &str,
    link: &SetupLinkIssued,
) -> PageResult {
    let ui = Ui::new(state, viewer, "/admin/users", "setup-link-title");
    let url = crate::api::types::SetupLinkOut::new(&crate::api::directory::link_base(state, headers), link).url;
    let lead = ui.t1("setup-link-lead", "username", username);
    let until = ui.instant(link.expires_at);
    Ok(render(&SetupLinkPage { ui, lead, url, until }))
}

async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let input = UserInput {
        username: data.text("username"),
        display_name: data.text("display_name"),
        roles: data.all("roles"),
        agency_id: viewer.actor.agency.id.to_string(),
        office_ids: data.all("office_ids"),
        language: data.filled("language"),
    };
    match state.app.create_user_with_context(Some(&viewer.actor), &input, &RequestContext::default()).await {
        Ok(created) => match &created.setup_link {
            Some(link) => setup_link_page(&state, &viewer, &headers, &created.user.username, link),
            None => Ok(see_other("/admin/users?done=waiting")),
        },
        Err(error @ AppError::Invalid(_)) => {
            let status = super::status_of(&error);
            let page = users_view(&state, &viewer, &data, Some(error), None).await.map_err(fail(&state, &viewer))?;
            Ok(render_with(status, &page))
        }
        Err(error) => Err(fail(&state, &viewer)(error)),
    }
}

/// One user's page: who they are, and what an administrator may change.
#[derive(Template)]
#[template(path = "user.html")]
struct UserPage<'a> {
    ui: Ui<'a>,
    notice: Option<String>,
    facts: Vec<(String, String)>,
    forms: Vec<Form>,
}

async fn user_view<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    id: &str,
    roles_data: Option<&FormData>,
    error: Option<AppError>,
    done: Option<&str>,
) -> Result<UserPage<'a>, AppError> {
    administrator(viewer)?;
    let users = state.app.colleagues(&viewer.actor).await?;
    let user = users.iter().find(|user| user.id.to_string() == id).ok_or(AppError::NotFound)?;
    let waiting = waiting_users(&state.app.account_requests(&viewer.actor).await?);
    let mut ui = Ui::new(state, viewer, "/admin/users", "admin-user-title");
    ui.title = user.display_name.clone();
    let facts = vec![
        (ui.t("field-username"), user.username.clone()),
        (ui.t("field-roles"), role_names(&ui, &user.roles)),
        (ui.t("field-status"), status(&ui, user, &waiting)),
    ];
    let chosen: Vec<String> = match roles_data {
        Some(data) => data.all("roles"),
        None => user.roles.iter().map(|role| role.code().to_string()).collect(),
    };
    let mut roles = Form::post("roles", &format!("/admin/users/{}/roles", user.id), ui.t("admin-user-roles-submit"))
        .legend(ui.t("admin-user-roles"))
        .field(
            Field::checkboxes("roles", ui.t("field-roles"), role_choices(&ui, viewer), &chosen)
                .hint(ui.t("admin-user-roles-hint")),
        );
    if let Some(error) = error {
        roles = roles.with_error(&ui, error, &base_field);
    }
    let mut forms = vec![roles];
    if !user.disabled {
        forms.push(
            Form::post("reset", &format!("/admin/users/{}/reset", user.id), ui.t("admin-user-reset-submit"))
                .legend(ui.t("admin-user-reset"))
                .field(Field::checkbox("confirm", ui.t("admin-user-reset-confirm"), false)),
        );
        forms.push(
            Form::post("disable", &format!("/admin/users/{}/disable", user.id), ui.t("admin-user-disable-submit"))
                .legend(ui.t("admin-user-disable"))
                .danger()
                .field(Field::checkbox("confirm", ui.t("admin-user-disable-confirm"), false)),
        );
    }
    Ok(UserPage { notice: notice(&ui, done), ui, facts, forms })
}

async fn user_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<Notice>,
) -> PageResult {
    let page = user_view(&state, &viewer, &id, None, None, query.done.as_deref()).await;
    page.map(|page| render(&page)).map_err(fail(&state, &viewer))
}

async fn change_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    match state.app.set_user_roles(&viewer.actor, &id, &data.all("roles"), &RequestContext::default()).await {
        Ok(AccountChange::Applied) => Ok(see_other(&format!("/admin/users/{id}?done=applied"))),
        Ok(AccountChange::Waiting(_)) => Ok(see_other(&format!("/admin/users/{id}?done=waiting"))),
        Err(error @ AppError::Invalid(_)) => {
            let status = super::status_of(&error);
            let page =
                user_view(&state, &viewer, &id, Some(&data), Some(error), None).await.map_err(fail(&state, &viewer))?;
            Ok(render_with(status, &page))
        }
        Err(error) => Err(fail(&state, &viewer)(error)),
    }
}

/// An irreversible step on a user's page: refused, with the page shown again, unless
/// its box is ticked.
async fn confirmed_step(state: &AppState, viewer: &Viewer, id: &str, data: &FormData) -> Result<(), PageResult> {
    if let Err(error) = data.confirmed() {
        let status = super::status_of(&error);
        let mut page =
            user_view(state, viewer, id, None, None, None).await.map_err(|error| Err(fail(state, viewer)(error)))?;
        let ui = &page.ui;
        let message = super::message_of_catalogs(ui, &crate::error::ApiError::from(error));
        page.notice = Some(message);
        return Err(Ok(render_with(status, &page)));
    }
    Ok(())
}

async fn reset_sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    if let Err(answer) = confirmed_step(&state, &viewer, &id, &data).await {
        return answer;
    }
    state
        .app
        .request_sign_in_reset(&viewer.actor, &id, &RequestContext::default())
        .await
        .map_err(fail(&state, &viewer))?;
    Ok(see_other(&format!("/admin/users/{id}?done=waiting")))
}

async fn disable(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    if let Err(answer) = confirmed_step(&state, &viewer, &id, &data).await {
        return answer;
    }
    state.app.disable_user(&viewer.actor, &id, &RequestContext::default()).await.map_err(fail(&state, &viewer))?;
    Ok(see_other(&format!("/admin/users/{id}?done=disabled")))
}

/// One request as the list shows it.
pub struct RequestRow {
    user: String,
    href: String,
    what: String,
    asked_by: String,
    asked_at: Shown,
    outcome: String,
    forms: Vec<Form>,
}

#[derive(Template)]
#[template(path = "account_requests.html")]
struct RequestsPage<'a> {
    ui: Ui<'a>,
    notice: Option<String>,
    rows: Vec<RequestRow>,
}

async fn requests_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<Notice>) -> PageResult {
    let fail = fail(&state, &viewer);
    administrator(&viewer).map_err(&fail)?;
    let ui = Ui::new(&state, &viewer, "/admin/requests", "admin-requests-title");
    let requests = state.app.account_requests(&viewer.actor).await.map_err(&fail)?;
    let users: BTreeMap<_, _> =
        state.app.colleagues(&viewer.actor).await.map_err(&fail)?.into_iter().map(|user| (user.id, user)).collect();
    let name = |id: Option<sila_domain::ids::UserId>| match id.and_then(|id| users.get(&id)) {
        Some(user) => user.username.clone(),
        None => ui.t("admin-request-operator"),
    };
    let rows = requests
        .iter()
        .map(|request| {
            let what = match request.kind.as_str() {
                "sign_in_reset" => ui.t("admin-request-kind-sign_in_reset"),
                kind => {
                    format!("{} — {}", ui.t(&format!("admin-request-kind-{kind}")), role_names(&ui, &request.roles))
                }
            };
            let outcome = match (request.decision.as_deref(), request.decided_by) {
                (Some(decision), by) => format!("{} ({})", ui.t(&format!("admin-request-{decision}")), name(by)),
                (None, _) => ui.t("admin-request-waiting"),
            };
            let id = request.id.hyphenated().to_string();
            let mine = request.requested_by == Some(viewer.actor.user.id) || request.user_id == viewer.actor.user.id;
            let forms = if request.decided_at.is_none() && !mine {
                vec![
                    Form::post(
                        &format!("approve-{id}"),
                        &format!("/admin/requests/{id}"),
                        ui.t("admin-request-approve"),
                    )
                    .hidden("decision", "approve"),
                    Form::post(&format!("reject-{id}"), &format!("/admin/requests/{id}"), ui.t("admin-request-reject"))
                        .hidden("decision", "reject")
                        .danger(),
                ]
            } else {
                Vec::new()
            };
            RequestRow {
                user: name(Some(request.user_id)),
                href: format!("/admin/users/{}", request.user_id),
                what,
                asked_by: name(request.requested_by),
                asked_at: ui.instant(request.requested_at),
                outcome,
                forms,
            }
        })
        .collect();
    Ok(render(&RequestsPage { notice: notice(&ui, query.done.as_deref()), ui, rows }))
}

async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let approve = data.get("decision").as_deref() == Some("approve");
    let decided = state
        .app
        .decide_account_request(&viewer.actor, &id, approve, &RequestContext::default())
        .await
        .map_err(fail(&state, &viewer))?;
    match &decided.setup_link {
        Some(link) => {
            let users = state.app.colleagues(&viewer.actor).await.map_err(fail(&state, &viewer))?;
            let username = users
                .iter()
                .find(|user| user.id == decided.request.user_id)
                .map(|user| user.username.clone())
                .unwrap_or_default();
            setup_link_page(&state, &viewer, &headers, &username, link)
        }
        None => Ok(see_other("/admin/requests?done=decided")),
    }
}
