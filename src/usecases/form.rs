//! A submitted form, parsed once: the raw fields become an [`Applicant`], a
//! [`NewCertificate`] and what is wanted (a slot, or a date range for the waiting list),
//! each through `TryFrom`, so that a booking, a waiting-list entry and (later) a walk-in
//! at the desk share them. Every problem is kept, and they come out in the order a
//! person reads the form: a page shows each beside its field, the API answers the first.

use super::error::{AppError, Code};
use crate::domain::certificate::{
    CertificateFileType, FileProblem, MAX_CERTIFICATE_BYTES, sniff_certificate,
};
use crate::domain::nik::NikError;
use crate::domain::{ApplicantName, Nik, OfficeSpec, PhoneNumber, Validity};
use crate::planner::{self, DayPlan, SlotPlan, SlotProblem};
use crate::store::NewCertificate;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::collections::HashMap;

/// A form as received: text fields and the certificate's bytes.
#[derive(Debug, Default, Clone)]
pub struct RawForm {
    /// Text fields by name (first value wins).
    pub fields: HashMap<String, String>,
    /// The uploaded certificate, if any.
    pub certificate: Option<Vec<u8>>,
    /// Its file name as the browser gave it (for "already uploaded: sehat.jpg").
    pub certificate_name: Option<String>,
    /// The file came from a kept draft under this reference (`usecases::drafts`).
    pub restored_from: Option<String>,
    /// The upload was cut off at the size limit.
    pub certificate_too_large: bool,
    /// Text fields refused as sent (too long, not UTF-8, control characters).
    pub bad_fields: Vec<String>,
    /// The certificate's judgement, when it was made ahead (off the async workers: a
    /// PDF's check takes work); otherwise it is made when the form is read.
    pub certificate_judged: Option<Result<CertificateFileType, FileProblem>>,
}

impl RawForm {
    /// Judges the certificate file now (on a blocking thread), so that reading the form
    /// later does not.
    pub async fn judge_certificate(&mut self) {
        if let Some(bytes) = self.certificate.clone() {
            if bytes.len() <= MAX_CERTIFICATE_BYTES {
                let judged = tokio::task::spawn_blocking(move || sniff_certificate(&bytes)).await;
                self.certificate_judged = judged.ok();
            }
        }
    }
}

impl RawForm {
    /// A text field, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(|s| s.trim()).unwrap_or("")
    }

    /// A fingerprint of the whole request (every field as sent, and the file): an
    /// Idempotency-Key is bound to it.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut fields: Vec<_> = self.fields.iter().collect();
        fields.sort();
        for (name, value) in fields {
            h.update((name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update((value.len() as u64).to_le_bytes());
            h.update(value.as_bytes());
        }
        let mut bad = self.bad_fields.clone();
        bad.sort();
        h.update(bad.join("\0").as_bytes());
        h.update([u8::from(self.certificate_too_large)]);
        if let Some(file) = &self.certificate {
            h.update((file.len() as u64).to_le_bytes());
            h.update(file);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A checkbox.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), "true" | "on" | "1" | "yes")
    }
}

/// Where a check sits in the form, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// A text field refused as sent.
    Text,
    /// The office.
    Office,
    /// A waiting-list range.
    Range,
    /// The slot.
    Slot,
    /// The NIK.
    Nik,
    /// The name.
    Name,
    /// The birth date (and its agreement with the NIK).
    BirthDate,
    /// Old enough on the day.
    Age,
    /// The phone.
    Phone,
    /// The e-mail.
    Email,
    /// The certificate's kind.
    CertificateKind,
    /// Its issue time.
    CertificateTime,
    /// Its file.
    CertificateFile,
    /// Whether it covers the slot.
    CertificateValidity,
    /// A parent's or guardian's agreement, under 18.
    Guardian,
    /// The consent box.
    Consent,
    /// At the desk: the temperature read at the door.
    Temperature,
}

/// The problems found in a form, each at its step.
#[derive(Debug, Default)]
pub struct Problems(Vec<(Step, AppError)>);

impl Problems {
    /// One error per text field refused as sent, first in line.
    pub fn of_text(form: &RawForm) -> Self {
        Self(
            form.bad_fields
                .iter()
                .map(|f| (Step::Text, invalid(f, "err-text")))
                .collect(),
        )
    }

    /// Adds a problem.
    pub fn push(&mut self, step: Step, e: AppError) {
        self.0.push((step, e));
    }

    /// Keeps a part's value, or its problems.
    pub fn take<T>(&mut self, part: Result<T, Problems>) -> Option<T> {
        match part {
            Ok(v) => Some(v),
            Err(p) => {
                self.0.extend(p.0);
                None
            }
        }
    }

    /// None found?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors in reading order.
    pub fn into_errors(mut self) -> Vec<AppError> {
        self.0.sort_by_key(|(step, _)| *step);
        self.0.into_iter().map(|(_, e)| e).collect()
    }

    fn one(step: Step, e: AppError) -> Self {
        Self(vec![(step, e)])
    }
}

/// 422 `invalid` on a field.
pub fn invalid(field: &str, message: &'static str) -> AppError {
    AppError::field(Code::Invalid, field, message)
}

/// The years rekam plans for: dates outside are refused as typed, before any arithmetic
/// on them could overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn in_years(t: DateTime<Utc>) -> bool {
    YEARS.contains(&chrono::Datelike::year(&t))
}

/// A `YYYY-MM-DD` date within [`YEARS`].
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    // Exactly `YYYY-MM-DD` (chrono alone also takes `2026-1-5` and signed years).
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
}

pub use crate::domain::email::{email_ok, email_pattern};

/// Parses a slot start: RFC 3339 with any offset or `Z`, within [`YEARS`].
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| in_years(*t))
}

/// Parses a certificate time: RFC 3339, or the local `YYYY-MM-DDTHH:MM` of a
/// `datetime-local` input read in the office's zone.
pub fn parse_issued_at(s: &str, office: &OfficeSpec) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc)).filter(|t| in_years(*t));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    office
        .timezone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| in_years(*t))
}

/// The error of a slot the planner refused.
pub fn slot_error(p: SlotProblem) -> AppError {
    match p {
        SlotProblem::NoSuchSlot => invalid("slot_start", "err-slot-unknown"),
        SlotProblem::Closed(_) => AppError::field(Code::Closed, "slot_start", "err-closed"),
        SlotProblem::InThePast => invalid("slot_start", "err-slot-past"),
        SlotProblem::BeyondHorizon => invalid("slot_start", "err-slot-beyond-horizon"),
    }
}

/// The slot of a booking form (`slot_start`), as the planner sizes it now.
pub struct SlotForm<'a> {
    /// The form.
    pub form: &'a RawForm,
    /// The office's settings.
    pub office: &'a OfficeSpec,
    /// Its calendar.
    pub calendar: &'a planner::Calendar,
    pub now: DateTime<Utc>,
}

/// A slot that may be booked now, with its day.
#[derive(Debug, Clone)]
pub struct WantedSlot {
    /// The day's plan.
    pub day: DayPlan,
    /// The slot.
    pub slot: SlotPlan,
}

impl TryFrom<SlotForm<'_>> for WantedSlot {
    type Error = Problems;

    fn try_from(f: SlotForm<'_>) -> Result<Self, Problems> {
        let start = parse_instant(f.form.get("slot_start"))
            .ok_or_else(|| Problems::one(Step::Slot, invalid("slot_start", "err-slot-unknown")))?;
        planner::bookable_slot(f.office, f.calendar, start, f.now)
            .map(|(day, slot)| WantedSlot { day, slot })
            .map_err(|p| Problems::one(Step::Slot, slot_error(p)))
    }
}

/// The dates a waiting-list entry wants (`from_date`, `to_date`), today … the horizon.
pub struct RangeForm<'a> {
    /// The form.
    pub form: &'a RawForm,
    /// The office's settings.
    pub office: &'a OfficeSpec,
    pub now: DateTime<Utc>,
}

/// A range of office-local dates, first and last.
#[derive(Debug, Clone, Copy)]
pub struct DateRange(pub NaiveDate, pub NaiveDate);

impl TryFrom<RangeForm<'_>> for DateRange {
    type Error = Problems;

    fn try_from(f: RangeForm<'_>) -> Result<Self, Problems> {
        let today = planner::local_date(f.office, f.now);
        let last = today + chrono::Duration::days(i64::from(f.office.booking_horizon_days));
        let date = |name: &str| {
            parse_day(f.form.get(name))
                .filter(|d| *d >= today && *d <= last)
                .ok_or_else(|| Problems::one(Step::Range, invalid(name, "err-wait-range")))
        };
        let from = date("from_date")?;
        let to = date("to_date")?;
        if to < from {
            return Err(Problems::one(
                Step::Range,
                invalid("to_date", "err-wait-range"),
            ));
        }
        Ok(DateRange(from, to))
    }
}

/// The person of a form.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub nik: Nik,
    pub name: ApplicantName,
    pub birth_date: NaiveDate,
    pub phone: PhoneNumber,
    /// Optional e-mail.
    pub email: Option<String>,
    /// Married (or formerly): exempt from the minimum age.
    pub married: bool,
    /// A parent or guardian agrees (confirmed on the form; UU 27/2022 art. 25).
    pub guardian_consent: bool,
}

/// Where a form comes from. On rekam's own pages a person answers every question,
/// including a parent's or guardian's agreement under 18; the public API (`../shared/API.md`)
/// does not require that field, so there it is recorded as given or not, and the desk
/// confirms it at the visit where it was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A page of this site.
    Page,
    /// `/api/v1`.
    Api,
}

/// The applicant fields of a form, judged for a visit on `on` (when known).
pub struct ApplicantForm<'a> {
    /// The form.
    pub form: &'a RawForm,
    pub now: DateTime<Utc>,
    /// Minimum age on the day of the visit.
    pub min_age: u32,
    /// The day of the visit (or the last wanted day), when known.
    pub on: Option<NaiveDate>,
    /// Page or API.
    pub channel: Channel,
}

/// A birth date as typed: a date between 1900 and today.
pub fn parse_birth_date(form: &RawForm, now: DateTime<Utc>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(form.get("birth_date"), "%Y-%m-%d")
        .ok()
        .filter(|d| {
            *d <= now.date_naive() && *d > NaiveDate::from_ymd_opt(1900, 1, 1).expect("date")
        })
}

pub use crate::domain::old_enough;

impl TryFrom<ApplicantForm<'_>> for Applicant {
    type Error = Problems;

    fn try_from(f: ApplicantForm<'_>) -> Result<Self, Problems> {
        let form = f.form;
        let mut p = Problems::default();
        let nik = match Nik::parse(form.get("nik")) {
            Ok(n) => Some(n),
            Err(e) => {
                let message = match e {
                    NikError::Shape => "err-nik-shape",
                    NikError::Region => "err-nik-region",
                    NikError::Day | NikError::Month | NikError::NotADate => "err-nik-date",
                    NikError::Serial => "err-nik-serial",
                };
                p.push(Step::Nik, invalid("nik", message));
                None
            }
        };
        let name = ApplicantName::parse(form.get("name"));
        if name.is_none() {
            p.push(Step::Name, invalid("name", "err-name"));
        }
        let birth_date = parse_birth_date(form, f.now);
        match (&nik, birth_date) {
            (_, None) => p.push(Step::BirthDate, invalid("birth_date", "err-birth-date")),
            (Some(nik), Some(bd)) if !nik.agrees_with(bd) => {
                p.push(Step::BirthDate, invalid("nik", "err-nik-birth-mismatch"));
            }
            _ => {}
        }
        let married = form.flag("married");
        if let (Some(bd), Some(on)) = (birth_date, f.on) {
            if !old_enough(bd, married, on, f.min_age) {
                let turns = bd.checked_add_months(chrono::Months::new(12 * f.min_age));
                let e = invalid("birth_date", "err-too-young").with_args(vec![
                    ("on", AppError::date(on)),
                    ("turns", turns.map(AppError::date).unwrap_or_default()),
                    ("age", f.min_age.to_string()),
                ]);
                p.push(Step::Age, e);
            }
        }
        let phone = PhoneNumber::parse(form.get("phone"));
        if phone.is_none() {
            p.push(Step::Phone, invalid("phone", "err-phone"));
        }
        let email = match form.get("email") {
            "" => None,
            e if email_ok(e) => Some(e.to_string()),
            _ => {
                p.push(Step::Email, invalid("email", "err-email"));
                None
            }
        };
        // Under 18 on the day, a parent or guardian agrees (UU 27/2022 art. 25).
        if let (Some(bd), Some(on)) = (birth_date, f.on) {
            if !crate::domain::old_enough(bd, false, on, 18)
                && !form.flag("guardian_consent")
                && f.channel == Channel::Page
            {
                p.push(
                    Step::Guardian,
                    invalid("guardian_consent", "err-guardian-consent"),
                );
            }
        }
        if !form.flag("consent") {
            p.push(Step::Consent, invalid("consent", "err-consent"));
        }
        match (nik, name, birth_date, phone) {
            (Some(nik), Some(name), Some(birth_date), Some(phone)) if p.is_empty() => {
                Ok(Applicant {
                    nik,
                    name,
                    birth_date,
                    phone,
                    email,
                    married,
                    guardian_consent: form.flag("guardian_consent"),
                })
            }
            _ => Err(p),
        }
    }
}

/// The certificate fields of a form (`certificate_kind`, `certificate_issued_at`,
/// `certificate`), judged against a slot when there is one.
pub struct CertificateForm<'a> {
    /// The form.
    pub form: &'a RawForm,
    /// The office's settings.
    pub office: &'a OfficeSpec,
    /// The start it must still cover; `None` judges it at its own issue time.
    pub covers: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    /// At the desk, a paper certificate the officer has seen may stand for the file
    /// (`certificate_seen=true`).
    pub paper_allowed: bool,
}

/// The file of a paper certificate: none.
static NO_FILE: Vec<u8> = Vec::new();

impl TryFrom<CertificateForm<'_>> for NewCertificate {
    type Error = Problems;

    fn try_from(f: CertificateForm<'_>) -> Result<Self, Problems> {
        let (form, office) = (f.form, f.office);
        let mut p = Problems::default();
        let kind = form.get("certificate_kind");
        let kind_ok = office.certificates.accepts(kind);
        if !kind_ok {
            p.push(
                Step::CertificateKind,
                invalid("certificate_kind", "err-certificate-kind"),
            );
        }
        let issued_at = match form.get("certificate_issued_at") {
            "" => {
                p.push(
                    Step::CertificateTime,
                    invalid("certificate_issued_at", "err-required"),
                );
                None
            }
            s => {
                let t = parse_issued_at(s, office);
                if t.is_none() {
                    p.push(
                        Step::CertificateTime,
                        invalid("certificate_issued_at", "err-datetime"),
                    );
                }
                t
            }
        };
        let too_large = || AppError::field(Code::TooLarge, "certificate", "err-too-large");
        let file = match &form.certificate {
            _ if form.certificate_too_large => Err(too_large()),
            None if f.paper_allowed && form.flag("certificate_seen") => Ok((
                crate::domain::certificate::CertificateFileType::Paper,
                &NO_FILE,
            )),
            None => Err(invalid("certificate", "err-certificate-missing")),
            Some(bytes) if bytes.len() > MAX_CERTIFICATE_BYTES => Err(too_large()),
            Some(bytes) => match form
                .certificate_judged
                .unwrap_or_else(|| sniff_certificate(bytes))
            {
                Ok(t) => Ok((t, bytes)),
                Err(FileProblem::Empty) => Err(invalid("certificate", "err-certificate-empty")),
                Err(FileProblem::UnsupportedType) => Err(AppError::field(
                    Code::UnsupportedMediaType,
                    "certificate",
                    "err-certificate-type",
                )),
                Err(FileProblem::Damaged) => Err(invalid("certificate", "err-certificate-damaged")),
                Err(FileProblem::Active) => Err(AppError::field(
                    Code::UnsupportedMediaType,
                    "certificate",
                    "err-certificate-active",
                )),
            },
        };
        let file = file.map_err(|e| p.push(Step::CertificateFile, e)).ok();
        if let (Some(issued_at), true) = (issued_at, kind_ok) {
            let start = f.covers.unwrap_or(issued_at);
            match office.certificates.judge(kind, issued_at, start, f.now) {
                Validity::Valid | Validity::UnknownKind => {}
                Validity::IssuedInFuture => p.push(
                    Step::CertificateValidity,
                    invalid("certificate_issued_at", "err-issued-in-future"),
                ),
                Validity::ExpiredBeforeSlot => p.push(
                    Step::CertificateValidity,
                    AppError::field(
                        Code::CertificateNotValidForSlot,
                        "certificate_issued_at",
                        "err-certificate-expired",
                    ),
                ),
            }
        }
        match (issued_at, file) {
            (Some(issued_at), Some((file_type, bytes))) if kind_ok && p.is_empty() => {
                Ok(NewCertificate {
                    kind: kind.to_string(),
                    issued_at,
                    content_type: file_type.mime(),
                    content: bytes.clone(),
                })
            }
            _ => Err(p),
        }
    }
}
