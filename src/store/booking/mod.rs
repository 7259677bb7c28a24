//! Bookings: how one is written ([`insert`], the one way for every kind), what it is
//! written from ([`new`]), what an Idempotency-Key keeps of it ([`receipt`]), and here
//! its rows read back and the changes made to it later (reschedule, new certificate,
//! cancellation, tokens).

pub(crate) mod insert;
mod new;
mod receipt;
mod recover;
mod rights;

use super::seats::{Seat, insert_certificate, move_seat};
use super::{Store, StoreError, StoreResult, audit, from_ts, ts};
use crate::domain::booking::Visit;
use crate::domain::booking::sql::{self, lit};
use crate::domain::{Actor, Booking, BookingStatus, CertificateInfo, CertificateStatus};
use chrono::{DateTime, NaiveDate, Utc};

pub use insert::Inserted;
pub use new::{NewBooking, NewCertificate, NewVerification, SeatRequest};
pub use receipt::{Receipt, ReceiptBooking};

/// Extra manage links a booking keeps (replayed answers); the oldest go beyond this.
pub(super) const EXTRA_TOKENS: i64 = 10;

/// A booking row as stored, with its current certificate.
#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    code: String,
    token_hash: String,
    office_id: i64,
    office_slug: String,
    slot_start: i64,
    slot_end: i64,
    local_date: String,
    status: String,
    nik: String,
    name: String,
    birth_date: String,
    phone: String,
    email: Option<String>,
    married: i64,
    guardian_consent: i64,
    version: i64,
    created_at: i64,
    hold_until: Option<i64>,
    wait_from: Option<String>,
    wait_to: Option<String>,
    certificate_kind: String,
    certificate_issued_at: i64,
    certificate_status: String,
    certificate_reason: Option<String>,
    certificate_size: i64,
    queue_number: Option<i64>,
    checked_in_at: Option<i64>,
    temperature_dc: Option<i64>,
    retest_dc: Option<i64>,
    outcome_reason: Option<String>,
    outcome_notice: Option<String>,
    walk_in: i64,
    verify_by: Option<i64>,
}

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored {what} is not one of ours: {value:?}").into())
}

fn date(what: &str, s: &str) -> Result<NaiveDate, sqlx::Error> {
    s.parse().map_err(|_| decode(what, s))
}

impl TryFrom<BookingRow> for Booking {
    type Error = sqlx::Error;

    /// An unknown status or a malformed date is an error, never a guess.
    fn try_from(r: BookingRow) -> Result<Self, sqlx::Error> {
        let wait = match (&r.wait_from, &r.wait_to) {
            (Some(f), Some(t)) => Some((date("wait_from", f)?, date("wait_to", t)?)),
            _ => None,
        };
        Ok(Booking {
            status: BookingStatus::parse(&r.status).ok_or_else(|| decode("status", &r.status))?,
            local_date: date("local_date", &r.local_date)?,
            birth_date: date("birth_date", &r.birth_date)?,
            certificate: CertificateInfo {
                status: CertificateStatus::parse(&r.certificate_status)
                    .ok_or_else(|| decode("certificate status", &r.certificate_status))?,
                kind: r.certificate_kind,
                issued_at: from_ts(r.certificate_issued_at),
                reason: r.certificate_reason,
                on_paper: r.certificate_size == 0,
            },
            id: r.id,
            code: crate::domain::BookingCode::stored(r.code),
            token_hash: r.token_hash,
            office_id: r.office_id,
            office_slug: crate::domain::OfficeSlug::stored(r.office_slug),
            slot_start: from_ts(r.slot_start),
            slot_end: from_ts(r.slot_end),
            nik: crate::domain::Nik::stored(r.nik),
            name: r.name,
            phone: crate::domain::PhoneNumber::stored(r.phone),
            email: r.email,
            married: r.married != 0,
            guardian_consent: r.guardian_consent != 0,
            version: r.version,
            created_at: from_ts(r.created_at),
            hold_until: r.hold_until.map(from_ts),
            verify_by: r.verify_by.map(from_ts),
            wait,
            visit: Visit {
                queue_number: r.queue_number,
                checked_in_at: r.checked_in_at.map(from_ts),
                temperature_dc: r.temperature_dc,
                retest_dc: r.retest_dc,
                outcome: crate::domain::Reason::from_stored(
                    r.outcome_notice.as_deref(),
                    r.outcome_reason.as_deref(),
                ),
                walk_in: r.walk_in != 0,
            },
        })
    }
}

const BOOKING_SELECT: &str = "SELECT b.id, b.code, b.token_hash, b.office_id, o.slug AS office_slug, \
    b.slot_start, b.slot_end, b.local_date, b.status, b.nik, b.name, b.birth_date, b.phone, \
    b.email, b.married, b.guardian_consent, b.version, b.created_at, b.hold_until, b.wait_from, b.wait_to, \
    c.kind AS certificate_kind, \
    c.issued_at AS certificate_issued_at, c.status AS certificate_status, \
    c.review_reason AS certificate_reason, c.size_bytes AS certificate_size, b.queue_number, b.checked_in_at, \
    b.temperature_dc, b.retest_dc, b.outcome_reason, b.outcome_notice, b.walk_in, b.verify_by \
    FROM bookings b JOIN offices o ON o.id = b.office_id \
    JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL";

/// Reads back bookings with their current certificate.
pub(crate) fn booking_select() -> &'static str {
    static SELECT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{BOOKING_SELECT} WHERE b.code = $1"));
    &SELECT
}

impl Store {
    /// Adds another manage token to a booking (its hash): both it and the booking's own
    /// lead to it from now on.
    pub async fn add_booking_token(
        &self,
        booking_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO booking_tokens (booking_id, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(booking_id)
        .bind(token_hash)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        // At most a few: the oldest go (a replayed booking sent without end).
        sqlx::query(
            "DELETE FROM booking_tokens WHERE booking_id = $1 AND id NOT IN \
             (SELECT id FROM booking_tokens WHERE booking_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(booking_id)
        .bind(EXTRA_TOKENS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Is `token_hash` one of the booking's extra manage tokens?
    pub async fn booking_token_matches(
        &self,
        booking_id: i64,
        token_hash: &str,
    ) -> StoreResult<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT booking_id FROM booking_tokens WHERE token_hash = $1 AND booking_id = $2",
        )
        .bind(token_hash)
        .bind(booking_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    /// A booking by code.
    pub async fn booking(&self, code: &str) -> StoreResult<Booking> {
        let row: Option<BookingRow> = sqlx::query_as(booking_select())
            .bind(code)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.ok_or(StoreError::NotFound)?.try_into()?)
    }

    /// Cancels a confirmed or displaced booking and frees its seat at once.
    pub async fn cancel_booking(
        &self,
        code: &str,
        actor: &Actor,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        // A concurrent change bumps the version; re-read and try again a few times.
        for _ in 0..10 {
            let b = self.booking(code).await?;
            if b.status == BookingStatus::Cancelled {
                return Ok(b);
            }
            if !b.status.is_cancellable() {
                return Err(StoreError::Conflict);
            }
            let mut tx = self.begin_write().await?;
            // Freeing a seat moves counters a re-plan reads: take the office's shared lock.
            super::lock_office_shared(&mut tx, self.backend, b.office_id).await?;
            // A reason (the desk cancelling) is kept like an outcome's, and shown.
            let changed = sqlx::query(&format!(
                "UPDATE bookings SET status = {}, version = version + 1, updated_at = $3, \
                 outcome_reason = COALESCE($4, outcome_reason), \
                 outcome_by = CASE WHEN $4 IS NULL THEN outcome_by ELSE $5 END, \
                 outcome_at = CASE WHEN $4 IS NULL THEN outcome_at ELSE $3 END \
                 WHERE id = $1 AND version = $2",
                lit(BookingStatus::Cancelled)
            ))
            .bind(b.id)
            .bind(b.version)
            .bind(ts(now))
            .bind(reason)
            .bind(actor.audit_name())
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                continue;
            }
            // The certificate is needed no more: its file goes now (the kind and review
            // stay for the report).
            super::retention::delete_certificate_file(
                &mut tx,
                now,
                b.office_id,
                b.id,
                "at cancellation",
            )
            .await?;
            if b.holds_seat() {
                let date = b.local_date.to_string();
                let seat = Seat {
                    slot_start: ts(b.slot_start),
                    local_date: &date,
                };
                move_seat(&mut tx, b.office_id, Some(seat), None).await?;
                // The freed seat goes to the first in the queue, if one can use it.
                super::offers::offer_seats(&mut tx, b.office_id, now, self.offers).await?;
            }
            audit(
                &mut tx,
                now,
                actor,
                "booking.cancel",
                Some(b.office_id),
                Some(b.id),
                reason.unwrap_or(""),
            )
            .await?;
            tx.commit().await?;
            return self.booking(code).await;
        }
        Err(StoreError::Conflict)
    }

    /// Moves a booking to another slot atomically: it holds the old seat or the new one,
    /// never both and never none. `b` is the booking as the caller read and judged it.
    pub async fn reschedule_booking(
        &self,
        b: &Booking,
        to: &SeatRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let (slot_start, slot_end, local_date) = (to.slot_start, to.slot_end, to.local_date);
        let (slot_capacity, day_cap) = (to.slot_capacity, to.day_cap);
        let mut tx = self.begin_write().await?;
        super::check_plan_version(&mut tx, self.backend, b.office_id, to.plan_version).await?;
        let changed = sqlx::query(&format!(
            "UPDATE bookings SET status = {}, slot_start = $3, slot_end = $4, \
             local_date = $5, version = version + 1, updated_at = $6, hold_until = NULL \
             WHERE id = $1 AND version = $2 AND status IN {}",
            lit(BookingStatus::Confirmed),
            *sql::CHANGEABLE
        ))
        .bind(b.id)
        .bind(b.version)
        .bind(ts(slot_start))
        .bind(ts(slot_end))
        .bind(local_date.to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        let old_date = b.local_date.to_string();
        let old = b.holds_seat().then_some(Seat {
            slot_start: ts(b.slot_start),
            local_date: &old_date,
        });
        let date = local_date.to_string();
        let new = Seat {
            slot_start: ts(slot_start),
            local_date: &date,
        };
        move_seat(
            &mut tx,
            b.office_id,
            old,
            Some((new, slot_capacity, day_cap)),
        )
        .await?;
        let detail = format!("{} -> {}", ts(b.slot_start), ts(slot_start));
        audit(
            &mut tx,
            now,
            actor,
            "booking.reschedule",
            Some(b.office_id),
            Some(b.id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.booking(b.code.as_str()).await
    }

    /// Replaces the booking's certificate; the old file is deleted in the same transaction.
    pub async fn replace_certificate(
        &self,
        b: &Booking,
        cert: &NewCertificate,
        actor: &Actor,
        now: DateTime<Utc>,
        per_day: u32,
    ) -> StoreResult<Booking> {
        let mut tx = self.begin_write().await?;
        // At most `per_day` replacements a day per booking (each is a file to keep).
        let (recent,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE booking_id = $1 \
             AND action = 'certificate.replace' AND at > $2",
        )
        .bind(b.id)
        .bind(ts(now - chrono::Duration::days(1)))
        .fetch_one(&mut *tx)
        .await?;
        if recent >= i64::from(per_day) {
            return Err(StoreError::TooMany);
        }
        let changed = sqlx::query(&format!(
            "UPDATE bookings SET version = version + 1, updated_at = $3 \
             WHERE id = $1 AND version = $2 AND status IN {}",
            *sql::CHANGEABLE
        ))
        .bind(b.id)
        .bind(b.version)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        // Only the current file is kept: review needs no other, and a health certificate
        // is not kept longer than it is needed (UU 27/2022).
        sqlx::query("DELETE FROM certificates WHERE booking_id = $1")
            .bind(b.id)
            .execute(&mut *tx)
            .await?;
        insert_certificate(&mut tx, b.id, cert, None, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "certificate.replace",
            Some(b.office_id),
            Some(b.id),
            "",
        )
        .await?;
        tx.commit().await?;
        self.booking(b.code.as_str()).await
    }

    /// Bookings of an office waiting for a new slot.
    pub async fn needs_rebooking_count(&self, office_id: i64) -> StoreResult<u32> {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM bookings WHERE office_id = $1 AND status = {}",
            lit(BookingStatus::NeedsRebooking)
        ))
        .bind(office_id)
        .fetch_one(&self.read)
        .await?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Bookings of an office waiting for a new slot that hold no offered seat: the people
    /// the free seats of the coming days still have to take.
    pub async fn unseated_backlog(&self, office_id: i64) -> StoreResult<u32> {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM bookings WHERE office_id = $1 AND status = {} \
             AND hold_until IS NULL",
            lit(BookingStatus::NeedsRebooking)
        ))
        .bind(office_id)
        .fetch_one(&self.read)
        .await?;
        Ok(u32::try_from(n).unwrap_or(0))
    }
}
