//! The front desk's writes: check-in with the day's queue number, outcomes, certificate
//! reviews and reads, walk-ins, and the sweeps that end what nobody ended (no-shows,
//! bookings whose certificate stayed rejected).

use super::seats::{Seat, move_seat};
use super::{Store, StoreError, StoreResult, audit, from_ts, lock_office_shared, ts};
use crate::domain::booking::sql::{cert_lit, lit};
use crate::domain::desk::{Outcome, Temperature};
use crate::domain::{Actor, Booking, BookingStatus, CertificateStatus, NotificationKind, Reason};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::AnyConnection;

/// The readings taken at the door.
#[derive(Debug, Clone, Copy)]
pub struct Readings {
    /// First reading.
    pub first: Temperature,
    /// Second reading after a rest, if one was needed.
    pub retest: Option<Temperature>,
    /// The first reading was taken before (kept with its retest's due time): only the
    /// second is new.
    pub first_on_file: bool,
}

/// A temperature taken at the door, as kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenReading {
    /// The reading.
    pub temperature: Temperature,
    /// When it was taken.
    pub at: DateTime<Utc>,
    /// For a first reading above the limit: when the person is measured again.
    pub retest_due: Option<DateTime<Utc>>,
}

/// Keeps a reading, on a transaction.
async fn add_reading(
    tx: &mut AnyConnection,
    booking_id: i64,
    temperature: Temperature,
    at: DateTime<Utc>,
    retest_due: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO readings (booking_id, temperature_dc, taken_at, retest_due_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(booking_id)
    .bind(temperature.tenths())
    .bind(ts(at))
    .bind(retest_due.map(ts))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Keeps the readings taken at this step (the first one only when it is not on file).
async fn add_readings(
    tx: &mut AnyConnection,
    booking_id: i64,
    readings: Option<Readings>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let Some(r) = readings else { return Ok(()) };
    if !r.first_on_file {
        add_reading(tx, booking_id, r.first, now, None).await?;
    }
    if let Some(second) = r.retest {
        add_reading(tx, booking_id, second, now, None).await?;
    }
    Ok(())
}

/// A row of the desk's day list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeskRow {
    /// Booking code.
    pub code: String,
    /// Slot start (epoch seconds).
    pub slot_start: i64,
    pub name: String,
    /// Full NIK: the web layer masks it.
    pub nik: String,
    /// Status spelling.
    pub status: String,
    /// Certificate status spelling.
    pub certificate_status: String,
    /// Queue number once checked in.
    pub queue_number: Option<i64>,
    /// Registered at the desk.
    pub walk_in: i64,
    /// While a first reading above the limit waits for its retest: when it is due
    /// (epoch seconds).
    pub retest_due: Option<i64>,
}

/// A certificate waiting for review.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewRow {
    /// Booking code.
    pub code: String,
    /// Slot start (epoch seconds).
    pub slot_start: i64,
    pub name: String,
    /// Kind of certificate.
    pub kind: String,
    /// Uploaded (epoch seconds).
    pub uploaded_at: i64,
    /// Issued (epoch seconds): with the kind, how long it is valid.
    pub issued_at: i64,
}

/// The stored file of a certificate.
#[derive(Debug, Clone)]
pub struct CertificateFile {
    /// Sniffed MIME type.
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// The next queue number of an office's day, taken inside the check-in's transaction:
/// a rolled-back check-in gives its number back, so numbers have no gaps.
async fn next_queue_number(
    tx: &mut AnyConnection,
    office_id: i64,
    date: NaiveDate,
) -> StoreResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO queue_counters (office_id, local_date, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (office_id, local_date) \
         DO UPDATE SET last_number = queue_counters.last_number + 1 RETURNING last_number",
    )
    .bind(office_id)
    .bind(date.to_string())
    .fetch_one(&mut *tx)
    .await?;
    Ok(n)
}

/// Checks a confirmed booking in with the day's next number, on a transaction. Fails with
/// `Conflict` when it is no longer confirmed (a concurrent check-in won).
pub(crate) async fn check_in_on(
    tx: &mut AnyConnection,
    b: &Booking,
    readings: Option<Readings>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let n = next_queue_number(tx, b.office_id, b.local_date).await?;
    let changed = sqlx::query(&format!(
        "UPDATE bookings SET status = {}, queue_number = $2, checked_in_at = $3, \
         temperature_dc = $4, retest_dc = $5, version = version + 1, updated_at = $3 \
         WHERE id = $1 AND status = {}",
        lit(BookingStatus::CheckedIn),
        lit(BookingStatus::Confirmed)
    ))
    .bind(b.id)
    .bind(n)
    .bind(ts(now))
    .bind(readings.map(|r| r.first.tenths()))
    .bind(readings.and_then(|r| r.retest).map(Temperature::tenths))
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    add_readings(tx, b.id, readings, now).await?;
    let detail = match readings {
        Some(Readings { first, retest, .. }) => format!(
            "queue {n}; {first} °C{}",
            retest.map(|r| format!(", {r} °C")).unwrap_or_default()
        ),
        None => format!("queue {n}"),
    };
    audit(
        tx,
        now,
        actor,
        "booking.check_in",
        Some(b.office_id),
        Some(b.id),
        &detail,
    )
    .await?;
    Ok(n)
}

impl Store {
    /// Every temperature taken for a booking, oldest first.
    pub async fn readings(&self, booking_id: i64) -> StoreResult<Vec<TakenReading>> {
        let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT temperature_dc, taken_at, retest_due_at FROM readings \
             WHERE booking_id = $1 ORDER BY taken_at, id",
        )
        .bind(booking_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(t, at, due)| TakenReading {
                temperature: Temperature::from_tenths(t),
                at: from_ts(at),
                retest_due: due.map(from_ts),
            })
            .collect())
    }

    /// Keeps a first reading above the limit, with when the retest is due; the booking
    /// itself does not change (the person rests and is measured again).
    pub async fn retest_due(
        &self,
        b: &Booking,
        first: Temperature,
        due: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        add_reading(&mut tx, b.id, first, now, Some(due)).await?;
        let detail = format!("{first} °C");
        let office = Some(b.office_id);
        audit(
            &mut tx,
            now,
            actor,
            "booking.retest_due",
            office,
            Some(b.id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An office's bookings of a day that hold (or held) a seat there, by time.
    pub async fn day_list(&self, office_id: i64, date: NaiveDate) -> StoreResult<Vec<DeskRow>> {
        Ok(sqlx::query_as(&day_list_sql())
            .bind(office_id)
            .bind(date.to_string())
            .fetch_all(&self.read)
            .await?)
    }

    /// Checks a confirmed booking in: its status, the readings and the day's next queue
    /// number, in one transaction. `Conflict` when it is no longer confirmed.
    pub async fn check_in(
        &self,
        b: &Booking,
        readings: Readings,
        guardian_confirmed: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let mut tx = self.begin_write().await?;
        check_in_on(&mut tx, b, Some(readings), actor, now).await?;
        if guardian_confirmed {
            sqlx::query("UPDATE bookings SET guardian_consent = 1 WHERE id = $1")
                .bind(b.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.booking(b.code.as_str()).await
    }

    /// Records how a visit ended. The seat stays taken (the day happened); `Conflict` when
    /// the booking is no longer in `b`'s status.
    pub async fn record_outcome(
        &self,
        b: &Booking,
        outcome: Outcome,
        reason: Option<&Reason>,
        readings: Option<Readings>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(&format!(
            "UPDATE bookings SET status = {}, outcome_reason = $3, outcome_notice = $8, \
             outcome_by = $4, \
             outcome_at = $5, temperature_dc = COALESCE($6, temperature_dc), \
             retest_dc = COALESCE($7, retest_dc), version = version + 1, updated_at = $5 \
             WHERE id = $1 AND status = $2",
            lit(outcome.status())
        ))
        .bind(b.id)
        .bind(b.status.as_str())
        .bind(reason.map(Reason::office_text))
        .bind(actor.audit_name())
        .bind(ts(now))
        .bind(readings.map(|r| r.first.tenths()))
        .bind(readings.and_then(|r| r.retest).map(Temperature::tenths))
        .bind(reason.map(Reason::to_stored))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        add_readings(&mut tx, b.id, readings, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            &format!("booking.{}", outcome.status().as_str()),
            Some(b.office_id),
            Some(b.id),
            &reason.map(Reason::office_text).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        self.booking(b.code.as_str()).await
    }

    /// Accepts or rejects a booking's current certificate; a rejection is a message to
    /// the applicant, whose manage page then asks for a new file.
    pub async fn review_certificate(
        &self,
        b: &Booking,
        accept: bool,
        reason: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let status = if accept {
            CertificateStatus::Accepted
        } else {
            CertificateStatus::Rejected
        };
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(&format!(
            "UPDATE certificates SET status = {}, review_reason = $2, reviewed_by = $3, \
             reviewed_at = $4 WHERE booking_id = $1 AND superseded_at IS NULL AND issued_at = $5",
            cert_lit(status)
        ))
        .bind(b.id)
        .bind(reason)
        .bind(actor.audit_name())
        .bind(ts(now))
        .bind(ts(b.certificate.issued_at))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            // Replaced since it was read: the officer reviews the new file.
            return Err(StoreError::Conflict);
        }
        if !accept {
            let kind = NotificationKind::CertificateRejected;
            let why = reason.map(Reason::typed);
            let slot = ts(b.slot_start);
            super::outbox::notify(&mut tx, b.id, kind, slot, None, why.as_ref(), None, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            &format!("certificate.{}", status.as_str()),
            Some(b.office_id),
            Some(b.id),
            reason.unwrap_or(""),
        )
        .await?;
        tx.commit().await?;
        self.booking(b.code.as_str()).await
    }

    /// A booking's current certificate file; the read is in the audit log (who, when,
    /// from where) before the bytes are handed out.
    pub async fn read_certificate(
        &self,
        b: &Booking,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<CertificateFile> {
        let (content_type, content): (String, Vec<u8>) = sqlx::query_as(
            "SELECT content_type, content FROM certificates \
             WHERE booking_id = $1 AND superseded_at IS NULL",
        )
        .bind(b.id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        audit(
            &mut tx,
            now,
            actor,
            "certificate.view",
            Some(b.office_id),
            Some(b.id),
            &content_type,
        )
        .await?;
        tx.commit().await?;
        Ok(CertificateFile {
            content_type,
            content,
        })
    }

    /// Certificates waiting for review at an office, for slots not yet over: the earliest
    /// slot first.
    pub async fn review_queue(
        &self,
        office_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ReviewRow>> {
        Ok(sqlx::query_as(&review_queue_sql(self.backend))
            .bind(office_id)
            .bind(ts(now))
            .bind(review_from(now))
            .fetch_all(&self.read)
            .await?)
    }

    /// Marks as no-shows the confirmed bookings whose slot ended more than `grace` ago:
    /// their seats stay counted for their day. Returns how many.
    pub async fn sweep_no_shows(&self, now: DateTime<Utc>, grace: Duration) -> StoreResult<usize> {
        let due: Vec<(i64, i64)> = sqlx::query_as(&no_shows_due_sql())
            .bind(ts(now - grace))
            .fetch_all(&self.read)
            .await?;
        let mut marked = 0;
        for (id, office_id) in due {
            let mut tx = self.begin_write().await?;
            let changed = sqlx::query(&format!(
                "UPDATE bookings SET status = {}, outcome_notice = $3, outcome_by = $4, \
                 outcome_reason = $5, outcome_at = $2, version = version + 1, updated_at = $2 \
                 WHERE id = $1 AND status = {}",
                lit(BookingStatus::NoShow),
                lit(BookingStatus::Confirmed)
            ))
            .bind(id)
            .bind(ts(now))
            .bind(Reason::NoCheckIn.to_stored())
            .bind(Actor::System.audit_name())
            .bind(Reason::NoCheckIn.office_text())
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 1 {
                let detail = format!("grace {} min", grace.num_minutes());
                audit(
                    &mut tx,
                    now,
                    &Actor::System,
                    "booking.no_show",
                    Some(office_id),
                    Some(id),
                    &detail,
                )
                .await?;
                marked += 1;
            }
            tx.commit().await?;
        }
        Ok(marked)
    }

    /// Releases the confirmed bookings whose certificate is still rejected `lead` before
    /// their slot: the booking is cancelled with the reason, the applicant is told, and
    /// the seat goes to the first person waiting who can use it. Returns how many.
    pub async fn release_rejected(&self, now: DateTime<Utc>, lead: Duration) -> StoreResult<usize> {
        let due: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
            "SELECT b.id, b.office_id, b.slot_start, b.local_date FROM bookings b \
             JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL \
             WHERE b.status = {} AND c.status = {} AND b.slot_start <= $1 AND b.slot_start > $2 \
             AND c.reviewed_at <= b.slot_start - $3 LIMIT 500",
            lit(BookingStatus::Confirmed),
            cert_lit(CertificateStatus::Rejected)
        ))
        .bind(ts(now + lead))
        .bind(ts(now))
        .bind(lead.num_seconds())
        .fetch_all(&self.read)
        .await?;
        // (A rejection made after that point releases nothing: the applicant had no time
        // to send a new file; the desk settles it at the visit.)
        let reason = Reason::Released;
        let mut released = 0;
        for (id, office_id, slot_start, local_date) in due {
            let mut tx = self.begin_write().await?;
            lock_office_shared(&mut tx, self.backend, office_id).await?;
            // Only if nothing changed since: a new file or a review keeps the booking.
            let changed = sqlx::query(&format!(
                "UPDATE bookings SET status = {}, outcome_notice = $3, outcome_by = $4, \
                 outcome_reason = $5, outcome_at = $2, version = version + 1, updated_at = $2 \
                 WHERE id = $1 AND status = {} AND EXISTS (SELECT 1 FROM certificates c \
                 WHERE c.booking_id = $1 AND c.superseded_at IS NULL AND c.status = {})",
                lit(BookingStatus::Cancelled),
                lit(BookingStatus::Confirmed),
                cert_lit(CertificateStatus::Rejected)
            ))
            .bind(id)
            .bind(ts(now))
            .bind(reason.to_stored())
            .bind(Actor::System.audit_name())
            .bind(reason.office_text())
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                tx.rollback().await?;
                continue;
            }
            let seat = Seat {
                slot_start,
                local_date: &local_date,
            };
            move_seat(&mut tx, office_id, Some(seat), None).await?;
            let kind = NotificationKind::Released;
            super::outbox::notify(
                &mut tx,
                id,
                kind,
                slot_start,
                None,
                Some(&reason),
                None,
                now,
            )
            .await?;
            audit(
                &mut tx,
                now,
                &Actor::System,
                "booking.release",
                Some(office_id),
                Some(id),
                &format!("{} h before the slot", lead.num_hours()),
            )
            .await?;
            super::offers::offer_seats(&mut tx, office_id, now, self.offers).await?;
            tx.commit().await?;
            released += 1;
        }
        Ok(released)
    }
}

/// An office's bookings of a day that hold (or held) a seat there.
pub(crate) fn day_list_sql() -> String {
    format!(
        "SELECT b.code, b.slot_start, b.name, b.nik, b.status, c.status AS certificate_status, \
         b.queue_number, b.walk_in, CASE WHEN b.status = {} THEN \
         (SELECT r.retest_due_at FROM readings r WHERE r.booking_id = b.id \
          ORDER BY r.taken_at DESC, r.id DESC LIMIT 1) END AS retest_due FROM bookings b \
         JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL \
         WHERE b.office_id = $1 AND b.local_date = $2 AND {} \
         ORDER BY b.slot_start, b.queue_number, b.code",
        lit(BookingStatus::Confirmed),
        *crate::domain::booking::sql::HOLDS_SEAT
    )
}

/// The first office-local date the review queue looks at: yesterday in UTC, which no
/// Indonesian zone (UTC+7 to +9) is before, so that the office's day index bounds the
/// walk to the coming days, not the office's history.
pub(crate) fn review_from(now: DateTime<Utc>) -> String {
    (now.date_naive() - Duration::days(1)).to_string()
}

/// Certificates waiting for review at an office: on PostgreSQL through its active
/// bookings' index, on SQLite through its days' index from yesterday on.
pub(crate) fn review_queue_sql(backend: super::Backend) -> String {
    format!(
        "SELECT b.code, b.slot_start, b.name, c.kind, c.uploaded_at, c.issued_at FROM bookings b{} \
         JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL \
         WHERE b.office_id = $1 AND b.local_date >= $3 AND b.status = {} AND c.status = {} \
         AND b.slot_end > $2 ORDER BY b.slot_start, c.uploaded_at LIMIT 200",
        super::indexed_by(backend, "bookings_office_day"),
        lit(BookingStatus::Confirmed),
        cert_lit(CertificateStatus::Submitted)
    )
}

/// Confirmed bookings whose slot ended before $1. `slot_start < $1` (implied: a slot
/// starts before it ends) lets the (status, slot_start) index bound the range, and the
/// order makes it the plan even where statistics expect many rows (they cannot know
/// that confirmed bookings are nearly all in the future).
pub(crate) fn no_shows_due_sql() -> String {
    format!(
        "SELECT id, office_id FROM bookings WHERE status = {} AND slot_start < $1 \
         AND slot_end <= $1 ORDER BY slot_start LIMIT 500",
        lit(BookingStatus::Confirmed)
    )
}
