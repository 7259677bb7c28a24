//! The JSON API of API.md (v1), by who uses it: the applicant, supervisors (and desk
//! officers, read-only), admins; and the OpenAPI document generated from them.

pub mod admin;
pub mod applicant;
mod contract;
pub mod desk;
pub mod dto;
pub mod openapi;
pub mod reports;
pub mod supervisor;

use super::AppState;
use crate::usecases::{AppError, Code};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};

/// Routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(applicant::router())
        .merge(supervisor::router())
        .merge(admin::router())
        .merge(desk::router())
        .merge(reports::router())
        .layer(axum::middleware::map_response(path_rejection))
}

/// axum answers a name in the path that is not UTF-8 (`/api/v1/bookings/%ff`) with a
/// plain-text 400 before any handler runs: such a name names nothing, so the answer is the
/// contract's 404 `not_found`.
async fn path_rejection(resp: axum::response::Response) -> axum::response::Response {
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if resp.status() == axum::http::StatusCode::BAD_REQUEST && plain {
        return axum::response::IntoResponse::into_response(AppError::not_found());
    }
    resp
}

/// Parses a JSON body, answering 422 `invalid` (not axum's plain-text 400) when it fails.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // Media types are case-insensitive (RFC 9110 §8.3.1).
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(AppError::new(Code::UnsupportedMediaType, "err-json"));
    }
    // Every string of the body is text of ours: control characters and bidirectional
    // overrides are refused, naming where they are (a NUL reached PostgreSQL as a 500).
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(field) = refused_text(&value, "") {
            return Err(AppError::field(Code::Invalid, &field, "err-text"));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // A missing field has no path of its own; serde names it in the message.
        let missing = e
            .inner()
            .to_string()
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        AppError {
            code: Code::Invalid,
            field: missing.or((path != ".").then_some(path)),
            message: "err-json",
            retry_after: None,
        }
    })
}

/// The path (`reason`, `items[2].name`) of the first string in `value`, key or value,
/// that holds a character no text field takes ([`crate::domain::text::is_refused`]).
fn refused_text(value: &serde_json::Value, at: &str) -> Option<String> {
    use crate::domain::text::text_ok;
    use serde_json::Value;
    match value {
        Value::String(s) if !text_ok(s) => Some(if at.is_empty() { ".".into() } else { at.into() }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| refused_text(v, &format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if text_ok(k) {
                refused_text(v, &here)
            } else {
                Some(here.chars().filter(|c| !c.is_control()).collect())
            }
        }),
        _ => None,
    }
}
