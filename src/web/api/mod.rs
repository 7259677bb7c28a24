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
    let mut ignored = std::collections::HashSet::new();
    let de = &mut serde_json::Deserializer::from_slice(body);
    let mut note = |path: serde_ignored::Path| {
        // `a.?.b`: an option's level is not a key of the body.
        ignored.insert(path.to_string().replace("?.", "").replace(".?", ""));
    };
    let de = serde_ignored::Deserializer::new(de, &mut note);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
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
            args: Vec::new(),
        }
    })?;
    // Every string the body gives us is text of ours: control characters and
    // bidirectional overrides are refused, naming where they are (a NUL reached
    // PostgreSQL as a 500). Fields we do not read are ignored, whatever they hold.
    if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(field) = refused_text(&raw, None, &ignored) {
            return Err(AppError::field(Code::Invalid, &field, "err-text"));
        }
    }
    Ok(value)
}

/// The path (`reason`, `items.2.name`) of the first string in `value` that holds a
/// character no text field takes ([`crate::domain::text::is_refused`]), leaving out the
/// paths in `ignored` (fields the request type does not read).
fn refused_text(
    value: &serde_json::Value,
    at: Option<&str>,
    ignored: &std::collections::HashSet<String>,
) -> Option<String> {
    use crate::domain::text::text_ok;
    use serde_json::Value;
    if at.is_some_and(|a| ignored.contains(a)) {
        return None;
    }
    let below = |key: &str| match at {
        Some(a) => format!("{a}.{key}"),
        None => key.to_string(),
    };
    match value {
        Value::String(s) if !text_ok(s) => Some(at.unwrap_or(".").to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| refused_text(v, Some(&below(&i.to_string())), ignored)),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(k, v)| refused_text(v, Some(&below(k)), ignored)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        #[allow(dead_code)]
        reason: Option<String>,
    }

    fn parse(body: &str) -> Result<Body, AppError> {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        parse_json(&h, &Bytes::from(body.to_string()))
    }

    #[test]
    fn text_we_read_is_checked_and_fields_we_ignore_are_not() {
        let e = parse(r#"{"reason": "a\u0000b"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (Code::Invalid, Some("reason"))
        );
        let e = parse(r#"{"reason": "gpj\u202e.exe"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("reason"));
        assert!(parse(r#"{"reason": "baris satu\nbaris dua"}"#).is_ok());
        assert!(parse(r#"{"\u0088x": [true, {"y": "\u0000"}], "reason": "ok"}"#).is_ok());
        assert!(
            parse(r#"{"": "a\u0010b", "reason": "0"}"#).is_ok(),
            "an empty key"
        );
    }
}
