//! The booking model: its statuses, the certificate's review status, the kinds of message
//! an applicant is sent, and every rule about statuses, each stated once.
//!
//! This file is the only place the spellings of statuses appear: the SQL that filters by
//! status is generated from the rules here ([`sql`]), and a test checks that the landed
//! migrations' index and checks agree with them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Booking states of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Holds a seat in its slot.
    Confirmed,
    /// Lost its seat to a capacity change; must pick a new slot.
    NeedsRebooking,
    /// On the waiting list: no seat yet, offered one when capacity frees up.
    Waitlisted,
    /// Cancelled by its owner.
    Cancelled,
    /// At the office, in the queue.
    CheckedIn,
    /// Biometrics recorded.
    Recorded,
    /// Did not come.
    NoShow,
    /// Sent away at the door (e.g. temperature).
    TurnedAway,
    /// Holds its seat for a few minutes while the code sent to the phone is entered
    /// (`serve --verify-phone`).
    PendingVerification,
}

impl BookingStatus {
    /// Every status, in the order of the contract.
    pub const ALL: [Self; 9] = [
        Self::Confirmed,
        Self::NeedsRebooking,
        Self::Waitlisted,
        Self::Cancelled,
        Self::CheckedIn,
        Self::Recorded,
        Self::NoShow,
        Self::TurnedAway,
        Self::PendingVerification,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::NeedsRebooking => "needs_rebooking",
            Self::Waitlisted => "waitlisted",
            Self::Cancelled => "cancelled",
            Self::CheckedIn => "checked_in",
            Self::Recorded => "recorded",
            Self::NoShow => "no_show",
            Self::TurnedAway => "turned_away",
            Self::PendingVerification => "pending_verification",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Does a booking in this status hold a seat in its slot? `offered` says whether a
    /// seat is held for it while it waits (`hold_until` set), `entry` whether it is a
    /// waiting-list entry (a wanted range, `wait_from` set). A displaced or cancelled
    /// booking holds none; one that came (or did not) keeps its seat on its past day; a
    /// waiting-list entry awaiting its phone's code holds none (issue 19: it is not yet
    /// in the queue either).
    pub fn holds_seat(self, offered: bool, entry: bool) -> bool {
        match self {
            Self::Cancelled => false,
            Self::NeedsRebooking | Self::Waitlisted => offered,
            Self::PendingVerification => !entry,
            Self::Confirmed
            | Self::CheckedIn
            | Self::Recorded
            | Self::NoShow
            | Self::TurnedAway => true,
        }
    }

    /// Can the applicant still cancel or move it, or replace its certificate?
    pub fn is_changeable(self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::NeedsRebooking | Self::Waitlisted
        )
    }

    /// Can its owner cancel it? Whatever they may change, and a booking still waiting for
    /// its phone to be verified.
    pub fn is_cancellable(self) -> bool {
        self.is_changeable() || self == Self::PendingVerification
    }

    /// May a re-plan move it to another slot (or take its seat)? Seats of people who came,
    /// or did not, stay where they are.
    pub fn is_movable(self) -> bool {
        matches!(self, Self::Confirmed | Self::PendingVerification)
    }

    /// Waiting for a seat (displaced, or on the waiting list): offers go to these.
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::NeedsRebooking | Self::Waitlisted)
    }

    /// Holds the NIK: counts against "one active booking per NIK" (the unique index of
    /// migration 21). A hold awaiting its phone's code does not: it cannot keep a NIK from
    /// its owner, and the first hold of a NIK to be verified ends the others (issue 19:
    /// a verified phone outranks an unverified hold).
    pub fn holds_nik(self) -> bool {
        self.is_active() && self != Self::PendingVerification
    }

    /// A live booking of its NIK (verified or not): counted by `/metrics`, never ended by
    /// retention.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Confirmed
                | Self::NeedsRebooking
                | Self::Waitlisted
                | Self::CheckedIn
                | Self::PendingVerification
        )
    }

    /// Its place in the queue of people waiting: the displaced (who lost a seat through no
    /// fault of their own) before the waiting list.
    pub fn queue_rank(self) -> u8 {
        match self {
            Self::NeedsRebooking => 0,
            _ => 1,
        }
    }

    /// The key of its text in the translation files.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Confirmed => "status-confirmed",
            Self::NeedsRebooking => "status-needs-rebooking",
            Self::Waitlisted => "status-waitlisted",
            Self::Cancelled => "status-cancelled",
            Self::CheckedIn => "status-checked-in",
            Self::Recorded => "status-recorded",
            Self::NoShow => "status-no-show",
            Self::TurnedAway => "status-turned-away",
            Self::PendingVerification => "status-pending-verification",
        }
    }
}

impl std::fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The review state of a health certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Uploaded, not yet looked at.
    Submitted,
    /// Accepted by staff.
    Accepted,
    /// Rejected by staff, with a reason.
    Rejected,
}

impl CertificateStatus {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Submitted, Self::Accepted, Self::Rejected];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The key of its text in the translation files.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Submitted => "cert-submitted",
            Self::Accepted => "cert-accepted",
            Self::Rejected => "cert-rejected",
        }
    }
}

/// What a message to an applicant is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A capacity change moved the booking to another slot.
    Moved,
    /// A capacity change took its seat; it must pick a new slot.
    NeedsRebooking,
    /// A seat is held for it while it waits.
    Offered,
    /// The held seat was not claimed in time.
    OfferExpired,
    /// Staff rejected the certificate: a new file is needed.
    CertificateRejected,
    /// The certificate was still rejected shortly before the slot: the seat was released.
    Released,
    /// The booking is made.
    Confirmed,
    /// The day before the visit.
    Reminder,
    /// A phone verification code.
    VerificationCode,
    /// A new manage link, asked for with the NIK and birth date.
    LinkRecovery,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::Moved,
        Self::NeedsRebooking,
        Self::Offered,
        Self::OfferExpired,
        Self::CertificateRejected,
        Self::Released,
        Self::Confirmed,
        Self::Reminder,
        Self::VerificationCode,
        Self::LinkRecovery,
    ];

    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moved => "moved",
            Self::NeedsRebooking => BookingStatus::NeedsRebooking.as_str(),
            Self::Offered => "offered",
            Self::OfferExpired => "offer_expired",
            Self::CertificateRejected => "certificate_rejected",
            Self::Released => "released",
            Self::Confirmed => "confirmed",
            Self::Reminder => "reminder",
            Self::VerificationCode => "verification_code",
            Self::LinkRecovery => "link_recovery",
        }
    }

    /// The kind as delivered to a webhook (API.md, "Notifications").
    pub fn wire(self) -> &'static str {
        match self {
            Self::Moved => "booking_moved",
            Self::NeedsRebooking => "needs_rebooking",
            Self::Offered => "offer_held",
            Self::OfferExpired => "offer_lapsed",
            Self::CertificateRejected => "certificate_rejected",
            Self::Released => "booking_released",
            Self::Confirmed => "booking_confirmed",
            Self::Reminder => "reminder",
            Self::VerificationCode => "verification_code",
            Self::LinkRecovery => "link_recovery",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A health certificate as attached to a booking (its file stays in the store).
#[derive(Debug, Clone)]
pub struct CertificateInfo {
    /// Accepted kind, e.g. `antigen`.
    pub kind: String,
    /// Sample or issue time.
    pub issued_at: DateTime<Utc>,
    /// Review state.
    pub status: CertificateStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Seen on paper at the desk (a walk-in's): there is no file.
    pub on_paper: bool,
}

/// What happened at the office (empty until the desk sees the person).
#[derive(Debug, Clone, Default)]
pub struct Visit {
    /// The day's queue number, given at check-in.
    pub queue_number: Option<i64>,
    /// When checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// First temperature reading, tenths of °C.
    pub temperature_dc: Option<i64>,
    /// Second reading after a rest, tenths of °C.
    pub retest_dc: Option<i64>,
    /// Why it ended as it did (turned away, released, …).
    pub outcome: Option<super::Reason>,
    /// Registered at the desk without a booking.
    pub walk_in: bool,
}

/// How a booking came to be. Every kind is written by the store's one insert; the kind
/// decides whether it takes a seat, how its certificate stands and what it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingKind {
    /// Booked online for a slot.
    Online,
    /// On an office's waiting list for a seat between two office-local dates: no seat
    /// until one is offered.
    WaitingList {
        /// First wanted date.
        from: NaiveDate,
        /// Last wanted date.
        to: NaiveDate,
    },
    /// Registered at the desk without a booking: the officer has seen the certificate
    /// (accepted at once) and the person is checked in in the same transaction.
    WalkIn,
}

impl BookingKind {
    /// Takes a seat when written (a waiting-list entry waits for an offer).
    pub fn takes_seat(self) -> bool {
        !matches!(self, Self::WaitingList { .. })
    }

    /// Is sent a confirmation with its manage link when written (after the phone's code,
    /// where one is asked): a walk-in stands at the desk, and a waiting-list entry is
    /// written to when a seat is offered.
    pub fn confirms(self) -> bool {
        matches!(self, Self::Online)
    }

    /// The wanted dates of a waiting-list entry.
    pub fn wait(self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Self::WaitingList { from, to } => Some((from, to)),
            _ => None,
        }
    }
}

/// A booking (or waiting-list entry) with its current certificate.
#[derive(Debug, Clone)]
pub struct Booking {
    /// Row id.
    pub id: i64,
    /// Booking code.
    pub code: super::BookingCode,
    /// SHA-256 of the secret token.
    pub token_hash: String,
    /// Office row id.
    pub office_id: i64,
    pub office_slug: super::OfficeSlug,
    /// Slot start (for a waiting-list entry without an offer: the start of its range).
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// The slot's office-local date.
    pub local_date: NaiveDate,
    pub status: BookingStatus,
    /// Full NIK (staff eyes only; lists mask it).
    pub nik: super::Nik,
    pub name: String,
    pub birth_date: NaiveDate,
    pub phone: super::PhoneNumber,
    pub email: Option<String>,
    /// Married (or formerly married): exempt from the minimum age.
    pub married: bool,
    /// A parent or guardian agrees, as confirmed on the form (UU 27/2022 art. 25); the
    /// API does not require it, so the desk asks at the visit when it is missing.
    pub guardian_consent: bool,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// When booked.
    pub created_at: DateTime<Utc>,
    /// The visit at the desk: readings, queue number, how it ended and why.
    pub visit: Visit,
    /// While waiting for a new slot: until when the offered seat (`slot_start`) is held.
    pub hold_until: Option<DateTime<Utc>>,
    /// A waiting-list entry's wanted office-local dates, first and last.
    pub wait: Option<(NaiveDate, NaiveDate)>,
    /// The current certificate.
    pub certificate: CertificateInfo,
    /// While its phone is not yet verified: until when its seat is held.
    pub verify_by: Option<DateTime<Utc>>,
}

impl Booking {
    /// Does it hold a seat in `slot_start` (confirmed and later, or an offered seat)?
    pub fn holds_seat(&self) -> bool {
        self.status
            .holds_seat(self.hold_until.is_some(), self.wait.is_some())
    }

    /// A confirmed seat or later: the ticket with its QR code is shown.
    pub fn has_ticket(&self) -> bool {
        self.holds_seat()
            && !self.status.is_waiting()
            && self.status != BookingStatus::PendingVerification
    }

    /// The seat offered to a booking waiting for a new slot, while the hold lasts:
    /// (slot start, held until).
    pub fn offer(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.status
            .is_waiting()
            .then_some(self.hold_until)
            .flatten()
            .filter(|until| *until > now)
            .map(|until| (self.slot_start, until))
    }
}

/// SQL text generated from the rules above, for the table `bookings` (aliased or not).
pub mod sql {
    use super::{BookingStatus, CertificateStatus, NotificationKind};
    use std::sync::LazyLock;

    /// `'confirmed'`.
    pub fn lit(s: BookingStatus) -> String {
        format!("'{}'", s.as_str())
    }

    /// `'submitted'`.
    pub fn cert_lit(s: CertificateStatus) -> String {
        format!("'{}'", s.as_str())
    }

    /// `'moved'`.
    pub fn kind_lit(k: NotificationKind) -> String {
        format!("'{}'", k.as_str())
    }

    /// `('confirmed', 'checked_in')`: the statuses for which `rule` holds.
    pub fn list(rule: impl Fn(BookingStatus) -> bool) -> String {
        let names: Vec<String> = BookingStatus::ALL
            .into_iter()
            .filter(|s| rule(*s))
            .map(lit)
            .collect();
        format!("({})", names.join(", "))
    }

    /// The condition "holds a seat" for the booking aliased `alias`.
    pub fn holds_seat(alias: &str) -> String {
        let always = list(|s| s.holds_seat(false, true));
        let offered = list(|s| s.holds_seat(true, true) && !s.holds_seat(false, true));
        let unless_entry = list(|s| s.holds_seat(false, false) && !s.holds_seat(false, true));
        format!(
            "({alias}.status IN {always} OR ({alias}.status IN {offered} \
             AND {alias}.hold_until IS NOT NULL) OR ({alias}.status IN {unless_entry} \
             AND {alias}.wait_from IS NULL))"
        )
    }

    /// The queue rank of the booking aliased `alias` (see `queue_rank`).
    pub fn queue_rank(alias: &str) -> String {
        let first = list(|s| s.queue_rank() == 0);
        format!("CASE WHEN {alias}.status IN {first} THEN 0 ELSE 1 END")
    }

    /// Holds a seat, for the alias `b`.
    pub static HOLDS_SEAT: LazyLock<String> = LazyLock::new(|| holds_seat("b"));
    /// `status IN` this: the applicant may still change it.
    pub static CHANGEABLE: LazyLock<String> = LazyLock::new(|| list(BookingStatus::is_changeable));
    /// `status IN` this: waiting for a seat.
    pub static WAITING: LazyLock<String> = LazyLock::new(|| list(BookingStatus::is_waiting));
}

/// Every status spelling, for tests that look for stray literals.
pub static SPELLINGS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    BookingStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(CertificateStatus::ALL.iter().map(|s| s.as_str()))
        .chain(NotificationKind::ALL.iter().map(|k| k.as_str()))
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        for s in CertificateStatus::ALL {
            assert_eq!(CertificateStatus::parse(s.as_str()), Some(s));
        }
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(BookingStatus::parse("gone"), None);
    }

    #[test]
    fn the_sql_says_what_the_rules_say() {
        assert_eq!(
            *sql::HOLDS_SEAT,
            "(b.status IN ('confirmed', 'checked_in', 'recorded', 'no_show', 'turned_away') \
             OR (b.status IN ('needs_rebooking', 'waitlisted') AND b.hold_until IS NOT NULL) \
             OR (b.status IN ('pending_verification') AND b.wait_from IS NULL))"
        );
        assert_eq!(
            sql::list(BookingStatus::holds_nik),
            "('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in')"
        );
        assert_eq!(
            *sql::CHANGEABLE,
            "('confirmed', 'needs_rebooking', 'waitlisted')"
        );
        assert_eq!(*sql::WAITING, "('needs_rebooking', 'waitlisted')");
    }

    /// The landed migrations were written by hand: their index of active bookings, and
    /// the checks on the status columns, must say what the rules here say.
    #[test]
    fn the_migrations_agree_with_the_rules() {
        let active = sql::list(BookingStatus::holds_nik).to_lowercase();
        let every = sql::list(|_| true);
        let certs: Vec<String> = CertificateStatus::ALL
            .into_iter()
            .map(sql::cert_lit)
            .collect();
        let kinds: Vec<String> = NotificationKind::ALL
            .into_iter()
            .map(sql::kind_lit)
            .collect();
        for engine in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(engine);
            let mut all = String::new();
            for f in std::fs::read_dir(dir).unwrap() {
                all.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
            }
            let flat = all.split_whitespace().collect::<Vec<_>>().join(" ");
            // The latest definition of the unique index of NIKs is the rule's.
            let index = flat
                .rsplit("create unique index bookings_one_active_per_nik")
                .next()
                .unwrap_or("");
            assert!(
                index.starts_with(&format!(" on bookings (nik) where status in {active}")),
                "{engine}: the index of bookings holding a NIK is not {active}"
            );
            assert!(
                flat.contains(&format!("check (status in {}", every.trim_end_matches(')'))),
                "{engine}: the status check does not list {every}"
            );
            assert!(
                flat.contains(&format!("check (status in ({}))", certs.join(", "))),
                "{engine}: the certificate check does not list {certs:?}"
            );
            assert!(
                flat.contains(&format!("check (kind in ({}))", kinds.join(", "))),
                "{engine}: the notification check does not list {kinds:?}"
            );
        }
    }
}
