//! Supervisor pages: log in, see the plan of the next 30 days as a chart and a table, set
//! a level or close a day — always through a preview (the dry run) before applying —, edit
//! the level rules and load holidays.

mod account;
mod login;
mod plan;
mod rules;

use super::AppState;
use super::kit::lang::Lang;
use super::kit::page::{Frame, OrPage, PageError};
use super::kit::session::StaffSession;
use crate::usecases::auth;
use crate::usecases::availability;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// Staff page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(staff_home))
        .merge(login::router())
        .merge(account::router())
        .route("/staff/offices/{slug}", get(plan::plan_page))
        .route("/staff/offices/{slug}/level", post(plan::level_submit))
        .route("/staff/offices/{slug}/closure", post(plan::closure_submit))
        .route("/staff/offices/{slug}/reopen", post(plan::reopen_submit))
        .route(
            "/staff/offices/{slug}/level-end",
            post(plan::level_end_submit),
        )
        .route(
            "/staff/rules",
            get(rules::rules_page).post(rules::rule_submit),
        )
        .route("/staff/holidays", post(rules::holidays_submit))
        .layer(axum::middleware::from_fn(
            super::kit::page::staff_error_frame,
        ))
}

/// The office of a staff page, if `me` may act for it with grant `R` (an unknown office is
/// not found before anyone is told they may not see it).
async fn my_office<R: auth::Grant>(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    slug: &str,
) -> Result<auth::Authorized<auth::AtOffice<R>>, PageError> {
    let office = availability::office(state, slug).await.or_page(lang)?;
    auth::at_office::<R>(me, office).or_page(lang)
}

/// `?m=…`: which notice a page shows after a redirect.
#[derive(Deserialize)]
struct Notice {
    m: Option<String>,
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
