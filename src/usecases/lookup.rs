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

/// Sends a new link when the NIK has an active booking with that birth date; `true` when
/// one was written to the outbox (for the audit and the tests only: callers answer the
/// same either way).
pub async fn recover(ctx: &Context, nik: &Nik, birth: NaiveDate) -> Result<bool, AppError> {
    let token = new_secret();
    let sent = ctx
        .store
        .recover_link(
            nik.as_str(),
            birth,
            &token,
            &hash_secret(&token),
            ctx.clock.now(),
        )
        .await?;
    Ok(sent.is_some())
}
