//! The lost link: a NIK and its birth date send a new manage link to the phone (and
//! e-mail) given at booking. The page answers the same whether or not a booking matches
//! and never shows a manage link.

use crate::usecases::form::RawForm;
use crate::usecases::lookup;
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::limits::ClientIp;
use crate::web::kit::page::{FormView, Frame, PageError, form_status, too_many};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

#[derive(Template, WebTemplate)]
#[template(path = "find.html")]
pub(super) struct FindPage {
    frame: Frame,
    form: FormView,
    /// What this server can send a link by: the text key saying so.
    channel: &'static str,
    /// After a request: what the page may say happened (the same whether or not a
    /// booking matched).
    done: Option<&'static str>,
}

/// How a new link would reach the applicant, as the page says it: by the message
/// gateway (phone, and e-mail where given), by e-mail only, or not at all.
fn channel(state: &AppState) -> (&'static str, &'static str) {
    if !state.settings.notify_webhook_url.is_empty() {
        ("find-explain-phone", "find-sent-phone")
    } else if !state.settings.smtp_url.is_empty() {
        ("find-explain-email", "find-sent-email")
    } else {
        ("find-explain-none", "find-cannot-send")
    }
}

/// The recovery form.
pub(super) async fn find_page(State(state): State<AppState>, lang: Lang) -> FindPage {
    FindPage {
        frame: Frame::new(lang, "/find"),
        form: FormView::default(),
        channel: channel(&state).0,
        done: None,
    }
}

/// Sends a new link when a booking matches; the page says the same either way.
pub(super) async fn find_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // A few tries a minute per address…
    if let Err(wait) = state.limits.lookup(ip) {
        return Ok(too_many(lang, wait));
    }
    let raw = RawForm {
        fields,
        ..RawForm::default()
    };
    let (explain, sent) = channel(&state);
    let (nik, birth) = match lookup::read(&state, &raw) {
        Ok(read) => read,
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let page = FindPage {
                frame: Frame::new(lang, "/find"),
                form: FormView::from_errors(lang, &raw, &errors),
                channel: explain,
                done: None,
            };
            return Ok((status, page).into_response());
        }
    };
    // …and a few an hour for one NIK, from every address together.
    if let Err(wait) = state.limits.recover_nik(nik.as_str()) {
        return Ok(too_many(lang, wait));
    }
    lookup::recover(&state, &nik, birth);
    Ok(FindPage {
        frame: Frame::new(lang, "/find"),
        form: FormView::default(),
        channel: explain,
        done: Some(sent),
    }
    .into_response())
}
