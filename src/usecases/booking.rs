//! Booking a slot and managing the booking: the form becomes domain values once, the
//! planner says whether the slot may be taken, the store takes the seat.

use super::auth::{Authorized, OwnBooking};
use super::form::{
    Applicant, ApplicantForm, CertificateForm, Channel, Problems, RawForm, SlotForm, Step,
    WantedSlot, invalid, parse_instant, slot_error,
};
use super::{AppError, Code, Context};
use crate::domain::code::hash_secret;
use crate::domain::{Actor, Booking, BookingCode, BookingKind, BookingStatus, Validity};
use crate::planner;
use crate::store::{IdempotencyKey, NewBooking, Notice, Office, Replayed, SeatRequest, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use subtle::ConstantTimeEq;

/// A request that passed every check.
#[derive(Debug)]
pub struct ValidBooking {
    /// The office.
    pub office: Office,
    /// Everything the store needs.
    pub new: NewBooking,
}

/// The office a form names, or a problem at the office step.
pub(crate) async fn form_office(
    ctx: &Context,
    slug: &str,
    problems: &mut Problems,
) -> Result<Option<Office>, Vec<AppError>> {
    match ctx.store.office(slug).await {
        Ok(o) => Ok(Some(o)),
        Err(StoreError::NotFound) => {
            problems.push(Step::Office, invalid("office", "err-office-unknown"));
            Ok(None)
        }
        Err(e) => Err(vec![e.into()]),
    }
}

/// Where a new booking goes: a slot with its capacities, or (for the waiting list) the
/// start of its wanted range with no seat.
pub(crate) struct Target {
    pub(crate) slot_start: DateTime<Utc>,
    pub(crate) slot_end: DateTime<Utc>,
    pub(crate) local_date: NaiveDate,
    pub(crate) slot_capacity: u32,
    pub(crate) day_cap: u32,
    pub(crate) kind: BookingKind,
}

/// The store's new booking from its parts.
pub(crate) fn new_booking(
    office: &Office,
    target: Target,
    applicant: Applicant,
    certificate: crate::store::NewCertificate,
    lang: &str,
    actor: Actor,
) -> NewBooking {
    NewBooking {
        office_id: office.id,
        office_slug: office.slug.clone(),
        plan_version: office.plan_version,
        slot_start: target.slot_start,
        slot_end: target.slot_end,
        local_date: target.local_date,
        slot_capacity: target.slot_capacity,
        day_cap: target.day_cap,
        kind: target.kind,
        readings: None,
        timezone: office.spec.timezone.name().to_string(),
        certificate_valid_until: office
            .spec
            .certificates
            .valid_until(&certificate.kind, certificate.issued_at),
        nik: applicant.nik.as_str().to_string(),
        name: applicant.name.as_str().to_string(),
        birth_date: applicant.birth_date,
        phone: applicant.phone.as_str().to_string(),
        email: applicant.email,
        married: applicant.married,
        guardian_consent: applicant.guardian_consent,
        lang: lang.to_string(),
        certificate,
        actor,
        verification: None,
    }
}

/// Checks a whole booking form. All problems are returned, in the order of the form,
/// so a page can show each next to its field; the API answers with the first.
pub async fn validate(
    ctx: &Context,
    form: &RawForm,
    office_slug: &str,
    lang: &str,
    channel: Channel,
) -> Result<ValidBooking, Vec<AppError>> {
    let now = ctx.clock.now();
    let mut p = Problems::of_text(form);
    let office = form_office(ctx, office_slug, &mut p).await?;
    let wanted: Option<WantedSlot> = office.as_ref().and_then(|o| {
        p.take(
            SlotForm {
                form,
                office: &o.spec,
                calendar: &o.calendar,
                now,
            }
            .try_into(),
        )
    });
    let applicant: Option<Applicant> = p.take(
        ApplicantForm {
            form,
            now,
            min_age: ctx.settings.min_age,
            on: wanted.as_ref().map(|w| w.day.date),
            channel,
        }
        .try_into(),
    );
    let certificate = office.as_ref().and_then(|o| {
        p.take(
            CertificateForm {
                form,
                office: &o.spec,
                covers: wanted.as_ref().map(|w| w.slot.start),
                now,
                paper_allowed: false,
            }
            .try_into(),
        )
    });
    match (office, wanted, applicant, certificate) {
        (Some(office), Some(w), Some(applicant), Some(certificate)) if p.is_empty() => {
            let target = Target {
                slot_start: w.slot.start,
                slot_end: w.slot.end,
                local_date: w.day.date,
                slot_capacity: w.slot.capacity,
                day_cap: w.day.cap,
                kind: BookingKind::Online,
            };
            let new = new_booking(
                &office,
                target,
                applicant,
                certificate,
                lang,
                Actor::Applicant,
            );
            Ok(ValidBooking { office, new })
        }
        _ => Err(p.into_errors()),
    }
}

/// How often a request re-plans when the office's capacity changes under it.
const PLAN_RETRIES: usize = 3;

/// What booking a request did.
#[derive(Debug)]
pub enum Created {
    /// A new booking with its secret token.
    New {
        /// The booking.
        booking: Box<Booking>,
        /// Secret token, shown once.
        token: String,
    },
    /// The same Idempotency-Key was used before: what it created.
    Replay(Replayed),
}

/// Takes the seat of a valid request. When a level change or closure commits between
/// planning and the seat, the capacities are planned again against the new calendar.
///
/// With an Idempotency-Key, the caller has asked [`replay`] before validating (a repeat
/// is answered as the first time, even if the slot has filled since); if the key's
/// first request commits while this one runs, the store refuses the key and this
/// answers with what that one created.
pub async fn book(
    ctx: &Context,
    valid: &ValidBooking,
    idempotency: Option<IdempotencyKey<'_>>,
) -> Result<Created, AppError> {
    let now = ctx.clock.now();
    let mut new = valid.new.clone();
    super::verify::prepare(ctx, &mut new);
    for _ in 0..PLAN_RETRIES {
        match ctx.store.insert_booking(&new, now, idempotency).await {
            Ok(written) => {
                return Ok(Created::New {
                    booking: written.booking,
                    token: written.token,
                });
            }
            Err(StoreError::PlanChanged) => {
                let office = ctx.store.office(&valid.office.slug).await?;
                let (day, slot) =
                    planner::bookable_slot(&office.spec, &office.calendar, new.slot_start, now)
                        .map_err(slot_error)?;
                new.slot_capacity = slot.capacity;
                new.day_cap = day.cap;
                new.plan_version = office.plan_version;
            }
            Err(StoreError::KeyTaken) => {
                let key = idempotency.expect("a key was taken");
                return replay(ctx, key)
                    .await?
                    .map(Created::Replay)
                    .ok_or_else(|| AppError::new(Code::Conflict, "err-conflict"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::new(Code::Conflict, "err-plan-changed"))
}

/// The booking and its office, when the token matches; `not_found` otherwise (the same
/// answer as for an unknown code, so codes cannot be probed). What the applicant may
/// change is what this lets them: every change of their booking takes its answer.
pub async fn owned(
    ctx: &Context,
    code: &str,
    token: &str,
) -> Result<Authorized<OwnBooking>, AppError> {
    let code = BookingCode::parse(code).ok_or_else(AppError::not_found)?;
    let booking = ctx.store.booking(code.as_str()).await?;
    let hash = hash_secret(token);
    // The booking's own token, or another link given for it (a replayed answer's).
    let own: bool = booking.token_hash.as_bytes().ct_eq(hash.as_bytes()).into();
    if !own && !ctx.store.booking_token_matches(booking.id, &hash).await? {
        return Err(AppError::not_found());
    }
    let office = ctx.store.office(booking.office_slug.as_str()).await?;
    Ok(super::auth::own_booking(booking, office))
}

/// Moves a booking to the slot starting at `start`, re-judging its certificate.
pub async fn reschedule(
    ctx: &Context,
    who: &Authorized<OwnBooking>,
    start: &str,
) -> Result<Booking, AppError> {
    let booking = &who.scope().booking;
    let now = ctx.clock.now();
    if !booking.status.is_changeable() {
        return Err(AppError::new(Code::Conflict, "err-not-changeable"));
    }
    let start = parse_instant(start).ok_or_else(|| invalid("slot_start", "err-slot-unknown"))?;
    if start == booking.slot_start && booking.status == BookingStatus::Confirmed {
        return Ok(booking.clone());
    }
    for _ in 0..PLAN_RETRIES {
        let office = ctx.store.office(booking.office_slug.as_str()).await?;
        let (day, slot) = planner::bookable_slot(&office.spec, &office.calendar, start, now)
            .map_err(slot_error)?;
        // Old enough on the new day too (moving earlier may not be).
        if !crate::domain::old_enough(
            booking.birth_date,
            booking.married,
            day.date,
            ctx.settings.min_age,
        ) {
            let age = ctx.settings.min_age;
            let turns = booking
                .birth_date
                .checked_add_months(chrono::Months::new(12 * age));
            return Err(
                invalid("slot_start", "err-too-young-for-slot").with_args(vec![
                    ("on", AppError::date(day.date)),
                    ("turns", turns.map(AppError::date).unwrap_or_default()),
                    ("age", age.to_string()),
                ]),
            );
        }
        let cert = &booking.certificate;
        if office
            .spec
            .certificates
            .judge(&cert.kind, cert.issued_at, slot.start, now)
            != Validity::Valid
        {
            return Err(AppError::field(
                Code::CertificateNotValidForSlot,
                "slot_start",
                "err-certificate-expired-for-new-slot",
            ));
        }
        let to = SeatRequest {
            slot_start: slot.start,
            slot_end: slot.end,
            local_date: day.date,
            slot_capacity: slot.capacity,
            day_cap: day.cap,
            plan_version: office.plan_version,
        };
        match ctx
            .store
            .reschedule_booking(booking, &to, who.actor(), now)
            .await
        {
            Err(StoreError::PlanChanged) => continue,
            other => return Ok(other?),
        }
    }
    Err(AppError::new(Code::Conflict, "err-plan-changed"))
}

/// Replaces a booking's certificate after checking it against the booking's slot.
pub async fn replace_certificate(
    ctx: &Context,
    who: &Authorized<OwnBooking>,
    form: &RawForm,
) -> Result<Booking, Vec<AppError>> {
    let booking = &who.scope().booking;
    let now = ctx.clock.now();
    if !booking.status.is_changeable() {
        return Err(vec![AppError::new(Code::Conflict, "err-not-changeable")]);
    }
    let office = ctx
        .store
        .office(booking.office_slug.as_str())
        .await
        .map_err(|e| vec![e.into()])?;
    // A displaced booking has no slot to judge against.
    let covers = (booking.status == BookingStatus::Confirmed).then_some(booking.slot_start);
    let cert = CertificateForm {
        form,
        office: &office.spec,
        covers,
        now,
        paper_allowed: false,
    }
    .try_into()
    .map_err(Problems::into_errors)?;
    ctx.store
        .replace_certificate(
            booking,
            &cert,
            who.actor(),
            now,
            ctx.settings.certificate_replacements_per_day,
        )
        .await
        .map_err(|e| vec![e.into()])
}

/// Cancels a booking and frees its seat at once.
pub async fn cancel(ctx: &Context, who: &Authorized<OwnBooking>) -> Result<Booking, AppError> {
    let booking = &who.scope().booking;
    // A visit that happened (or is happening) is not cancelled: say so, not "try again".
    if !booking.status.is_cancellable() && booking.status != BookingStatus::Cancelled {
        return Err(AppError::new(Code::Conflict, "err-not-changeable"));
    }
    Ok(ctx
        .store
        .cancel_booking(booking.code.as_str(), who.actor(), None, ctx.clock.now())
        .await?)
}

/// Claims the seat offered to a waiting booking while its hold lasts.
pub async fn claim(ctx: &Context, who: &Authorized<OwnBooking>) -> Result<Booking, AppError> {
    let booking = &who.scope().booking;
    ctx.store
        .claim_offer(booking.code.as_str(), ctx.clock.now())
        .await?;
    Ok(ctx.store.booking(booking.code.as_str()).await?)
}

/// What the manage page tells its owner besides the booking itself.
pub struct Situation {
    /// The latest message the office recorded for it.
    pub notice: Option<Notice>,
    /// Its place in the queue while it waits without an offer (1 = next).
    pub queue_position: Option<i64>,
}

/// The latest message and the place in the queue of a booking.
pub async fn situation(ctx: &Context, booking: &Booking) -> Result<Situation, AppError> {
    Ok(Situation {
        notice: ctx.store.latest_notification(booking.id).await?,
        queue_position: ctx.store.queue_position(booking).await?,
    })
}

/// What an Idempotency-Key created before, if it was used for this same request;
/// `idempotency_key_reused` if it was used for another.
pub async fn replay(ctx: &Context, key: IdempotencyKey<'_>) -> Result<Option<Replayed>, AppError> {
    match ctx.store.idempotent_receipt(key, ctx.clock.now()).await? {
        Some(replayed) => Ok(Some(fresh_token(ctx, replayed).await?)),
        None => Ok(None),
    }
}

/// A replayed booking carries a fresh manage token for the same booking: the first one
/// is not kept in the clear (API.md, "Conventions").
async fn fresh_token(ctx: &Context, replayed: Replayed) -> Result<Replayed, AppError> {
    let Replayed::Receipt(mut receipt) = replayed else {
        return Ok(replayed);
    };
    let token = crate::domain::code::new_secret();
    ctx.store
        .add_booking_token(receipt.booking.id, &hash_secret(&token), ctx.clock.now())
        .await?;
    receipt.token = token;
    Ok(Replayed::Receipt(receipt))
}

/// The job that forgets Idempotency-Keys after a day (API.md), and the record of
/// verification codes sent.
pub const FORGET_IDEMPOTENCY_KEYS: super::jobs::Job = super::jobs::Job {
    name: "idempotency.forget",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| Box::pin(async move { Ok(ctx.store.forget_idempotency_keys(now).await?) }),
};
