//! The outbox: every message to an applicant is a row written in the transaction of the
//! change it reports; workers claim due rows under a lease (several processes share the
//! work without sending a message twice in the normal case), deliver them, and record
//! the outcome: delivered, or tried again later, or given up after a day.

use super::{Store, StoreResult, from_ts, ts};
use crate::domain::booking::sql::kind_lit;
use crate::domain::{NotificationKind, Reason};
use chrono::{DateTime, Duration, Utc};
use sqlx::AnyConnection;

/// How long delivery is tried before a message is marked failed.
pub const DELIVERY_TRIED_FOR: Duration = Duration::hours(24);

/// Writes a message to an applicant, due at once, inside the caller's transaction. The
/// applicant's language is the booking's; `secret`, when given, is the manage link's
/// token (kept only until delivery).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn notify(
    conn: &mut AnyConnection,
    booking_id: i64,
    kind: NotificationKind,
    from_slot: i64,
    to_slot: Option<i64>,
    reason: Option<&Reason>,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO notifications (booking_id, kind, from_slot, to_slot, reason, created_at, \
         language, next_attempt_at, secret, notice) \
         VALUES ($1, {}, $2, $3, $4, $5, (SELECT lang FROM bookings WHERE id = $1), $5, $6, $7)",
        kind_lit(kind)
    ))
    .bind(booking_id)
    .bind(from_slot)
    .bind(to_slot)
    .bind(reason.map(Reason::office_text).unwrap_or_default())
    .bind(ts(now))
    .bind(secret)
    .bind(reason.map(Reason::to_stored))
    .execute(conn)
    .await?;
    Ok(())
}

/// A message due for delivery, with what its text needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Row id: the delivery id receivers deduplicate on.
    pub id: i64,
    /// Kind spelling.
    pub kind: String,
    /// Booking code.
    pub code: String,
    /// Office slug.
    pub office: String,
    /// Language (`id`/`en`).
    pub language: String,
    /// Phone, `+628…`.
    pub phone: String,
    /// E-mail, if given.
    pub email: Option<String>,
    /// The booking's slot start now (epoch seconds).
    pub slot_start: i64,
    /// The slot it was about (epoch seconds).
    pub from_slot: i64,
    /// Where it was moved or offered (epoch seconds).
    pub to_slot: Option<i64>,
    /// What a staff member typed as the reason (see `notice`).
    pub reason: String,
    /// The reason with its kind (JSON), if it has one.
    pub notice: Option<String>,
    /// Written at (epoch seconds).
    pub created_at: i64,
    /// Attempts so far.
    pub attempts: i64,
    /// The manage link's token (the confirmation), or the verification code.
    pub secret: Option<String>,
    /// A held seat's end (epoch seconds), for an offer.
    pub hold_until: Option<i64>,
    /// A verification code's deadline (epoch seconds).
    pub verify_by: Option<i64>,
}

impl OutboxRow {
    /// Its kind.
    pub fn kind(&self) -> Option<NotificationKind> {
        NotificationKind::parse(&self.kind)
    }

    /// Why, if the message gives a reason.
    pub fn why(&self) -> Option<Reason> {
        Reason::from_stored(self.notice.as_deref(), Some(&self.reason))
    }

    /// When it was written.
    pub fn created(&self) -> DateTime<Utc> {
        from_ts(self.created_at)
    }
}

/// A message given up on, for supervisors.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailedMessage {
    /// Row id.
    pub id: i64,
    /// Kind spelling.
    pub kind: String,
    /// Booking code.
    pub code: String,
    /// Written at (epoch seconds).
    pub created_at: i64,
    /// Attempts made.
    pub attempts: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// The applicant, to be reached another way.
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
}

/// `1, 2, 3` from row ids.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

const DUE: &str = "n.sent_at IS NULL AND n.failed_at IS NULL AND n.next_attempt_at IS NOT NULL \
    AND n.next_attempt_at <= $1 AND (n.lease_until IS NULL OR n.lease_until <= $1)";

impl Store {
    /// Claims up to `limit` due messages for `worker` until `now + lease`. On PostgreSQL
    /// rows another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has
    /// one writer at a time.
    pub async fn claim_messages(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let skip = if self.backend == super::Backend::Postgres {
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let mut tx = self.begin_write().await?;
        let ids: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT n.id FROM notifications n WHERE {DUE} ORDER BY n.next_attempt_at, n.id \
             LIMIT $2 {skip}"
        ))
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        // Row ids are integers read just now: safe to list in the statement.
        let list = id_list(ids.iter().map(|(id,)| *id));
        sqlx::query(&format!(
            "UPDATE notifications SET lease_until = $1, leased_by = $2 WHERE id IN ({list})"
        ))
        .bind(ts(now + lease))
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<OutboxRow> = sqlx::query_as(&format!(
            "SELECT n.id, n.kind, b.code, o.slug AS office, n.language, b.phone, b.email, \
             b.slot_start, n.from_slot, n.to_slot, n.reason, n.notice, n.created_at, n.attempts, \
             n.secret, b.hold_until, b.verify_by FROM notifications n \
             JOIN bookings b ON b.id = n.booking_id \
             JOIN offices o ON o.id = b.office_id WHERE n.id IN ({list}) ORDER BY n.id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Records deliveries, in one statement (only by the worker holding the lease); the
    /// link's token goes. Returns how many were recorded.
    pub async fn messages_delivered(
        &self,
        ids: &[i64],
        worker: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list = id_list(ids.iter().copied());
        let done = sqlx::query(&format!(
            "UPDATE notifications SET sent_at = $2, attempts = attempts + 1, lease_until = NULL, \
             secret = NULL, last_error = NULL \
             WHERE id IN ({list}) AND leased_by = $1 AND sent_at IS NULL"
        ))
        .bind(worker)
        .bind(ts(now))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    /// Records a failed attempt: tried again at `next`, or given up (and the link's token
    /// dropped) once a day has passed since the message was written.
    pub async fn message_failed(
        &self,
        row: &OutboxRow,
        worker: &str,
        error: &str,
        next: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let give_up = now >= row.created() + DELIVERY_TRIED_FOR;
        let error: String = error.chars().take(300).collect();
        sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1, lease_until = NULL, \
             last_error = $3, next_attempt_at = $4, \
             failed_at = CASE WHEN $5 = 1 THEN $6 ELSE NULL END, \
             secret = CASE WHEN $5 = 1 THEN NULL ELSE secret END \
             WHERE id = $1 AND leased_by = $2 AND sent_at IS NULL",
        )
        .bind(row.id)
        .bind(worker)
        .bind(&error)
        .bind(ts(next))
        .bind(i64::from(give_up))
        .bind(ts(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Messages given up on at an office (all offices for `None`), newest first.
    pub async fn failed_messages(&self, office_id: Option<i64>) -> StoreResult<Vec<FailedMessage>> {
        Ok(sqlx::query_as(
            "SELECT n.id, n.kind, b.code, n.created_at, n.attempts, n.last_error, b.name, \
             b.phone, b.email FROM notifications n JOIN bookings b ON b.id = n.booking_id \
             WHERE n.failed_at IS NOT NULL AND ($1 IS NULL OR b.office_id = $1) \
             ORDER BY n.id DESC LIMIT 200",
        )
        .bind(office_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Writes the day-before reminders of an office due at `reminder_at` (office time)
    /// today: one per confirmed booking of tomorrow made before that time; a booking made
    /// later for the next morning gets none. Returns how many were written.
    pub async fn write_reminders(
        &self,
        office_id: i64,
        tomorrow: chrono::NaiveDate,
        reminder_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&format!(
            "INSERT INTO notifications (booking_id, kind, from_slot, to_slot, reason, created_at, \
             language, next_attempt_at) \
             SELECT b.id, {}, b.slot_start, NULL, '', $4, b.lang, $4 FROM bookings b \
             WHERE b.office_id = $1 AND b.local_date = $2 AND b.status = {} \
             AND b.created_at < $3 AND NOT EXISTS (SELECT 1 FROM notifications n \
             WHERE n.booking_id = b.id AND n.kind = {}) ON CONFLICT DO NOTHING",
            kind_lit(NotificationKind::Reminder),
            crate::domain::booking::sql::lit(crate::domain::BookingStatus::Confirmed),
            kind_lit(NotificationKind::Reminder),
        ))
        .bind(office_id)
        .bind(tomorrow.to_string())
        .bind(ts(reminder_at))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Messages still waiting for delivery (for metrics and tests).
    pub async fn pending_messages(&self) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at IS NOT NULL",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(n)
    }
}
