//! The queue's calls: a desk (a recording set or counter) calls the next number checked
//! in, or a number again; the waiting-room screen shows each desk's latest call, the
//! newest of them, and the numbers still waiting.

use super::{Store, StoreError, StoreResult, audit, is_unique_violation, ts};
use crate::domain::booking::sql::lit;
use crate::domain::{Actor, BookingStatus};
use chrono::{DateTime, NaiveDate, Utc};

/// A call: a queue number sent to a desk.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Call {
    /// Grows with every call of the office: the newest call has the highest.
    pub id: i64,
    pub desk: i64,
    pub queue_number: i64,
    /// Epoch seconds.
    pub called_at: i64,
}

/// What the waiting room sees: no names, no NIK.
#[derive(Debug, Clone, Default)]
pub struct QueueBoard {
    /// The latest call of each desk that has called today, by desk.
    pub desks: Vec<Call>,
    /// The newest call of the day (shown highlighted).
    pub newest: Option<Call>,
    /// The numbers checked in and not yet called, in order.
    pub waiting: Vec<i64>,
}

/// The person a desk just called, for the officer at that desk.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Called {
    pub booking_id: i64,
    pub queue_number: i64,
    pub code: String,
    pub name: String,
}

impl Store {
    /// The board of an office's day.
    pub async fn queue_board(&self, office_id: i64, date: NaiveDate) -> StoreResult<QueueBoard> {
        let calls: Vec<Call> = sqlx::query_as(
            "SELECT q.id, q.desk, b.queue_number, q.called_at FROM queue_calls q \
             JOIN bookings b ON b.id = q.booking_id \
             WHERE q.office_id = $1 AND q.local_date = $2 AND b.queue_number IS NOT NULL \
             ORDER BY q.id",
        )
        .bind(office_id)
        .bind(date.to_string())
        .fetch_all(&self.read)
        .await?;
        let waiting: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT b.queue_number FROM bookings b WHERE b.office_id = $1 AND b.local_date = $2 \
             AND b.status = {} AND b.queue_number IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM queue_calls q WHERE q.booking_id = b.id) ORDER BY b.queue_number",
            lit(BookingStatus::CheckedIn)
        ))
        .bind(office_id)
        .bind(date.to_string())
        .fetch_all(&self.read)
        .await?;
        let newest = calls.last().cloned();
        let mut desks: Vec<Call> = Vec::new();
        for call in calls {
            match desks.iter_mut().find(|c| c.desk == call.desk) {
                Some(latest) => *latest = call,
                None => desks.push(call),
            }
        }
        desks.sort_by_key(|c| c.desk);
        Ok(QueueBoard {
            desks,
            newest,
            waiting: waiting.into_iter().map(|(n,)| n).collect(),
        })
    }

    /// Calls the lowest number checked in today and not yet called to `desk`; `None` when
    /// nobody waits. Two desks calling at once call two people (a number is called once:
    /// the loser of a race takes the next).
    pub async fn call_next(
        &self,
        office_id: i64,
        date: NaiveDate,
        desk: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Called>> {
        // On PostgreSQL a desk skips the person another desk is calling this instant
        // (SQLite has one writer at a time); the unique index is the last word either way.
        let skip_locked = match self.backend {
            super::Backend::Postgres => " FOR UPDATE OF b SKIP LOCKED",
            super::Backend::Sqlite => "",
        };
        for _ in 0..32 {
            let mut tx = self.begin_write().await?;
            let next: Option<Called> = sqlx::query_as(&format!(
                "SELECT b.id AS booking_id, b.queue_number, b.code, b.name FROM bookings b \
                 WHERE b.office_id = $1 AND b.local_date = $2 AND b.status = {} \
                 AND b.queue_number IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM queue_calls q WHERE q.booking_id = b.id) \
                 ORDER BY b.queue_number LIMIT 1{skip_locked}",
                lit(BookingStatus::CheckedIn)
            ))
            .bind(office_id)
            .bind(date.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(next) = next else {
                tx.rollback().await?;
                return Ok(None);
            };
            let inserted = sqlx::query(
                "INSERT INTO queue_calls (office_id, local_date, booking_id, desk, recall, \
                 called_at) VALUES ($1, $2, $3, $4, 0, $5)",
            )
            .bind(office_id)
            .bind(date.to_string())
            .bind(next.booking_id)
            .bind(desk)
            .bind(ts(now))
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e, "queue_calls") => {
                    // Another desk called this one first: the next.
                    tx.rollback().await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            let detail = format!("desk {desk}: {:03}", next.queue_number);
            audit(
                &mut tx,
                now,
                actor,
                "queue.call",
                Some(office_id),
                Some(next.booking_id),
                &detail,
            )
            .await?;
            tx.commit().await?;
            return Ok(Some(next));
        }
        Err(StoreError::Conflict)
    }
}
