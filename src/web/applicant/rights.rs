//! The applicant's rights on the booking page: correct the phone and e-mail, download
//! what is stored, cancel and erase at once (`usecases::rights`).

use super::manage::{TokenForm, TokenQuery, booking_page, owned, when_label};
use crate::domain::Booking;
use crate::usecases::rights;
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{FormView, Frame, OrPage, PageError, form_status};
use crate::web::manage_path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The new phone and e-mail: back to the booking with a notice, or the page again with
/// the errors at the fields and what was typed.
pub(super) async fn contact_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let token = fields.get("t").cloned().unwrap_or_default();
    let who = owned(&state, lang, &code, Some(&token)).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let raw = crate::usecases::form::RawForm {
        fields,
        ..Default::default()
    };
    match rights::change_contact(&state, &who, &raw).await {
        Ok(b) => Ok(Redirect::to(&format!(
            "{}&m=contact",
            manage_path(b.code.as_str(), &token)
        ))
        .into_response()),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let view = FormView::from_errors(lang, &raw, &errors);
            let mut page = booking_page(&state, lang, b, office, &token, None, FormView::default());
            page.contact = view;
            Ok((status, page).into_response())
        }
    }
}

/// What is stored about the applicant, as a JSON file (audited; never cached).
pub(super) async fn data_download(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let data = rights::export(&state, &who).await.or_page(lang)?;
    let body = serde_json::to_string_pretty(&data).unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rekam-{}.json\"", who.booking().code),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "erase.html")]
pub(super) struct ErasePage {
    frame: Frame,
    /// The booking to erase (none once it is erased).
    b: Option<Booking>,
    token: String,
    when: String,
}

/// Asks to confirm: what erasing does and does not keep.
pub(super) async fn erase_confirm(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<ErasePage, PageError> {
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let token = q.t.unwrap_or_default();
    Ok(ErasePage {
        frame: Frame::new(lang, &format!("/b/{}/erase?t={token}", b.code)),
        when: when_label(lang, &office, &b),
        b: Some(b),
        token,
    })
}

/// Cancels and erases; the page then says it is done (the link no longer works).
pub(super) async fn erase_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<ErasePage, PageError> {
    let who = owned(&state, lang, &code, Some(&f.t)).await?;
    rights::erase(&state, &who).await.or_page(lang)?;
    Ok(ErasePage {
        frame: Frame::new(lang, "/"),
        b: None,
        token: String::new(),
        when: String::new(),
    })
}
