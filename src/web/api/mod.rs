//! The JSON API of API.md (v1), by who uses it: the applicant, supervisors (and desk
//! officers, read-only), admins; and the OpenAPI document generated from them.

pub mod admin;
pub mod applicant;
mod contract;
pub mod desk;
pub mod dto;
pub mod openapi;
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
