//! The front desk: the day's list, opening a booking, check-in with temperature and the
//! queue number, outcomes, cancellation, certificate review and reads, the queue board
//! (walk-ins are in `walk_in`).
//! Desk officers and supervisors act for their own office; admins for any.

use super::auth::{self, AtOffice, Authorized, Desk};
use super::changes::parse_date;
use super::form::{Channel, invalid};
use super::{AppError, Code, Context};
use crate::domain::desk::{Outcome, Screening, Temperature, screen};
use crate::domain::{Actor, Booking, BookingCode, BookingStatus, Role};
use crate::planner;
use crate::store::{
    CertificateFile, DeskRow, Office, Readings, ReviewRow, StaffMember, StoreError, TakenReading,
};
use chrono::{DateTime, NaiveDate, Utc};

/// The longest reason the desk may give (turned away, certificate rejected), in characters.
pub const DESK_REASON_MAX: usize = 500;

/// What the desk enters at check-in.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// First temperature, °C.
    pub first: Option<f64>,
    /// Second temperature after a rest, °C.
    pub retest: Option<f64>,
    /// The desk asked a minor's parent or guardian and they agree.
    pub guardian_confirmed: bool,
    /// Page or API.
    pub channel: Channel,
}

/// A booking as the desk sees it, with its office and what today means for it. Only
/// [`open`] makes one (it checks the member may act for the booking's office), and every
/// desk change of a booking takes one.
#[derive(Debug, Clone)]
pub struct DeskBooking {
    who: Authorized<AtOffice<Desk>>,
    /// The booking.
    pub booking: Booking,
    /// Its office.
    pub office: Office,
    /// The office's date today.
    pub today: NaiveDate,
    /// When the current certificate stops being valid (by its kind's rule).
    pub certificate_valid_until: Option<DateTime<Utc>>,
    /// Under 18 on the day of the visit.
    pub minor: bool,
    /// Every temperature taken, oldest first.
    pub readings: Vec<TakenReading>,
}

impl DeskBooking {
    /// Who opened it.
    pub fn actor(&self) -> &Actor {
        self.who.actor()
    }

    /// The booking, if it is still the one the check was made for: a caller that put
    /// another office's booking in its place gets `not_found`, as for an unknown code.
    fn checked(&self) -> Result<&Booking, AppError> {
        if self.booking.office_id == self.who.office().id
            && self.office.id == self.booking.office_id
        {
            Ok(&self.booking)
        } else {
            Err(AppError::not_found())
        }
    }

    /// A first reading above the limit, kept while the person rests: the next reading is
    /// the second one.
    pub fn retest_pending(&self) -> Option<&TakenReading> {
        self.readings
            .last()
            .filter(|r| r.retest_due.is_some() && self.booking.status == BookingStatus::Confirmed)
    }

    /// Is the certificate still valid now?
    pub fn certificate_valid_now(&self, now: DateTime<Utc>) -> bool {
        self.certificate_valid_until
            .is_some_and(|until| until >= now)
    }
}

/// The booking with `code`, if the member may see it. An unknown code and a booking of
/// another office answer the same `not_found`: a desk officer elsewhere learns nothing,
/// not even that the code exists (OWASP ASVS 4.2.1). Every opening is in the audit log.
pub async fn open(
    ctx: &Context,
    member: &StaffMember,
    code: &str,
) -> Result<DeskBooking, AppError> {
    auth::has_role(member, Role::Desk)?;
    let code = BookingCode::parse(code).ok_or_else(AppError::not_found)?;
    let booking = ctx.store.booking(code.as_str()).await?;
    let office = ctx.store.office(booking.office_slug.as_str()).await?;
    let Ok(who) = auth::at_office::<Desk>(member, office.clone()) else {
        return Err(AppError::not_found());
    };
    let now = ctx.clock.now();
    ctx.store
        .audit_read(
            who.actor(),
            "booking.view",
            Some(office.id),
            Some(booking.id),
            now,
        )
        .await?;
    let today = planner::local_date(&office.spec, now);
    let certificate_valid_until = office
        .spec
        .certificates
        .valid_until(&booking.certificate.kind, booking.certificate.issued_at);
    let minor = !crate::domain::old_enough(booking.birth_date, false, booking.local_date, 18);
    let readings = ctx.store.readings(booking.id).await?;
    Ok(DeskBooking {
        readings,
        who,
        booking,
        office,
        today,
        certificate_valid_until,
        minor,
    })
}

/// The booking code typed at the desk, when it names a booking the member may open; `None`
/// for an unknown code and for a booking of another office alike. Nothing personal is
/// read, so nothing is audited (opening the booking is).
pub async fn find_code(
    ctx: &Context,
    member: &StaffMember,
    typed: &str,
) -> Result<Option<BookingCode>, AppError> {
    auth::has_role(member, Role::Desk)?;
    let Some(code) = BookingCode::parse(typed) else {
        return Ok(None);
    };
    let booking = match ctx.store.booking(code.as_str()).await {
        Ok(b) => b,
        Err(crate::store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let office = ctx.store.office(booking.office_slug.as_str()).await?;
    Ok(auth::at_office::<Desk>(member, office)
        .is_ok()
        .then_some(code))
}

/// Does a desk search match a booking's NIK? Digits alone match only what a list may
/// show or the officer already holds: exactly the last four (shown masked in every list)
/// or the whole NIK (typed from the KK). Any other run of digits matches nothing, so a
/// search cannot read a NIK digit by digit.
pub fn nik_matches(search: &str, nik: &str) -> bool {
    let digits = !search.is_empty() && search.bytes().all(|b| b.is_ascii_digit());
    digits && ((search.len() == 4 && nik.ends_with(search)) || search == nik)
}

/// The office of `slug`, if the member may act for it at the desk.
pub async fn office(
    ctx: &Context,
    member: &StaffMember,
    slug: &str,
) -> Result<Authorized<AtOffice<Desk>>, AppError> {
    auth::office::<Desk>(ctx, member, slug).await
}

/// Every temperature taken for a booking the desk holds (opened, checked in or
/// registered), oldest first.
pub async fn readings(ctx: &Context, b: &Booking) -> Result<Vec<TakenReading>, AppError> {
    Ok(ctx.store.readings(b.id).await?)
}

/// The office-local date of today.
pub fn today(ctx: &Context, office: &Office) -> NaiveDate {
    planner::local_date(&office.spec, ctx.clock.now())
}

/// A day's list of an office (the list is personal data: its reading is audited).
pub async fn day_list(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    date: NaiveDate,
) -> Result<Vec<DeskRow>, AppError> {
    let office = who.scope().office();
    let rows = ctx.store.day_list(office.id, date).await?;
    ctx.store
        .audit_read(
            who.actor(),
            "day_list.view",
            Some(office.id),
            None,
            ctx.clock.now(),
        )
        .await?;
    Ok(rows)
}

/// A temperature as sent: a number of °C within what a thermometer reads.
pub fn parse_temperature(value: Option<f64>, field: &str) -> Result<Temperature, AppError> {
    value
        .and_then(Temperature::from_celsius)
        .ok_or_else(|| invalid(field, "err-temperature"))
}

/// Why a booking cannot be checked in or ended now, if it cannot.
fn refuse_visit(d: &DeskBooking) -> Option<AppError> {
    let b = &d.booking;
    match b.status {
        BookingStatus::Confirmed if b.local_date != d.today => {
            Some(AppError::new(Code::Conflict, "err-visit-other-day"))
        }
        BookingStatus::Confirmed => None,
        BookingStatus::CheckedIn => Some(AppError::new(Code::Conflict, "err-already-checked-in")),
        BookingStatus::Cancelled => Some(AppError::new(Code::Conflict, "err-visit-cancelled")),
        BookingStatus::PendingVerification => {
            Some(AppError::new(Code::Conflict, "err-visit-unverified"))
        }
        BookingStatus::NeedsRebooking | BookingStatus::Waitlisted => {
            Some(AppError::new(Code::Conflict, "err-visit-no-seat"))
        }
        _ => Some(AppError::new(Code::Conflict, "err-visit-ended")),
    }
}

/// Checks a booking in: today's booking at the member's office, confirmed, with a
/// certificate that is not rejected and still valid. A first reading above the limit
/// needs a second one (`retest_required`, nothing changes); a second one above it turns
/// the person away with the reason. Both readings are kept.
pub async fn check_in(
    ctx: &Context,
    d: &DeskBooking,
    reading: Reading,
) -> Result<Booking, AppError> {
    d.checked()?;
    let Reading {
        first,
        retest,
        guardian_confirmed,
        channel,
    } = reading;
    if let Some(e) = refuse_visit(d) {
        return Err(e);
    }

    let first = parse_temperature(first, "temperature_c")?;
    let retest = match retest {
        None => None,
        Some(v) => Some(
            Temperature::from_celsius(v)
                .ok_or_else(|| invalid("retest_c", "err-retest-temperature"))?,
        ),
    };
    let now = ctx.clock.now();
    let limit = Temperature::from_celsius(ctx.settings.max_temperature_c)
        .unwrap_or(Temperature::from_tenths(373));
    // After the rest the second reading may come alone: the first is on file.
    // (Or with both, the first re-sent as the page keeps it: it is not kept twice.)
    let (first, retest, first_on_file) = match (d.retest_pending(), retest) {
        (Some(on_file), None) => (on_file.temperature, Some(first), true),
        (Some(on_file), Some(second)) if on_file.temperature == first => {
            (first, Some(second), true)
        }
        _ => (first, retest, false),
    };
    let readings = Readings {
        first,
        retest,
        first_on_file,
    };
    match screen(first, retest, limit) {
        Screening::RetestRequired => {
            // Kept, with when the person is measured again; nothing else changes.
            let due = now + crate::domain::desk::REST;
            ctx.store
                .retest_due(&d.booking, first, due, d.actor(), now)
                .await?;
            Err(AppError::field(
                Code::RetestRequired,
                "retest_c",
                "err-retest-required",
            ))
        }
        Screening::TurnAway => {
            let reason = crate::domain::Reason::Fever {
                reading: retest.unwrap_or(first).to_string(),
                limit: limit.to_string(),
            };
            Ok(ctx
                .store
                .record_outcome(
                    &d.booking,
                    Outcome::TurnedAway,
                    Some(&reason),
                    Some(readings),
                    d.actor(),
                    now,
                )
                .await?)
        }
        Screening::Pass => {
            // A minor whose guardian's agreement was not confirmed when booking: the desk
            // asks (required on the page; the API, whose contract does not list the
            // field, records it when sent).
            let needs_guardian = d.minor && !d.booking.guardian_consent && !guardian_confirmed;
            if needs_guardian && channel == Channel::Page {
                return Err(invalid("guardian_confirmed", "err-guardian-at-desk"));
            }
            if d.booking.certificate.status == crate::domain::CertificateStatus::Rejected {
                return Err(AppError::field(
                    Code::Conflict,
                    "certificate",
                    "err-certificate-rejected-at-desk",
                ));
            }
            if !d.certificate_valid_now(now) {
                return Err(AppError::field(
                    Code::CertificateNotValidForSlot,
                    "certificate",
                    "err-certificate-expired-at-desk",
                ));
            }
            Ok(ctx
                .store
                .check_in(&d.booking, readings, guardian_confirmed, d.actor(), now)
                .await?)
        }
    }
}

/// Cancels a booking at the desk, with the reason: the NIK's owner came with the KK and
/// did not make it (a stranger's booking blocked their NIK), or the applicant asks at the
/// counter. Its seat is freed and offered on; the reason is kept, shown on the booking's
/// page and audited. A visit that happened (or is under way) is not cancelled.
pub async fn cancel(
    ctx: &Context,
    d: &DeskBooking,
    reason: Option<&str>,
) -> Result<Booking, AppError> {
    d.checked()?;
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid("reason", "err-reason-required"))?;
    if reason.chars().count() > DESK_REASON_MAX {
        return Err(invalid("reason", "err-reason-too-long"));
    }
    if !d.booking.status.is_cancellable() {
        return Err(AppError::new(Code::Conflict, "err-not-changeable"));
    }
    Ok(ctx
        .store
        .cancel_booking(
            d.booking.code.as_str(),
            d.actor(),
            Some(reason),
            ctx.clock.now(),
        )
        .await?)
}

/// Records how a visit ended: recorded after check-in, a no-show before it, turned away
/// (with a reason) at either point.
pub async fn outcome(
    ctx: &Context,
    d: &DeskBooking,
    outcome: &str,
    reason: Option<&str>,
) -> Result<Booking, AppError> {
    d.checked()?;
    let outcome = Outcome::parse(outcome).ok_or_else(|| invalid("outcome", "err-outcome"))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if outcome.needs_reason() && reason.is_none() {
        return Err(invalid("reason", "err-reason-required"));
    }
    if reason.is_some_and(|r| r.chars().count() > DESK_REASON_MAX) {
        return Err(invalid("reason", "err-reason-too-long"));
    }
    let b = &d.booking;
    if !outcome.follows(b.status) {
        return Err(match refuse_visit(d) {
            Some(e) if b.status != BookingStatus::Confirmed => e,
            _ => AppError::new(Code::Conflict, "err-outcome-not-now"),
        });
    }
    // Recorded or turned away on the day; a no-show once the slot is over.
    if outcome == Outcome::NoShow && b.slot_end > ctx.clock.now() {
        return Err(AppError::new(Code::Conflict, "err-no-show-early"));
    }
    if outcome != Outcome::NoShow && b.local_date != d.today {
        return Err(AppError::new(Code::Conflict, "err-visit-other-day"));
    }
    Ok(ctx
        .store
        .record_outcome(
            b,
            outcome,
            reason.map(crate::domain::Reason::typed).as_ref(),
            None,
            d.actor(),
            ctx.clock.now(),
        )
        .await?)
}

/// Accepts or rejects a booking's certificate (a rejection needs a reason, which the
/// applicant is shown).
pub async fn review(
    ctx: &Context,
    d: &DeskBooking,
    decision: &str,
    reason: Option<&str>,
) -> Result<Booking, AppError> {
    d.checked()?;
    use crate::domain::CertificateStatus;
    let accept = match CertificateStatus::parse(decision) {
        Some(CertificateStatus::Accepted) => true,
        Some(CertificateStatus::Rejected) => false,
        _ => return Err(invalid("decision", "err-decision")),
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if !accept && reason.is_none() {
        return Err(invalid("reason", "err-reason-required"));
    }
    if reason.is_some_and(|r| r.chars().count() > DESK_REASON_MAX) {
        return Err(invalid("reason", "err-reason-too-long"));
    }
    if d.booking.status == BookingStatus::PendingVerification {
        return Err(AppError::new(Code::Conflict, "err-visit-unverified"));
    }
    if !d.booking.status.is_changeable() {
        return Err(AppError::new(Code::Conflict, "err-review-not-now"));
    }
    Ok(ctx
        .store
        .review_certificate(&d.booking, accept, reason, d.actor(), ctx.clock.now())
        .await?)
}

/// The file of a booking's certificate, for staff of its office; the read is audited.
pub async fn certificate(ctx: &Context, d: &DeskBooking) -> Result<CertificateFile, AppError> {
    d.checked()?;
    let file = ctx
        .store
        .read_certificate(&d.booking, d.actor(), ctx.clock.now())
        .await?;
    if file.content.is_empty() {
        // Seen on paper at the desk: there is no file.
        return Err(AppError::not_found());
    }
    Ok(file)
}

/// Submitted certificates of an office waiting for review, the earliest slot first.
pub async fn review_queue(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
) -> Result<Vec<ReviewRow>, AppError> {
    let office = who.scope().office();
    Ok(ctx.store.review_queue(office.id, ctx.clock.now()).await?)
}

/// A date of the desk's pages, or today.
pub fn date_or_today(
    ctx: &Context,
    office: &Office,
    s: Option<&str>,
) -> Result<NaiveDate, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today(ctx, office)),
        Some(s) => parse_date(s, "date"),
    }
}

/// The first answer to a desk write sent again with the same Idempotency-Key and the same
/// request: `(status, body)`; the same key with another request is
/// `idempotency_key_reused`.
pub async fn replay(
    ctx: &Context,
    key: Option<crate::store::IdempotencyKey<'_>>,
) -> Result<Option<(u16, String)>, AppError> {
    let Some(key) = key else { return Ok(None) };
    Ok(
        match ctx.store.idempotent_receipt(key, ctx.clock.now()).await? {
            Some(crate::store::Replayed::Stored { status, body }) => Some((status, body)),
            // A booking's receipt under a desk route's scope cannot be: treat as reused.
            Some(crate::store::Replayed::Receipt(_)) => {
                return Err(StoreError::KeyReused.into());
            }
            None => None,
        },
    )
}

/// Keeps a desk write's answer for its Idempotency-Key.
pub async fn remember(
    ctx: &Context,
    key: Option<crate::store::IdempotencyKey<'_>>,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    if let Some(key) = key {
        ctx.store
            .remember_answer(key, status, body, ctx.clock.now())
            .await?;
    }
    Ok(())
}

/// New dates to offer someone turned away: the first free time of each of the next open
/// days (from tomorrow), at most `n`.
pub async fn new_dates(
    ctx: &Context,
    office: &Office,
    n: usize,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, AppError> {
    let today = today(ctx, office);
    Ok(super::availability::coming_days(ctx, office)
        .await?
        .into_iter()
        .filter(|d| d.date > today && d.bookable)
        .filter_map(|d| d.slots.into_iter().find(|s| s.remaining > 0))
        .take(n)
        .map(|s| (s.start, s.end))
        .collect())
}

/// The job that releases the seats of bookings whose certificate is still rejected
/// `--release-rejected-hours` before their slot.
pub const RELEASE_REJECTED: super::jobs::Job = super::jobs::Job {
    name: "certificates.release_rejected",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| {
        Box::pin(async move {
            let before = chrono::Duration::hours(i64::from(ctx.settings.release_rejected_hours));
            Ok(super::jobs::count(
                ctx.store.release_rejected(now, before).await?,
            ))
        })
    },
};

/// The job that marks as no-shows the bookings not checked in by their slot's end and
/// `--no-show-grace-minutes`.
pub const MARK_NO_SHOWS: super::jobs::Job = super::jobs::Job {
    name: "visits.no_shows",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| {
        Box::pin(async move {
            let grace = chrono::Duration::minutes(i64::from(ctx.settings.no_show_grace_minutes));
            Ok(super::jobs::count(
                ctx.store.sweep_no_shows(now, grace).await?,
            ))
        })
    },
};
