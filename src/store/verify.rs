//! Phone verification (`serve --verify-phone`): a new booking holds its seat and its NIK
//! as `pending_verification` until the code sent to the phone is entered. Codes are kept
//! only as salted hashes; every code tried is counted before it is compared, so
//! concurrent guesses cannot try more than the limit; a booking not verified in time, or
//! after the last wrong code, is cancelled and its seat offered on.

use super::seats::{Seat, move_seat};
use super::{Backend, Store, StoreError, StoreResult, audit, lock_office_shared, ts};
use crate::domain::booking::sql::{kind_lit, lit};
use crate::domain::code::{hash_verification_code, verification_code_matches};
use crate::domain::{Booking, BookingStatus, NotificationKind};
use chrono::{DateTime, Duration, Utc};
use sqlx::AnyConnection;

/// Why bookings end unverified (stored in Indonesian, shown to their owner).
pub mod reasons {
    /// Not verified by the deadline.
    pub const LATE: &str = "nomor HP tidak diverifikasi tepat waktu";
    /// Too many wrong codes.
    pub const WRONG: &str = "kode verifikasi salah terlalu sering";
    /// A new booking of the NIK from the same phone took its place.
    pub const REPLACED: &str = "diganti pemesanan baru dari nomor HP yang sama";
}

/// What entering a code did.
#[derive(Debug)]
pub enum Verified {
    /// Right code: the booking is confirmed.
    Confirmed(Box<Booking>),
    /// Wrong code; this many tries are left.
    Wrong(u32),
    /// Wrong code, and it was the last try: the booking is cancelled, its seat released.
    Cancelled,
    /// The booking was not waiting for a code (confirmed already, cancelled, or past its
    /// deadline: then it is cancelled now).
    NotPending(Box<Booking>),
}

/// Cancels a pending booking inside the caller's transaction (the office's shared lock
/// taken): its seat goes back. Returns its office (whose queue the caller offers the seat
/// to), or `None` when it was no longer pending.
async fn end_pending(
    conn: &mut AnyConnection,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(&format!(
        "UPDATE bookings SET status = {}, outcome_reason = $2, outcome_by = 'system', \
         outcome_at = $3, verify_hash = NULL, version = version + 1, updated_at = $3 \
         WHERE id = $1 AND status = {} RETURNING office_id, slot_start, local_date",
        lit(BookingStatus::Cancelled),
        lit(BookingStatus::PendingVerification)
    ))
    .bind(id)
    .bind(reason)
    .bind(ts(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((office_id, slot_start, local_date)) = row else {
        return Ok(None);
    };
    let seat = Seat {
        slot_start,
        local_date: &local_date,
    };
    move_seat(conn, office_id, Some(seat), None).await?;
    audit(
        conn,
        now,
        "system",
        "booking.verification_failed",
        Some(office_id),
        Some(id),
        reason,
    )
    .await?;
    Ok(Some(office_id))
}

/// Serialises the code count of one phone on PostgreSQL (a transaction-scoped advisory
/// lock in a key space of its own); SQLite has one writer.
async fn lock_phone(conn: &mut AnyConnection, backend: Backend, phone: &str) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(8675309, hashtext($1))::text")
            .bind(phone)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Refuses a code for `phone` when it was sent `per_hour` in the last hour; inside the
/// transaction that writes the code (the phone's lock taken first, so concurrent requests
/// count one after another).
pub(crate) async fn within_code_limit(
    conn: &mut AnyConnection,
    backend: Backend,
    phone: &str,
    now: DateTime<Utc>,
    per_hour: u32,
) -> StoreResult<()> {
    lock_phone(conn, backend, phone).await?;
    let (sent, oldest): (i64, Option<i64>) = sqlx::query_as(&format!(
        "SELECT COUNT(*), MIN(n.created_at) FROM notifications n \
         JOIN bookings b ON b.id = n.booking_id \
         WHERE b.phone = $1 AND b.verify_by IS NOT NULL AND n.kind = {} AND n.created_at > $2",
        kind_lit(NotificationKind::VerificationCode)
    ))
    .bind(phone)
    .bind(ts(now - Duration::hours(1)))
    .fetch_one(conn)
    .await?;
    if sent < i64::from(per_hour) {
        return Ok(());
    }
    let wait = oldest.map_or(3600, |t| t + 3600 - ts(now));
    Err(StoreError::CodesPerHour(wait.max(1)))
}

/// Before a new booking of `nik` that waits for `phone`: a pending booking of the NIK is
/// cancelled when it came from the same phone (its page was lost) or its time is up;
/// from another phone, the new one is refused. Returns the office of a replaced one.
pub(crate) async fn replace_pending(
    conn: &mut AnyConnection,
    backend: Backend,
    nik: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(&pending_of_nik_sql())
        .bind(nik)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((id, office_id, its_phone, until)) = row else {
        return Ok(None);
    };
    let late = until.is_none_or(|t| t <= ts(now));
    if !late && its_phone != phone {
        return Err(StoreError::PendingElsewhere);
    }
    lock_office_shared(conn, backend, office_id).await?;
    let why = if late {
        reasons::LATE
    } else {
        reasons::REPLACED
    };
    end_pending(conn, id, why, now).await
}

impl Store {
    /// Checks a code typed for booking `b` (whose token the caller checked): counts the
    /// try first, then compares; the right code confirms the booking and sends its
    /// confirmation with the manage link (`token`), the last wrong one cancels it.
    pub async fn verify_code(
        &self,
        b: &Booking,
        typed: &str,
        token: &str,
        max_tries: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Verified> {
        let mut tx = self.begin_write().await?;
        lock_office_shared(&mut tx, self.backend, b.office_id).await?;
        let counted: Option<(Option<String>, i64)> = sqlx::query_as(&format!(
            "UPDATE bookings SET verify_attempts = verify_attempts + 1 \
             WHERE id = $1 AND status = {} AND verify_by > $2 AND verify_attempts < $3 \
             RETURNING verify_hash, verify_attempts",
            lit(BookingStatus::PendingVerification)
        ))
        .bind(b.id)
        .bind(ts(now))
        .bind(i64::from(max_tries))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((hash, tries)) = counted else {
            // Not pending any more, or past its deadline: the sweep's work, done now.
            if let Some(office) = end_pending(&mut tx, b.id, reasons::LATE, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
            }
            tx.commit().await?;
            return Ok(Verified::NotPending(Box::new(self.booking(&b.code).await?)));
        };
        if hash.is_some_and(|h| verification_code_matches(&h, typed)) {
            sqlx::query(&format!(
                "UPDATE bookings SET status = {}, verify_hash = NULL, \
                 version = version + 1, updated_at = $2 WHERE id = $1",
                lit(BookingStatus::Confirmed)
            ))
            .bind(b.id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let kind = NotificationKind::Confirmed;
            let start = ts(b.slot_start);
            super::outbox::notify(&mut tx, b.id, kind, start, None, "", Some(token), now).await?;
            audit(
                &mut tx,
                now,
                "applicant",
                "booking.verified",
                Some(b.office_id),
                Some(b.id),
                "",
            )
            .await?;
            tx.commit().await?;
            return Ok(Verified::Confirmed(Box::new(self.booking(&b.code).await?)));
        }
        let tries = u32::try_from(tries).unwrap_or(max_tries);
        if tries >= max_tries {
            if let Some(office) = end_pending(&mut tx, b.id, reasons::WRONG, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
            }
            tx.commit().await?;
            return Ok(Verified::Cancelled);
        }
        tx.commit().await?;
        Ok(Verified::Wrong(max_tries - tries))
    }

    /// Sends a new code for the pending booking `b` (the old one stops working); the
    /// deadline stays.
    pub async fn resend_code(
        &self,
        b: &Booking,
        code: &str,
        per_hour: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        within_code_limit(&mut tx, self.backend, &b.phone, now, per_hour).await?;
        let changed = sqlx::query(&format!(
            "UPDATE bookings SET verify_hash = $2, updated_at = $3 \
             WHERE id = $1 AND status = {} AND verify_by > $3",
            lit(BookingStatus::PendingVerification)
        ))
        .bind(b.id)
        .bind(hash_verification_code(code))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        let kind = NotificationKind::VerificationCode;
        let start = ts(b.slot_start);
        super::outbox::notify(&mut tx, b.id, kind, start, None, "", Some(code), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels the bookings whose phone was not verified by their deadline, and offers
    /// their seats on. Returns how many.
    pub async fn cancel_unverified(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let due: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT id, office_id FROM bookings WHERE verify_by <= $1 AND status = {} LIMIT 500",
            lit(BookingStatus::PendingVerification)
        ))
        .bind(ts(now))
        .fetch_all(&self.read)
        .await?;
        let mut cancelled = 0;
        for (id, office_id) in due {
            let mut tx = self.begin_write().await?;
            lock_office_shared(&mut tx, self.backend, office_id).await?;
            if let Some(office) = end_pending(&mut tx, id, reasons::LATE, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
                cancelled += 1;
            }
            tx.commit().await?;
        }
        Ok(cancelled)
    }
}

/// A NIK's booking pending verification. The active-statuses term is the unique NIK
/// index's own condition, which SQLite needs to see word for word to use that index.
pub(crate) fn pending_of_nik_sql() -> String {
    format!(
        "SELECT id, office_id, phone, verify_by FROM bookings WHERE nik = $1 AND status IN {} \
         AND status = {}",
        crate::domain::booking::sql::list(BookingStatus::is_active),
        lit(BookingStatus::PendingVerification)
    )
}
