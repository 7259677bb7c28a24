//! Supervisor pages: log in, see the plan of the next 30 days as a chart and a table, set
//! a level or close a day — always through a preview (the dry run) before applying —, edit
//! the level rules and load holidays.

mod plan;
mod rules;

use super::AppState;
use super::kit::lang::Lang;
use super::kit::limits::{AccountDelays, ClientIp};
use super::kit::page::{Frame, OrPage, PageError, error_page, too_many, too_many_saying};
use super::kit::session::{self, StaffSession, foreign_origin};
use crate::usecases::accounts::{self, Login};
use crate::usecases::availability;
use crate::web::kit::form::Form;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Staff page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(staff_home))
        .route("/staff/login", get(login_page).post(login_submit))
        .route("/staff/logout", post(logout))
        .route("/staff/offices/{slug}", get(plan::plan_page))
        .route("/staff/offices/{slug}/level", post(plan::level_submit))
        .route("/staff/offices/{slug}/closure", post(plan::closure_submit))
        .route(
            "/staff/rules",
            get(rules::rules_page).post(rules::rule_submit),
        )
        .route("/staff/holidays", post(rules::holidays_submit))
        .layer(axum::middleware::from_fn(
            super::kit::page::staff_error_frame,
        ))
}

/// The office of a staff page, if `me` may act for it with `role` (an unknown office is
/// not found before anyone is told they may not see it).
async fn my_office(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    slug: &str,
    role: crate::domain::Role,
) -> Result<crate::store::Office, PageError> {
    let office = availability::office(state, slug).await.or_page(lang)?;
    crate::usecases::changes::may_act(me, &office, role).or_page(lang)?;
    Ok(office)
}

/// `?m=…`: which notice a page shows after a redirect.
#[derive(Deserialize)]
struct Notice {
    m: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
struct LoginPage {
    frame: Frame,
    username: String,
    failed: bool,
}

async fn login_page(lang: Lang) -> LoginPage {
    LoginPage {
        frame: Frame::new(lang, "/staff/login"),
        username: String::new(),
        failed: false,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
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
    let device = session::device(&headers);
    let trusted = match &device {
        Some(d) => match accounts::trusted_device(&state, &f.username, d).await {
            Ok(t) => t.then(|| crate::domain::code::hash_secret(d)),
            Err(e) => return error_page(lang, &e),
        },
        None => None,
    };
    let key = AccountDelays::key(&f.username, trusted.as_deref());
    if let Err(wait) = state.limits.accounts.check(&key) {
        return too_many(lang, wait);
    }
    let (member, session) = match accounts::login(&state, &f.username, &f.password).await {
        Ok(Login::Session(member, session)) => (member, session),
        Ok(Login::Refused) => {
            state.limits.accounts.failed(&key);
            let page = LoginPage {
                frame: Frame::new(lang, "/staff/login"),
                username: f.username,
                failed: true,
            };
            return (StatusCode::UNAUTHORIZED, page).into_response();
        }
        Err(e) if e.code == crate::usecases::Code::RateLimited => {
            let wait = std::time::Duration::from_secs(e.retry_after.unwrap_or(5));
            return too_many_saying(lang, wait, "err-busy");
        }
        Err(e) => return error_page(lang, &e),
    };
    state.limits.accounts.succeeded(&key);
    let device = match accounts::remember_device(&state, &member, device.as_deref()).await {
        Ok(d) => d,
        Err(e) => return error_page(lang, &e),
    };
    let mut resp = (session::start(&state, jar, session), Redirect::to("/staff")).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&session::device_cookie(&state, device)) {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    resp
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

#[derive(Template, WebTemplate)]
#[template(path = "staff/offices.html")]
struct OfficesPage {
    frame: Frame,
    offices: Vec<(String, String)>,
}

async fn staff_home(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
) -> Result<Response, PageError> {
    let offices = availability::offices(&state).await.or_page(lang)?;
    if let Some(office) = offices.iter().find(|o| Some(o.id) == me.office_id) {
        // The desk starts the day with its list; a supervisor with the plan.
        let page = if me.role == crate::domain::Role::Desk {
            "/desk"
        } else {
            ""
        };
        return Ok(Redirect::to(&format!("/staff/offices/{}{page}", office.slug)).into_response());
    }
    Ok(OfficesPage {
        frame: Frame::staff_menu(lang, "/staff", &me, None),
        offices: offices.into_iter().map(|o| (o.slug, o.spec.name)).collect(),
    }
    .into_response())
}
