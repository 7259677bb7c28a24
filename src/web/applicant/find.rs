//! The lost link: code + NIK + birth date give a new manage link.

use crate::usecases::form::RawForm;
use crate::usecases::{AppError, Code, lookup};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::limits::ClientIp;
use crate::web::kit::page::{FormView, Frame, OrPage, PageError, too_many};
use crate::web::manage_path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

#[derive(Template, WebTemplate)]
#[template(path = "find.html")]
pub(super) struct FindPage {
    frame: Frame,
    form: FormView,
}

/// The lookup form; `?code=` (from a message's link) fills in the code.
pub(super) async fn find_page(
    lang: Lang,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> FindPage {
    let code: String = q
        .get("code")
        .map(|c| {
            c.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(12)
                .collect()
        })
        .unwrap_or_default();
    let raw = RawForm {
        fields: HashMap::from([("code".to_string(), code)]),
        ..RawForm::default()
    };
    FindPage {
        frame: Frame::new(lang, "/find"),
        form: FormView::from_errors(lang, &raw, &[]),
    }
}

/// Finds a booking by code, NIK and birth date and sends its owner to a new manage link.
pub(super) async fn find_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // Code + NIK + birth date can be guessed at: a few tries a minute per address.
    if let Err(wait) = state.limits.lookup(ip) {
        return Ok(too_many(lang, wait));
    }
    // …and a few an hour for one booking code, from every address together.
    if let Some(code) = fields.get("code").filter(|c| !c.trim().is_empty()) {
        if let Err(wait) = state.limits.lookup_code(code) {
            return Ok(too_many(lang, wait));
        }
    }
    let raw = RawForm {
        fields,
        ..RawForm::default()
    };
    match lookup::find(&state, &raw).await.or_page(lang)? {
        Some((b, token)) => Ok(Redirect::to(&manage_path(b.code.as_str(), &token)).into_response()),
        None => {
            let view = FormView::from_errors(
                lang,
                &raw,
                &[AppError::field(Code::NotFound, "code", "err-find")],
            );
            let page = FindPage {
                frame: Frame::new(lang, "/find"),
                form: view,
            };
            Ok((StatusCode::NOT_FOUND, page).into_response())
        }
    }
}
