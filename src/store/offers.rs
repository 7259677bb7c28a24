//! Seats offered to the people waiting for one (`needs_rebooking`, `waitlisted`): the
//! rule of who gets which seat is the planner's ([`planner::Offering`]); here the queue
//! is read, offers written, claimed, withdrawn and lapsed. An offered seat is held until
//! `hold_until`; its owner claims it on the manage page; an unclaimed hold lapses, the
//! seat is offered on, and they go to the back of the queue.

use super::calendar::load_calendar;
use super::offices::office_in;
use super::seats::{Seat, move_seat};
use super::{Store, StoreError, StoreResult, audit, from_ts, lock_office_shared, ts};
use crate::domain::Actor;
use crate::domain::booking::sql::{self, lit};
use crate::domain::{Booking, BookingStatus, NotificationKind, Reason};
use crate::planner;
use crate::planner::OfferRules;
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Connection};
use std::collections::HashMap;

/// A person in the queue as stored: the booking, its certificate, what it wants.
#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: i64,
    slot_start: i64,
    issued_at: i64,
    kind: String,
    wait_from: Option<String>,
    wait_to: Option<String>,
    birth_date: String,
    married: i64,
}

/// Offers freed seats of an office to its queue, inside the caller's transaction (which
/// holds the office's lock): who gets which seat is [`planner::Offering`]'s rule; here
/// the queue and the loads are read and each offer written. Returns how many were made.
pub(crate) async fn offer_seats(
    conn: &mut AnyConnection,
    office_id: i64,
    now: DateTime<Utc>,
    rules: OfferRules,
) -> StoreResult<usize> {
    let queue: Vec<WaitingRow> = sqlx::query_as(&waiting_queue_sql())
        .bind(office_id)
        .fetch_all(&mut *conn)
        .await?;
    if queue.is_empty() {
        return Ok(0);
    }
    let (_, spec) = office_in(conn, office_id).await?;
    let cal = load_calendar(conn, office_id).await?;
    let today = planner::local_date(&spec, now);
    let plans: Vec<_> = (0..=i64::from(spec.booking_horizon_days))
        .map(|d| planner::plan_day(&spec, &cal, today + Duration::days(d)))
        .collect();
    let slot_rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT slot_start, booked FROM slot_loads WHERE office_id = $1 AND slot_start > $2",
    )
    .bind(office_id)
    .bind(ts(now))
    .fetch_all(&mut *conn)
    .await?;
    let day_rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT local_date, booked FROM day_loads WHERE office_id = $1 AND local_date >= $2",
    )
    .bind(office_id)
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    let slots = slot_rows
        .into_iter()
        .map(|(start, n)| (from_ts(start), count(n)))
        .collect();
    let days = day_rows
        .into_iter()
        .filter_map(|(date, n)| Some((date.parse().ok()?, count(n))))
        .collect();
    let mut offering = planner::Offering::new(&plans, slots, days, now, rules, spec.timezone);
    let mut offered = 0;
    for row in queue {
        let date = |d: &Option<String>| d.as_deref().and_then(|d| d.parse().ok());
        let waiting = planner::Waiting {
            id: row.id,
            valid_until: spec
                .certificates
                .valid_until(&row.kind, from_ts(row.issued_at)),
            from: date(&row.wait_from),
            to: date(&row.wait_to),
            birth_date: row.birth_date.parse().ok(),
            married: row.married != 0,
        };
        let Some(offer) = offering.seat_for(&waiting) else {
            continue;
        };
        if write_offer(conn, office_id, row.slot_start, &offer, now).await? {
            offering.take(&offer);
            offered += 1;
        }
    }
    Ok(offered)
}

/// Writes one offer in a savepoint; `false` (nothing kept) when the person was claimed
/// by a concurrent offer or the seat was taken meanwhile. The person is claimed first,
/// on a condition PostgreSQL re-checks after waiting for a concurrent offer's row lock:
/// two cancellations at once never both offer a seat to the same person.
async fn write_offer(
    conn: &mut AnyConnection,
    office_id: i64,
    old_slot: i64,
    offer: &planner::Offer,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let date = offer.date.to_string();
    let mut tx = conn.begin().await?;
    let claimed = sqlx::query(&format!(
        "UPDATE bookings SET slot_start = $2, slot_end = $3, local_date = $4, hold_until = $5, \
         version = version + 1, updated_at = $6 WHERE id = $1 AND hold_until IS NULL \
         AND status IN {}",
        *sql::WAITING
    ))
    .bind(offer.id)
    .bind(ts(offer.slot.start))
    .bind(ts(offer.slot.end))
    .bind(&date)
    .bind(ts(offer.hold_until))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    let seat = Seat {
        slot_start: ts(offer.slot.start),
        local_date: &date,
    };
    let to = Some((seat, offer.slot.capacity, offer.day_cap));
    match move_seat(&mut tx, office_id, None, to).await {
        Ok(()) => {}
        Err(StoreError::SlotFull | StoreError::DayFull) => {
            tx.rollback().await?;
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    let (id, to) = (offer.id, Some(ts(offer.slot.start)));
    let kind = NotificationKind::Offered;
    super::outbox::notify(&mut tx, id, kind, old_slot, to, None, None, now).await?;
    audit(
        &mut tx,
        now,
        &Actor::System,
        "booking.offered",
        Some(office_id),
        Some(id),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Gives back every seat currently offered at an office (a re-plan offers afresh).
pub(crate) async fn withdraw_offers(conn: &mut AnyConnection, office_id: i64) -> StoreResult<()> {
    let held: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT id, slot_start, local_date FROM bookings WHERE office_id = $1 \
         AND status IN {} AND hold_until IS NOT NULL",
        *sql::WAITING
    ))
    .bind(office_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, slot_start, local_date) in held {
        // Only a hold still held: a claim that won the race keeps its seat.
        let cleared = sqlx::query(&format!(
            "UPDATE bookings SET hold_until = NULL, version = version + 1 WHERE id = $1 \
             AND status IN {} AND hold_until IS NOT NULL",
            *sql::WAITING
        ))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if cleared.rows_affected() == 1 {
            let seat = Seat {
                slot_start,
                local_date: &local_date,
            };
            move_seat(conn, office_id, Some(seat), None).await?;
        }
    }
    Ok(())
}

impl Store {
    /// Lapses offers whose hold has passed — their seats go to the next in the queue and
    /// their owners to its back — for every office with one. Run by the server every
    /// minute.
    pub async fn sweep_offers(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let offices: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT DISTINCT office_id FROM bookings WHERE status IN {} \
             AND hold_until IS NOT NULL AND hold_until <= $1",
            *sql::WAITING
        ))
        .bind(ts(now))
        .fetch_all(&self.read)
        .await?;
        let mut lapsed = 0;
        for (office_id,) in offices {
            let mut tx = self.begin_write().await?;
            lock_office_shared(&mut tx, self.backend, office_id).await?;
            let expired: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
                "SELECT id, slot_start, local_date FROM bookings WHERE office_id = $1 \
                 AND status IN {} AND hold_until IS NOT NULL \
                 AND hold_until <= $2",
                *sql::WAITING
            ))
            .bind(office_id)
            .bind(ts(now))
            .fetch_all(&mut *tx)
            .await?;
            let mut cleared_holds = 0;
            for (id, slot_start, local_date) in &expired {
                let seat = Seat {
                    slot_start: *slot_start,
                    local_date,
                };
                // Only a hold still lapsed: a claim that won the race keeps its seat.
                let cleared = sqlx::query(&format!(
                    "UPDATE bookings SET hold_until = NULL, queued_at = $2, version = version + 1 \
                     WHERE id = $1 AND status IN {} \
                     AND hold_until IS NOT NULL AND hold_until <= $2",
                    *sql::WAITING
                ))
                .bind(id)
                .bind(ts(now))
                .execute(&mut *tx)
                .await?;
                if cleared.rows_affected() == 0 {
                    continue;
                }
                cleared_holds += 1;
                move_seat(&mut tx, office_id, Some(seat), None).await?;
                let kind = NotificationKind::OfferExpired;
                let why = Some(&Reason::OfferLapsed);
                super::outbox::notify(&mut tx, *id, kind, *slot_start, None, why, None, now)
                    .await?;
            }
            lapsed += cleared_holds;
            offer_seats(&mut tx, office_id, now, self.offers).await?;
            tx.commit().await?;
        }
        Ok(lapsed)
    }

    /// Claims the seat offered to a booking while the hold lasts: it becomes confirmed.
    pub async fn claim_offer(&self, code: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let b = self.booking(code).await?;
        let mut tx = self.begin_write().await?;
        // Like every change to a seat, under the office's shared lock (a re-plan waits).
        lock_office_shared(&mut tx, self.backend, b.office_id).await?;
        let done = sqlx::query(&format!(
            "UPDATE bookings SET status = {}, hold_until = NULL, version = version + 1, \
             updated_at = $2 WHERE code = $1 AND status IN {} \
             AND hold_until > $3",
            lit(BookingStatus::Confirmed),
            *sql::WAITING
        ))
        .bind(code)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        let (id, office_id): (i64, i64) =
            sqlx::query_as("SELECT id, office_id FROM bookings WHERE code = $1")
                .bind(code)
                .fetch_one(&mut *tx)
                .await?;
        audit(
            &mut tx,
            now,
            &Actor::Applicant,
            "booking.offer_claimed",
            Some(office_id),
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// An entry's place in its office's queue (1 = next), while it waits without an offer.
    pub async fn queue_position(&self, b: &Booking) -> StoreResult<Option<i64>> {
        if !b.status.is_waiting() || b.hold_until.is_some() {
            return Ok(None);
        }
        let (ahead,): (i64,) = sqlx::query_as(&queue_position_sql())
            .bind(b.office_id)
            .bind(b.id)
            .fetch_one(&self.read)
            .await?;
        Ok(Some(ahead + 1))
    }
}

impl Store {
    /// Waiting-list entries (without an offer) wanting each date in `[from, to]`.
    pub async fn waiting_per_day(
        &self,
        office_id: i64,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<HashMap<chrono::NaiveDate, u32>> {
        let ranges: Vec<(Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT wait_from, wait_to FROM bookings WHERE office_id = $1 \
             AND status = {} AND hold_until IS NULL",
            lit(BookingStatus::Waitlisted)
        ))
        .bind(office_id)
        .fetch_all(&self.read)
        .await?;
        let mut per_day = HashMap::new();
        for (a, b) in ranges {
            let (Some(a), Some(b)) = (
                a.and_then(|a| a.parse::<chrono::NaiveDate>().ok()),
                b.and_then(|b| b.parse::<chrono::NaiveDate>().ok()),
            ) else {
                continue;
            };
            let (start, end): (chrono::NaiveDate, chrono::NaiveDate) = (a.max(from), b.min(to));
            for d in start.iter_days().take_while(|d| *d <= end) {
                *per_day.entry(d).or_insert(0) += 1;
            }
        }
        Ok(per_day)
    }
}

/// An office's waiting list without offers, in queue order.
pub(crate) fn waiting_queue_sql() -> String {
    format!(
        "SELECT b.id, b.slot_start, c.issued_at, c.kind, b.wait_from, b.wait_to, b.birth_date, \
         b.married FROM bookings b \
         JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL \
         WHERE b.office_id = $1 AND b.status IN {} \
         AND b.hold_until IS NULL \
         ORDER BY {}, COALESCE(b.queued_at, b.updated_at), b.id",
        *sql::WAITING,
        sql::queue_rank("b")
    )
}

/// How many wait ahead of booking $2 at office $1.
pub(crate) fn queue_position_sql() -> String {
    format!(
        "SELECT COUNT(*) FROM bookings o WHERE o.office_id = $1 AND o.hold_until IS NULL \
         AND o.status IN {} AND o.id <> $2 AND \
         ({}, COALESCE(o.queued_at, o.updated_at), o.id) < \
         (SELECT {}, COALESCE(b.queued_at, b.updated_at), b.id \
          FROM bookings b WHERE b.id = $2)",
        *sql::WAITING,
        sql::queue_rank("o"),
        sql::queue_rank("b")
    )
}
