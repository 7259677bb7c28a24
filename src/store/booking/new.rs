//! What the store is given to write a new booking, of any kind.

use crate::domain::BookingKind;
use crate::store::Readings;
use chrono::{DateTime, NaiveDate, Utc};

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

/// A seat to take, as the planner sized it.
#[derive(Debug, Clone)]
pub struct SeatRequest {
    pub slot_start: DateTime<Utc>,
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

/// Everything needed to take a seat.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// Office row id.
    pub office_id: i64,
    pub office_slug: String,
    /// Slot start and end.
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// Office-local date of the slot.
    pub local_date: NaiveDate,
    /// The slot's capacity now.
    pub slot_capacity: u32,
    /// The day's cap now.
    pub day_cap: u32,
    /// The office's plan version the capacities were computed with.
    pub plan_version: i64,
    /// Online, waiting list, walk-in: what the insert writes and sends.
    pub kind: BookingKind,
    /// 16 digits.
    pub nik: String,
    pub name: String,
    pub birth_date: NaiveDate,
    /// `+628…`.
    pub phone: String,
    /// Optional e-mail.
    pub email: Option<String>,
    /// Married applicants may record before 17.
    pub married: bool,
    /// A parent or guardian agrees (confirmed on the form).
    pub guardian_consent: bool,
    /// Language for later messages (`id`/`en`).
    pub lang: String,
    /// Health certificate.
    pub certificate: NewCertificate,
    /// Who: `applicant` or `staff:<username>` for walk-ins.
    pub actor: crate::domain::Actor,
    /// A walk-in's temperature readings, taken at its check-in.
    pub readings: Option<Readings>,
    /// The office's zone, kept in an Idempotency-Key's receipt.
    pub timezone: String,
    /// The last instant the certificate covers, kept in the receipt too.
    pub certificate_valid_until: Option<DateTime<Utc>>,
    /// With phone verification on: the code sent to the phone, and the end of the hold.
    pub verification: Option<NewVerification>,
}

/// The code a new booking's phone must confirm, and until when its seat is held.
#[derive(Clone)]
pub struct NewVerification {
    /// Six digits (only its hash is stored; the message carries it until delivered).
    pub code: String,
    /// The booking is cancelled if not verified by then.
    pub until: DateTime<Utc>,
    /// Codes one phone may be sent in an hour.
    pub per_hour: u32,
}

impl std::fmt::Debug for NewVerification {
    /// Without the code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewVerification")
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}
