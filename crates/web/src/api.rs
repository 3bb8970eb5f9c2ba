//! The JSON API of API.md: its types (the JSON edge — domain types never derive
//! `Serialize`), its handlers, and the OpenAPI 3.1 document generated from them.

pub mod audit;
pub mod cases;
pub mod casework;
pub mod contact;
pub mod court;
pub mod directory;
pub mod emergency;
pub mod engagement;
pub mod health;
pub mod persons;
pub mod referrals;
pub mod session;
pub mod types;

use axum::middleware;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sila API",
        description = "Confidential referral and case management between the community police and the family-protection centres. Errors carry a stable `code`, the `field` they concern, and a `message` in the language of `Accept-Language` (`ar` by default, or `en`).",
        license(name = "AGPL-3.0-or-later"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "directory", description = "Agencies, offices, categories, protocols"),
        (name = "persons", description = "Persons"),
        (name = "cases", description = "Cases, their persons, risk, consent and notes"),
        (name = "casework", description = "Centre case work: assessments, sessions, plan, services, follow-ups, attachments, closure and approvals"),
        (name = "court orders", description = "Family-court orders carried out at a centre: visits, events, the court report"),
        (name = "engagement", description = "Consultations and awareness activities, and their counts"),
        (name = "referrals", description = "Referrals and their lifecycle"),
        (name = "audit", description = "The audit log"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::session::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn routes(state: &AppState) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let public = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::create_session))
        .routes(routes!(session::setup))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(audit::public_key));
    // A file travels base64 in JSON: a third larger than itself, plus the envelope.
    let upload_limit = state.app.config().attachment_max_bytes / 3 * 4 + 64 * 1024;
    let uploads = OpenApiRouter::new()
        .routes(routes!(casework::add_attachment))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    let protected = OpenApiRouter::new()
        .routes(routes!(session::delete_session))
        .routes(routes!(session::me))
        .routes(routes!(session::begin_enrolment))
        .routes(routes!(session::confirm_enrolment))
        .routes(routes!(session::change_password))
        .routes(routes!(directory::agencies))
        .routes(routes!(directory::offices, directory::create_office))
        .routes(routes!(directory::categories))
        .routes(routes!(directory::list_protocols, directory::create_protocol))
        .routes(routes!(directory::accept_protocol))
        .routes(routes!(directory::users, directory::create_user))
        .routes(routes!(directory::set_user_roles))
        .routes(routes!(directory::disable_user))
        .routes(routes!(directory::request_sign_in_reset))
        .routes(routes!(directory::account_requests))
        .routes(routes!(directory::decide_account_request))
        .routes(routes!(persons::create_person))
        .routes(routes!(persons::search_persons))
        .routes(routes!(persons::get_person))
        .routes(routes!(persons::open_person))
        .routes(routes!(persons::merge_person))
        .routes(routes!(persons::unmerge_person))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::add_case_person))
        .routes(routes!(cases::assess_risk))
        .routes(routes!(cases::record_consent))
        .routes(routes!(cases::withdraw_consent))
        .routes(routes!(cases::create_note, cases::list_notes))
        .routes(routes!(cases::assign_case))
        .routes(routes!(casework::transfer_case))
        .routes(routes!(casework::assessment_forms, casework::add_assessment_form))
        .routes(routes!(casework::casework))
        .routes(routes!(casework::record_assessment))
        .routes(routes!(casework::book_session))
        .routes(routes!(casework::record_attendance))
        .routes(routes!(casework::calendar))
        .routes(routes!(casework::add_plan_item))
        .routes(routes!(casework::set_plan_status))
        .routes(routes!(casework::record_service))
        .routes(routes!(casework::add_follow_up))
        .routes(routes!(casework::complete_follow_up))
        .routes(routes!(casework::attachment))
        .routes(routes!(casework::close_case))
        .routes(routes!(casework::pending_approvals))
        .routes(routes!(casework::decide_approval))
        .routes(routes!(court::register_court_order))
        .routes(routes!(court::court_order))
        .routes(routes!(court::visits))
        .routes(routes!(court::visit))
        .routes(routes!(court::record_visit_event))
        .routes(routes!(court::send_codes))
        .routes(routes!(court::report))
        .routes(routes!(engagement::record_consultation, engagement::consultations))
        .routes(routes!(engagement::record_activity, engagement::activities))
        .routes(routes!(engagement::engagement_counts))
        .routes(routes!(cases::bypass_centre_first))
        .routes(routes!(emergency::break_glass))
        .routes(routes!(emergency::declare_conflict))
        .routes(routes!(emergency::alerts))
        .routes(routes!(referrals::create_referral, referrals::list_referrals))
        .routes(routes!(referrals::preview_referral))
        .routes(routes!(referrals::get_referral))
        .routes(routes!(referrals::transition_referral))
        .routes(routes!(contact::book_handoff, contact::handoff))
        .routes(routes!(contact::record_handoff))
        .routes(routes!(contact::set_safe_contact))
        .routes(routes!(audit::audit))
        .routes(routes!(audit::tree_head))
        .routes(routes!(audit::inclusion))
        .routes(routes!(audit::consistency))
        .merge(uploads)
        // Layers run outside-in in reverse order of addition: the actor is resolved
        // first, then the idempotency key (which is per user) is applied.
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::idempotency::idempotency))
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::session::require_actor));
    public.merge(protected).split_for_parts()
}
