//! The urlencoded forms of the pages (`application/x-www-form-urlencoded`), read like
//! axum's `Form` but with every field's text checked first ([`crate::domain::text`]): a
//! NUL in a username or a right-to-left override in a reason is a 422 page naming the
//! field, never a 500 from the database.

use super::lang::Lang;
use super::page::error_page;
use crate::usecases::{AppError, Code};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{Method, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

/// Largest urlencoded body read: the longest of our forms (a reason, a rule's source)
/// takes a few kilobytes.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A page form, its text checked.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let lang = Lang::from_request_parts(&mut parts, state)
            .await
            .unwrap_or_default();
        let refuse = |code, field: Option<&str>, message| {
            let e = match field {
                Some(f) => AppError::field(code, f, message),
                None => AppError::new(code, message),
            };
            error_page(lang, &e)
        };
        let bytes = if parts.method == Method::GET || parts.method == Method::HEAD {
            parts.uri.query().unwrap_or("").as_bytes().to_vec()
        } else {
            let urlencoded = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|t| {
                    t.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                });
            if !urlencoded {
                return Err(refuse(Code::UnsupportedMediaType, None, "err-form"));
            }
            let req = Request::from_parts(parts, body);
            axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
                .await
                .map_err(|_| refuse(Code::TooLarge, None, "err-form"))?
                .to_vec()
        };
        for (name, value) in form_urlencoded::parse(&bytes) {
            if !crate::domain::text::text_ok(&name) || !crate::domain::text::text_ok(&value) {
                let name: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
                return Err(refuse(Code::Invalid, Some(&name), "err-text"));
            }
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|_| refuse(Code::Invalid, None, "err-form"))
    }
}
