//! The desk's scan field: a scanned or typed booking code, a name or a NIK. What it
//! finds opens at once as the check-in screen (the answer is that page, not a redirect to
//! it), so a check-in takes two requests from the scan: this one and the check-in.

use super::booking::{Said, page};
use super::{DayAsk, day_view, matches, my_desk};
use crate::usecases::{AppError, desk};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{OrPage, PageError};
use crate::web::kit::session::StaffSession;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The office the desk works for: the form's, else the member's own.
async fn office_slug(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    typed: Option<&String>,
) -> Result<Option<String>, PageError> {
    if let Some(slug) = typed.and_then(|s| crate::domain::OfficeSlug::parse(s)) {
        return Ok(Some(slug.as_str().to_string()));
    }
    match me.office_id {
        Some(id) => Ok(Some(
            state
                .store
                .office_by_id(id)
                .await
                .map_err(AppError::from)
                .or_page(lang)?
                .slug,
        )),
        None => Ok(None),
    }
}

/// A typed code in an address (a link, an older page): its booking, or back to the list
/// saying so. A booking of another office answers like an unknown code.
pub(super) async fn find(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let typed = q
        .get("code")
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_default();
    if let Some(code) = desk::find_code(&state, &me, &typed).await.or_page(lang)? {
        let to = format!("/staff/bookings/{}", code.as_str());
        return Ok(Redirect::to(&to).into_response());
    }
    let kept: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    let back = match office_slug(&state, lang, &me, q.get("office")).await? {
        Some(slug) => format!("/staff/offices/{slug}/desk?m=unknown&code={kept}"),
        None => "/staff".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

/// The scan field's form (posted, so that a name or a NIK never stands in an address): a
/// code opens its booking; a name or NIK with one booking today opens it; several show
/// today's list of them; none shows the list saying so, with what was typed.
pub(super) async fn find_post(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let typed = f.get("code").map(|c| c.trim()).unwrap_or_default();
    let open = |code: String| {
        let (state, me) = (state.clone(), me.clone());
        async move {
            Ok::<_, PageError>(
                page(&state, lang, &me, &code, Said::default())
                    .await?
                    .into_response(),
            )
        }
    };
    if let Some(code) = desk::find_code(&state, &me, &typed.to_uppercase())
        .await
        .or_page(lang)?
    {
        return open(code.as_str().to_string()).await;
    }
    let Some(slug) = office_slug(&state, lang, &me, f.get("office")).await? else {
        return Ok(Redirect::to("/staff").into_response());
    };
    let who = my_desk(&state, lang, &me, &slug).await?;
    let today = desk::today(&state, who.office());
    let search = typed.to_lowercase();
    let hits: Vec<String> = if search.is_empty() {
        Vec::new()
    } else {
        desk::day_list(&state, &who, today)
            .await
            .or_page(lang)?
            .into_iter()
            .filter(|r| matches(&search, r))
            .map(|r| r.code)
            .collect()
    };
    match hits.as_slice() {
        [one] => open(one.clone()).await,
        [] => {
            let ask = DayAsk {
                error: Some(lang.text("desk-unknown-code")),
                typed_code: typed.to_string(),
                ..DayAsk::default()
            };
            let page = day_view(&state, lang, &me, &slug, ask).await?;
            Ok((axum::http::StatusCode::NOT_FOUND, page).into_response())
        }
        _ => {
            let ask = DayAsk {
                search: typed.to_string(),
                typed_code: typed.to_string(),
                ..DayAsk::default()
            };
            Ok(day_view(&state, lang, &me, &slug, ask)
                .await?
                .into_response())
        }
    }
}
