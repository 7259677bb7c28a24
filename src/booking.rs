//! The booking use cases shared by the JSON API and the HTML pages: a submitted form
//! becomes domain values once, the planner says whether the slot may be taken, the
//! store takes the seat.

use crate::domain::certificate::{FileProblem, MAX_CERTIFICATE_BYTES, sniff_certificate};
use crate::domain::nik::NikError;
use crate::domain::{ApplicantName, Nik, PhoneNumber, Validity};
use crate::planner::{self, SlotProblem};
use crate::store::{Booking, Created, NewBooking, NewCertificate, Office, SeatRequest, StoreError};
use crate::web::AppState;
use crate::web::error::{AppError, Code};
use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::collections::HashMap;

/// A form as received: text fields and the certificate's bytes.
#[derive(Debug, Default, Clone)]
pub struct RawForm {
    /// Text fields by name (first value wins).
    pub fields: HashMap<String, String>,
    /// The uploaded certificate, if any.
    pub certificate: Option<Vec<u8>>,
    /// The upload was cut off at the size limit.
    pub certificate_too_large: bool,
    /// Text fields refused as sent (too long, not UTF-8, control characters).
    pub bad_fields: Vec<String>,
}

impl RawForm {
    /// A text field, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(|s| s.trim()).unwrap_or("")
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), "true" | "on" | "1" | "yes")
    }

    /// One error per refused text field, first in line.
    fn bad_field_errors(&self) -> Vec<AppError> {
        self.bad_fields
            .iter()
            .map(|f| invalid(f, "err.text"))
            .collect()
    }
}

/// A booking request that passed every check.
#[derive(Debug)]
pub struct ValidBooking {
    /// The office.
    pub office: Office,
    /// Everything the store needs.
    pub new: NewBooking,
}

fn invalid(field: &str, message: &'static str) -> AppError {
    AppError::field(Code::Invalid, field, message)
}

/// Parses a certificate time: RFC 3339, or the local `YYYY-MM-DDTHH:MM` of a
/// `datetime-local` input read in the office's zone.
pub fn parse_issued_at(s: &str, office: &Office) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    office
        .spec
        .timezone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses a slot start: RFC 3339 with any offset or `Z`.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn slot_error(p: SlotProblem) -> AppError {
    match p {
        SlotProblem::NoSuchSlot => invalid("slot_start", "err.slot_unknown"),
        SlotProblem::Closed(_) => AppError::field(Code::Closed, "slot_start", "err.closed"),
        SlotProblem::InThePast => invalid("slot_start", "err.slot_past"),
        SlotProblem::BeyondHorizon => invalid("slot_start", "err.slot_beyond_horizon"),
    }
}

/// Judges the certificate's file, kind and time for a slot. `slot_start` is `None`
/// when there is no slot to judge against (a displaced booking).
pub fn check_certificate(
    form: &RawForm,
    office: &Office,
    slot_start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    errors: &mut Vec<AppError>,
) -> Option<NewCertificate> {
    let kind = form.get("certificate_kind");
    let kind_ok = office.spec.certificates.accepts(kind);
    if !kind_ok {
        errors.push(invalid("certificate_kind", "err.certificate_kind"));
    }
    let issued_at = match form.get("certificate_issued_at") {
        "" => {
            errors.push(invalid("certificate_issued_at", "err.required"));
            None
        }
        s => {
            let t = parse_issued_at(s, office);
            if t.is_none() {
                errors.push(invalid("certificate_issued_at", "err.datetime"));
            }
            t
        }
    };
    let file = if form.certificate_too_large {
        errors.push(AppError::field(
            Code::TooLarge,
            "certificate",
            "err.too_large",
        ));
        None
    } else {
        match &form.certificate {
            None => {
                errors.push(invalid("certificate", "err.certificate_missing"));
                None
            }
            Some(bytes) if bytes.len() > MAX_CERTIFICATE_BYTES => {
                errors.push(AppError::field(
                    Code::TooLarge,
                    "certificate",
                    "err.too_large",
                ));
                None
            }
            Some(bytes) => match sniff_certificate(bytes) {
                Ok(t) => Some((t, bytes)),
                Err(FileProblem::Empty) => {
                    errors.push(invalid("certificate", "err.certificate_empty"));
                    None
                }
                Err(FileProblem::UnsupportedType) => {
                    errors.push(AppError::field(
                        Code::UnsupportedMediaType,
                        "certificate",
                        "err.certificate_type",
                    ));
                    None
                }
                Err(FileProblem::Damaged) => {
                    errors.push(invalid("certificate", "err.certificate_damaged"));
                    None
                }
            },
        }
    };
    let issued_at = issued_at?;
    if kind_ok {
        let verdict = match slot_start {
            Some(start) => office.spec.certificates.judge(kind, issued_at, start, now),
            None => office
                .spec
                .certificates
                .judge(kind, issued_at, issued_at, now),
        };
        match verdict {
            Validity::Valid => {}
            Validity::IssuedInFuture => {
                errors.push(invalid("certificate_issued_at", "err.issued_in_future"));
            }
            Validity::ExpiredBeforeSlot => errors.push(AppError::field(
                Code::CertificateNotValidForSlot,
                "certificate_issued_at",
                "err.certificate_expired",
            )),
            Validity::UnknownKind => {}
        }
    }
    let (file_type, bytes) = file?;
    kind_ok.then(|| NewCertificate {
        kind: kind.to_string(),
        issued_at,
        content_type: file_type.mime(),
        content: bytes.clone(),
    })
}

/// Checks a whole booking form. All problems are returned, in the order of the form,
/// so a page can show each next to its field; the API answers with the first.
pub async fn validate(
    state: &AppState,
    form: &RawForm,
    office_slug: &str,
    actor: &str,
    lang: &str,
) -> Result<ValidBooking, Vec<AppError>> {
    validate_for(state, form, office_slug, actor, lang, false).await
}

/// Checks a waiting-list form: like a booking, but a date range (`from_date`,
/// `to_date`) instead of a slot, and a certificate that is valid now.
pub async fn validate_waitlist(
    state: &AppState,
    form: &RawForm,
    office_slug: &str,
    lang: &str,
) -> Result<ValidBooking, Vec<AppError>> {
    validate_for(state, form, office_slug, "applicant", lang, true).await
}

/// A wanted date range of a waiting-list entry, within today … the booking horizon.
fn wanted_range(
    form: &RawForm,
    office: &Office,
    now: DateTime<Utc>,
    errors: &mut Vec<AppError>,
) -> Option<(NaiveDate, NaiveDate)> {
    let today = planner::local_date(&office.spec, now);
    let last = today + chrono::Duration::days(i64::from(office.spec.booking_horizon_days));
    let date = |name: &str, errors: &mut Vec<AppError>| {
        let d = NaiveDate::parse_from_str(form.get(name), "%Y-%m-%d")
            .ok()
            .filter(|d| *d >= today && *d <= last);
        if d.is_none() {
            errors.push(invalid(name, "err.wait_range"));
        }
        d
    };
    let from = date("from_date", errors)?;
    let to = date("to_date", errors)?;
    if to < from {
        errors.push(invalid("to_date", "err.wait_range"));
        return None;
    }
    Some((from, to))
}

async fn validate_for(
    state: &AppState,
    form: &RawForm,
    office_slug: &str,
    actor: &str,
    lang: &str,
    waitlist: bool,
) -> Result<ValidBooking, Vec<AppError>> {
    let now = state.clock.now();
    let mut errors = form.bad_field_errors();
    let office = match state.store.office(office_slug).await {
        Ok(o) => Some(o),
        Err(StoreError::NotFound) => {
            errors.push(invalid("office", "err.office_unknown"));
            None
        }
        Err(e) => return Err(vec![e.into()]),
    };
    let range = if waitlist {
        office
            .as_ref()
            .and_then(|office| wanted_range(form, office, now, &mut errors))
    } else {
        None
    };
    let slot = office.as_ref().filter(|_| !waitlist).and_then(|office| {
        let Some(start) = parse_instant(form.get("slot_start")) else {
            errors.push(invalid("slot_start", "err.slot_unknown"));
            return None;
        };
        match planner::bookable_slot(&office.spec, &office.calendar, start, now) {
            Ok(found) => Some(found),
            Err(p) => {
                errors.push(slot_error(p));
                None
            }
        }
    });
    let nik = match Nik::parse(form.get("nik")) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(invalid(
                "nik",
                match e {
                    NikError::Shape => "err.nik_shape",
                    NikError::Region => "err.nik_region",
                    NikError::Day | NikError::Month | NikError::NotADate => "err.nik_date",
                    NikError::Serial => "err.nik_serial",
                },
            ));
            None
        }
    };
    let name = ApplicantName::parse(form.get("name"));
    if name.is_none() {
        errors.push(invalid("name", "err.name"));
    }
    let birth_date = NaiveDate::parse_from_str(form.get("birth_date"), "%Y-%m-%d")
        .ok()
        .filter(|d| {
            *d <= now.date_naive() && *d > NaiveDate::from_ymd_opt(1900, 1, 1).expect("date")
        });
    match (&nik, birth_date) {
        (_, None) => errors.push(invalid("birth_date", "err.birth_date")),
        (Some(nik), Some(bd)) if !nik.agrees_with(bd) => {
            errors.push(invalid("nik", "err.nik_birth_mismatch"));
        }
        _ => {}
    }
    let married = form.flag("married");
    // Old enough on the slot's date (for the waiting list: by the end of the range).
    let on = slot
        .as_ref()
        .map(|(day, _)| day.date)
        .or(range.map(|(_, to)| to));
    if let (Some(bd), Some(on)) = (birth_date, on) {
        let old_enough = bd
            .checked_add_months(Months::new(12 * state.settings.min_age))
            .is_some_and(|d| d <= on);
        if !old_enough && !married {
            errors.push(invalid("birth_date", "err.too_young"));
        }
    }
    let phone = PhoneNumber::parse(form.get("phone"));
    if phone.is_none() {
        errors.push(invalid("phone", "err.phone"));
    }
    let email = match form.get("email") {
        "" => None,
        e if e.len() <= 254
            && e.split_once('@')
                .is_some_and(|(a, d)| !a.is_empty() && d.contains('.')) =>
        {
            Some(e.to_string())
        }
        _ => {
            errors.push(invalid("email", "err.email"));
            None
        }
    };
    let certificate = office.as_ref().and_then(|office| {
        // The waiting list takes only certificates that are valid now.
        let at = if waitlist {
            Some(now)
        } else {
            slot.as_ref().map(|(_, s)| s.start)
        };
        check_certificate(form, office, at, now, &mut errors)
    });
    if !form.flag("consent") {
        errors.push(invalid("consent", "err.consent"));
    }
    // A waiting-list entry has no slot: its slot columns hold the start of the range.
    let target = match (&office, slot, range) {
        (_, Some((day, slot)), _) => {
            Some((slot.start, slot.end, day.date, slot.capacity, day.cap, None))
        }
        (Some(office), None, Some((from, to))) => {
            let start = office
                .spec
                .timezone
                .from_local_datetime(&from.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map_or(now, |t| t.with_timezone(&Utc));
            Some((start, start, from, 0, 0, Some((from, to))))
        }
        _ => None,
    };
    match (office, target, nik, name, birth_date, phone, certificate) {
        (
            Some(office),
            Some((slot_start, slot_end, local_date, slot_capacity, day_cap, wait)),
            Some(nik),
            Some(name),
            Some(birth_date),
            Some(phone),
            Some(certificate),
        ) if errors.is_empty() => Ok(ValidBooking {
            new: NewBooking {
                office_id: office.id,
                office_slug: office.slug.clone(),
                plan_version: office.plan_version,
                slot_start,
                slot_end,
                local_date,
                slot_capacity,
                day_cap,
                wait,
                nik: nik.as_str().to_string(),
                name: name.as_str().to_string(),
                birth_date,
                phone: phone.as_str().to_string(),
                email,
                married,
                lang: lang.to_string(),
                certificate,
                actor: actor.to_string(),
            },
            office,
        }),
        _ => Err(errors),
    }
}

/// How often a request re-plans when the office's capacity changes under it.
const PLAN_RETRIES: usize = 3;

/// Takes the seat of a valid request. When a level change or closure commits between
/// planning and the seat, the capacities are planned again against the new calendar.
pub async fn book(
    state: &AppState,
    valid: &ValidBooking,
    idempotency: Option<(&str, &str)>,
    answer: impl Fn(&Booking, &str) -> String + Send + Sync + 'static,
) -> Result<Created, AppError> {
    let now = state.clock.now();
    let answer = std::sync::Arc::new(answer);
    let mut new = valid.new.clone();
    for _ in 0..PLAN_RETRIES {
        let render = answer.clone();
        match state
            .store
            .create_booking(&new, now, idempotency, move |b, t| render(b, t))
            .await
        {
            Err(StoreError::PlanChanged) => {
                let office = state.store.office(&valid.office.slug).await?;
                let (day, slot) =
                    planner::bookable_slot(&office.spec, &office.calendar, new.slot_start, now)
                        .map_err(slot_error)?;
                new.slot_capacity = slot.capacity;
                new.day_cap = day.cap;
                new.plan_version = office.plan_version;
            }
            other => return Ok(other?),
        }
    }
    Err(AppError::new(Code::Conflict, "err.plan_changed"))
}

/// Moves a booking to the slot starting at `start`, re-judging its certificate.
pub async fn reschedule(
    state: &AppState,
    booking: &Booking,
    start: &str,
    actor: &str,
) -> Result<Booking, AppError> {
    let now = state.clock.now();
    if !booking.status().is_changeable() {
        return Err(AppError::new(Code::Conflict, "err.not_changeable"));
    }
    let start = parse_instant(start).ok_or_else(|| invalid("slot_start", "err.slot_unknown"))?;
    if start == booking.slot_start() && booking.status() == crate::domain::BookingStatus::Confirmed
    {
        return Ok(booking.clone());
    }
    for _ in 0..PLAN_RETRIES {
        let office = state.store.office(&booking.office_slug).await?;
        let (day, slot) = planner::bookable_slot(&office.spec, &office.calendar, start, now)
            .map_err(slot_error)?;
        if office.spec.certificates.judge(
            &booking.certificate_kind,
            booking.certificate_issued_at(),
            slot.start,
            now,
        ) != Validity::Valid
        {
            return Err(AppError::field(
                Code::CertificateNotValidForSlot,
                "slot_start",
                "err.certificate_expired_for_new_slot",
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
        match state
            .store
            .reschedule_booking(booking, &to, actor, now)
            .await
        {
            Err(StoreError::PlanChanged) => continue,
            other => return Ok(other?),
        }
    }
    Err(AppError::new(Code::Conflict, "err.plan_changed"))
}

/// Replaces a booking's certificate after checking it against the booking's slot.
pub async fn replace_certificate(
    state: &AppState,
    booking: &Booking,
    form: &RawForm,
    actor: &str,
) -> Result<Booking, Vec<AppError>> {
    let now = state.clock.now();
    if !booking.status().is_changeable() {
        return Err(vec![AppError::new(Code::Conflict, "err.not_changeable")]);
    }
    let office = state
        .store
        .office(&booking.office_slug)
        .await
        .map_err(|e| vec![e.into()])?;
    let slot =
        (booking.status() == crate::domain::BookingStatus::Confirmed).then(|| booking.slot_start());
    let mut errors = Vec::new();
    let cert = check_certificate(form, &office, slot, now, &mut errors);
    match cert {
        Some(cert) if errors.is_empty() => state
            .store
            .replace_certificate(booking, &cert, actor, now)
            .await
            .map_err(|e| vec![e.into()]),
        _ => Err(errors),
    }
}
