//! Request extractors that turn malformed input into the same translated 400 answer as
//! every other validation error, naming the field — never a plain-text rejection and
//! never a 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use serde::de::DeserializeOwned;
use sila_app::Cursor;
use sila_domain::Problem;

use crate::error::ApiError;

/// A JSON body. Its fields are deliberately lenient (`Option<String>` and the like), so
/// that domain validation, not the deserializer, names most problems; what the
/// deserializer still refuses is reported with its JSON path.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_content = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !json_content {
            // Requiring JSON also keeps plain HTML forms of other sites from posting
            // to the API with the user's cookie.
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_json"));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"))?;
        // Read as a value first, and bounded: no list or object larger, and no nesting
        // deeper, than any form of Sila has — before any use case spends time on it.
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json"))?;
        if let Some(error) = oversized(&value, "", 0) {
            return Err(error);
        }
        match serde_path_to_error::deserialize(value) {
            Ok(value) => Ok(JsonBody(value)),
            Err(error) => {
                let path = error.path().to_string();
                if path.is_empty() || path == "." {
                    Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json"))
                } else {
                    Err(ApiError::field(path, Problem::UnknownValue))
                }
            }
        }
    }
}

/// The most elements of any list, and keys of any object, a request body may hold.
pub const LIST_MAX: usize = 200;
/// The deepest nesting a request body may have.
const DEPTH_MAX: usize = 8;

/// The first list or object in `value` that is larger than [`LIST_MAX`], as a 400
/// naming its field (`phones`, `answers`, `deadlines[2].options`); or a body nested
/// deeper than [`DEPTH_MAX`].
fn oversized(value: &serde_json::Value, path: &str, depth: usize) -> Option<ApiError> {
    if depth > DEPTH_MAX {
        return Some(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json"));
    }
    let field = |path: &str| if path.is_empty() { "body".to_string() } else { path.to_string() };
    match value {
        serde_json::Value::Array(items) => {
            if items.len() > LIST_MAX {
                return Some(ApiError::field(field(path), Problem::TooMany { max: LIST_MAX }));
            }
            items.iter().enumerate().find_map(|(index, item)| oversized(item, &format!("{path}[{index}]"), depth + 1))
        }
        serde_json::Value::Object(entries) => {
            if entries.len() > LIST_MAX {
                return Some(ApiError::field(field(path), Problem::TooMany { max: LIST_MAX }));
            }
            entries.iter().find_map(|(key, item)| {
                let inner = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                oversized(item, &inner, depth + 1)
            })
        }
        _ => None,
    }
}

/// A text field sent or left out (the use case names it when it is required).
pub fn text(value: Option<String>) -> String {
    value.unwrap_or_default()
}

/// A number sent as JSON number or as text (`60` or `"٦٠"`), as text for the use case,
/// which checks it and names the field.
pub fn number_text(value: Option<serde_json::Value>) -> Option<String> {
    match value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(text),
        Some(other) => Some(other.to_string()),
    }
}

/// Query parameters, with the same treatment as [`JsonBody`].
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_pairs(query);
        let object: serde_json::Map<String, serde_json::Value> =
            pairs.into_iter().map(|(key, value)| (key, serde_json::Value::String(value))).collect();
        match serde_path_to_error::deserialize(serde_json::Value::Object(object)) {
            Ok(value) => Ok(QueryParams(value)),
            Err(error) => Err(ApiError::field(error.path().to_string(), Problem::UnknownValue)),
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs (percent-escapes and `+`).
pub fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) if hex.bytes().all(|digit| digit.is_ascii_hexdigit()) => {
                        out.push(byte);
                        index += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The cursor of the next page, as clients see it: opaque base64url text.
pub fn encode_cursor(cursor: Option<Cursor>) -> Option<String> {
    cursor.map(|cursor| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}:{}",
            cursor.created_at,
            cursor.id.hyphenated()
        ))
    })
}

/// Reads a cursor given back by a client.
pub fn decode_cursor(text: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    let Some(text) = text.filter(|text| !text.is_empty()) else { return Ok(None) };
    let invalid = || ApiError::field("cursor", Problem::UnknownValue);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let decoded = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (created_at, id) = decoded.split_once(':').ok_or_else(invalid)?;
    Ok(Some(Cursor {
        created_at: created_at.parse().map_err(|_| invalid())?,
        id: uuid::Uuid::try_parse(id).map_err(|_| invalid())?,
    }))
}

/// Parses an id from a path segment, naming the parameter when it is malformed.
pub fn path_id<T>(text: &str, parse: impl FnOnce(&str) -> Result<T, Problem>) -> Result<T, ApiError> {
    parse(text).map_err(|problem| ApiError::field("id", problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_decode_escapes() {
        assert_eq!(
            form_pairs("q=%D9%86%D9%88%D8%B1%D8%A9+%D8%A7%D9%84%D9%85%D8%B1%D9%8A&limit=5&bad=%G1&end=%"),
            vec![
                ("q".to_string(), "نورة المري".to_string()),
                ("limit".to_string(), "5".to_string()),
                ("bad".to_string(), "%G1".to_string()),
                ("end".to_string(), "%".to_string()),
            ]
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_a_field_error() {
        let cursor = Cursor { created_at: 1_764_403_200_000_000, id: uuid::Uuid::from_u128(42) };
        let text = encode_cursor(Some(cursor)).unwrap();
        assert_eq!(decode_cursor(Some(&text)).unwrap(), Some(cursor));
        assert!(decode_cursor(Some("not a cursor")).is_err());
        assert_eq!(decode_cursor(None).unwrap(), None);
    }
}

/// The language the answer is written in (`Accept-Language`, the `sila_lang` cookie, or
/// Arabic), for handlers whose answers carry sentences.
#[derive(Debug, Clone, Copy)]
pub struct RequestLang(pub crate::i18n::Lang);

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(crate::error::language_of(&parts.headers)))
    }
}
