//! Phone verification (`serve --verify-phone`): a new booking holds its seat (a
//! waiting-list entry: nothing yet) as `pending_verification` until the code sent to the
//! phone is entered. Codes are kept only as salted hashes; every code tried is counted
//! before it is compared, so concurrent guesses cannot try more than the limit; a booking
//! not verified in time, or after the last wrong code, is cancelled and its seat offered
//! on.
//!
//! A verified phone outranks an unverified hold (issue 19): a hold does not keep its NIK
//! from anyone. A NIK may have a few holds awaiting a code at once (a new one ends the
//! oldest beyond [`PENDING_PER_NIK`]); the first to be verified becomes the NIK's booking
//! and ends the others; a booking of the NIK whose phone is verified refuses new ones.
//! Codes are limited per phone and asking client address (so that nobody uses up a
//! stranger's codes from elsewhere) and per phone in all (a ceiling on the messages one
//! phone is sent).

use super::seats::{Seat, move_seat};
use super::{Backend, Store, StoreError, StoreResult, audit, lock_office_shared, ts};
use crate::domain::Actor;
use crate::domain::booking::sql::lit;
use crate::domain::code::{hash_verification_code, verification_code_matches};
use crate::domain::{Booking, BookingStatus, NotificationKind, Reason};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Connection};

/// Holds of one NIK awaiting a code, asked for from one client address, at once; a new
/// one from that address ends its oldest beyond this. Holds asked for from elsewhere are
/// never ended by it, so no stranger can end or block the owner's.
pub const PENDING_PER_NIK: usize = 3;

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
    /// Right code, but another booking of the NIK was verified first: this one is
    /// cancelled.
    NikTaken,
}

/// Cancels a pending booking inside the caller's transaction (the office's shared lock
/// taken): its seat goes back. Returns its office (whose queue the caller offers the seat
/// to), or `None` when it was no longer pending.
async fn end_pending(
    conn: &mut AnyConnection,
    id: i64,
    reason: Reason,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64, i64, String, Option<String>)> = sqlx::query_as(&format!(
        "UPDATE bookings SET status = {}, outcome_reason = $5, outcome_notice = $2, \
         outcome_by = $4, \
         outcome_at = $3, verify_hash = NULL, version = version + 1, updated_at = $3 \
         WHERE id = $1 AND status = {} RETURNING office_id, slot_start, local_date, wait_from",
        lit(BookingStatus::Cancelled),
        lit(BookingStatus::PendingVerification)
    ))
    .bind(id)
    .bind(reason.to_stored())
    .bind(ts(now))
    .bind(Actor::System.audit_name())
    .bind(reason.office_text())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((office_id, slot_start, local_date, wait_from)) = row else {
        return Ok(None);
    };
    // A waiting-list entry awaiting its code held no seat.
    if wait_from.is_none() {
        let seat = Seat {
            slot_start,
            local_date: &local_date,
        };
        move_seat(conn, office_id, Some(seat), None).await?;
    }
    audit(
        conn,
        now,
        &Actor::System,
        "booking.verification_failed",
        Some(office_id),
        Some(id),
        &reason.office_text(),
    )
    .await?;
    Ok(Some(office_id))
}

/// Serialises the code count of one phone, or the holds of one NIK, on PostgreSQL (a
/// transaction-scoped advisory lock in a key space of its own); SQLite has one writer.
async fn lock_key(
    conn: &mut AnyConnection,
    backend: Backend,
    space: i32,
    key: &str,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))::text")
            .bind(space)
            .bind(key)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The advisory-lock key space of phones.
const PHONES: i32 = 8_675_309;
/// The advisory-lock key space of NIKs.
const NIKS: i32 = 8_675_310;

/// The client a code is asked for from, for the limits: the request's address (an IPv6
/// address by its /64), or `""` outside a request (the command line).
fn asking_client() -> String {
    super::origin()
        .and_then(|o| o.parse::<std::net::IpAddr>().ok())
        .map(|ip| crate::domain::client::household(ip).to_string())
        .unwrap_or_default()
}

/// Refuses a code for `phone` when the asking client was sent `per_hour` codes for it in
/// the last hour, or the phone was sent `per_hour` codes for `nik` from anywhere; inside
/// the transaction that writes the code (the phone's lock taken first, so concurrent
/// requests count one after another). No limit counts the phone alone: whoever knows a
/// phone number could then use up its owner's codes (a flood of one phone is bounded per
/// asking address, here and by the bookings each address may make).
pub(crate) async fn within_code_limit(
    conn: &mut AnyConnection,
    backend: Backend,
    phone: &str,
    nik: &str,
    now: DateTime<Utc>,
    per_hour: u32,
) -> StoreResult<()> {
    lock_key(conn, backend, PHONES, phone).await?;
    let hour_ago = ts(now - Duration::hours(1));
    let (here, oldest_here): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(sent_at) FROM verification_codes \
         WHERE phone = $1 AND sent_at > $2 AND origin = $3",
    )
    .bind(phone)
    .bind(hour_ago)
    .bind(asking_client())
    .fetch_one(&mut *conn)
    .await?;
    let (for_nik, oldest_for_nik): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(sent_at) FROM verification_codes \
         WHERE phone = $1 AND nik = $2 AND sent_at > $3",
    )
    .bind(phone)
    .bind(nik)
    .bind(hour_ago)
    .fetch_one(&mut *conn)
    .await?;
    let wait = |oldest: Option<i64>| oldest.map_or(3600, |t| t + 3600 - ts(now)).max(1);
    if here >= i64::from(per_hour) {
        return Err(StoreError::CodesPerHour(wait(oldest_here)));
    }
    if for_nik >= i64::from(per_hour) {
        return Err(StoreError::CodesPerHour(wait(oldest_for_nik)));
    }
    Ok(())
}

/// Counts a code sent to `phone` for booking `booking_id` of `nik` (for
/// [`within_code_limit`] and [`make_way`]).
pub(crate) async fn record_code(
    conn: &mut AnyConnection,
    phone: &str,
    nik: &str,
    booking_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO verification_codes (phone, origin, sent_at, nik, booking_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(phone)
    .bind(asking_client())
    .bind(ts(now))
    .bind(nik)
    .bind(booking_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Before a new booking of `nik` that awaits a code: refused (`ActiveBookingExists`) when
/// a booking of the NIK whose phone is verified (or that needed no code) holds it. The
/// oldest holds of the NIK asked for from the same client address make way, so that at
/// most [`PENDING_PER_NIK`] from it wait with the new one (`pending`; without it, all of
/// them would); holds from elsewhere are left alone. Returns the offices whose seats
/// were freed.
pub(crate) async fn make_way(
    conn: &mut AnyConnection,
    backend: Backend,
    nik: &str,
    pending: bool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    lock_key(conn, backend, NIKS, nik).await?;
    let held: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT id FROM bookings WHERE nik = $1 AND status IN {}",
        crate::domain::booking::sql::list(BookingStatus::holds_nik)
    ))
    .bind(nik)
    .fetch_optional(&mut *conn)
    .await?;
    if held.is_some() {
        return Err(StoreError::ActiveBookingExists);
    }
    // Only the holds asked for from this client address make way.
    let holds: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT b.id, b.office_id FROM bookings b WHERE b.nik = $1 AND b.status = {} \
         AND EXISTS (SELECT 1 FROM verification_codes v WHERE v.booking_id = b.id \
         AND v.origin = $2) ORDER BY b.created_at, b.id",
        lit(BookingStatus::PendingVerification)
    ))
    .bind(nik)
    .bind(asking_client())
    .fetch_all(&mut *conn)
    .await?;
    let keep = if pending { PENDING_PER_NIK - 1 } else { 0 };
    let ending = holds.len().saturating_sub(keep);
    let mut freed = Vec::new();
    for (id, office_id) in holds.into_iter().take(ending) {
        lock_office_shared(conn, backend, office_id).await?;
        let why = if pending {
            Reason::VerifyReplaced
        } else {
            Reason::VerifyOutranked
        };
        if let Some(office) = end_pending(conn, id, why, now).await? {
            freed.push(office);
        }
    }
    Ok(freed)
}

/// Ends every hold of `nik` awaiting a code but `except`, inside the caller's transaction:
/// a booking of the NIK was just verified. Returns the offices whose seats were freed.
async fn end_other_holds(
    conn: &mut AnyConnection,
    backend: Backend,
    nik: &str,
    except: i64,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    let holds: Vec<(i64, i64)> = sqlx::query_as(&holds_of_nik_sql())
        .bind(nik)
        .fetch_all(&mut *conn)
        .await?;
    let mut freed = Vec::new();
    for (id, office_id) in holds.into_iter().filter(|(id, _)| *id != except) {
        lock_office_shared(conn, backend, office_id).await?;
        if let Some(office) = end_pending(conn, id, Reason::VerifyOutranked, now).await? {
            freed.push(office);
        }
    }
    Ok(freed)
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
            if let Some(office) = end_pending(&mut tx, b.id, Reason::VerifyLate, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
            }
            tx.commit().await?;
            return Ok(Verified::NotPending(Box::new(
                self.booking(b.code.as_str()).await?,
            )));
        };
        if hash.is_some_and(|h| verification_code_matches(&h, typed)) {
            return self.promote(tx, b, token, now).await;
        }
        let tries = u32::try_from(tries).unwrap_or(max_tries);
        if tries >= max_tries {
            if let Some(office) = end_pending(&mut tx, b.id, Reason::VerifyWrong, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
            }
            tx.commit().await?;
            return Ok(Verified::Cancelled);
        }
        tx.commit().await?;
        Ok(Verified::Wrong(max_tries - tries))
    }

    /// The right code for `b`: it becomes the NIK's booking (`confirmed`; a waiting-list
    /// entry `waitlisted`, in the queue from when it joined), and the NIK's other holds
    /// end. If another booking of the NIK was verified first, this one ends instead.
    async fn promote(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        b: &Booking,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Verified> {
        lock_key(&mut tx, self.backend, NIKS, b.nik.as_str()).await?;
        let entry = b.wait.is_some();
        let status = if entry {
            BookingStatus::Waitlisted
        } else {
            BookingStatus::Confirmed
        };
        // In a savepoint: on PostgreSQL a refused statement ends its transaction.
        let mut step = tx.begin().await?;
        let promoted = sqlx::query(&format!(
            "UPDATE bookings SET status = {}, verify_hash = NULL, version = version + 1, \
             updated_at = $2 WHERE id = $1 AND status = {}",
            lit(status),
            lit(BookingStatus::PendingVerification)
        ))
        .bind(b.id)
        .bind(ts(now))
        .execute(&mut *step)
        .await;
        match promoted {
            Ok(_) => step.commit().await?,
            Err(e) if super::is_unique_violation(&e, "nik") => {
                step.rollback().await?;
                if let Some(office) =
                    end_pending(&mut tx, b.id, Reason::VerifyOutranked, now).await?
                {
                    super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
                }
                tx.commit().await?;
                return Ok(Verified::NikTaken);
            }
            Err(e) => return Err(e.into()),
        }
        let mut offices = end_other_holds(&mut tx, self.backend, b.nik.as_str(), b.id, now).await?;
        if !entry {
            let kind = NotificationKind::Confirmed;
            let start = ts(b.slot_start);
            super::outbox::notify(&mut tx, b.id, kind, start, None, None, Some(token), now).await?;
        }
        audit(
            &mut tx,
            now,
            &Actor::Applicant,
            "booking.verified",
            Some(b.office_id),
            Some(b.id),
            "",
        )
        .await?;
        // Freed seats are offered on; a new entry in the queue may be offered one at once.
        if entry {
            offices.push(b.office_id);
        }
        offices.sort_unstable();
        offices.dedup();
        for office in offices {
            lock_office_shared(&mut tx, self.backend, office).await?;
            super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
        }
        tx.commit().await?;
        Ok(Verified::Confirmed(Box::new(
            self.booking(b.code.as_str()).await?,
        )))
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
        within_code_limit(
            &mut tx,
            self.backend,
            b.phone.as_str(),
            b.nik.as_str(),
            now,
            per_hour,
        )
        .await?;
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
        super::outbox::notify(&mut tx, b.id, kind, start, None, None, Some(code), now).await?;
        record_code(&mut tx, b.phone.as_str(), b.nik.as_str(), b.id, now).await?;
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
            if let Some(office) = end_pending(&mut tx, id, Reason::VerifyLate, now).await? {
                super::offers::offer_seats(&mut tx, office, now, self.offers).await?;
                cancelled += 1;
            }
            tx.commit().await?;
        }
        Ok(cancelled)
    }
}

/// The holds of a NIK awaiting a code, oldest first: `(id, office_id)`. The status term is
/// the partial index's own condition, which SQLite needs to see word for word.
pub(crate) fn holds_of_nik_sql() -> String {
    format!(
        "SELECT id, office_id FROM bookings WHERE nik = $1 AND status = {} ORDER BY created_at, id",
        lit(BookingStatus::PendingVerification)
    )
}
