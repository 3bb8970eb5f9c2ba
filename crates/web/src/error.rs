//! Errors over HTTP: a status, a stable code, the field it concerns, and a message in
//! the request's language.
//!
//! Handlers return [`ApiError`], which knows the status and code but not the language;
//! the [`localize`] middleware, which sees the request, writes the translated body
//! `{"error": {"code", "message", "field", "details"}}`. Unexpected errors are logged
//! once, here, by code and never with personal data.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sila_app::AppError;
use sila_domain::FieldError;

use crate::i18n::{Catalogs, Lang};

/// An error answer before translation.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code; the catalog key is `error-<code>` or, for field problems,
    /// `problem-<code>`.
    pub code: String,
    /// Field problems, in request order (empty for request-level errors).
    pub fields: Vec<FieldError>,
    /// Data class codes a rule error is about.
    pub classes: Vec<String>,
    /// Seconds to wait before trying again (429).
    pub retry_after: Option<i64>,
}

impl ApiError {
    /// A request-level error.
    pub fn new(status: StatusCode, code: &str) -> ApiError {
        ApiError { status, code: code.to_string(), fields: Vec::new(), classes: Vec::new(), retry_after: None }
    }

    /// A 400 for one field.
    pub fn field(field: impl Into<String>, problem: sila_domain::Problem) -> ApiError {
        ApiError::from(AppError::invalid(field, problem))
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let status = match &error {
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::SignInFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::PurposeRequired
            | AppError::EnrolmentRequired
            | AppError::TokenScope
            | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts { .. } | AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound | AppError::Hidden => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Rule(_) | AppError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(detail) => {
                tracing::error!(detail = %detail, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let classes = error
            .data_classes()
            .map(|classes| classes.iter().map(|class| class.code().to_string()).collect())
            .unwrap_or_default();
        let fields = match &error {
            AppError::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        };
        let retry_after = match &error {
            AppError::TooManyAttempts { retry_after_seconds } | AppError::TooManyRequests { retry_after_seconds } => {
                Some((*retry_after_seconds).max(1))
            }
            // Saturated: a retry in a moment will likely find a connection.
            AppError::Unavailable => Some(1),
            _ => None,
        };
        ApiError { status, code: error.code().to_string(), fields, classes, retry_after }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

/// Writes the translated body of every error answer.
pub async fn localize(State(catalogs): State<Arc<Catalogs>>, request: Request, next: Next) -> Response {
    let lang = request_language(&request);
    let mut response = next.run(request).await;
    let error = match response.extensions_mut().remove::<Arc<ApiError>>() {
        Some(error) => error,
        None if response.status() == StatusCode::METHOD_NOT_ALLOWED => {
            Arc::new(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"))
        }
        None => return response,
    };
    let body = error_body(&catalogs, lang, &error);
    let mut translated = (error.status, Body::from(body.to_string())).into_response();
    translated.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    translated.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            translated.headers_mut().insert(name.clone(), value.clone());
        }
    }
    translated
}

/// The language of a request: `Accept-Language`, else the `sila_lang` cookie, else Arabic.
pub fn request_language(request: &Request) -> Lang {
    language_of(request.headers())
}

/// [`request_language`] from the headers alone.
pub fn language_of(headers: &axum::http::HeaderMap) -> Lang {
    if let Some(header) = headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()) {
        return Lang::negotiate(Some(header));
    }
    match crate::session::cookie(headers, "sila_lang").as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Ar,
    }
}

/// The JSON body of an error in `lang`.
pub fn error_body(catalogs: &Catalogs, lang: Lang, error: &ApiError) -> serde_json::Value {
    let details: Vec<serde_json::Value> = error
        .fields
        .iter()
        .map(|field| {
            json!({
                "code": field.problem.code(),
                "field": field.field,
                "message": field_message(catalogs, lang, field),
            })
        })
        .collect();
    let (message, field) = match error.fields.first() {
        Some(first) => (field_message(catalogs, lang, first), Some(first.field.clone())),
        None => {
            let classes: Vec<String> =
                error.classes.iter().map(|class| catalogs.text(lang, &format!("class-{class}"))).collect();
            let separator = if lang == Lang::Ar { "، " } else { ", " };
            let message = catalogs
                .message(lang, &format!("error-{}", error.code), &[("classes", classes.join(separator))])
                .unwrap_or_else(|| catalogs.text(lang, "error-internal"));
            (message, None)
        }
    };
    let mut body = json!({ "code": error.code, "message": message });
    if let Some(field) = field {
        body["field"] = json!(field);
    }
    if !details.is_empty() {
        body["details"] = json!(details);
    }
    if !error.classes.is_empty() {
        body["data_classes"] = json!(error.classes);
    }
    json!({ "error": body })
}

/// "Label: problem", the label naming the field in the reader's language. A path with
/// an index or a key (`phones[1].number`, `answers.weapon`) keeps that part visible.
pub fn field_message(catalogs: &Catalogs, lang: Lang, error: &FieldError) -> String {
    let problem = problem_message(catalogs, lang, &error.problem);
    let base: String =
        error.field.split(['[', '.']).next().unwrap_or(&error.field).chars().filter(|ch| *ch != ']').collect();
    let label = catalogs.message(lang, &format!("field-{base}"), &[]).unwrap_or_else(|| base.clone());
    let qualifier = &error.field[base.len().min(error.field.len())..];
    if qualifier.is_empty() {
        format!("{label}: {problem}")
    } else {
        // The index counts from 1 for people; the path in `field` stays as sent.
        let shown = qualifier_for_people(qualifier);
        format!("{label} ({shown}): {problem}")
    }
}

/// What is wrong, without the field's name ("must have 11 digits.").
pub fn problem_message(catalogs: &Catalogs, lang: Lang, problem: &sila_domain::Problem) -> String {
    match problem.limit() {
        Some(limit) => catalogs.message(lang, &format!("problem-{}", problem.code()), &[("limit", limit.to_string())]),
        None => catalogs.message(lang, &format!("problem-{}", problem.code()), &[]),
    }
    .unwrap_or_else(|| problem.code().to_string())
}

fn qualifier_for_people(qualifier: &str) -> String {
    let mut shown = String::new();
    let mut rest = qualifier;
    while let Some(open) = rest.find('[') {
        shown.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(']') else { break };
        let inside = &rest[open + 1..open + close];
        match inside.parse::<usize>() {
            Ok(index) => shown.push_str(&(index + 1).to_string()),
            Err(_) => shown.push_str(inside),
        }
        rest = &rest[open + close + 1..];
    }
    shown.push_str(rest);
    shown.trim_start_matches('.').replace('.', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sila_domain::Problem;

    #[test]
    fn field_messages_name_the_field_in_each_language() {
        let catalogs = Catalogs::load().unwrap();
        let qid = FieldError::new("qid", Problem::QidLength);
        assert_eq!(field_message(&catalogs, Lang::En, &qid), "Qatar ID number: must have 11 digits.");
        assert!(field_message(&catalogs, Lang::Ar, &qid).starts_with("رقم البطاقة الشخصية: "));
        let phone = FieldError::new("phones[1].number", Problem::PhoneQatarPrefix);
        assert!(field_message(&catalogs, Lang::En, &phone).starts_with("Phone (2 number): "));
        let answer = FieldError::new("answers.weapon", Problem::Required);
        assert_eq!(field_message(&catalogs, Lang::En, &answer), "Answer to item (weapon): is required.");
    }

    #[test]
    fn an_account_reading_too_fast_is_told_when_to_retry_in_both_languages() {
        let error = sila_app::AppError::TooManyRequests { retry_after_seconds: 3 };
        let response = ApiError::from(error.clone()).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).map(|value| value.as_bytes()), Some(&b"3"[..]));
        let catalogs = Catalogs::load().unwrap();
        let key = format!("error-{}", error.code());
        assert!(catalogs.message(Lang::En, &key, &[]).is_some_and(|text| text.contains("Wait a moment")));
        assert!(catalogs.message(Lang::Ar, &key, &[]).is_some_and(|text| text.contains("انتظر")));
    }

    #[test]
    fn a_saturated_server_says_retry_never_internal_error() {
        let response = ApiError::from(sila_app::AppError::Unavailable).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).map(|value| value.as_bytes()), Some(&b"1"[..]));
    }
}
