//! Seat counters (`slot_loads`, `day_loads`) and certificate rows: the steps every
//! transaction that takes, moves or frees a seat is made of.

use super::{StoreError, StoreResult, ts};
use crate::domain::CertificateStatus;
use crate::domain::booking::sql::cert_lit;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;

/// A certificate as uploaded, already judged by content.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// Accepted kind, e.g. `antigen`.
    pub kind: String,
    /// Sample or issue time.
    pub issued_at: DateTime<Utc>,
    /// Sniffed MIME type.
    pub content_type: &'static str,
    /// The file.
    pub content: Vec<u8>,
}

/// A seat to take, as the planner sized it.
#[derive(Debug, Clone)]
pub struct SeatRequest {
    /// Slot start.
    pub slot_start: DateTime<Utc>,
    /// Slot end.
    pub slot_end: DateTime<Utc>,
    /// Office-local date.
    pub local_date: NaiveDate,
    /// The slot's capacity.
    pub slot_capacity: u32,
    /// The day's cap.
    pub day_cap: u32,
    /// The plan version these came from.
    pub plan_version: i64,
}

/// Everything needed to take a seat.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// Office row id.
    pub office_id: i64,
    /// Office slug.
    pub office_slug: String,
    /// Slot start and end.
    pub slot_start: DateTime<Utc>,
    /// Slot end.
    pub slot_end: DateTime<Utc>,
    /// Office-local date of the slot.
    pub local_date: NaiveDate,
    /// The slot's capacity now.
    pub slot_capacity: u32,
    /// The day's cap now.
    pub day_cap: u32,
    /// The office's plan version the capacities were computed with.
    pub plan_version: i64,
    /// For a waiting-list entry: the office-local dates it wants a seat between.
    pub wait: Option<(NaiveDate, NaiveDate)>,
    /// 16 digits.
    pub nik: String,
    /// Name.
    pub name: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// `+628…`.
    pub phone: String,
    /// Optional e-mail.
    pub email: Option<String>,
    /// Married applicants may record before 17.
    pub married: bool,
    /// A parent or guardian agrees (confirmed on the form).
    pub guardian_consent: bool,
    /// Language for later messages (`id`/`en`).
    pub lang: String,
    /// Health certificate.
    pub certificate: NewCertificate,
    /// Who: `applicant` or `staff:<username>` for walk-ins.
    pub actor: String,
    /// The office's zone, kept in an Idempotency-Key's receipt.
    pub timezone: String,
    /// The last instant the certificate covers, kept in the receipt too.
    pub certificate_valid_until: Option<DateTime<Utc>>,
    /// With phone verification on: the code sent to the phone, and the end of the hold.
    pub verification: Option<NewVerification>,
}

/// The code a new booking's phone must confirm, and until when its seat is held.
#[derive(Clone)]
pub struct NewVerification {
    /// Six digits (only its hash is stored; the message carries it until delivered).
    pub code: String,
    /// The booking is cancelled if not verified by then.
    pub until: DateTime<Utc>,
    /// Codes one phone may be sent in an hour.
    pub per_hour: u32,
}

impl std::fmt::Debug for NewVerification {
    /// Without the code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewVerification")
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

/// Takes a seat in a slot: one upsert whose update only applies while
/// `booked < capacity`; no row changed means full. PostgreSQL re-checks the condition
/// after waiting for a concurrent writer's row lock; SQLite has one writer.
async fn take_slot(
    conn: &mut AnyConnection,
    office_id: i64,
    slot_start: i64,
    capacity: u32,
) -> StoreResult<()> {
    // The insert branch takes the first seat unconditionally: refuse a zero capacity here.
    if capacity == 0 {
        return Err(StoreError::SlotFull);
    }
    let done = sqlx::query(
        "INSERT INTO slot_loads (office_id, slot_start, booked) VALUES ($1, $2, 1) \
         ON CONFLICT (office_id, slot_start) DO UPDATE SET booked = slot_loads.booked + 1 \
         WHERE slot_loads.booked < $3",
    )
    .bind(office_id)
    .bind(slot_start)
    .bind(i64::from(capacity))
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::SlotFull);
    }
    Ok(())
}

/// Takes a seat in a day, like [`take_slot`].
async fn take_day(
    conn: &mut AnyConnection,
    office_id: i64,
    local_date: &str,
    cap: u32,
) -> StoreResult<()> {
    if cap == 0 {
        return Err(StoreError::DayFull);
    }
    let done = sqlx::query(
        "INSERT INTO day_loads (office_id, local_date, booked) VALUES ($1, $2, 1) \
         ON CONFLICT (office_id, local_date) DO UPDATE SET booked = day_loads.booked + 1 \
         WHERE day_loads.booked < $3",
    )
    .bind(office_id)
    .bind(local_date)
    .bind(i64::from(cap))
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::DayFull);
    }
    Ok(())
}

async fn release_slot(
    conn: &mut AnyConnection,
    office_id: i64,
    slot_start: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE slot_loads SET booked = booked - 1 WHERE office_id = $1 AND slot_start = $2",
    )
    .bind(office_id)
    .bind(slot_start)
    .execute(conn)
    .await?;
    Ok(())
}

async fn release_day(
    conn: &mut AnyConnection,
    office_id: i64,
    local_date: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE day_loads SET booked = booked - 1 WHERE office_id = $1 AND local_date = $2",
    )
    .bind(office_id)
    .bind(local_date)
    .execute(conn)
    .await?;
    Ok(())
}

/// A seat: the slot and the day it counts against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seat<'a> {
    pub(crate) slot_start: i64,
    pub(crate) local_date: &'a str,
}

/// Gives up `old` (if any) and takes `new` (if any) with its capacities.
///
/// Counter rows are locked in one global order — slots by start, then days by date —
/// whatever the direction of the move, so two transactions moving people in opposite
/// directions cannot deadlock in PostgreSQL.
pub(crate) async fn move_seat(
    conn: &mut AnyConnection,
    office_id: i64,
    old: Option<Seat<'_>>,
    new: Option<(Seat<'_>, u32, u32)>,
) -> StoreResult<()> {
    match (old, new) {
        (Some(o), Some((n, _, _))) if o.slot_start == n.slot_start => return Ok(()),
        _ => {}
    }
    let release_old_slot_first = match (old, new) {
        (Some(o), Some((n, _, _))) => o.slot_start < n.slot_start,
        _ => true,
    };
    let take_new_slot = async |conn: &mut AnyConnection| match new {
        Some((n, slot_cap, _)) => take_slot(conn, office_id, n.slot_start, slot_cap).await,
        None => Ok(()),
    };
    if release_old_slot_first {
        if let Some(o) = old {
            release_slot(conn, office_id, o.slot_start).await?;
        }
        take_new_slot(conn).await?;
    } else {
        take_new_slot(conn).await?;
        if let Some(o) = old {
            release_slot(conn, office_id, o.slot_start).await?;
        }
    }
    match (old, new) {
        // A move within one day leaves the day's count as it is.
        (Some(o), Some((n, _, _))) if o.local_date == n.local_date => Ok(()),
        (Some(o), Some((n, _, day_cap))) if o.local_date < n.local_date => {
            release_day(conn, office_id, o.local_date).await?;
            take_day(conn, office_id, n.local_date, day_cap).await
        }
        (Some(o), Some((n, _, day_cap))) => {
            take_day(conn, office_id, n.local_date, day_cap).await?;
            release_day(conn, office_id, o.local_date).await
        }
        (Some(o), None) => release_day(conn, office_id, o.local_date).await,
        (None, Some((n, _, day_cap))) => take_day(conn, office_id, n.local_date, day_cap).await,
        (None, None) => Ok(()),
    }
}

pub(crate) async fn insert_certificate(
    conn: &mut AnyConnection,
    booking_id: i64,
    cert: &NewCertificate,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO certificates (booking_id, kind, issued_at, content_type, size_bytes, \
         content, status, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, {}, $7)",
        cert_lit(CertificateStatus::Submitted)
    ))
    .bind(booking_id)
    .bind(&cert.kind)
    .bind(ts(cert.issued_at))
    .bind(cert.content_type)
    .bind(cert.content.len() as i64)
    .bind(&cert.content)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}
