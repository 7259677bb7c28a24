//! The one way a booking is written, whatever its kind (online, waiting list, walk-in):
//! its row, certificate, messages, audit record, seat and receipt, in one transaction.

use super::new::NewBooking;
use super::receipt::Receipt;
use crate::domain::booking::sql::lit;
use crate::domain::{Booking, BookingCode, BookingKind, BookingStatus, CertificateInfo};
use crate::domain::{CertificateStatus, NotificationKind};
use crate::store::seats::{Seat, insert_certificate, move_seat};
use crate::store::{
    Backend, IdempotencyKey, OfferRules, Store, StoreError, StoreResult, audit, from_ts,
    is_unique_violation, ts,
};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

/// One booking to write.
pub(crate) struct BookingJob {
    pub(crate) backend: Backend,
    pub(crate) new: NewBooking,
    pub(crate) now: DateTime<Utc>,
    pub(crate) code: BookingCode,
    pub(crate) token: String,
    /// Idempotency-Key, scope and request hash, whose receipt is stored with the booking.
    pub(crate) idempotency: Option<(String, String, String)>,
    /// How a seat freed on the way (a replaced pending booking) is offered on.
    pub(crate) offers: OfferRules,
    /// The client address of the request, for the audit record: the group-commit writer
    /// runs in a task of its own, outside the request's scope.
    pub(crate) origin: Option<String>,
}

/// A booking written, with its secret token (shown once).
#[derive(Debug)]
pub struct Inserted {
    /// The booking as written.
    pub booking: Box<Booking>,
    /// Its secret token.
    pub token: String,
}

impl Store {
    /// Writes a new booking of any kind in one transaction (SQLite: in a group commit):
    /// the row, its certificate, its messages, an audit record, its seat (checked
    /// against the plan its capacities came from) and, with an Idempotency-Key, the
    /// key's receipt. A key already taken (its first request committed meanwhile) is
    /// `KeyTaken`: the caller replays what it created.
    pub async fn insert_booking(
        &self,
        new: &NewBooking,
        now: DateTime<Utc>,
        idempotency: Option<IdempotencyKey<'_>>,
    ) -> StoreResult<Inserted> {
        // A code collision (≈ 2^-40 per pair) is retried with a fresh code.
        for _ in 0..5 {
            let token = crate::domain::code::new_secret();
            let job = BookingJob {
                backend: self.backend,
                new: new.clone(),
                now,
                code: BookingCode::generate(),
                token: token.clone(),
                idempotency: idempotency.map(|k| {
                    (
                        k.key.to_string(),
                        k.scope.to_string(),
                        k.request.to_string(),
                    )
                }),
                offers: self.offers,
                origin: crate::store::origin(),
            };
            let written = match &self.group_commit {
                Some(queue) => queue.submit(job).await,
                None => {
                    let mut tx = self.begin_write().await?;
                    match insert_steps(&mut tx, &job).await {
                        Ok(b) => tx.commit().await.map(|()| b).map_err(Into::into),
                        Err(e) => Err(e),
                    }
                }
            };
            match written {
                Err(StoreError::Duplicate) => continue,
                other => {
                    return other.map(|booking| Inserted {
                        booking: Box::new(booking),
                        token,
                    });
                }
            }
        }
        Err(StoreError::Conflict)
    }
}

/// [`insert_steps`] with the job's client address on its audit record.
pub(crate) async fn steps_with_origin(
    tx: &mut AnyConnection,
    job: &BookingJob,
) -> StoreResult<Booking> {
    match &job.origin {
        Some(origin) => crate::store::with_origin(origin.clone(), insert_steps(tx, job)).await,
        None => insert_steps(tx, job).await,
    }
}

/// Everything one booking writes, on a connection already in a transaction (its own, or
/// a savepoint of a group commit).
pub(crate) async fn insert_steps(tx: &mut AnyConnection, job: &BookingJob) -> StoreResult<Booking> {
    let (new, now, code, token) = (&job.new, job.now, &job.code, job.token.as_str());
    let kind = new.kind;
    // A waiting-list entry takes no seat: it needs the office's lock (it may be offered
    // a seat at once), not the plan its capacities came from.
    if kind.takes_seat() {
        crate::store::check_plan_version(tx, job.backend, new.office_id, new.plan_version).await?;
    } else {
        crate::store::lock_office_shared(tx, job.backend, new.office_id).await?;
    }
    // The key first: a concurrent twin waits here, then replays our answer.
    if let Some((key, scope, request)) = &job.idempotency {
        take_key(tx, key, scope, request, now).await?;
    }
    // With phone verification: the code limits of the phone, and the NIK's holds (a
    // verified booking of the NIK refuses this one; holds awaiting a code make way) —
    // all in this transaction, so a refusal below keeps everything as it was.
    // (Without verification the unique index of NIKs refuses a second booking, and a
    // hold left from a time with verification ends when it is verified or lapses.)
    let mut freed = Vec::new();
    if let Some(v) = &new.verification {
        let (phone, nik) = (&new.phone, &new.nik);
        crate::store::verify::within_code_limit(tx, job.backend, phone, nik, now, v.per_hour)
            .await?;
        freed = crate::store::verify::make_way(tx, job.backend, nik, true, now).await?;
    }
    let status = initial_status(new);
    let id = insert_row(tx, new, status, code, token, now).await?;
    // A walk-in's certificate was seen by the officer: accepted by them.
    let reviewer = (kind == BookingKind::WalkIn).then_some(new.actor.audit_name());
    insert_certificate(tx, id, &new.certificate, reviewer.as_deref(), now).await?;
    // With phone verification, the code goes first (kept only until it is delivered);
    // the confirmation, with the manage link's token (kept only until it is delivered),
    // follows when it is entered.
    let start = ts(new.slot_start);
    if let Some(v) = &new.verification {
        let message = NotificationKind::VerificationCode;
        crate::store::outbox::notify(tx, id, message, start, None, None, Some(&v.code), now)
            .await?;
        crate::store::verify::record_code(tx, &new.phone, &new.nik, id, now).await?;
    } else if kind.confirms() {
        let message = NotificationKind::Confirmed;
        crate::store::outbox::notify(tx, id, message, start, None, None, Some(token), now).await?;
    }
    let (action, detail) = match kind {
        BookingKind::WaitingList { from, to } => ("waitlist.join", format!("{from} – {to}")),
        BookingKind::Online | BookingKind::WalkIn => ("booking.create", String::new()),
    };
    let office = Some(new.office_id);
    audit(tx, now, &new.actor, action, office, Some(id), &detail).await?;
    // The seat last: on PostgreSQL its conditional updates lock the slot's and the day's
    // counter rows until the commit, and every other booking of that slot or day waits
    // for them; the certificate and the rows above are written before, not under, them.
    if kind.takes_seat() {
        let date = new.local_date.to_string();
        let seat = Seat {
            slot_start: ts(new.slot_start),
            local_date: &date,
        };
        let to = Some((seat, new.slot_capacity, new.day_cap));
        move_seat(tx, new.office_id, None, to).await?;
    }
    let booking = as_written(new, id, status, code, token, now);
    if kind == BookingKind::WalkIn {
        crate::store::desk::check_in_on(tx, &booking, new.readings, &new.actor, now).await?;
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
            crate::store::lock_office_shared(tx, job.backend, office_id).await?;
        }
        crate::store::offers::offer_seats(tx, office_id, now, job.offers).await?;
    }
    if let Some((key, scope, _)) = &job.idempotency {
        let tz = new.timezone.as_str();
        let receipt = Receipt::new(&booking, token, tz, new.certificate_valid_until);
        sqlx::query("UPDATE idempotency_keys SET body = $3 WHERE key = $1 AND scope = $2")
            .bind(key)
            .bind(scope)
            .bind(serde_json::to_string(&receipt).expect("serialisable"))
            .execute(&mut *tx)
            .await?;
    }
    Ok(booking)
}

/// A booking's first status: with phone verification the seat (or the place in the
/// queue) waits for the code.
fn initial_status(new: &NewBooking) -> BookingStatus {
    match (&new.verification, new.kind) {
        (Some(_), _) => BookingStatus::PendingVerification,
        (None, BookingKind::WaitingList { .. }) => BookingStatus::Waitlisted,
        (None, BookingKind::Online | BookingKind::WalkIn) => BookingStatus::Confirmed,
    }
}

/// Takes an Idempotency-Key for this request (its receipt is written at the end of the
/// transaction); a key older than a day is forgotten and may be used afresh.
async fn take_key(
    tx: &mut AnyConnection,
    key: &str,
    scope: &str,
    request: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND created_at <= $2")
        .bind(key)
        .bind(ts(now - crate::store::IDEMPOTENCY_KEPT))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (key, scope, status, body, created_at, request_hash, kind) \
         VALUES ($1, $2, 201, '', $3, $4, $5)",
    )
    .bind(key)
    .bind(scope)
    .bind(ts(now))
    .bind(request)
    .bind(Receipt::KIND)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "key") {
            StoreError::KeyTaken
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// The booking's row. A NIK with an active booking or a clashing code is refused by a
/// unique index.
async fn insert_row(
    tx: &mut AnyConnection,
    new: &NewBooking,
    status: BookingStatus,
    code: &BookingCode,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let verify_by = new.verification.as_ref().map(|v| ts(v.until));
    let verify_hash = new
        .verification
        .as_ref()
        .map(|v| crate::domain::code::hash_verification_code(&v.code));
    let wait = new.kind.wait();
    let queued_at = (!new.kind.takes_seat()).then_some(ts(now));
    let (id,): (i64,) = sqlx::query_as(&format!(
        "INSERT INTO bookings (code, token_hash, office_id, slot_start, slot_end, local_date, \
         status, nik, name, birth_date, phone, email, married, lang, version, created_at, \
         updated_at, guardian_consent, verify_by, verify_hash, queued_at, wait_from, wait_to, \
         walk_in) \
         VALUES ($1, $2, $3, $4, $5, $6, {}, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15, \
         $16, $17, $18, $19, $20, $21) RETURNING id",
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
    .bind(queued_at)
    .bind(wait.map(|(from, _)| from.to_string()))
    .bind(wait.map(|(_, to)| to.to_string()))
    .bind(i64::from(new.kind == BookingKind::WalkIn))
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
    Ok(id)
}

/// The booking as just written (but an offer made at once, and a walk-in's check-in):
/// no need to read the row back inside the writer's turn.
fn as_written(
    new: &NewBooking,
    id: i64,
    status: BookingStatus,
    code: &BookingCode,
    token: &str,
    now: DateTime<Utc>,
) -> Booking {
    let walk_in = new.kind == BookingKind::WalkIn;
    Booking {
        id,
        code: code.clone(),
        token_hash: crate::domain::code::hash_secret(token),
        office_id: new.office_id,
        office_slug: crate::domain::OfficeSlug::stored(new.office_slug.clone()),
        slot_start: new.slot_start,
        slot_end: new.slot_end,
        local_date: new.local_date,
        status,
        verify_by: new.verification.as_ref().map(|v| from_ts(ts(v.until))),
        nik: crate::domain::Nik::stored(new.nik.clone()),
        name: new.name.clone(),
        birth_date: new.birth_date,
        phone: crate::domain::PhoneNumber::stored(new.phone.clone()),
        email: new.email.clone(),
        married: new.married,
        guardian_consent: new.guardian_consent,
        version: 1,
        created_at: from_ts(ts(now)),
        hold_until: None,
        wait: new.kind.wait(),
        visit: crate::domain::booking::Visit {
            walk_in,
            ..Default::default()
        },
        certificate: CertificateInfo {
            kind: new.certificate.kind.clone(),
            issued_at: from_ts(ts(new.certificate.issued_at)),
            status: if walk_in {
                CertificateStatus::Accepted
            } else {
                CertificateStatus::Submitted
            },
            reason: None,
            on_paper: new.certificate.content.is_empty(),
        },
    }
}
