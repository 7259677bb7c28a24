//! The JSON shapes of the contract (API.md), built from the use cases' values. Instants
//! are RFC 3339 with the office's offset.

use crate::domain::Booking;
use crate::domain::office::local_rfc3339;
use crate::store::{self, Office};
use crate::usecases::{availability, plan};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::HashMap;

/// One slot as offered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// Start, RFC 3339 with the office's offset.
    pub start: String,
    /// End.
    pub end: String,
    /// Capacity of the slot.
    pub capacity: u32,
    /// Seats left (never more than the day has left).
    pub remaining: u32,
}

/// One day of availability.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayView {
    /// Office-local date.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Restriction level in force (`none` until levels are scheduled).
    pub level: String,
    /// No opening hours (or a closure).
    pub closed: bool,
    /// Why closed.
    pub reason: Option<String>,
    /// The day's cap.
    pub cap: u32,
    /// Seats taken.
    pub booked: u32,
    /// Which limit sets the cap.
    pub limited_by: Option<&'static str>,
    /// Whether applicants may book this date now (within the horizon, not past).
    pub bookable: bool,
    /// Slots still to come, empty when not bookable.
    pub slots: Vec<SlotView>,
}

/// An office's availability answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Availability {
    /// Office slug.
    pub office: String,
    /// IANA zone.
    pub timezone: String,
    /// Days in order.
    pub days: Vec<DayView>,
}

impl From<availability::Availability> for Availability {
    fn from(a: availability::Availability) -> Self {
        let tz = a.timezone;
        Self {
            office: a.office,
            timezone: tz.name().to_string(),
            days: a
                .days
                .into_iter()
                .map(|d| DayView {
                    date: d.date,
                    level: d.level.as_str().to_string(),
                    closed: d.closed,
                    reason: d.reason,
                    cap: d.cap,
                    booked: d.booked,
                    limited_by: d.limited_by.map(crate::planner::Limit::key),
                    bookable: d.bookable,
                    slots: d
                        .slots
                        .into_iter()
                        .map(|s| SlotView {
                            start: local_rfc3339(s.start, tz),
                            end: local_rfc3339(s.end, tz),
                            capacity: s.capacity,
                            remaining: s.remaining,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A booking as its owner sees it through the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookingView {
    /// Booking code.
    pub code: String,
    /// Secret token: only in the answer that created the booking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Office slug.
    pub office: String,
    /// Slot start with the office's offset.
    pub slot_start: String,
    /// Slot end.
    pub slot_end: String,
    /// `pending_verification`, `confirmed`, `needs_rebooking`, `waitlisted`, `cancelled`,
    /// `checked_in`, `recorded`, `no_show`, `turned_away`.
    pub status: &'static str,
    /// While `pending_verification`: the seat is held until then for the phone's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_by: Option<String>,
    /// `submitted`, `accepted`, `rejected`.
    pub certificate_status: &'static str,
    /// Why a certificate was rejected.
    pub reason: Option<String>,
    /// Kind of the current certificate.
    pub certificate_kind: String,
    /// Last instant the certificate covers.
    pub certificate_valid_until: Option<String>,
    /// Name as booked.
    pub name: String,
    /// NIK with all but the last four digits hidden.
    pub nik_masked: String,
    /// A waiting-list entry's wanted dates, `[from, to]` (its `slot_start` is then only
    /// the start of the range).
    pub wait: Option<[String; 2]>,
    /// A seat offered while waiting for a new slot: claim it before `hold_until`.
    pub offer: Option<OfferView>,
    /// Path of the manage page, with the token (only when the token is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_url: Option<String>,
}

impl BookingView {
    /// Builds the view; `token` only right after creation.
    pub fn new(b: &Booking, office: &Office, token: Option<&str>, now: DateTime<Utc>) -> Self {
        let valid_until = office
            .spec
            .certificates
            .valid_until(&b.certificate.kind, b.certificate.issued_at);
        Self::build(b, office.spec.timezone, valid_until, token, now)
    }

    /// The first answer to an Idempotency-Key, from what it created.
    pub fn from_receipt(r: &store::Receipt) -> Self {
        let tz = r.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
        // As created: its offer (none then) does not depend on the time of the retry.
        let b = r.booking_as_created();
        Self::build(
            &b,
            tz,
            r.certificate_valid_until,
            Some(&r.token),
            b.created_at,
        )
    }

    fn build(
        b: &Booking,
        tz: Tz,
        valid_until: Option<DateTime<Utc>>,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            code: b.code.to_string(),
            token: token.map(str::to_string),
            office: b.office_slug.to_string(),
            slot_start: local_rfc3339(b.slot_start, tz),
            slot_end: local_rfc3339(b.slot_end, tz),
            status: b.status.as_str(),
            verify_by: (b.status == crate::domain::BookingStatus::PendingVerification)
                .then_some(b.verify_by)
                .flatten()
                .map(|t| local_rfc3339(t, tz)),
            certificate_status: b.certificate.status.as_str(),
            reason: b.certificate.reason.clone(),
            certificate_kind: b.certificate.kind.clone(),
            certificate_valid_until: valid_until.map(|t| local_rfc3339(t, tz)),
            name: b.name.clone(),
            nik_masked: b.nik.masked(),
            wait: b.wait.map(|(f, t)| [f.to_string(), t.to_string()]),
            offer: b.offer(now).map(|(start, until)| OfferView {
                slot_start: local_rfc3339(start, tz),
                hold_until: local_rfc3339(until, tz),
            }),
            manage_url: token.map(|t| crate::web::manage_path(b.code.as_str(), t)),
        }
    }
}

/// A seat held for a booking that waits for a new slot.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    /// The offered slot.
    pub slot_start: String,
    /// The hold lapses at this instant.
    pub hold_until: String,
}

/// One day's figures before and after a change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayImpact {
    /// Office-local date.
    pub date: String,
    /// Cap before.
    pub cap_before: u32,
    /// Cap after.
    pub cap_after: u32,
    /// Seats held before.
    pub booked: u32,
}

/// A booking that no longer fits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisplacedBooking {
    /// Booking code.
    pub code: String,
    /// Its slot before, RFC 3339 with the office's offset.
    pub from_slot_start: String,
    /// Its new slot, or null when it needs rebooking.
    pub to_slot_start: Option<String>,
}

/// What a change does (dry run) or did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReplanReport {
    /// Days whose cap changes or that hold more than their new cap.
    pub days: Vec<DayImpact>,
    /// Bookings displaced, the most recently booked first.
    pub displaced: Vec<DisplacedBooking>,
    /// Whether the change was applied.
    pub applied: bool,
}

impl ReplanReport {
    /// The report with instants in the office's zone.
    pub fn new(r: &store::ReplanReport, tz: Tz) -> Self {
        Self {
            days: r
                .days
                .iter()
                .map(|d| DayImpact {
                    date: d.date.to_string(),
                    cap_before: d.cap_before,
                    cap_after: d.cap_after,
                    booked: d.booked,
                })
                .collect(),
            displaced: r
                .displaced
                .iter()
                .map(|d| DisplacedBooking {
                    code: d.code.clone(),
                    from_slot_start: local_rfc3339(d.from, tz),
                    to_slot_start: d.to.map(|t| local_rfc3339(t, tz)),
                })
                .collect(),
            applied: r.applied,
        }
    }
}

/// One office's share of a change that applies to every office.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfficeReport {
    /// Office slug.
    pub office: String,
    /// What the change does (or did) there.
    #[serde(flatten)]
    pub report: ReplanReport,
}

impl OfficeReport {
    /// From the store's report, instants in the office's zone.
    pub fn new(r: &store::OfficeReplan) -> Self {
        Self {
            office: r.office.clone(),
            report: ReplanReport::new(&r.report, r.timezone),
        }
    }
}

/// One day of the plan, explained.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanDay {
    /// Office-local date.
    pub date: String,
    /// Level in force.
    pub level: &'static str,
    /// Why closed, if closed.
    pub closed: Option<String>,
    /// Cap.
    pub cap: u32,
    /// Seats held.
    pub booked: u32,
    /// Which limit binds.
    pub limited_by: Option<&'static str>,
    /// Recording sets that can be staffed.
    pub staffed_sets: u32,
    /// Waiting-room seats usable at once.
    pub seats: u32,
    /// Waiting-list entries that want this day.
    pub waiting: u32,
    /// The level's WFO and occupancy percentages, for explanations.
    pub wfo_percent: u32,
    /// Occupancy %.
    pub occupancy_percent: u32,
}

/// The plan of the coming days and the backlog.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Plan {
    /// Office slug.
    pub office: String,
    /// Days from today.
    pub days: Vec<PlanDay>,
    /// Bookings waiting for a new slot.
    pub needs_rebooking: u32,
    /// Open days needed to seat the backlog, per level and `current` (the levels in
    /// force); null: not within 366 days.
    pub days_to_clear: HashMap<String, Option<u32>>,
    /// Slots of these days holding more than their capacity (seats that cannot move, such
    /// as a started slot's, may; anything else is a bug).
    pub over_capacity: Vec<OverCapacity>,
    /// The first year the booking horizon reaches whose holidays are not loaded (only the
    /// fixed-date holidays of it are known); null when every such year is loaded.
    pub holidays_missing: Option<i32>,
}

/// A slot holding more seats than it has.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OverCapacity {
    /// Its start, RFC 3339 with the office's offset.
    pub slot_start: String,
    /// Seats it holds.
    pub held: u32,
    /// Its capacity now.
    pub capacity: u32,
}

impl From<plan::Plan> for Plan {
    fn from(p: plan::Plan) -> Self {
        let tz = p.timezone;
        Self {
            holidays_missing: None,
            over_capacity: p
                .over_capacity
                .iter()
                .map(|o| OverCapacity {
                    slot_start: local_rfc3339(o.slot_start, tz),
                    held: o.held,
                    capacity: o.capacity,
                })
                .collect(),
            office: p.office,
            days: p
                .days
                .into_iter()
                .map(|d| PlanDay {
                    date: d.date.to_string(),
                    level: d.level.as_str(),
                    closed: d.closed,
                    cap: d.cap,
                    booked: d.booked,
                    limited_by: d.limited_by.map(crate::planner::Limit::key),
                    staffed_sets: d.staffed_sets,
                    seats: d.seats,
                    waiting: d.waiting,
                    wfo_percent: d.wfo_percent,
                    occupancy_percent: d.occupancy_percent,
                })
                .collect(),
            needs_rebooking: p.needs_rebooking,
            days_to_clear: p
                .days_to_clear
                .into_iter()
                .map(|(l, d)| (l.map_or("current", |l| l.as_str()).to_string(), d))
                .collect(),
        }
    }
}

/// A version of a level rule, with who changed it, when and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleVersion {
    /// Level.
    pub level: String,
    /// Version, from 1.
    pub version: i64,
    /// WFO %.
    pub wfo_percent: i64,
    /// Occupancy %.
    pub occupancy_percent: i64,
    /// Absolute daily maximum.
    pub max_visitors: Option<i64>,
    /// Latest closing time.
    pub latest_close: Option<String>,
    /// Legal source.
    pub source: String,
    /// Who.
    pub changed_by: String,
    /// When (epoch seconds).
    pub changed_at: i64,
    /// Why.
    pub reason: String,
}

impl From<store::RuleVersion> for RuleVersion {
    fn from(r: store::RuleVersion) -> Self {
        Self {
            level: r.level,
            version: r.version,
            wfo_percent: r.wfo_percent,
            occupancy_percent: r.occupancy_percent,
            max_visitors: r.max_visitors,
            latest_close: r.latest_close,
            source: r.source,
            changed_by: r.changed_by,
            changed_at: r.changed_at,
            reason: r.reason,
        }
    }
}

/// A row of an office's level schedule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LevelScheduleRow {
    /// Level.
    pub level: String,
    /// First day.
    pub effective_from: String,
    /// Last day, or null.
    pub effective_to: Option<String>,
    /// The instruction number.
    pub reason: String,
    /// Who set it.
    pub set_by: String,
}

impl From<store::LevelScheduleRow> for LevelScheduleRow {
    fn from(r: store::LevelScheduleRow) -> Self {
        Self {
            level: r.level,
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            reason: r.reason,
            set_by: r.set_by,
        }
    }
}

/// A walk-in's multipart form (documentation only; the handler reads it field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WalkInForm {
    /// 16 digits agreeing with `birth_date`.
    nik: String,
    /// 1–100 characters.
    name: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    /// `08…` or `+628…`.
    phone: String,
    /// Optional.
    email: Option<String>,
    /// `true` exempts from the minimum age.
    married: Option<bool>,
    /// One of the office's accepted kinds.
    certificate_kind: String,
    /// RFC 3339, or local `YYYY-MM-DDTHH:MM`.
    certificate_issued_at: String,
    /// PDF, JPEG or PNG, at most 5 MB; without it, the paper certificate the officer saw.
    #[schema(value_type = Option<String>, format = Binary)]
    certificate: Option<Vec<u8>>,
    /// Must be `true`.
    consent: bool,
    /// `true`: a parent or guardian agrees.
    guardian_consent: Option<bool>,
    /// The reading at the door, °C.
    temperature_c: f64,
}

/// A certificate waiting for review.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewQueueRow {
    /// Booking code.
    pub code: String,
    /// Slot start with the office's offset.
    pub slot_start: String,
    /// Name.
    pub name: String,
    /// The certificate's kind.
    pub certificate_kind: String,
}
