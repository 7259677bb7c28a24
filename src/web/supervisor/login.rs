//! The staff login: the password, then (for an account with a second factor, or an admin
//! who must have one) the authenticator's code, or setting it up; and the logout.

use crate::usecases::accounts::{self, Login};
use crate::usecases::second_factor::{self, Done, Step};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::limits::{AccountDelays, ClientIp};
use crate::web::kit::page::{Frame, error_page, qr_svg, too_many, too_many_saying};
use crate::web::kit::session::{self, foreign_origin};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(login_page).post(login_submit))
        .route("/staff/login/2fa", get(second_page).post(second_submit))
        .route("/staff/logout", post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
struct LoginPage {
    frame: Frame,
    username: String,
    failed: bool,
    notice: Option<String>,
}

async fn login_page(
    lang: Lang,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> LoginPage {
    let notice = match q.get("m").map(String::as_str) {
        Some("password") => Some(lang.text("staff-login-password-changed")),
        Some("2fa-off") => Some(lang.text("staff-login-2fa-off")),
        _ => None,
    };
    LoginPage {
        frame: Frame::new(lang, "/staff/login"),
        username: String::new(),
        failed: false,
        notice,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// The key of the account's delays for this browser: the account, or the account and a
/// browser that signed in to it before (held back only by its own failures).
async fn delay_key(
    state: &AppState,
    headers: &HeaderMap,
    username: &str,
) -> Result<String, Response> {
    let device = session::device(headers);
    let trusted = match &device {
        Some(d) => match accounts::trusted_device(state, username, d).await {
            Ok(t) => t.then(|| crate::domain::code::hash_secret(d)),
            Err(e) => return Err(error_page(Lang::Id, &e)),
        },
        None => None,
    };
    Ok(AccountDelays::key(username, trusted.as_deref()))
}

/// The session's cookie, the browser remembered (device cookie), and on to `to`.
async fn signed_in(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    jar: CookieJar,
    member: &crate::store::StaffMember,
    session: String,
    page: Response,
) -> Response {
    let device = session::device(headers);
    let device = match accounts::remember_device(state, member, device.as_deref()).await {
        Ok(d) => d,
        Err(e) => return error_page(lang, &e),
    };
    let jar = session::start(state, jar, session);
    // After a second step, its pending login's cookie goes.
    let jar = if session::pending(headers).is_some() {
        session::end_pending(state, jar)
    } else {
        jar
    };
    let mut resp = (jar, page).into_response();
    if let Ok(v) = HeaderValue::from_str(&session::device_cookie(state, device)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    // Another site must not log a browser in (to an account of its choosing).
    if foreign_origin(&headers, &state) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Err(wait) = state.limits.login(ip) {
        return too_many(lang, wait);
    }
    // Guesses at one account from many addresses meet growing delays; a browser that
    // signed in to the account before is held back only by its own failures.
    let key = match delay_key(&state, &headers, &f.username).await {
        Ok(k) => k,
        Err(resp) => return resp,
    };
    if let Err(wait) = state.limits.accounts.check(&key) {
        return too_many(lang, wait);
    }
    match accounts::login(&state, &f.username, &f.password).await {
        Ok(Login::Session(member, session)) => {
            state.limits.accounts.succeeded(&key);
            let to = Redirect::to("/staff").into_response();
            signed_in(&state, lang, &headers, jar, &member, session, to).await
        }
        // The password was right: the second factor comes next, on a page of its own.
        Ok(Login::SecondFactor(_, pending)) => (
            session::start_pending(&state, jar, pending),
            Redirect::to("/staff/login/2fa"),
        )
            .into_response(),
        Ok(Login::Refused) => {
            state.limits.accounts.failed(&key);
            let page = LoginPage {
                frame: Frame::new(lang, "/staff/login"),
                username: f.username,
                failed: true,
                notice: None,
            };
            (StatusCode::UNAUTHORIZED, page).into_response()
        }
        Err(e) if e.code == crate::usecases::Code::RateLimited => {
            let wait = std::time::Duration::from_secs(e.retry_after.unwrap_or(5));
            too_many_saying(lang, wait, "err-busy")
        }
        Err(e) => error_page(lang, &e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/second_factor.html")]
struct SecondPage {
    frame: Frame,
    /// Setting up: the secret (grouped by four for reading), and its QR code.
    setup: Option<(String, String)>,
    failed: bool,
}

/// The pending login of this browser, with its member; the login page when there is none
/// (or it lasted longer than five minutes).
async fn pending(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, crate::store::StaffMember), Response> {
    let to_login = || Redirect::to("/staff/login").into_response();
    let secret = session::pending(headers).ok_or_else(to_login)?;
    match second_factor::pending_member(state, &secret).await {
        Ok(Some(member)) => Ok((secret, member)),
        Ok(None) => Err(to_login()),
        Err(e) => Err(error_page(Lang::Id, &e)),
    }
}

async fn second_step_page(
    state: &AppState,
    lang: Lang,
    member: &crate::store::StaffMember,
    failed: bool,
) -> Result<SecondPage, Response> {
    let setup = match second_factor::step(state, member).await {
        Ok(Step::Code) => None,
        Ok(Step::Setup { secret, link }) => {
            let grouped = secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Some((grouped, qr_svg(&link)))
        }
        Err(e) => return Err(error_page(lang, &e)),
    };
    Ok(SecondPage {
        frame: Frame::new(lang, "/staff/login/2fa"),
        setup,
        failed,
    })
}

async fn second_page(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Response {
    let (_, member) = match pending(&state, &headers).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    match second_step_page(&state, lang, &member, false).await {
        Ok(page) => page.into_response(),
        Err(resp) => resp,
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/recovery_codes.html")]
pub(super) struct RecoveryPage {
    pub(super) frame: Frame,
    pub(super) codes: Vec<String>,
    /// Where "continue" goes.
    pub(super) next: &'static str,
}

async fn second_submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<CodeForm>, Response>,
) -> Response {
    if foreign_origin(&headers, &state) {
        return StatusCode::FORBIDDEN.into_response();
    }
    // Without a pending login, back to the login (whatever was sent).
    let (secret, member) = match pending(&state, &headers).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let Form(f) = match form {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    // Wrong codes count towards the account's delays, as wrong passwords do.
    let key = match delay_key(&state, &headers, &member.username).await {
        Ok(k) => k,
        Err(resp) => return resp,
    };
    if let Err(wait) = state.limits.accounts.check(&key) {
        return too_many(lang, wait);
    }
    match second_factor::complete(&state, &member, &secret, &f.code).await {
        Ok(Done::Session { session, recovery }) => {
            state.limits.accounts.succeeded(&key);
            let page = match recovery {
                // Set up just now: the recovery codes, once, then on.
                Some(codes) => RecoveryPage {
                    frame: Frame::new(lang, "/staff/login/2fa"),
                    codes,
                    next: "/staff",
                }
                .into_response(),
                None => Redirect::to("/staff").into_response(),
            };
            signed_in(&state, lang, &headers, jar, &member, session, page).await
        }
        Ok(Done::Wrong) => {
            state.limits.accounts.failed(&key);
            match second_step_page(&state, lang, &member, true).await {
                Ok(page) => (StatusCode::UNAUTHORIZED, page).into_response(),
                Err(resp) => resp,
            }
        }
        Err(e) => error_page(lang, &e),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    if foreign_origin(&headers, &state) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(secret) = session::secret(&headers) {
        let _ = accounts::logout(&state, &secret).await;
    }
    (session::end(&state, jar), Redirect::to("/staff/login")).into_response()
}
