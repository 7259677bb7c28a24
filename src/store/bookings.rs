//! Bookings, their certificates and the seats they hold.

use super::{Store, StoreError, StoreResult, audit, from_ts, is_unique_violation, ts};
use crate::domain::{BookingCode, BookingStatus};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, AnyPool, Connection};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// SQL condition: the booking aliased `b` holds a seat. A displaced or cancelled
/// booking holds none; one that came (or did not) keeps its seat on its past day; one
/// waiting for a slot holds the seat offered to it while the hold lasts.
pub const HOLDS_SEAT: &str = "(b.status IN ('confirmed', 'checked_in', 'recorded', 'no_show', 'turned_away') \
    OR (b.status IN ('needs_rebooking', 'waitlisted') AND b.hold_until IS NOT NULL))";

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
    /// Language for later messages (`id`/`en`).
    pub lang: String,
    /// Health certificate.
    pub certificate: NewCertificate,
    /// Who: `applicant` or `staff:<username>` for walk-ins.
    pub actor: String,
}

/// A booking as read back, with its current certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Booking {
    /// Row id.
    pub id: i64,
    /// Booking code.
    pub code: String,
    /// SHA-256 of the secret token.
    pub token_hash: String,
    /// Office row id.
    pub office_id: i64,
    /// Office slug.
    pub office_slug: String,
    /// Slot start, epoch seconds.
    pub slot_start: i64,
    /// Slot end, epoch seconds.
    pub slot_end: i64,
    /// Local date.
    pub local_date: String,
    /// Status text.
    pub status: String,
    /// Full NIK (staff eyes only; lists mask it).
    pub nik: String,
    /// Name.
    pub name: String,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: Option<String>,
    /// 0/1.
    pub married: i64,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// When booked.
    pub created_at: i64,
    /// While waiting for a new slot: until when the offered seat (`slot_start`) is held.
    pub hold_until: Option<i64>,
    /// A waiting-list entry's wanted dates (`YYYY-MM-DD`).
    pub wait_from: Option<String>,
    /// Last wanted date.
    pub wait_to: Option<String>,
    /// Certificate kind.
    pub certificate_kind: String,
    /// Certificate issue time.
    pub certificate_issued_at: i64,
    /// `submitted`/`accepted`/`rejected`.
    pub certificate_status: String,
    /// Review reason.
    pub certificate_reason: Option<String>,
}

impl Booking {
    /// Slot start as an instant.
    pub fn slot_start(&self) -> DateTime<Utc> {
        from_ts(self.slot_start)
    }
    /// Slot end as an instant.
    pub fn slot_end(&self) -> DateTime<Utc> {
        from_ts(self.slot_end)
    }
    /// Certificate issue time as an instant.
    pub fn certificate_issued_at(&self) -> DateTime<Utc> {
        from_ts(self.certificate_issued_at)
    }
    /// Parsed status.
    pub fn status(&self) -> BookingStatus {
        BookingStatus::parse(&self.status).unwrap_or(BookingStatus::Cancelled)
    }

    /// Does it hold a seat in `slot_start` (confirmed and later, or an offered seat)?
    pub fn holds_seat(&self) -> bool {
        match self.status() {
            BookingStatus::Cancelled => false,
            BookingStatus::NeedsRebooking | BookingStatus::Waitlisted => self.hold_until.is_some(),
            _ => true,
        }
    }

    /// The seat offered to a booking waiting for a new slot, while the hold lasts.
    pub fn offer(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.status()
            .is_waiting()
            .then_some(self.hold_until)
            .flatten()
            .map(from_ts)
            .filter(|until| *until > now)
            .map(|until| (self.slot_start(), until))
    }
}

const BOOKING_SELECT: &str = "SELECT b.id, b.code, b.token_hash, b.office_id, o.slug AS office_slug, \
    b.slot_start, b.slot_end, b.local_date, b.status, b.nik, b.name, b.birth_date, b.phone, \
    b.email, b.married, b.version, b.created_at, b.hold_until, b.wait_from, b.wait_to, \
    c.kind AS certificate_kind, \
    c.issued_at AS certificate_issued_at, c.status AS certificate_status, \
    c.review_reason AS certificate_reason \
    FROM bookings b JOIN offices o ON o.id = b.office_id \
    JOIN certificates c ON c.booking_id = b.id AND c.superseded_at IS NULL";

/// What an idempotent write answered the first time.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// The outcome of `create_booking`.
#[derive(Debug)]
pub enum Created {
    /// A new booking with its secret token.
    New {
        /// The booking.
        booking: Box<Booking>,
        /// Secret token, shown once.
        token: String,
    },
    /// The same Idempotency-Key was used before: its first answer.
    Replay(StoredAnswer),
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
    sqlx::query(
        "INSERT INTO certificates (booking_id, kind, issued_at, content_type, size_bytes, \
         content, status, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7)",
    )
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

/// Everything one booking writes, on a connection already in a transaction (its own, or
/// a savepoint of a group commit).
async fn create_steps(tx: &mut AnyConnection, job: &BookingJob) -> StoreResult<Booking> {
    let (new, now, code, token) = (&job.new, job.now, &job.code, job.token.as_str());
    let idempotency = job
        .idempotency
        .as_ref()
        .map(|(k, s)| (k.as_str(), s.as_str()));
    let answer = &job.answer;
    {
        super::check_plan_version(tx, job.backend, new.office_id, new.plan_version).await?;
        // The key first: a concurrent twin waits here, then replays our answer.
        if let Some((key, scope)) = idempotency {
            sqlx::query(
                "INSERT INTO idempotency_keys (key, scope, status, body, created_at) \
                 VALUES ($1, $2, 201, '', $3)",
            )
            .bind(key)
            .bind(scope)
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e, "key") {
                    StoreError::Conflict
                } else {
                    e.into()
                }
            })?;
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO bookings (code, token_hash, office_id, slot_start, slot_end, local_date, \
             status, nik, name, birth_date, phone, email, married, lang, version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'confirmed', $7, $8, $9, $10, $11, $12, \
             $13, 1, $14, $14) RETURNING id",
        )
        .bind(code.as_str())
        .bind(crate::domain::code::hash_secret(token))
        .bind(new.office_id)
        .bind(ts(new.slot_start))
        .bind(ts(new.slot_end))
        .bind(new.local_date.to_string())
        .bind(&new.nik)
        .bind(&new.name)
        .bind(new.birth_date.to_string())
        .bind(&new.phone)
        .bind(&new.email)
        .bind(i64::from(new.married))
        .bind(&new.lang)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "nik") {
                StoreError::ActiveBookingExists
            } else if is_unique_violation(&e, "code") {
                StoreError::Duplicate
            } else {
                e.into()
            }
        })?;
        let date = new.local_date.to_string();
        let seat = Seat {
            slot_start: ts(new.slot_start),
            local_date: &date,
        };
        move_seat(
            tx,
            new.office_id,
            None,
            Some((seat, new.slot_capacity, new.day_cap)),
        )
        .await?;
        insert_certificate(tx, id, &new.certificate, now).await?;
        audit(
            tx,
            now,
            &new.actor,
            "booking.create",
            Some(new.office_id),
            Some(id),
            "",
        )
        .await?;
        // Everything is known: no need to read the row back inside the writer's turn.
        let booking = Booking {
            id,
            code: code.as_str().to_string(),
            token_hash: crate::domain::code::hash_secret(token),
            office_id: new.office_id,
            office_slug: new.office_slug.clone(),
            slot_start: ts(new.slot_start),
            slot_end: ts(new.slot_end),
            local_date: date.clone(),
            status: BookingStatus::Confirmed.as_str().to_string(),
            nik: new.nik.clone(),
            name: new.name.clone(),
            birth_date: new.birth_date.to_string(),
            phone: new.phone.clone(),
            email: new.email.clone(),
            married: i64::from(new.married),
            version: 1,
            created_at: ts(now),
            hold_until: None,
            wait_from: None,
            wait_to: None,
            certificate_kind: new.certificate.kind.clone(),
            certificate_issued_at: ts(new.certificate.issued_at),
            certificate_status: "submitted".to_string(),
            certificate_reason: None,
        };
        if let Some((key, scope)) = idempotency {
            sqlx::query("UPDATE idempotency_keys SET body = $3 WHERE key = $1 AND scope = $2")
                .bind(key)
                .bind(scope)
                .bind(answer(&booking, token))
                .execute(&mut *tx)
                .await?;
        }
        Ok(booking)
    }
}

/// Renders the answer stored for an Idempotency-Key.
type Answer = Arc<dyn Fn(&Booking, &str) -> String + Send + Sync>;

/// One booking to write.
struct BookingJob {
    backend: super::Backend,
    new: NewBooking,
    now: DateTime<Utc>,
    code: BookingCode,
    token: String,
    idempotency: Option<(String, String)>,
    answer: Answer,
}

/// Most bookings committed together.
const MAX_GROUP: usize = 128;

/// Group commit for SQLite's single writer: bookings that arrive while a commit is under
/// way are written together, each inside its own savepoint (so one that is full or a
/// duplicate is rolled back alone), then committed — and fsynced — once. Every caller is
/// answered only after that commit, so a 201 is as durable as with a transaction of its
/// own; the writer just turns over far fewer transactions under load. No request waits
/// for company: a lone booking is committed at once.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<(BookingJob, oneshot::Sender<StoreResult<Booking>>)>,
}

impl GroupCommit {
    /// Starts the writer task on `pool` (the single writer connection).
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run_group_commits(pool, rx));
        Self { queue }
    }

    async fn submit(&self, job: BookingJob) -> StoreResult<Booking> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((job, reply))
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?
    }
}

async fn run_group_commits(
    pool: AnyPool,
    mut rx: mpsc::Receiver<(BookingJob, oneshot::Sender<StoreResult<Booking>>)>,
) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match commit_group(&pool, &group).await {
            Ok(results) => {
                for ((_, reply), result) in group.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            // The group's transaction failed as a whole (nothing of it was kept): write
            // each booking in a transaction of its own, so only the guilty one fails.
            Err(e) => {
                tracing::warn!(error = %e, size = group.len(), "group commit failed; writing one by one");
                for (job, reply) in group {
                    let result = async {
                        let mut tx = pool.begin().await?;
                        let b = create_steps(&mut tx, &job).await?;
                        tx.commit().await?;
                        Ok(b)
                    }
                    .await;
                    let _ = reply.send(result);
                }
            }
        }
    }
}

async fn commit_group(
    pool: &AnyPool,
    group: &[(BookingJob, oneshot::Sender<StoreResult<Booking>>)],
) -> Result<Vec<StoreResult<Booking>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(group.len());
    for (job, _) in group {
        let mut savepoint = tx.begin().await?;
        match create_steps(&mut savepoint, job).await {
            Ok(b) => {
                savepoint.commit().await?;
                results.push(Ok(b));
            }
            Err(StoreError::Db(e)) => return Err(e),
            Err(e) => {
                savepoint.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}

impl Store {
    /// Answer stored for an Idempotency-Key, if any.
    pub async fn idempotent_answer(
        &self,
        key: &str,
        scope: &str,
    ) -> StoreResult<Option<StoredAnswer>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT status, body FROM idempotency_keys WHERE key = $1 AND scope = $2",
        )
        .bind(key)
        .bind(scope)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(status, body)| StoredAnswer {
            status: u16::try_from(status).unwrap_or(200),
            body,
        }))
    }

    /// Books a seat: the booking, its certificate, the seat counters, an audit record and
    /// (with a key) the idempotent answer, all in one transaction. `answer` renders the
    /// response body stored for the key.
    pub async fn create_booking(
        &self,
        new: &NewBooking,
        now: DateTime<Utc>,
        idempotency: Option<(&str, &str)>,
        answer: impl Fn(&Booking, &str) -> String + Send + Sync + 'static,
    ) -> StoreResult<Created> {
        let answer: Answer = Arc::new(answer);
        if let Some((key, scope)) = idempotency {
            if let Some(stored) = self.idempotent_answer(key, scope).await? {
                return Ok(Created::Replay(stored));
            }
        }
        // A code collision (≈ 2^-40 per pair) is retried with a fresh code.
        for _ in 0..5 {
            let code = BookingCode::generate();
            let token = crate::domain::code::new_secret();
            let job = BookingJob {
                backend: self.backend,
                new: new.clone(),
                now,
                code,
                token: token.clone(),
                idempotency: idempotency.map(|(k, s)| (k.to_string(), s.to_string())),
                answer: answer.clone(),
            };
            let created = match &self.group_commit {
                Some(queue) => queue.submit(job).await,
                None => {
                    let mut tx = self.write.begin().await?;
                    match create_steps(&mut tx, &job).await {
                        Ok(b) => tx.commit().await.map(|()| b).map_err(Into::into),
                        Err(e) => Err(e),
                    }
                }
            };
            match created.map(|booking| Created::New {
                booking: Box::new(booking),
                token,
            }) {
                Err(StoreError::Duplicate) => continue,
                Err(StoreError::Conflict) if idempotency.is_some() => {
                    // Another request with the same key committed first: replay it.
                    let (key, scope) = idempotency.expect("checked");
                    return self
                        .idempotent_answer(key, scope)
                        .await?
                        .map(Created::Replay)
                        .ok_or(StoreError::Conflict);
                }
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }

    /// A booking by code.
    pub async fn booking(&self, code: &str) -> StoreResult<Booking> {
        sqlx::query_as(&format!("{BOOKING_SELECT} WHERE b.code = $1"))
            .bind(code)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Cancels a confirmed or displaced booking and frees its seat at once.
    pub async fn cancel_booking(
        &self,
        code: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        // A concurrent change bumps the version; re-read and try again a few times.
        for _ in 0..10 {
            let b = self.booking(code).await?;
            if b.status() == BookingStatus::Cancelled {
                return Ok(b);
            }
            if !b.status().is_changeable() {
                return Err(StoreError::Conflict);
            }
            let mut tx = self.write.begin().await?;
            // Freeing a seat moves counters a re-plan reads: take the office's shared lock.
            super::lock_office_shared(&mut tx, self.backend, b.office_id).await?;
            let changed = sqlx::query(
                "UPDATE bookings SET status = 'cancelled', version = version + 1, updated_at = $3 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(b.id)
            .bind(b.version)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                continue;
            }
            if b.holds_seat() {
                let seat = Seat {
                    slot_start: b.slot_start,
                    local_date: &b.local_date,
                };
                move_seat(&mut tx, b.office_id, Some(seat), None).await?;
                // The freed seat goes to the first in the queue, if one can use it.
                super::offers::offer_seats(&mut tx, b.office_id, now, self.offer_hold).await?;
            }
            audit(
                &mut tx,
                now,
                actor,
                "booking.cancel",
                Some(b.office_id),
                Some(b.id),
                "",
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
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let (slot_start, slot_end, local_date) = (to.slot_start, to.slot_end, to.local_date);
        let (slot_capacity, day_cap) = (to.slot_capacity, to.day_cap);
        let mut tx = self.write.begin().await?;
        super::check_plan_version(&mut tx, self.backend, b.office_id, to.plan_version).await?;
        let changed = sqlx::query(
            "UPDATE bookings SET status = 'confirmed', slot_start = $3, slot_end = $4, \
             local_date = $5, version = version + 1, updated_at = $6, hold_until = NULL \
             WHERE id = $1 AND version = $2 AND status IN ('confirmed', 'needs_rebooking', 'waitlisted')",
        )
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
        let old = b.holds_seat().then_some(Seat {
            slot_start: b.slot_start,
            local_date: &b.local_date,
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
        let detail = format!("{} -> {}", b.slot_start, ts(slot_start));
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
        self.booking(&b.code).await
    }

    /// Replaces the booking's certificate; the old one is kept as superseded until the
    /// retention job removes it.
    pub async fn replace_certificate(
        &self,
        b: &Booking,
        cert: &NewCertificate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Booking> {
        let mut tx = self.write.begin().await?;
        let changed = sqlx::query(
            "UPDATE bookings SET version = version + 1, updated_at = $3 \
             WHERE id = $1 AND version = $2 AND status IN ('confirmed', 'needs_rebooking', 'waitlisted')",
        )
        .bind(b.id)
        .bind(b.version)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE certificates SET superseded_at = $2 WHERE booking_id = $1 AND superseded_at IS NULL",
        )
        .bind(b.id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        insert_certificate(&mut tx, b.id, cert, now).await?;
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
        self.booking(&b.code).await
    }

    /// Issues a new manage token (the old link stops working).
    pub async fn replace_booking_token(
        &self,
        booking_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE bookings SET token_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(booking_id)
            .bind(token_hash)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            now,
            "applicant",
            "booking.token_reissued",
            None,
            Some(booking_id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Bookings of an office waiting for a new slot.
    pub async fn needs_rebooking_count(&self, office_id: i64) -> StoreResult<u32> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM bookings WHERE office_id = $1 AND status = 'needs_rebooking'",
        )
        .bind(office_id)
        .fetch_one(&self.read)
        .await?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Bookings of an office waiting for a new slot that hold no offered seat: the people
    /// the free seats of the coming days still have to take.
    pub async fn unseated_backlog(&self, office_id: i64) -> StoreResult<u32> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM bookings WHERE office_id = $1 AND status = 'needs_rebooking' \
             AND hold_until IS NULL",
        )
        .bind(office_id)
        .fetch_one(&self.read)
        .await?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Counts that must agree with the seat counters: seat-holding bookings per slot.
    pub async fn seat_holding_counts(&self, office_id: i64) -> StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(&format!(
            "SELECT b.slot_start, COUNT(*) FROM bookings b WHERE b.office_id = $1 \
             AND {HOLDS_SEAT} GROUP BY b.slot_start ORDER BY b.slot_start"
        ))
        .bind(office_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// The seat counters of an office, per slot (non-zero only).
    pub async fn slot_counters(&self, office_id: i64) -> StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT slot_start, booked FROM slot_loads WHERE office_id = $1 AND booked > 0 \
             ORDER BY slot_start",
        )
        .bind(office_id)
        .fetch_all(&self.read)
        .await?)
    }
}
