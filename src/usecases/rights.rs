//! The applicant's rights over their data (UU 27/2022): correct the phone and e-mail,
//! take a copy of what is stored, and cancel and erase at once. Each is audited.

use super::auth::{Authorized, OwnBooking};
use super::form::{RawForm, email_ok, invalid};
use super::{AppError, Code, Context};
use crate::domain::{Booking, BookingStatus, PhoneNumber};
use serde_json::{Value, json};

/// Corrects the phone and e-mail. Where phones are verified by a code, a new number
/// cannot be taken on the page's word: it is refused with the way on (the office).
pub async fn change_contact(
    ctx: &Context,
    who: &Authorized<OwnBooking>,
    form: &RawForm,
) -> Result<Booking, Vec<AppError>> {
    let b = &who.scope().booking;
    if !b.status.is_cancellable() {
        return Err(vec![AppError::new(Code::Conflict, "err-not-changeable")]);
    }
    let mut errors = Vec::new();
    let phone = PhoneNumber::parse(form.get("phone"));
    if phone.is_none() {
        errors.push(invalid("phone", "err-phone"));
    }
    let email = match form.get("email") {
        "" => None,
        e if email_ok(e) => Some(e.to_string()),
        _ => {
            errors.push(invalid("email", "err-email"));
            None
        }
    };
    let Some(phone) = phone.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    if ctx.settings.verify_phone && phone != b.phone {
        return Err(vec![AppError::field(
            Code::Conflict,
            "phone",
            "err-phone-verified",
        )]);
    }
    ctx.store
        .change_contact(
            b.id,
            b.office_id,
            phone.as_str(),
            email.as_deref(),
            ctx.clock.now(),
        )
        .await
        .map_err(|e| vec![e.into()])?;
    ctx.store
        .booking(b.code.as_str())
        .await
        .map_err(|e| vec![e.into()])
}

/// What is stored about the applicant, as JSON (the access right); the copy is audited.
pub async fn export(ctx: &Context, who: &Authorized<OwnBooking>) -> Result<Value, AppError> {
    let b = &who.scope().booking;
    ctx.store
        .audit_read(
            who.actor(),
            "booking.data_export",
            Some(b.office_id),
            Some(b.id),
            ctx.clock.now(),
        )
        .await?;
    let when = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339();
    let c = &b.certificate;
    Ok(json!({
        "booking": {
            "code": b.code.as_str(),
            "office": b.office_slug.as_str(),
            "status": b.status.as_str(),
            "slot_start": when(b.slot_start),
            "slot_end": when(b.slot_end),
            "created_at": when(b.created_at),
            "wanted_dates": b.wait.map(|(from, to)| json!([from.to_string(), to.to_string()])),
            "queue_number": b.visit.queue_number,
        },
        "person": {
            "name": b.name,
            "nik": b.nik.as_str(),
            "birth_date": b.birth_date.to_string(),
            "phone": b.phone.as_str(),
            "email": b.email,
            "married": b.married,
            "guardian_consent": b.guardian_consent,
        },
        "certificate": {
            "kind": c.kind,
            "issued_at": when(c.issued_at),
            "status": c.status.as_str(),
            "reason": c.reason,
            "on_paper": c.on_paper,
        },
        "visit": {
            "checked_in_at": b.visit.checked_in_at.map(when),
            "temperature_c": b.visit.temperature_dc.map(|t| t as f64 / 10.0),
            "retest_c": b.visit.retest_dc.map(|t| t as f64 / 10.0),
            "walk_in": b.visit.walk_in,
        },
    }))
}

/// Cancels (where it still holds anything) and erases the personal data at once. A visit
/// that happened is not erased here: its record is kept for the retention period.
pub async fn erase(ctx: &Context, who: &Authorized<OwnBooking>) -> Result<(), AppError> {
    let b = &who.scope().booking;
    if b.status.is_cancellable() {
        super::booking::cancel(ctx, who).await?;
    } else if b.status != BookingStatus::Cancelled {
        return Err(AppError::new(Code::Conflict, "err-erase-after-visit"));
    }
    ctx.store
        .erase_booking(b.id, b.code.as_str(), b.office_id, ctx.clock.now())
        .await?;
    Ok(())
}
