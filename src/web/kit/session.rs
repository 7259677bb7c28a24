//! Staff browser sessions: the cookie, and the check that a form comes from this site.

use super::lang::Lang;
use super::page::error_page;
use crate::store::StaffMember;
use crate::usecases::accounts::{self, SESSION_HOURS};
use crate::web::AppState;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// The session cookie's name.
const COOKIE: &str = "rekam_staff";

/// The session cookie: only for `/staff`, never read by scripts, never sent by another
/// site, and `Secure` when the service is published over HTTPS (`--public-url
/// https://…`: the browser then never sends it over plain HTTP; without a public URL the
/// service is reached directly, often over plain HTTP on an office network, where a
/// Secure cookie would never come back).
pub fn session_cookie(state: &AppState, value: String, max_age_hours: i64) -> Cookie<'static> {
    Cookie::build((COOKIE, value))
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(max_age_hours))
        .secure(state.settings.https())
        .build()
}

/// The cookie by which a browser that signed in before is known at the login
/// (OWASP's device cookie): only for `/staff/login`, never read by scripts.
const DEVICE_COOKIE: &str = "rekam_device";

/// The device cookie of a successful login, as a `Set-Cookie` value (sent after the
/// session's cookie).
pub fn device_cookie(state: &AppState, device: String) -> String {
    Cookie::build((DEVICE_COOKIE, device))
        .path("/staff/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::days(crate::store::DEVICE_DAYS))
        .secure(state.settings.https())
        .build()
        .to_string()
}

/// The cookie of a login awaiting its second factor: only for `/staff/login`, five
/// minutes.
const PENDING_COOKIE: &str = "rekam_login";

/// A pending login's cookie.
pub fn start_pending(state: &AppState, jar: CookieJar, pending: String) -> CookieJar {
    jar.add(pending_cookie(
        state,
        pending,
        crate::usecases::second_factor::PENDING_MINUTES,
    ))
}

/// The cookie that ends a pending login in the browser.
pub fn end_pending(state: &AppState, jar: CookieJar) -> CookieJar {
    jar.add(pending_cookie(state, String::new(), 0))
}

fn pending_cookie(state: &AppState, value: String, minutes: i64) -> Cookie<'static> {
    Cookie::build((PENDING_COOKIE, value))
        .path("/staff/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::minutes(minutes))
        .secure(state.settings.https())
        .build()
}

/// The pending login a request carries.
pub fn pending(headers: &HeaderMap) -> Option<String> {
    super::lang::cookie_values(headers, PENDING_COOKIE).find(|v| !v.is_empty())
}

/// The device cookie a login request carries.
pub fn device(headers: &HeaderMap) -> Option<String> {
    super::lang::cookie_values(headers, DEVICE_COOKIE).find(|v| !v.is_empty() && v.len() <= 100)
}

/// A new session's cookie.
pub fn start(state: &AppState, jar: CookieJar, session: String) -> CookieJar {
    jar.add(session_cookie(state, session, SESSION_HOURS))
}

/// The cookie that ends a session in the browser.
pub fn end(state: &AppState, jar: CookieJar) -> CookieJar {
    jar.add(session_cookie(state, String::new(), 0))
}

/// The session secret a request carries (the first, should it carry several).
pub fn secret(headers: &HeaderMap) -> Option<String> {
    super::lang::cookie_values(headers, COOKIE).next()
}

/// Does a form come from this site? Its `Origin` must be this service's: the public
/// URL's origin (`--public-url`, which a reverse proxy in front may not pass on as the
/// Host), or else the Host it was sent to, over the public URL's scheme when one is set.
/// Without an `Origin` the `Referer` (which our pages send to this site) must name it.
/// A form with neither, or with `Origin: null`, is refused: every browser that runs the
/// staff pages sends one of them, and a form that hides both may come from anywhere.
pub fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let claimed = match origin {
        Some(o) => o.to_string(),
        None => {
            let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else {
                return false;
            };
            // scheme://authority of the referring page.
            let Some((scheme, rest)) = referer.split_once("://") else {
                return false;
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            format!("{scheme}://{authority}")
        }
    };
    if claimed == "null" {
        return false;
    }
    let public = state.settings.public_base();
    if !public.is_empty() && claimed.eq_ignore_ascii_case(public) {
        return true;
    }
    let (scheme, authority) = claimed.split_once("://").unwrap_or(("", &claimed));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let scheme_ok = match public.split_once("://") {
        Some((public_scheme, _)) => scheme.eq_ignore_ascii_case(public_scheme),
        None => scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"),
    };
    scheme_ok && host.is_some_and(|h| authority.eq_ignore_ascii_case(h))
}

/// Does a form come from another site (see [`same_origin`])?
pub fn foreign_origin(headers: &HeaderMap, state: &AppState) -> bool {
    !same_origin(headers, state)
}

/// A logged-in staff member; pages without a session send the browser to the login.
pub struct StaffSession(pub StaffMember);

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/staff/login").into_response();
        let secret = secret(&parts.headers).ok_or_else(to_login)?;
        // Forms are same-site only (SameSite=Strict cookie); refuse a foreign Origin too.
        if parts.method != axum::http::Method::GET && foreign_origin(&parts.headers, state) {
            return Err(StatusCode::FORBIDDEN.into_response());
        }
        match accounts::member(state, &secret, "session").await {
            Ok(Some(member)) => Ok(StaffSession(member)),
            Ok(None) => Err(to_login()),
            Err(e) => Err(error_page(Lang::Id, &e)),
        }
    }
}
