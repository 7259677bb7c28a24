//! Seats offered to bookings waiting for a new slot (`needs_rebooking`).
//!
//! Singapore's vaccination booking kept a holding list and invited people by a
//! time-limited link; here a freed seat is taken for the first in the queue who can use it
//! (the earliest slot their certificate still covers) and held for them until
//! `hold_until`. They claim it on their manage page; an unclaimed hold lapses, the seat is
//! offered on, and they go to the back of the queue.

use super::calendar::load_calendar;
use super::offices::office_in;
use super::seats::{NewBooking, Seat, move_seat};
use super::{Store, StoreError, StoreResult, audit, from_ts, lock_office_shared, ts};
use crate::domain::booking::sql::{self, lit};
use crate::domain::{Booking, BookingStatus, NotificationKind};
use crate::planner;
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Connection};
use std::collections::HashMap;

/// Offers freed seats of an office to its queue, inside the caller's transaction (which
/// holds the office's lock). Returns how many offers were made.
pub(crate) async fn offer_seats(
    conn: &mut AnyConnection,
    office_id: i64,
    now: DateTime<Utc>,
    rules: super::OfferRules,
) -> StoreResult<usize> {
    // Displaced people first (they lost a seat through no fault of their own), then the
    // waiting list, each in the order they joined the queue.
    #[allow(clippy::type_complexity)]
    #[allow(clippy::type_complexity)]
    let queue: Vec<(
        i64,
        i64,
        i64,
        String,
        Option<String>,
        Option<String>,
        String,
        i64,
    )> = sqlx::query_as(&waiting_queue_sql())
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
    let mut slot_count: HashMap<i64, i64> = slot_rows.into_iter().collect();
    let mut day_count: HashMap<String, i64> = day_rows.into_iter().collect();
    let mut offered = 0;
    for (id, old_slot, issued_at, kind, wait_from, wait_to, birth_date, married) in queue {
        let birth_date = birth_date.parse::<chrono::NaiveDate>().ok();
        let Some(valid_until) = spec.certificates.valid_until(&kind, from_ts(issued_at)) else {
            continue;
        };
        // A day it wants, on which the person is old enough.
        let wanted = |day: chrono::NaiveDate| {
            let d = day.to_string();
            wait_from.as_ref().is_none_or(|f| d >= *f)
                && wait_to.as_ref().is_none_or(|t| d <= *t)
                && birth_date.is_some_and(|bd| {
                    crate::domain::old_enough(bd, married != 0, day, rules.min_age)
                })
        };
        let found = plans.iter().filter(|day| wanted(day.date)).find_map(|day| {
            let date = day.date.to_string();
            let day_full = day_count.get(&date).copied().unwrap_or(0) >= i64::from(day.cap);
            (!day_full)
                .then(|| {
                    day.slots.iter().find(|s| {
                        s.start > now
                            && s.start <= valid_until
                            && slot_count.get(&ts(s.start)).copied().unwrap_or(0)
                                < i64::from(s.capacity)
                    })
                })
                .flatten()
                .map(|s| (day.date, day.cap, *s))
        });
        let Some((date, day_cap, slot)) = found else {
            continue;
        };
        let date_text = date.to_string();
        // The hold counts only waking hours (office time), and never outlasts the slot.
        let until = rules
            .waking
            .after(now, rules.hold, spec.timezone)
            .min(slot.start);
        // Each offer is a savepoint. The person is claimed first, on a condition that
        // PostgreSQL re-checks after waiting for a concurrent offer's row lock: two
        // cancellations at once can never both offer a seat to the same person. A seat
        // taken meanwhile (the upsert finds it full) rolls back this offer alone.
        let mut offer = conn.begin().await?;
        let claimed = sqlx::query(&format!(
            "UPDATE bookings SET slot_start = $2, slot_end = $3, local_date = $4, hold_until = $5, \
             version = version + 1, updated_at = $6 WHERE id = $1 AND hold_until IS NULL \
             AND status IN {}",
            *sql::WAITING
        ))
        .bind(id)
        .bind(ts(slot.start))
        .bind(ts(slot.end))
        .bind(&date_text)
        .bind(ts(until))
        .bind(ts(now))
        .execute(&mut *offer)
        .await?;
        if claimed.rows_affected() == 0 {
            offer.rollback().await?;
            continue;
        }
        let seat = Seat {
            slot_start: ts(slot.start),
            local_date: &date_text,
        };
        match move_seat(
            &mut offer,
            office_id,
            None,
            Some((seat, slot.capacity, day_cap)),
        )
        .await
        {
            Ok(()) => {}
            Err(StoreError::SlotFull | StoreError::DayFull) => {
                offer.rollback().await?;
                continue;
            }
            Err(e) => return Err(e),
        }
        let held = format!("held until {}", until.to_rfc3339());
        let to = Some(ts(slot.start));
        let kind = NotificationKind::Offered;
        super::outbox::notify(&mut offer, id, kind, old_slot, to, &held, None, now).await?;
        audit(
            &mut offer,
            now,
            "system",
            "booking.offered",
            Some(office_id),
            Some(id),
            "",
        )
        .await?;
        offer.commit().await?;
        *slot_count.entry(ts(slot.start)).or_default() += 1;
        *day_count.entry(date_text).or_default() += 1;
        offered += 1;
    }
    Ok(offered)
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
                let why = "offer not claimed in time";
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
            "applicant",
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
    /// Puts an applicant on an office's waiting list (status `waitlisted`, no seat; with
    /// phone verification `pending_verification` until the code is entered), with the
    /// certificate and an audit record, in one transaction, written as every booking is
    /// (`create_steps`); if a seat in the wanted range is already free it is offered at
    /// once. Returns the entry (as it is after that) and its token.
    pub async fn join_waitlist(
        &self,
        new: &NewBooking,
        now: DateTime<Utc>,
    ) -> StoreResult<(Booking, String)> {
        if new.wait.is_none() {
            return Err(StoreError::Conflict);
        }
        match self.create_booking(new, now, None).await? {
            super::Created::New { booking, token } => {
                Ok((self.booking(&booking.code).await?, token))
            }
            super::Created::Replay(_) => Err(StoreError::Conflict),
        }
    }

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
