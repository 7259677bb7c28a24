//! The lost link: code + NIK + birth date find a booking, and a new manage token is issued
//! (only the token's hash is kept, so the old one cannot be shown again; the lost link
//! stops working).

use super::form::RawForm;
use super::{AppError, Context};
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::{Booking, BookingCode, Nik};
use crate::store::StoreError;
use chrono::NaiveDate;

/// The booking found and its new token, or `None` when the three do not match one
/// booking (the same answer whatever did not match).
pub async fn find(ctx: &Context, form: &RawForm) -> Result<Option<(Booking, String)>, AppError> {
    let (Some(code), Ok(nik), Ok(birth)) = (
        BookingCode::parse(form.get("code")),
        Nik::parse(form.get("nik")),
        NaiveDate::parse_from_str(form.get("birth_date"), "%Y-%m-%d"),
    ) else {
        return Ok(None);
    };
    let b = match ctx.store.booking(code.as_str()).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if b.nik != nik || b.birth_date != birth {
        return Ok(None);
    }
    let token = new_secret();
    ctx.store
        .replace_booking_token(b.id, &hash_secret(&token), ctx.clock.now())
        .await?;
    Ok(Some((b, token)))
}
