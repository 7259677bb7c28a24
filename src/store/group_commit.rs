//! Writing a new booking: the steps of its transaction, and group commit for SQLite's
//! single writer.

use super::seats::{NewBooking, Seat, insert_certificate, move_seat};
use super::{StoreError, StoreResult, audit, is_unique_violation, ts};
use crate::domain::booking::sql::lit;
use crate::domain::{Booking, BookingCode, BookingStatus, CertificateInfo, CertificateStatus};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

/// What a booking made with an Idempotency-Key created, kept with the key so that a
/// retry gets the first answer again: the booking as it was created (without its contact
/// details, with the NIK masked), its token, and the office's zone and the certificate's
/// end as they were then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    /// The booking as created.
    pub booking: Booking,
    /// A secret token of the booking: never stored with the key (only hashes of tokens
    /// are kept); a replay is given a fresh one ([`super::Store::add_booking_token`]).
    #[serde(skip_serializing, default)]
    pub token: String,
    /// The office's zone then.
    pub timezone: String,
    /// The certificate's last covered instant then.
    pub certificate_valid_until: Option<DateTime<Utc>>,
}

impl Receipt {
    fn new(b: &Booking, new: &NewBooking, token: &str) -> Self {
        let mut booking = b.clone();
        booking.nik = crate::domain::nik::mask_nik(&b.nik);
        booking.phone = String::new();
        booking.email = None;
        booking.token_hash = String::new();
        Self {
            booking,
            token: token.to_string(),
            timezone: new.timezone.clone(),
            certificate_valid_until: new.certificate_valid_until,
        }
    }
}

/// One booking to write.
pub(crate) struct BookingJob {
    pub(crate) backend: super::Backend,
    pub(crate) new: NewBooking,
    pub(crate) now: DateTime<Utc>,
    pub(crate) code: BookingCode,
    pub(crate) token: String,
    /// Idempotency-Key, scope and request hash, whose receipt is stored with the booking.
    pub(crate) idempotency: Option<(String, String, String)>,
    /// How a seat freed on the way (a replaced pending booking) is offered on.
    pub(crate) offers: super::OfferRules,
    /// The client address of the request, for the audit record: the group-commit writer
    /// runs in a task of its own, outside the request's scope.
    pub(crate) origin: Option<String>,
}

/// [`create_steps`] with the job's client address on its audit record.
async fn steps_with_origin(tx: &mut AnyConnection, job: &BookingJob) -> StoreResult<Booking> {
    match &job.origin {
        Some(origin) => super::with_origin(origin.clone(), create_steps(tx, job)).await,
        None => create_steps(tx, job).await,
    }
}

/// Everything one booking (or waiting-list entry) writes, on a connection already in a
/// transaction (its own, or a savepoint of a group commit).
pub(crate) async fn create_steps(tx: &mut AnyConnection, job: &BookingJob) -> StoreResult<Booking> {
    let (new, now, code, token) = (&job.new, job.now, &job.code, job.token.as_str());
    // A waiting-list entry takes no seat: it needs the office's lock (it may be offered
    // a seat at once), not the plan its capacities came from.
    let entry = new.wait.is_some();
    if entry {
        super::lock_office_shared(tx, job.backend, new.office_id).await?;
    } else {
        super::check_plan_version(tx, job.backend, new.office_id, new.plan_version).await?;
    }
    // The key first: a concurrent twin waits here, then replays our answer.
    if let Some((key, scope, request)) = &job.idempotency {
        // A key older than a day is forgotten: it may be used afresh.
        sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND created_at <= $2")
            .bind(key)
            .bind(ts(now - super::IDEMPOTENCY_KEPT))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (key, scope, status, body, created_at, request_hash) \
             VALUES ($1, $2, 201, '', $3, $4)",
        )
        .bind(key)
        .bind(scope)
        .bind(ts(now))
        .bind(request)
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
    // With phone verification: the code limits of the phone, and the NIK's holds (a
    // verified booking of the NIK refuses this one; holds awaiting a code make way) —
    // all in this transaction, so a refusal below keeps everything as it was.
    // (Without verification the unique index of NIKs refuses a second booking, and a
    // hold left from a time with verification ends when it is verified or lapses.)
    let mut freed = Vec::new();
    if let Some(v) = &new.verification {
        super::verify::within_code_limit(tx, job.backend, &new.phone, &new.nik, now, v.per_hour)
            .await?;
        freed = super::verify::make_way(tx, job.backend, &new.nik, true, now).await?;
    }
    // With phone verification, the seat (or the place in the queue) waits for the code.
    let status = match (&new.verification, entry) {
        (Some(_), _) => BookingStatus::PendingVerification,
        (None, true) => BookingStatus::Waitlisted,
        (None, false) => BookingStatus::Confirmed,
    };
    let verify_by = new.verification.as_ref().map(|v| ts(v.until));
    let verify_hash = new
        .verification
        .as_ref()
        .map(|v| crate::domain::code::hash_verification_code(&v.code));
    let (wait_from, wait_to) = match new.wait {
        Some((from, to)) => (Some(from.to_string()), Some(to.to_string())),
        None => (None, None),
    };
    let (id,): (i64,) = sqlx::query_as(&format!(
        "INSERT INTO bookings (code, token_hash, office_id, slot_start, slot_end, local_date, \
         status, nik, name, birth_date, phone, email, married, lang, version, created_at, \
         updated_at, guardian_consent, verify_by, verify_hash, queued_at, wait_from, wait_to) \
         VALUES ($1, $2, $3, $4, $5, $6, {}, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15, \
         $16, $17, $18, $19, $20) RETURNING id",
        lit(status)
    ))
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
    .bind(i64::from(new.guardian_consent))
    .bind(verify_by)
    .bind(verify_hash)
    .bind(entry.then_some(ts(now)))
    .bind(wait_from)
    .bind(wait_to)
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
    insert_certificate(tx, id, &new.certificate, now).await?;
    // With phone verification, the code goes first (kept only until it is delivered);
    // the confirmation, with the manage link's token (kept only until it is delivered),
    // follows when it is entered. A walk-in at the desk and a waiting-list entry get none.
    let start = ts(new.slot_start);
    if let Some(v) = &new.verification {
        let kind = crate::domain::NotificationKind::VerificationCode;
        super::outbox::notify(tx, id, kind, start, None, "", Some(&v.code), now).await?;
        super::verify::record_code(tx, &new.phone, &new.nik, id, now).await?;
    } else if new.actor == "applicant" && !entry {
        let kind = crate::domain::NotificationKind::Confirmed;
        super::outbox::notify(tx, id, kind, start, None, "", Some(token), now).await?;
    }
    let (action, detail) = match new.wait {
        Some((from, to)) => ("waitlist.join", format!("{from} – {to}")),
        None => ("booking.create", String::new()),
    };
    audit(
        tx,
        now,
        &new.actor,
        action,
        Some(new.office_id),
        Some(id),
        &detail,
    )
    .await?;
    // The seat last: on PostgreSQL its conditional updates lock the slot's and the day's
    // counter rows until the commit, and every other booking of that slot or day waits
    // for them; the certificate and the rows above are written before, not under, them.
    if !entry {
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
    }
    // Seats freed on the way (holds of the NIK that made way) go to the queue, and a new
    // entry in the queue may be offered a free seat at once.
    let mut offices = freed;
    if status == BookingStatus::Waitlisted {
        offices.push(new.office_id);
    }
    offices.sort_unstable();
    offices.dedup();
    for office_id in offices {
        if office_id != new.office_id {
            super::lock_office_shared(tx, job.backend, office_id).await?;
        }
        super::offers::offer_seats(tx, office_id, now, job.offers).await?;
    }
    // Everything is known (but an offer made just now): no need to read the row back
    // inside the writer's turn.
    let booking = Booking {
        id,
        code: code.as_str().to_string(),
        token_hash: crate::domain::code::hash_secret(token),
        office_id: new.office_id,
        office_slug: new.office_slug.clone(),
        slot_start: new.slot_start,
        slot_end: new.slot_end,
        local_date: new.local_date,
        status,
        verify_by: new
            .verification
            .as_ref()
            .map(|v| super::from_ts(ts(v.until))),
        nik: new.nik.clone(),
        name: new.name.clone(),
        birth_date: new.birth_date,
        phone: new.phone.clone(),
        email: new.email.clone(),
        married: new.married,
        guardian_consent: new.guardian_consent,
        version: 1,
        created_at: super::from_ts(ts(now)),
        hold_until: None,
        wait: new.wait,
        visit: Default::default(),
        certificate: CertificateInfo {
            kind: new.certificate.kind.clone(),
            issued_at: super::from_ts(ts(new.certificate.issued_at)),
            status: CertificateStatus::Submitted,
            reason: None,
        },
    };
    if let Some((key, scope, _)) = &job.idempotency {
        sqlx::query("UPDATE idempotency_keys SET body = $3 WHERE key = $1 AND scope = $2")
            .bind(key)
            .bind(scope)
            .bind(serde_json::to_string(&Receipt::new(&booking, new, token)).expect("serialisable"))
            .execute(&mut *tx)
            .await?;
    }
    Ok(booking)
}

/// Most bookings committed together.
const MAX_GROUP: usize = 128;

type Reply = oneshot::Sender<StoreResult<Booking>>;

/// Group commit for SQLite's single writer: bookings that arrive while a commit is under
/// way are written together, each inside its own savepoint (so one that is full or a
/// duplicate is rolled back alone), then committed — and fsynced — once. Every caller is
/// answered only after that commit, so a 201 is as durable as with a transaction of its
/// own; the writer just turns over far fewer transactions under load. No request waits
/// for company: a lone booking is committed at once.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<(BookingJob, Reply)>,
}

impl GroupCommit {
    /// Starts the writer task on `pool` (the single writer connection).
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run_group_commits(pool, rx));
        Self { queue }
    }

    /// Queues a booking and waits for its commit.
    pub(crate) async fn submit(&self, job: BookingJob) -> StoreResult<Booking> {
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

async fn run_group_commits(pool: AnyPool, mut rx: mpsc::Receiver<(BookingJob, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        metrics::histogram!("group_commit_batch_size").record(group.len() as f64);
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
                        let mut tx = super::begin_write(&pool, super::Backend::Sqlite).await?;
                        let b = steps_with_origin(&mut tx, &job).await?;
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
    group: &[(BookingJob, Reply)],
) -> Result<Vec<StoreResult<Booking>>, sqlx::Error> {
    let mut tx = super::begin_write(pool, super::Backend::Sqlite).await?;
    let mut results = Vec::with_capacity(group.len());
    for (job, _) in group {
        let mut savepoint = tx.begin().await?;
        match steps_with_origin(&mut savepoint, job).await {
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
