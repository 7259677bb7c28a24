//! The language of a request: the `lang` cookie, else Indonesian.

pub use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use axum_extra::extract::cookie::Cookie;
use std::convert::Infallible;

/// The values of the cookies called `name`, in the order the request sends them (a
/// browser sends the most specific path first; a jar would keep only the last).
pub fn cookie_values<'h>(
    headers: &'h HeaderMap,
    name: &'h str,
) -> impl Iterator<Item = String> + 'h {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(move |c| c.name() == name)
        .map(|c| c.value().to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(cookie_values(&parts.headers, "lang")
            .find_map(|v| Lang::parse(&v))
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lang_of(cookie: &str) -> Lang {
        let req = axum::http::Request::builder()
            .header(header::COOKIE, cookie)
            .body(())
            .unwrap();
        let (mut parts, ()) = req.into_parts();
        Lang::from_request_parts(&mut parts, &()).await.unwrap()
    }

    #[tokio::test]
    async fn the_first_valid_lang_cookie_wins() {
        assert_eq!(lang_of("lang=en").await, Lang::En);
        assert_eq!(lang_of("lang=en; lang=xx").await, Lang::En);
        assert_eq!(lang_of("a=b; lang=xx; lang=en").await, Lang::En);
        assert_eq!(lang_of("lang=xx").await, Lang::Id);
        assert_eq!(lang_of("lang=id; lang=en").await, Lang::Id);
    }
}
