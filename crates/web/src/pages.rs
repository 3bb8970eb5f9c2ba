//! The pages. Until the full web application lands, the root page says what Sila is,
//! in Arabic (right-to-left) or English, and points to the API document.

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Html;
use axum::routing::get;

use crate::AppState;
use crate::error::request_language;
use crate::i18n::Lang;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>, request: Request) -> Html<String> {
    let lang = match request.uri().query() {
        Some(query) if query.contains("lang=en") => Lang::En,
        Some(query) if query.contains("lang=ar") => Lang::Ar,
        _ => request_language(&request),
    };
    let text = |key: &str| escape(&state.catalogs.text(lang, key));
    let (dir, other) = match lang {
        Lang::Ar => ("rtl", "en"),
        Lang::En => ("ltr", "ar"),
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n\
         <body>\n<main>\n<h1>{title}</h1>\n<p>{intro}</p>\n<p><a href=\"/api/openapi.json\">{api}</a></p>\n\
         <p><a href=\"/?lang={other}\" lang=\"{other}\">{switch}</a></p>\n</main>\n</body>\n</html>\n",
        lang = lang.code(),
        title = text("page-title"),
        intro = text("page-intro"),
        api = text("page-api"),
        switch = text("page-language-switch"),
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
