//! A user's own account: first use through a one-time set-up link (choose a password,
//! then enrol an authenticator on the enrolment page), and changing one's password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::AppError;
use sila_domain::Problem;

use super::cases::FormPage;
use super::forms::{Field, Form, FormData, same};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other};
use crate::AppState;
use crate::api::session::{session_cookies, set_cookie};
use crate::i18n::Lang;
use crate::session::{SESSION_COOKIE, cookie};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/set-up", get(setup_page).post(setup))
        .route("/account/password", get(password_page).post(change_password))
}

/// The page of a set-up link: the form, or why the link does not work.
#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    ui: Ui<'a>,
    lead: String,
    form: Option<Form>,
}

#[derive(Deserialize)]
struct Token {
    token: Option<String>,
}

fn setup_form(ui: &Ui<'_>, token: &str) -> Form {
    Form::post("setup", "/set-up", ui.t("setup-submit"))
        .hidden("token", token)
        .field(
            Field::password("password", ui.t("field-new_password"))
                .hint(ui.t("setup-password-hint"))
                .required()
                .autocomplete("new-password"),
        )
        .field(
            Field::password("password_repeat", ui.t("field-password_repeat")).required().autocomplete("new-password"),
        )
}

/// The page of a link that does not work (used, replaced, expired or never issued).
fn link_not_valid(state: &AppState, lang: Lang) -> Response {
    let ui = Ui::anonymous(state, lang, "/set-up", "setup-title");
    let lead = ui.t("setup-link-not-valid");
    render_with(StatusCode::NOT_FOUND, &SetupPage { ui, lead, form: None })
}

async fn setup_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<Token>) -> Response {
    let lang = super::sign_in::page_language(&headers);
    let token = query.token.unwrap_or_default();
    let username = match state.app.setup_link_username(&token).await {
        Ok(Some(username)) => username,
        Ok(None) => return link_not_valid(&state, lang),
        Err(error) => return super::problem_page(&state, lang, None, &error.into()),
    };
    let ui = Ui::anonymous(&state, lang, "/set-up", "setup-title");
    let lead = ui.t1("setup-lead", "username", &username);
    let mut form = setup_form(&ui, &token);
    if let Some(field) = form.fields.first_mut() {
        field.autofocus = true;
    }
    render(&SetupPage { ui, lead, form: Some(form) })
}

async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(data): Posted<Vec<(String, String)>>,
) -> Response {
    let data = FormData(data);
    let lang = super::sign_in::page_language(&headers);
    let token = data.text("token");
    match state
        .app
        .complete_setup(
            &token,
            &data.get("password").unwrap_or_default(),
            &data.get("password_repeat").unwrap_or_default(),
        )
        .await
    {
        Ok(session) => {
            let mut response = see_other("/sign-in/enrol");
            for cookie in session_cookies(&state, &headers, &session) {
                set_cookie(&mut response, &cookie);
            }
            response
        }
        Err(AppError::Invalid(errors)) if errors.iter().any(|error| error.problem == Problem::LinkNotValid) => {
            link_not_valid(&state, lang)
        }
        Err(error) => {
            let username = state.app.setup_link_username(&token).await.ok().flatten().unwrap_or_default();
            let ui = Ui::anonymous(&state, lang, "/set-up", "setup-title");
            let lead = ui.t1("setup-lead", "username", &username);
            let status = super::status_of(&error);
            let form = setup_form(&ui, &token).with_error(&ui, error, &same);
            render_with(status, &SetupPage { ui, lead, form: Some(form) })
        }
    }
}

#[derive(Deserialize)]
struct Changed {
    changed: Option<String>,
}

fn password_form(ui: &Ui<'_>) -> Form {
    Form::post("password", "/account/password", ui.t("password-submit"))
        .field(
            Field::password("current_password", ui.t("field-current_password"))
                .required()
                .autocomplete("current-password"),
        )
        .field(
            Field::password("password", ui.t("field-new_password"))
                .hint(ui.t("setup-password-hint"))
                .required()
                .autocomplete("new-password"),
        )
        .field(
            Field::password("password_repeat", ui.t("field-password_repeat")).required().autocomplete("new-password"),
        )
}

async fn password_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<Changed>) -> PageResult {
    let ui = Ui::new(&state, &viewer, "/account/password", "password-title");
    let lead = if query.changed.is_some() { ui.t("password-changed") } else { ui.t("password-lead") };
    let form = password_form(&ui);
    Ok(render(&FormPage { ui, lead, form, back: None }))
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let result = state
        .app
        .change_password(
            &viewer.actor,
            &token,
            &data.get("current_password").unwrap_or_default(),
            &data.get("password").unwrap_or_default(),
            &data.get("password_repeat").unwrap_or_default(),
        )
        .await;
    match result {
        Ok(()) => Ok(see_other("/account/password?changed=1")),
        Err(error @ (AppError::Invalid(_) | AppError::TooManyAttempts { .. })) => {
            let ui = Ui::new(&state, &viewer, "/account/password", "password-title");
            let lead = ui.t("password-lead");
            let status = super::status_of(&error);
            let form = password_form(&ui).with_error(&ui, error, &same);
            Ok(render_with(status, &FormPage { ui, lead, form, back: None }))
        }
        Err(error) => Err(fail(&state, &viewer)(error)),
    }
}
