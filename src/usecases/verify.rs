//! Phone verification (`serve --verify-phone`, API.md "Phone verification"): a new
//! booking holds its seat for a few minutes while the six-digit code sent to its phone is
//! entered. Made-up or borrowed NIKs then cost a real phone each, and a phone is sent at
//! most a few codes an hour.

use super::auth::{Authorized, OwnBooking};
use super::{AppError, Code, Context};
use crate::domain::BookingStatus;
use crate::domain::code::verification_code;
use crate::store::{NewBooking, NewVerification, Verified};
use chrono::{DateTime, Duration, Utc};

/// Wrong codes after which the booking is cancelled (API.md).
pub const MAX_TRIES: u32 = 5;

/// Makes a new booking (or waiting-list entry) wait for its phone, when verification is
/// on. The store, in its transaction, counts the codes the phone was sent this hour and
/// lets the NIK's holds awaiting a code make way (see `store::verify`): a hold never
/// keeps a NIK from its owner, whose verified phone outranks it.
pub fn prepare(ctx: &Context, new: &mut NewBooking) {
    if ctx.settings.verify_phone {
        new.verification = Some(NewVerification {
            code: verification_code(),
            until: ctx.clock.now() + Duration::minutes(i64::from(ctx.settings.verify_minutes)),
            per_hour: ctx.settings.verify_codes_per_hour,
        });
    }
}

/// Checks a code typed for the owner's booking (`token`: the link's token, which the
/// confirmation then carries). A code that is not six digits is refused without counting
/// a try.
pub async fn verify(
    ctx: &Context,
    who: &Authorized<OwnBooking>,
    token: &str,
    typed: &str,
) -> Result<Verified, AppError> {
    let b = who.booking();
    let typed = typed.trim();
    if typed.len() != 6 || !typed.bytes().all(|c| c.is_ascii_digit()) {
        return Err(AppError::field(
            Code::Invalid,
            "code",
            "err-verify-code-format",
        ));
    }
    Ok(ctx
        .store
        .verify_code(b, typed, token, MAX_TRIES, ctx.clock.now())
        .await?)
}

/// The error answer for a code that did not confirm the booking (`None`: it did, or it
/// was confirmed before).
pub fn refusal(v: &Verified) -> Option<AppError> {
    match v {
        Verified::Confirmed(_) => None,
        Verified::NotPending(b) if b.status == BookingStatus::Confirmed => None,
        Verified::Wrong(_) => Some(AppError::field(
            Code::Invalid,
            "code",
            "err-verify-code-wrong",
        )),
        Verified::Cancelled => Some(AppError::field(
            Code::Invalid,
            "code",
            "err-verify-code-last",
        )),
        Verified::NotPending(_) => Some(AppError::new(Code::Conflict, "err-verify-not-pending")),
        Verified::NikTaken => Some(AppError::field(
            Code::ActiveBookingExists,
            "nik",
            "err-active-booking-exists",
        )),
    }
}

/// Sends a new code for a pending booking (the earlier one stops working; the deadline
/// stays), within the phone's hourly limit.
pub async fn resend(ctx: &Context, who: &Authorized<OwnBooking>) -> Result<(), AppError> {
    let b = who.booking();
    let now = ctx.clock.now();
    if b.status != BookingStatus::PendingVerification || b.verify_by.is_none_or(|t| t <= now) {
        return Err(AppError::new(Code::Conflict, "err-verify-not-pending"));
    }
    let per_hour = ctx.settings.verify_codes_per_hour;
    Ok(ctx
        .store
        .resend_code(b, &verification_code(), per_hour, now)
        .await?)
}

/// The sweep: cancels bookings not verified by their deadline and offers their seats on.
pub async fn cancel_unverified(ctx: &Context, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(ctx.store.cancel_unverified(now).await?)
}

/// The job that ends holds whose phone was not verified in time.
pub const EXPIRE_HOLDS: super::jobs::Job = super::jobs::Job {
    name: "verification.expire",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| {
        Box::pin(async move { Ok(super::jobs::count(cancel_unverified(ctx, now).await?)) })
    },
};
