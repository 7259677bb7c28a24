//! The error of every use case: a code of the public contract, the field at fault and
//! the key of its message in the translation files (STYLE.md habit 3). The web layer
//! gives it its HTTP status and renders it once.

use crate::store::StoreError;

/// The error codes of the public contract (API.md, "Conventions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 422
    Invalid,
    /// 404
    NotFound,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 409
    SlotFull,
    /// 409
    DayFull,
    /// 409
    ActiveBookingExists,
    /// 422
    CertificateNotValidForSlot,
    /// 409
    Closed,
    /// 413
    TooLarge,
    /// 415
    UnsupportedMediaType,
    /// 429
    RateLimited,
    /// 409
    Conflict,
    /// 422: an Idempotency-Key sent again with another request.
    IdempotencyKeyReused,
    /// 422: a first temperature above the limit, and no second reading yet.
    RetestRequired,
    /// 500: always a bug or an outage.
    Internal,
}

impl Code {
    /// Every code a client can receive (`internal` is a bug, not part of the contract).
    pub const ALL: [Self; 15] = [
        Self::Invalid,
        Self::NotFound,
        Self::Unauthorized,
        Self::Forbidden,
        Self::SlotFull,
        Self::DayFull,
        Self::ActiveBookingExists,
        Self::CertificateNotValidForSlot,
        Self::Closed,
        Self::TooLarge,
        Self::UnsupportedMediaType,
        Self::RateLimited,
        Self::Conflict,
        Self::IdempotencyKeyReused,
        Self::RetestRequired,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::NotFound => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::SlotFull => "slot_full",
            Self::DayFull => "day_full",
            Self::ActiveBookingExists => "active_booking_exists",
            Self::CertificateNotValidForSlot => "certificate_not_valid_for_slot",
            Self::Closed => "closed",
            Self::TooLarge => "too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Conflict => "conflict",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::RetestRequired => "retest_required",
            Self::Internal => "internal",
        }
    }
}

/// An error answer: code, the field at fault, and a message key (see `i18n`).
#[derive(Debug, Clone)]
pub struct AppError {
    /// Contract code.
    pub code: Code,
    /// The request field at fault, if one is.
    pub field: Option<String>,
    /// A key of the message table, translated when rendered.
    pub message: &'static str,
    /// For `rate_limited`: seconds until a retry can succeed (else a minute is said).
    pub retry_after: Option<u64>,
    /// Values for the message's placeholders (a date, an age), if it has any.
    pub args: Vec<(&'static str, String)>,
}

impl AppError {
    /// An error with a field.
    pub fn field(code: Code, field: &str, message: &'static str) -> Self {
        Self {
            code,
            field: Some(field.to_string()),
            message,
            retry_after: None,
            args: Vec::new(),
        }
    }

    /// An error about the whole request.
    pub fn new(code: Code, message: &'static str) -> Self {
        Self {
            code,
            field: None,
            message,
            retry_after: None,
            args: Vec::new(),
        }
    }

    /// The same error, its message filled in with `args`.
    pub fn with_args(mut self, args: Vec<(&'static str, String)>) -> Self {
        self.args = args;
        self
    }

    /// The message in `lang`, filled in; a value written `date:YYYY-MM-DD` (see
    /// [`AppError::date`]) reads as a date of that language.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(k, v)| {
                let read = v
                    .strip_prefix("date:")
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map_or_else(|| v.clone(), |d| lang.long_date(d));
                (*k, read)
            })
            .collect();
        lang.format(self.message, &args)
    }

    /// A date as a placeholder's value, read in the reader's language.
    pub fn date(d: chrono::NaiveDate) -> String {
        format!("date:{d}")
    }

    /// 404, the same answer for an unknown code and a wrong token.
    pub fn not_found() -> Self {
        Self::new(Code::NotFound, "err-not-found")
    }

    /// 500 after logging the cause; the cause never reaches the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(Code::Internal, "err-internal")
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::SlotFull => Self::field(Code::SlotFull, "slot_start", "err-slot-full"),
            StoreError::DayFull => Self::field(Code::DayFull, "slot_start", "err-day-full"),
            StoreError::ActiveBookingExists => Self::field(
                Code::ActiveBookingExists,
                "nik",
                "err-active-booking-exists",
            ),
            StoreError::Conflict | StoreError::KeyTaken => {
                Self::new(Code::Conflict, "err-conflict")
            }
            StoreError::PlanChanged => Self::new(Code::Conflict, "err-plan-changed"),
            StoreError::Duplicate => Self::new(Code::Conflict, "err-duplicate"),
            StoreError::TooMany => Self::field(
                Code::RateLimited,
                "certificate",
                "err-too-many-replacements",
            ),
            StoreError::KeyReused => Self::field(
                Code::IdempotencyKeyReused,
                "Idempotency-Key",
                "err-idempotency-key-reused",
            ),
            StoreError::LastAdmin => Self::new(Code::Conflict, "err-last-admin"),
            StoreError::CodesPerHour(wait) => {
                let mut e = Self::field(Code::RateLimited, "phone", "err-verify-codes-per-hour");
                e.retry_after = Some(u64::try_from(wait).unwrap_or(1).max(1));
                e
            }
            StoreError::Db(e) => Self::internal(e),
        }
    }
}
