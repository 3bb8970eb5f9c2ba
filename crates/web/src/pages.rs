//! The pages: server-rendered HTML from compile-checked askama templates, in Arabic
//! (right-to-left, the default) or English, working without any script.
//!
//! Every page reaches data through the same `sila-app` use cases as the JSON API, so
//! Cedar decides and the audit log records each read exactly as for the API. A page
//! handler takes a [`Viewer`] (the signed-in user, or a redirect to the sign-in page),
//! builds a template struct holding a [`Ui`] (language, navigation, translations) and
//! renders it. Forms post back to the same path; on a validation error the form is
//! rendered again, filled with what was typed, with the translated message beside each
//! field and a summary at the top that links to them.

// Page handlers answer an error page (a `Response`) as their error: it is large, and it
// is what the handler returns anyway.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod admin_users;
mod alerts;
mod assets;
mod audit;
mod case_actions;
mod case_steps;
mod cases;
mod casework;
mod contact;
mod court;
mod dates;
mod engagement;
mod forms;
mod intake;
mod person_actions;
mod referrals;
mod sign_in;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use sila_app::{Actor, AppError};
use sila_domain::agency::Role;

use crate::AppState;
use crate::error::{ApiError, error_body, language_of};
use crate::i18n::{Catalogs, Lang};

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(assets::routes())
        .merge(sign_in::routes())
        .merge(account::routes())
        .merge(intake::routes())
        .merge(person_actions::routes())
        .merge(cases::routes())
        .merge(case_steps::routes())
        .merge(case_actions::routes())
        .merge(casework::routes())
        .merge(court::routes())
        .merge(contact::routes())
        .merge(engagement::routes())
        .merge(referrals::routes())
        .merge(admin::routes())
        .merge(admin_users::routes())
        .merge(alerts::routes())
        .merge(audit::routes())
}

/// The signed-in user of a page request. A request without a live session is sent to
/// the sign-in page (which brings the user back afterwards).
pub struct Viewer {
    /// Who.
    pub actor: Actor,
    /// The language of their pages (their saved choice).
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let back = parts.uri.path_and_query().map(|path| path.as_str().to_string()).unwrap_or_else(|| "/".into());
        let to_sign_in = || Redirect::to(&format!("/sign-in?next={}", urlencode(&back))).into_response();
        let Some(token) = crate::session::cookie(&parts.headers, crate::session::SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        // Sessions only: an API token put into the cookie opens no page.
        match state.app.authenticate_session(&token).await {
            Ok(authenticated) if !authenticated.enrolment_only => {
                let lang = if authenticated.actor.user.language == "en" { Lang::En } else { Lang::Ar };
                Ok(Viewer { actor: authenticated.actor, lang })
            }
            Ok(_) => Err(Redirect::to("/sign-in/enrol").into_response()),
            Err(AppError::Unauthenticated) => Err(to_sign_in()),
            Err(error) => Err(problem_page(state, language_of(&parts.headers), None, &ApiError::from(error))),
        }
    }
}

/// One entry of the navigation.
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: String,
    /// Whether the page shown is under it.
    pub current: bool,
}

/// What every page template needs: the language, translations, the navigation for
/// the user's roles, and where the page is (for the language switch to come back).
pub struct Ui<'a> {
    /// The language.
    pub lang: Lang,
    catalogs: &'a Catalogs,
    /// The navigation (empty before sign-in).
    pub nav: Vec<NavItem>,
    /// The signed-in user's display name and agency.
    pub user: Option<(String, String)>,
    /// The path of this page, for the language switch.
    pub here: String,
    /// The page title.
    pub title: String,
}

impl<'a> Ui<'a> {
    /// The frame of a page for `viewer`, titled by the message `title`.
    pub fn new(state: &'a AppState, viewer: &Viewer, here: &str, title: &str) -> Ui<'a> {
        let mut ui = Ui::anonymous(state, viewer.lang, here, title);
        let agency = match viewer.lang {
            Lang::Ar => viewer.actor.agency.name_ar.clone(),
            Lang::En => viewer.actor.agency.name_en.clone(),
        };
        ui.user = Some((viewer.actor.user.display_name.clone(), agency));
        ui.nav = navigation(&viewer.actor)
            .into_iter()
            .map(|(href, key)| NavItem {
                href,
                label: ui.t(key),
                current: here == href
                    || (href != "/" && here.starts_with(href) && here[href.len()..].starts_with(['/', '?'])),
            })
            .collect();
        ui
    }

    /// The frame of a page before sign-in.
    pub fn anonymous(state: &'a AppState, lang: Lang, here: &str, title: &str) -> Ui<'a> {
        let mut ui = Ui {
            lang,
            catalogs: &state.catalogs,
            nav: Vec::new(),
            user: None,
            here: here.into(),
            title: String::new(),
        };
        ui.title = ui.t(title);
        ui
    }

    /// The catalogs.
    pub fn catalogs(&self) -> &Catalogs {
        self.catalogs
    }

    /// The message `key`. A key missing from the catalog shows as `⟦key⟧`, which the
    /// page tests look for on every page they open.
    pub fn t(&self, key: &str) -> String {
        self.catalogs.message(self.lang, key, &[]).unwrap_or_else(|| format!("⟦{key}⟧"))
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.catalogs.message(self.lang, key, &[(name, value.to_string())]).unwrap_or_else(|| format!("⟦{key}⟧"))
    }

    /// The message `key`, or `fallback` shown as it is when the catalog has none (a
    /// code from the database, such as a category added by an administrator).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        self.catalogs.message(self.lang, key, &[]).unwrap_or_else(|| fallback.to_string())
    }

    /// `ar` or `en`.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// `rtl` or `ltr`.
    pub fn dir(&self) -> &'static str {
        match self.lang {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }

    /// The other language's code.
    pub fn other(&self) -> &'static str {
        match self.lang {
            Lang::Ar => "en",
            Lang::En => "ar",
        }
    }

    /// The other language's name, in that language.
    pub fn other_name(&self) -> &'static str {
        match self.lang {
            Lang::Ar => "English",
            Lang::En => "العربية",
        }
    }

    /// The name of an agency or office in the page's language.
    pub fn pick<'b>(&self, arabic: &'b str, english: &'b str) -> &'b str {
        match self.lang {
            Lang::Ar => arabic,
            Lang::En => english,
        }
    }

    /// The path of the stylesheet, versioned by its content so browsers may keep it.
    pub fn stylesheet(&self) -> &'static str {
        assets::stylesheet_path()
    }
}

/// The navigation a user's roles call for: the places of their daily work. What each
/// screen shows is still decided per record by the policy.
fn navigation(actor: &Actor) -> Vec<(&'static str, &'static str)> {
    let roles = &actor.user.roles;
    let has = |role: Role| roles.contains(&role);
    let mut items: Vec<(&'static str, &'static str)> = Vec::new();
    let mut add = |item: (&'static str, &'static str)| {
        if !items.contains(&item) {
            items.push(item);
        }
    };
    if has(Role::PoliceOfficer) {
        add(("/intake", "nav-intake"));
        add(("/cases", "nav-cases"));
        add(("/referrals/outgoing", "nav-outgoing"));
    }
    if has(Role::PoliceSupervisor) {
        add(("/cases", "nav-cases"));
        add(("/referrals/outgoing", "nav-outgoing"));
    }
    if has(Role::DeskCoordinator) || has(Role::CentreManager) {
        add(("/referrals/incoming", "nav-incoming"));
        add(("/cases", "nav-cases"));
    }
    if has(Role::CentreManager) || has(Role::PoliceSupervisor) {
        add(("/approvals", "nav-approvals"));
    }
    if [Role::Caseworker, Role::Psychologist, Role::LegalAdvisor, Role::FamilyCounsellor].into_iter().any(has) {
        add(("/cases", "nav-cases"));
    }
    // Court orders are carried out at centres (Wifaq in the seed data); centres give
    // consultations; police and centres hold awareness activities.
    let centre = actor.agency.kind == sila_domain::agency::AgencyKind::Centre;
    if centre && actor.user.reads_case_content() {
        add(("/consultations", "nav-consultations"));
    }
    if actor.user.reads_case_content() {
        add(("/activities", "nav-activities"));
    }
    if centre {
        if has(Role::FamilyCounsellor) || has(Role::CentreManager) {
            add(("/court-orders", "nav-court-orders"));
        }
        if has(Role::DeskCoordinator) || has(Role::CentreManager) {
            add(("/visits", "nav-visits"));
        }
    }
    let works = [
        Role::PoliceOfficer,
        Role::PoliceSupervisor,
        Role::DeskCoordinator,
        Role::Caseworker,
        Role::Psychologist,
        Role::LegalAdvisor,
        Role::FamilyCounsellor,
        Role::CentreManager,
    ];
    if works.into_iter().any(has) {
        add(("/alerts", "nav-alerts"));
    }
    if has(Role::Administrator) {
        add(("/admin/offices", "nav-offices"));
        add(("/admin/users", "nav-users"));
        add(("/admin/requests", "nav-requests"));
        add(("/admin/protocols", "nav-protocols"));
        add(("/admin/directory", "nav-directory"));
    }
    if has(Role::Auditor) {
        add(("/audit", "nav-audit"));
    }
    // Administrators hear of account changes waiting for them, auditors of account
    // changes and of storms of failed sign-ins.
    if has(Role::Administrator) || has(Role::Auditor) {
        add(("/alerts", "nav-alerts"));
    }
    items
}

/// Renders a template into an HTML answer.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "a page template failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Renders a template with a status other than 200 (a form sent back with errors).
pub fn render_with(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

/// A redirect after a successful post (303: the browser follows with a GET).
pub fn see_other(path: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(path) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The page of an error that is not about a form field: not allowed, not found, a
/// rule of the protocol, a lifecycle step that is not possible.
#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage<'a> {
    ui: Ui<'a>,
    message: String,
    back: Option<String>,
}

/// The answer for an error outside a form: a page in the user's language with the
/// status of the API's answer for the same error.
pub fn problem_page(state: &AppState, lang: Lang, viewer: Option<&Viewer>, error: &ApiError) -> Response {
    if error.code == "not_signed_in" {
        return Redirect::to("/sign-in").into_response();
    }
    let message = message_of(state, lang, error);
    let title = match error.status {
        StatusCode::NOT_FOUND => "page-not-found",
        StatusCode::FORBIDDEN => "page-forbidden",
        _ => "page-problem",
    };
    let ui = match viewer {
        Some(viewer) => Ui::new(state, viewer, "", title),
        None => Ui::anonymous(state, lang, "", title),
    };
    render_with(error.status, &ProblemPage { ui, message, back: None })
}

/// The translated message of an error, as the API would say it.
pub fn message_of(state: &AppState, lang: Lang, error: &ApiError) -> String {
    error_body(&state.catalogs, lang, error)["error"]["message"].as_str().unwrap_or_default().to_string()
}

/// The HTTP status the API answers an error with; a page refusing a form uses it too.
pub fn status_of(error: &AppError) -> StatusCode {
    ApiError::from(error.clone()).status
}

/// [`message_of`] for a page already framed.
pub fn message_of_catalogs(ui: &Ui<'_>, error: &ApiError) -> String {
    error_body(ui.catalogs, ui.lang, error)["error"]["message"].as_str().unwrap_or_default().to_string()
}

/// A page handler's result: the page, or an error page.
pub type PageResult = Result<Response, Response>;

/// Turns a use-case error into the error page for `viewer`.
pub fn fail(state: &AppState, viewer: &Viewer) -> impl Fn(AppError) -> Response {
    move |error| problem_page(state, viewer.lang, Some(viewer), &ApiError::from(error))
}

async fn home(State(state): State<AppState>, viewer: Result<Viewer, Response>) -> Response {
    match viewer {
        Ok(viewer) => match navigation(&viewer.actor).first() {
            Some((href, _)) => Redirect::to(href).into_response(),
            None => {
                let ui = Ui::new(&state, &viewer, "/", "page-title");
                let message = ui.t("page-nothing-to-do");
                render(&ProblemPage { ui, message, back: None })
            }
        },
        Err(_) => Redirect::to("/sign-in").into_response(),
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The path of this site a `next` or `back` parameter names, or `None` when it names
/// anything else. The target is resolved the way a browser resolves a `Location`
/// header — WHATWG URL parsing, which drops tabs and newlines and reads `\` as `/` —
/// against this site's origin, and kept only if the origin is unchanged; the path
/// answered is the parser's own serialisation, checked again the same way, so what the
/// browser receives is exactly what was checked (`/\t/evil.example`, `/\\evil.example`
/// and `/.//evil.example` all answer `None`).
pub fn local_path(target: &str) -> Option<String> {
    let base = url::Url::parse("http://sila.invalid/").ok()?;
    let resolved = base.join(target).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let mut path = resolved.path().to_string();
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    let again = base.join(&path).ok()?;
    let plain = !path.chars().any(|ch| ch == '\\' || ch.is_control() || ch.is_whitespace());
    (plain && again == resolved && again.origin() == base.origin()).then_some(path)
}

#[cfg(test)]
mod tests {
    use crate::i18n::{ARABIC, ENGLISH, keys};

    /// Every message key written literally in a page's code or template exists in both
    /// catalogs (keys built at run time are caught by the browser tests, which fail on
    /// any `⟦key⟧` shown).
    #[test]
    fn every_literal_key_of_the_pages_is_in_both_catalogs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = vec![std::fs::read_to_string(root.join("src/pages.rs")).expect("the pages module")];
        for dir in ["src/pages", "templates"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("the directory is there") {
                let path = entry.expect("an entry").path();
                sources.push(std::fs::read_to_string(&path).expect("a text file"));
            }
        }
        let arabic = keys(ARABIC);
        let english = keys(ENGLISH);
        let mut used = std::collections::BTreeSet::new();
        for source in &sources {
            for call in [".t(\"", ".t1(\"", "Ui::new(&state, &viewer, \"", "Ui::anonymous(&state, lang, \""] {
                for piece in source.split(call).skip(1) {
                    let key: String = piece.chars().take_while(|ch| *ch != '"').collect();
                    if !key.is_empty() && !key.starts_with('/') {
                        used.insert(key);
                    }
                }
            }
        }
        assert!(used.len() > 150, "the scan finds the pages' keys ({})", used.len());
        for key in &used {
            assert!(arabic.contains(key), "{key} is missing from ar.ftl");
            assert!(english.contains(key), "{key} is missing from en.ftl");
        }
    }

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(super::local_path("/cases/1").as_deref(), Some("/cases/1"));
        assert_eq!(super::local_path("/intake?q=x").as_deref(), Some("/intake?q=x"));
        // The same scheme without slashes is a path of this site, as browsers read it.
        assert_eq!(super::local_path("http:evil.example").as_deref(), Some("/evil.example"));
        assert_eq!(super::local_path("//evil.example/x"), None);
        assert_eq!(super::local_path("https://evil.example/"), None);
        assert_eq!(super::local_path("/\\evil.example"), None);
        assert_eq!(super::urlencode("/intake?q=نورة"), "/intake%3Fq%3D%D9%86%D9%88%D8%B1%D8%A9");
    }

    /// What browsers strip or rewrite before resolving a `Location`: a tab or newline
    /// inside `//`, a backslash, a dot segment before a second slash.
    #[test]
    fn an_open_redirect_through_stripped_characters_is_refused() {
        for target in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example/x",
            "\t//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/.//evil.example",
            "/%2e//evil.example",
            " //evil.example",
            "https:/\\evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
        ] {
            assert_eq!(super::local_path(target), None, "{target:?}");
        }
    }

    proptest::proptest! {
        /// Whatever is typed into `next` or `back`, what the site redirects to stays on
        /// the site, for any origin the site is served at.
        #[test]
        fn no_redirect_target_leaves_the_site(
            target in proptest::string::string_regex("[/\\\\\t\n\r .:@?#%2eEvilx\\x00-\\x1f\u{a0}\u{3000}\u{ff0f}]{0,24}").expect("a regex"),
            any in proptest::prelude::any::<String>(),
        ) {
            for candidate in [target.as_str(), any.as_str()] {
                if let Some(path) = super::local_path(candidate) {
                    proptest::prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{candidate:?} → {path:?}");
                    proptest::prop_assert!(!path.chars().any(|ch| ch.is_control() || ch == '\\' || ch.is_whitespace()), "{path:?}");
                    for origin in ["http://127.0.0.1:8080/", "https://sila.example/", "https://sila.example:8443/a/b"] {
                        let base = url::Url::parse(origin).expect("an origin");
                        let landed = base.join(&path).expect("a path resolves");
                        proptest::prop_assert_eq!(landed.origin(), base.origin(), "{:?} → {:?}", candidate, path);
                    }
                }
            }
        }
    }
}
