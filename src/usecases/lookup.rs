//! The lost link: a NIK and its birth date send a new manage link to the phone (and
//! e-mail) given at booking. The answer is the same whether or not a booking matches, so
//! it tells a stranger nothing; the links sent before keep working.

use super::form::RawForm;
use super::{AppError, Code, Context};
use crate::domain::Nik;
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::nik::NikError;
use chrono::NaiveDate;

/// What a recovery form holds, read: 422 naming the field when the NIK or the birth date
/// cannot be one (that says nothing about any booking).
pub fn read(ctx: &Context, form: &RawForm) -> Result<(Nik, NaiveDate), Vec<AppError>> {
    let nik = Nik::parse(form.get("nik"));
    let birth = super::form::parse_birth_date(form, ctx.clock.now());
    let mut errors = Vec::new();
    if let Err(e) = &nik {
        let message = match e {
            NikError::Shape => "err-nik-shape",
            NikError::Region => "err-nik-region",
            NikError::Day | NikError::Month | NikError::NotADate => "err-nik-date",
            NikError::Serial => "err-nik-serial",
        };
        errors.push(AppError::field(Code::Invalid, "nik", message));
    }
    if birth.is_none() {
        errors.push(AppError::field(
            Code::Invalid,
            "birth_date",
            "err-birth-date",
        ));
    }
    match (nik, birth) {
        (Ok(nik), Some(birth)) if errors.is_empty() => Ok((nik, birth)),
        _ => Err(errors),
    }
}

/// Sends a new link when the NIK has an active booking with that birth date. The work
/// is done after the answer (in a task of its own), so that how long the answer takes
/// says nothing about whether a booking matched; where no message channel is set,
/// nothing is done at all (a link nobody receives would only push out the earlier ones).
pub fn recover(ctx: &Context, nik: &Nik, birth: NaiveDate) {
    if ctx.settings.notify_webhook_url.is_empty() && ctx.settings.smtp_url.is_empty() {
        return;
    }
    let (store, now) = (ctx.store.clone(), ctx.clock.now());
    let nik = nik.as_str().to_string();
    tokio::spawn(async move {
        let token = new_secret();
        let done = store
            .recover_link(&nik, birth, &token, &hash_secret(&token), now)
            .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "a lost link was not sent");
        }
    });
}
