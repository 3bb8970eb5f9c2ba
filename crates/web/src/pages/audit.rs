//! (filled in below)

use axum::Router;

use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
