//! Every staff member's own account: a new password (the current one asked first), and the
//! second factor — set up, new recovery codes, or turned off (not by an admin, who must
//! have one).

use super::login::RecoveryPage;
use crate::usecases::{accounts, second_factor};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::limits::AccountDelays;
use crate::web::kit::page::{Frame, OrPage, PageError, home_frame, qr_svg, too_many};
use crate::web::kit::session::{self, StaffSession};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/account", get(account_page))
        .route("/staff/account/password", post(password_submit))
        .route("/staff/account/2fa", post(enroll_submit))
        .route("/staff/account/2fa/codes", post(codes_submit))
        .route("/staff/account/2fa/off", post(off_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/account.html")]
struct AccountPage {
    frame: Frame,
    username: String,
    role: &'static str,
    /// Recovery codes left, when the second factor is on.
    second_factor: Option<i64>,
    /// The admin must keep it.
    required: bool,
    /// Setting up: the secret (grouped) and its QR code.
    setup: Option<(String, String)>,
    notice: Option<String>,
    error: Option<(String, String)>,
}

impl AccountPage {
    /// The error of `field`, if it is the one at fault.
    fn error_of(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    notice: Option<String>,
    error: Option<(String, String)>,
) -> Result<AccountPage, PageError> {
    let second_factor = if me.second_factor {
        Some(
            state
                .store
                .recovery_codes_left(me.id)
                .await
                .map_err(crate::usecases::AppError::from)
                .or_page(lang)?,
        )
    } else {
        None
    };
    let setup = match second_factor::step(state, me).await.or_page(lang)? {
        second_factor::Step::Setup { secret, link } => Some((
            secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            qr_svg(&link),
        )),
        second_factor::Step::Code => None,
    };
    Ok(AccountPage {
        frame: home_frame(state, lang, "/staff/account", me).await,
        username: me.username.clone(),
        role: match me.role {
            crate::domain::Role::Desk => "role-desk",
            crate::domain::Role::Supervisor => "role-supervisor",
            crate::domain::Role::Admin => "role-admin",
        },
        second_factor,
        required: me.role == crate::domain::Role::Admin && state.settings.admin_second_factor,
        setup,
        notice,
        error,
    })
}

async fn account_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<AccountPage, PageError> {
    let notice = match q.get("m").map(String::as_str) {
        Some("off") => Some(lang.text("staff-2fa-turned-off")),
        _ => None,
    };
    page(&state, lang, &me, notice, None).await
}

/// The page again with a refused form's error on its field.
async fn refused(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    e: crate::usecases::AppError,
) -> Result<Response, PageError> {
    let status = crate::web::kit::error::status(e.code);
    let field = e.field.clone().unwrap_or_default();
    let page = page(state, lang, me, None, Some((field, e.text(lang)))).await?;
    Ok((status, page).into_response())
}

async fn password_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    jar: CookieJar,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // A wrong current password counts towards the account's delays, as at the login.
    let key = AccountDelays::key(&me.username, None);
    if let Err(wait) = state.limits.accounts.check(&key) {
        return Ok(too_many(lang, wait));
    }
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    match accounts::change_own_password(&state, &me, get("current_password"), get("password")).await
    {
        // Every session of the account ends, this one too: sign in with the new one.
        Ok(()) => Ok((
            session::end(&state, jar),
            Redirect::to("/staff/login?m=password"),
        )
            .into_response()),
        Err(e) => {
            if e.field.as_deref() == Some("current_password") {
                state.limits.accounts.failed(&key);
            }
            refused(&state, lang, &me, e).await
        }
    }
}

async fn enroll_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let code = f.get("code").map_or("", String::as_str);
    match second_factor::enroll(&state, &me, code).await {
        Ok(Some(codes)) => Ok(RecoveryPage {
            frame: home_frame(&state, lang, "/staff/account", &me).await,
            codes,
            next: "/staff/account",
        }
        .into_response()),
        Ok(None) => {
            let e = crate::usecases::AppError::field(
                crate::usecases::Code::Invalid,
                "code",
                "staff-2fa-failed",
            );
            refused(&state, lang, &me, e).await
        }
        Err(e) => refused(&state, lang, &me, e).await,
    }
}

async fn codes_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
) -> Result<Response, PageError> {
    let codes = second_factor::renew_recovery_codes(&state, &me)
        .await
        .or_page(lang)?;
    Ok(RecoveryPage {
        frame: home_frame(&state, lang, "/staff/account", &me).await,
        codes,
        next: "/staff/account",
    }
    .into_response())
}

async fn off_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    jar: CookieJar,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // A wrong current password counts towards the account's delays, as at the login;
    // during a delay no password is checked.
    let key = AccountDelays::key(&me.username, None);
    if let Err(wait) = state.limits.accounts.check(&key) {
        return Ok(too_many(lang, wait));
    }
    let current = f.get("current_password").map_or("", String::as_str);
    if let Err(e) = accounts::check_own_password(&state, &me, current).await {
        state.limits.accounts.failed(&key);
        return refused(&state, lang, &me, e).await;
    }
    match second_factor::turn_off(&state, &me).await {
        Ok(()) => Ok((
            StatusCode::SEE_OTHER,
            session::end(&state, jar),
            Redirect::to("/staff/login?m=2fa-off"),
        )
            .into_response()),
        Err(e) => refused(&state, lang, &me, e).await,
    }
}
