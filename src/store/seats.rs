//! Seat counters (`slot_loads`, `day_loads`) and certificate rows: the steps every
//! transaction that takes, moves or frees a seat is made of.

use super::booking::NewCertificate;
use super::{StoreError, StoreResult, ts};
use crate::domain::CertificateStatus;
use crate::domain::booking::sql::cert_lit;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

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
    reviewer: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let status = match reviewer {
        Some(_) => CertificateStatus::Accepted,
        None => CertificateStatus::Submitted,
    };
    sqlx::query(&format!(
        "INSERT INTO certificates (booking_id, kind, issued_at, content_type, size_bytes, \
         content, status, uploaded_at, reviewed_by, reviewed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, {}, $7, $8, $9)",
        cert_lit(status)
    ))
    .bind(booking_id)
    .bind(&cert.kind)
    .bind(ts(cert.issued_at))
    .bind(cert.content_type)
    .bind(cert.content.len() as i64)
    .bind(&cert.content)
    .bind(ts(now))
    .bind(reviewer)
    .bind(reviewer.map(|_| ts(now)))
    .execute(conn)
    .await?;
    Ok(())
}
