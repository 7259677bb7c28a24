//! Phone verification (`serve --verify-phone`, API.md "Phone verification"): a new
//! booking holds its seat for a few minutes while the six-digit code sent to its phone is
//! entered. Made-up or borrowed NIKs then cost a real phone each, and a phone is sent at
//! most a few codes an hour.

use super::{AppError, Code, Context};
use crate::domain::code::verification_code;
use crate::domain::{Booking, BookingStatus};
use crate::store::{NewBooking, NewVerification, Verified, verify_reasons::LATE};
use chrono::{DateTime, Duration, Utc};

/// Wrong codes after which the booking is cancelled (API.md).
pub const MAX_TRIES: u32 = 5;

/// Why a pending booking ends without being verified (stored, shown to its owner).
const REPLACED: &str = "diganti pemesanan baru dari nomor HP yang sama";

/// At most `--verify-codes-per-hour` codes to one phone in an hour: 429 with the wait.
async fn within_phone_limit(
    ctx: &Context,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let limit = i64::from(ctx.settings.verify_codes_per_hour);
    let (sent, oldest) = ctx
        .store
        .codes_sent(phone, now - Duration::hours(1))
        .await?;
    if sent < limit {
        return Ok(());
    }
    let wait = oldest.map_or(3600, |t| (t + Duration::hours(1) - now).num_seconds());
    let mut e = AppError::field(Code::RateLimited, "phone", "err-verify-codes-per-hour");
    e.retry_after = Some(u64::try_from(wait).unwrap_or(1).max(1));
    Err(e)
}

/// Makes a new booking wait for its phone, when verification is on. A pending booking of
/// the same NIK is replaced when it came from the same phone (its page was lost) or its
/// time is up; from another phone, the answer says so without naming that phone.
pub async fn prepare(ctx: &Context, new: &mut NewBooking) -> Result<(), AppError> {
    if !ctx.settings.verify_phone {
        return Ok(());
    }
    let now = ctx.clock.now();
    let pending = ctx.store.pending_for_nik(&new.nik).await?;
    if let Some(p) = &pending {
        if p.verify_by > now && p.phone != new.phone {
            return Err(AppError::field(
                Code::ActiveBookingExists,
                "nik",
                "err-nik-pending-other-phone",
            ));
        }
    }
    within_phone_limit(ctx, &new.phone, now).await?;
    if let Some(p) = pending {
        let why = if p.verify_by <= now { LATE } else { REPLACED };
        ctx.store.cancel_pending(&p.code, why, now).await?;
    }
    new.verification = Some(NewVerification {
        code: verification_code(),
        until: now + Duration::minutes(i64::from(ctx.settings.verify_minutes)),
    });
    Ok(())
}

/// Checks a code typed for `b` (its owner's `token` checked by the caller). A code that is
/// not six digits is refused without counting a try.
pub async fn verify(
    ctx: &Context,
    b: &Booking,
    token: &str,
    typed: &str,
) -> Result<Verified, AppError> {
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
    }
}

/// Sends a new code for a pending booking (the earlier one stops working; the deadline
/// stays), within the phone's hourly limit.
pub async fn resend(ctx: &Context, b: &Booking) -> Result<(), AppError> {
    let now = ctx.clock.now();
    if b.status != BookingStatus::PendingVerification || b.verify_by.is_none_or(|t| t <= now) {
        return Err(AppError::new(Code::Conflict, "err-verify-not-pending"));
    }
    within_phone_limit(ctx, &b.phone, now).await?;
    Ok(ctx.store.resend_code(b, &verification_code(), now).await?)
}

/// The sweep: cancels bookings not verified by their deadline and offers their seats on.
pub async fn cancel_unverified(ctx: &Context) -> Result<usize, AppError> {
    Ok(ctx.store.cancel_unverified(ctx.clock.now()).await?)
}
