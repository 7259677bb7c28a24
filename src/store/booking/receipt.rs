//! What a booking made with an Idempotency-Key created, kept with the key (its `kind`
//! is [`Receipt::KIND`]) so that a retry gets the first answer again.
//!
//! A receipt is its own type, not the serde shape of the domain [`Booking`]: a field
//! added to `Booking` changes nothing an old receipt replays. A change of this shape
//! is a new kind (`booking.v2`), read beside the old one for the day keys are kept.

use crate::domain::{Booking, BookingStatus, CertificateInfo, CertificateStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The first answer to a booking made with an Idempotency-Key: the booking as created
/// (no contact details, the NIK masked), and the office's zone and the certificate's
/// end as they were then.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// The booking as created.
    pub booking: ReceiptBooking,
    /// A secret token of the booking: never stored with the key (only hashes of tokens
    /// are kept); a replay is given a fresh one ([`super::super::Store::add_booking_token`]).
    #[serde(skip_serializing, default)]
    pub token: String,
    /// The office's zone then.
    pub timezone: String,
    /// The certificate's last covered instant then.
    pub certificate_valid_until: Option<DateTime<Utc>>,
}

/// The booking in a receipt. (Its field names are those the receipts of versions before
/// receipt kinds carried, so those replay too.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptBooking {
    /// Row id: a replay adds a fresh manage token to it.
    pub id: i64,
    /// Booking code.
    pub code: String,
    /// Office row id.
    pub office_id: i64,
    pub office_slug: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// Office-local date of the slot.
    pub local_date: NaiveDate,
    /// Status when created (`confirmed`, `pending_verification`).
    pub status: BookingStatus,
    /// The end of the hold awaiting the phone's code.
    pub verify_by: Option<DateTime<Utc>>,
    /// The NIK, masked.
    pub nik: String,
    /// Name as booked.
    pub name: String,
    pub birth_date: NaiveDate,
    /// Married (may record before 17).
    pub married: bool,
    /// A parent or guardian agreed.
    pub guardian_consent: bool,
    /// Row version when created.
    pub version: i64,
    /// When created: the instant the answer is rendered at.
    pub created_at: DateTime<Utc>,
    /// A waiting-list entry's wanted dates.
    pub wait: Option<(NaiveDate, NaiveDate)>,
    /// The certificate as uploaded.
    pub certificate: ReceiptCertificate,
}

/// The certificate in a receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptCertificate {
    /// Accepted kind, e.g. `antigen`.
    pub kind: String,
    /// Sample or issue time.
    pub issued_at: DateTime<Utc>,
    /// Review state then (`submitted`).
    pub status: CertificateStatus,
    /// Why it was rejected (none then).
    pub reason: Option<String>,
}

impl Receipt {
    /// The `kind` of an `idempotency_keys` row holding one.
    pub const KIND: &'static str = "booking.v1";

    /// The receipt of a booking just written.
    pub(crate) fn new(
        b: &Booking,
        token: &str,
        timezone: &str,
        certificate_valid_until: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            booking: ReceiptBooking {
                id: b.id,
                code: b.code.to_string(),
                office_id: b.office_id,
                office_slug: b.office_slug.to_string(),
                slot_start: b.slot_start,
                slot_end: b.slot_end,
                local_date: b.local_date,
                status: b.status,
                verify_by: b.verify_by,
                nik: b.nik.masked(),
                name: b.name.clone(),
                birth_date: b.birth_date,
                married: b.married,
                guardian_consent: b.guardian_consent,
                version: b.version,
                created_at: b.created_at,
                wait: b.wait,
                certificate: ReceiptCertificate {
                    kind: b.certificate.kind.clone(),
                    issued_at: b.certificate.issued_at,
                    status: b.certificate.status,
                    reason: b.certificate.reason.clone(),
                },
            },
            token: token.to_string(),
            timezone: timezone.to_string(),
            certificate_valid_until,
        }
    }

    /// The booking as it was created, for rendering the first answer again: what a
    /// receipt does not keep (contact details, token hash, the visit) is empty.
    pub fn booking_as_created(&self) -> Booking {
        let r = &self.booking;
        Booking {
            id: r.id,
            code: crate::domain::BookingCode::stored(r.code.clone()),
            token_hash: String::new(),
            office_id: r.office_id,
            office_slug: crate::domain::OfficeSlug::stored(r.office_slug.clone()),
            slot_start: r.slot_start,
            slot_end: r.slot_end,
            local_date: r.local_date,
            status: r.status,
            verify_by: r.verify_by,
            nik: crate::domain::Nik::stored(r.nik.clone()),
            name: r.name.clone(),
            birth_date: r.birth_date,
            phone: crate::domain::PhoneNumber::stored(String::new()),
            email: None,
            married: r.married,
            guardian_consent: r.guardian_consent,
            version: r.version,
            created_at: r.created_at,
            hold_until: None,
            wait: r.wait,
            visit: Default::default(),
            certificate: CertificateInfo {
                kind: r.certificate.kind.clone(),
                issued_at: r.certificate.issued_at,
                status: r.certificate.status,
                reason: r.certificate.reason.clone(),
                on_paper: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statuses' spellings, from the one file that has them.
    fn spelled(json: &str) -> String {
        json.replace("BOOKED", BookingStatus::Confirmed.as_str())
            .replace("UPLOADED", CertificateStatus::Submitted.as_str())
    }

    /// A receipt stored by a version before receipt kinds (the serde shape of the whole
    /// booking then) still replays: the fields the answer needs are read, the rest left.
    #[test]
    fn a_receipt_of_the_old_shape_still_reads() {
        let old = r#"{"booking":{"id":7,"code":"ABCD-EFGH-JK","token_hash":"","office_id":1,
            "office_slug":"serang","slot_start":"2026-12-08T01:00:00Z",
            "slot_end":"2026-12-08T01:30:00Z","local_date":"2026-12-08","status":"BOOKED",
            "nik":"************0001","name":"Siti","birth_date":"2009-01-01","phone":"",
            "email":null,"married":false,"guardian_consent":true,"version":1,
            "created_at":"2026-12-07T10:00:00Z","hold_until":null,"wait":null,
            "visit":{"queue_number":null,"checked_in_at":null,"temperature_dc":null,
            "retest_dc":null,"outcome_reason":null,"walk_in":false},"verify_by":null,
            "certificate":{"kind":"antigen","issued_at":"2026-12-07T08:00:00Z",
            "status":"UPLOADED","reason":null}},"timezone":"Asia/Jakarta",
            "certificate_valid_until":"2026-12-09T08:00:00Z"}"#;
        let r: Receipt = serde_json::from_str(&spelled(old)).expect("the old shape reads");
        let b = r.booking_as_created();
        assert_eq!(b.code.as_str(), "ABCD-EFGH-JK");
        assert_eq!(b.status, BookingStatus::Confirmed);
        assert_eq!(b.certificate.kind, "antigen");
        assert!(r.token.is_empty(), "no token is ever stored");
    }

    /// The token is never written into the stored receipt.
    #[test]
    fn the_token_is_not_stored() {
        let r: Receipt = serde_json::from_str(&spelled(
            r#"{"booking":{"id":1,"code":"C","office_id":1,"office_slug":"s",
            "slot_start":"2026-12-08T01:00:00Z","slot_end":"2026-12-08T01:30:00Z",
            "local_date":"2026-12-08","status":"BOOKED","verify_by":null,"nik":"x",
            "name":"n","birth_date":"2009-01-01","married":false,"guardian_consent":false,
            "version":1,"created_at":"2026-12-07T10:00:00Z","wait":null,
            "certificate":{"kind":"antigen","issued_at":"2026-12-07T08:00:00Z",
            "status":"UPLOADED","reason":null}},"timezone":"Asia/Jakarta",
            "certificate_valid_until":null}"#,
        ))
        .expect("reads");
        let mut with_token = r.clone();
        with_token.token = "secret".into();
        let stored = serde_json::to_string(&with_token).expect("writes");
        assert!(!stored.contains("secret"), "{stored}");
    }
}
