//! The language of a request: the `lang` cookie, else Indonesian.

pub use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use std::convert::Infallible;

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let jar = CookieJar::from_request_parts(parts, state).await?;
        Ok(jar
            .get("lang")
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default())
    }
}
