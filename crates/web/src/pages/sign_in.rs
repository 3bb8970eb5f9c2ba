//! Signing in (password, then the code of the authenticator app), enrolling in
//! two-factor sign-in on first use, signing out, and the language switch.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::AppError;

use super::forms::{Field, Form, FormData, same};
use super::{Ui, Viewer, local_path, render, render_with, see_other};
use crate::AppState;
use crate::api::session::{session_cookies, set_cookie};
use crate::error::language_of;
use crate::i18n::Lang;
use crate::session::{ClientAddress, SESSION_COOKIE, cookie, device_cookie, device_tokens, expired_session_cookie};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-in/enrol", get(enrol_page).post(enrol))
        .route("/sign-out", post(sign_out))
        .route("/language", post(language))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    ui: Ui<'a>,
    form: Form,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

fn sign_in_form(ui: &Ui<'_>, data: &FormData, next: &str) -> Form {
    Form::post("sign-in", "/sign-in", ui.t("sign-in-submit"))
        .hidden("next", next)
        .field(
            Field::text("username", ui.t("field-username"), data.text("username")).required().autocomplete("username"),
        )
        .field(Field::password("password", ui.t("field-password")).required().autocomplete("current-password"))
        .field(
            Field::code("totp", ui.t("field-totp"), String::new())
                .hint(ui.t("sign-in-totp-hint"))
                .autocomplete("one-time-code"),
        )
}

/// Before sign-in: the language chosen on this browser (the switch's cookie), else
/// the browser's own preference, else Arabic.
pub(super) fn page_language(headers: &HeaderMap) -> Lang {
    match cookie(headers, "sila_lang").as_deref() {
        Some("en") => Lang::En,
        Some("ar") => Lang::Ar,
        _ => language_of(headers),
    }
}

async fn sign_in_page(State(state): State<AppState>, headers: HeaderMap, Query(next): Query<Next>) -> Response {
    let lang = page_language(&headers);
    let ui = Ui::anonymous(&state, lang, "/sign-in", "sign-in-title");
    let next = next.next.as_deref().and_then(local_path).unwrap_or_else(|| "/".into());
    let mut form = sign_in_form(&ui, &FormData::default(), &next);
    if let Some(field) = form.fields.first_mut() {
        field.autofocus = true;
    }
    render(&SignInPage { ui, form })
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Posted(data): Posted<Vec<(String, String)>>,
) -> Response {
    let data = FormData(data);
    let lang = page_language(&headers);
    let ui = Ui::anonymous(&state, lang, "/sign-in", "sign-in-title");
    let next = data.get("next").as_deref().and_then(local_path).unwrap_or_else(|| "/".into());
    let form = sign_in_form(&ui, &data, &next);
    let username = data.text("username");
    let password = data.text("password");
    let mut missing = Vec::new();
    if username.trim().is_empty() {
        missing.push(sila_domain::FieldError::new("username", sila_domain::Problem::Required));
    }
    if password.is_empty() {
        missing.push(sila_domain::FieldError::new("password", sila_domain::Problem::Required));
    }
    if !missing.is_empty() {
        let form = form.with_error(&ui, AppError::Invalid(missing), &same);
        return render_with(StatusCode::BAD_REQUEST, &SignInPage { ui, form });
    }
    let attempt = sila_app::auth::SignIn {
        username,
        password,
        totp: data.filled("totp"),
        client,
        previous_token: cookie(&headers, SESSION_COOKIE),
        devices: device_tokens(&headers),
    };
    match state.app.sign_in(&attempt).await {
        Ok(session) => {
            let target = if session.enrolment_required { "/sign-in/enrol" } else { next.as_str() };
            let mut response = see_other(target);
            for cookie in session_cookies(&state, &headers, &session) {
                set_cookie(&mut response, &cookie);
            }
            // The user's saved language wins over the browser's from now on.
            let saved = if session.actor.user.language == "en" { "en" } else { "ar" };
            if let Ok(value) = HeaderValue::from_str(&language_cookie(saved, state.secure_cookies)) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => {
            let status = super::status_of(&error);
            let mut form = form.with_error(&ui, error, &same);
            if let Some(field) = form.fields.iter_mut().find(|field| field.name == "password") {
                field.autofocus = true;
            }
            render_with(status, &SignInPage { ui, form })
        }
    }
}

fn language_cookie(lang: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("sila_lang={lang}; Path=/; SameSite=Strict; Max-Age=31536000{secure}")
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, viewer: Result<Viewer, Response>) -> Response {
    if let (Ok(viewer), Some(token)) = (viewer, cookie(&headers, SESSION_COOKIE)) {
        let _ = state.app.sign_out(&viewer.actor, &token).await;
    }
    let mut response = see_other("/sign-in");
    if let Ok(value) = HeaderValue::from_str(&expired_session_cookie(state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Switches the language: saved for a signed-in user (so it follows them to any
/// computer), and in a cookie for the sign-in page.
async fn language(
    State(state): State<AppState>,
    viewer: Result<Viewer, Response>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> Response {
    let data = FormData(data);
    let lang = if data.get("lang").as_deref() == Some("en") { "en" } else { "ar" };
    if let Ok(viewer) = viewer
        && let Err(error) = state.app.set_language(&viewer.actor, lang).await
    {
        return super::problem_page(&state, viewer.lang, Some(&viewer), &error.into());
    }
    let back = data.get("back").filter(|back| !back.is_empty()).and_then(|back| local_path(&back));
    let mut response = see_other(back.as_deref().unwrap_or("/"));
    if let Ok(value) = HeaderValue::from_str(&language_cookie(lang, state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage<'a> {
    ui: Ui<'a>,
    secret: String,
    qr_svg: String,
    form: Form,
}

/// The session (actor and token) of a user who must enrol before anything else.
async fn enrolling(state: &AppState, headers: &HeaderMap) -> Option<(sila_app::Actor, String)> {
    let token = cookie(headers, SESSION_COOKIE)?;
    let authenticated = state.app.authenticate_session(&token).await.ok()?;
    authenticated.enrolment_only.then_some((authenticated.actor, token))
}

fn enrol_form(ui: &Ui<'_>) -> Form {
    Form::post("enrol", "/sign-in/enrol", ui.t("enrol-submit"))
        .field(Field::code("code", ui.t("field-code"), String::new()).required().autocomplete("one-time-code"))
}

async fn enrol_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = page_language(&headers);
    let Some((actor, _)) = enrolling(&state, &headers).await else { return see_other("/") };
    let ui = Ui::anonymous(&state, lang, "/sign-in/enrol", "enrol-title");
    match state.app.begin_totp_enrolment(&actor).await {
        Ok(enrolment) => {
            let form = enrol_form(&ui);
            render(&EnrolPage { ui, secret: enrolment.secret, qr_svg: enrolment.qr_svg, form })
        }
        Err(error) => super::problem_page(&state, lang, None, &error.into()),
    }
}

async fn enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(data): Posted<Vec<(String, String)>>,
) -> Response {
    let data = FormData(data);
    let lang = page_language(&headers);
    let Some((actor, token)) = enrolling(&state, &headers).await else { return see_other("/") };
    match state.app.confirm_totp_enrolment(&actor, &token, &data.text("code")).await {
        Ok(device) => {
            let mut response = see_other("/");
            set_cookie(&mut response, &device_cookie(&device, &device_tokens(&headers), state.secure_cookies));
            response
        }
        Err(error) => {
            let ui = Ui::anonymous(&state, lang, "/sign-in/enrol", "enrol-title");
            // The pending secret stays; the user types the next code of the same entry.
            let form = enrol_form(&ui).with_error(&ui, error, &|_| "code".into());
            render_with(StatusCode::BAD_REQUEST, &EnrolPage { ui, secret: String::new(), qr_svg: String::new(), form })
        }
    }
}
