//! The HTTP face of the use cases' error: its status and its JSON body (pages render
//! their own, see `kit::page`).

use crate::usecases::error::{AppError, Code};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The HTTP status of a code.
pub fn status(code: Code) -> StatusCode {
    match code {
        Code::Invalid
        | Code::CertificateNotValidForSlot
        | Code::IdempotencyKeyReused
        | Code::RetestRequired => StatusCode::UNPROCESSABLE_ENTITY,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::SlotFull
        | Code::DayFull
        | Code::ActiveBookingExists
        | Code::Closed
        | Code::Conflict => StatusCode::CONFLICT,
        Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

/// The JSON body of the contract, with the message in English.
pub fn json(e: AppError) -> Response {
    let message = e.text(crate::i18n::Lang::En);
    let mut resp = (
        status(e.code),
        Json(Body {
            error: e.code.as_str(),
            message: &message,
            field: e.field.as_deref(),
        }),
    )
        .into_response();
    if e.code == Code::RateLimited {
        let wait = e.retry_after.unwrap_or(60).max(1).to_string();
        if let Ok(v) = HeaderValue::from_str(&wait) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// 429 `rate_limited` with how long to wait in `Retry-After`.
pub fn rate_limited(wait: std::time::Duration) -> Response {
    let mut resp = json(AppError::new(Code::RateLimited, "err-bookings-per-hour"));
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

impl IntoResponse for AppError {
    /// The JSON body of the contract; pages render their own errors.
    fn into_response(self) -> Response {
        json(self)
    }
}
