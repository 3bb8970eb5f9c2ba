//! The stylesheet and the Arabic font, compiled into the binary: pages load nothing
//! from anywhere else. The stylesheet's path carries a hash of its content, so a
//! browser may keep it (and the fonts) for a year and still see every change.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

use crate::AppState;

const STYLESHEET: &str = include_str!("../../assets/sila.css");
/// Noto Sans Arabic (SIL Open Font License, `assets/fonts/OFL.txt`), from Debian's
/// `fonts-noto-core`.
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf");
const FONT_LICENSE: &str = include_str!("../../assets/fonts/OFL.txt");

static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest(STYLESHEET.as_bytes());
    let short: String = digest.iter().take(6).map(|byte| format!("{byte:02x}")).collect();
    format!("/assets/sila-{short}.css")
});

/// The stylesheet's current path.
pub fn stylesheet_path() -> &'static str {
    STYLESHEET_PATH.as_str()
}

/// The asset routes.
pub fn routes() -> axum::Router<AppState> {
    Router::new().route("/assets/{name}", get(asset)).route("/assets/fonts/{name}", get(font))
}

fn cached(content_type: &'static str, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    response
}

async fn asset(Path(name): Path<String>) -> Response {
    if format!("/assets/{name}") == stylesheet_path() {
        cached("text/css; charset=utf-8", STYLESHEET)
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn font(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "NotoSansArabic-Regular.ttf" => cached("font/ttf", FONT_REGULAR),
        "NotoSansArabic-Bold.ttf" => cached("font/ttf", FONT_BOLD),
        "OFL.txt" => cached("text/plain; charset=utf-8", FONT_LICENSE),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
