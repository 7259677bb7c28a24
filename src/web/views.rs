//! Read models shared by the JSON API and the pages.

use super::AppState;
use super::error::AppError;
use crate::domain::nik::mask_nik;
use crate::planner::{self, Limit};
use crate::store::{Booking, Office};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
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
    #[serde(skip)]
    #[schema(ignore)]
    /// Start as an instant, for pages.
    pub start_utc: DateTime<Utc>,
    #[serde(skip)]
    #[schema(ignore)]
    /// End as an instant.
    pub end_utc: DateTime<Utc>,
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

/// RFC 3339 in the office's zone: `2026-12-01T08:00:00+07:00`.
pub fn local_rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Availability of `office` over `from..=to` (local dates).
pub async fn availability(
    state: &AppState,
    office: &Office,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Availability, AppError> {
    let now = state.clock.now();
    let spec = &office.spec;
    let tz = spec.timezone;
    let bookable = planner::bookable_dates(spec, now);
    let first = *bookable.first().expect("horizon includes today");
    let last = *bookable.last().expect("horizon includes today");
    let plans: Vec<_> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| planner::plan_day(spec, &office.calendar, d))
        .collect();
    // Every slot starting between the first day's midnight and the day after the last.
    let midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    let loads = state
        .store
        .slot_loads(office.id, midnight(from), midnight(to + Duration::days(1)))
        .await?;
    let mut per_day: HashMap<NaiveDate, u32> = HashMap::new();
    for (start, n) in &loads {
        if let Some(t) = DateTime::from_timestamp(*start, 0) {
            *per_day.entry(planner::local_date(spec, t)).or_default() += n;
        }
    }
    let days = plans
        .into_iter()
        .map(|plan| {
            let booked = per_day.get(&plan.date).copied().unwrap_or(0);
            let day_left = plan.cap.saturating_sub(booked);
            let open = !plan.slots.is_empty();
            let is_bookable = open && plan.date >= first && plan.date <= last;
            let slots = if is_bookable {
                plan.slots
                    .iter()
                    .filter(|s| s.start > now)
                    .map(|s| {
                        let taken = loads.get(&s.start.timestamp()).copied().unwrap_or(0);
                        SlotView {
                            start: local_rfc3339(s.start, tz),
                            end: local_rfc3339(s.end, tz),
                            capacity: s.capacity,
                            remaining: s.capacity.saturating_sub(taken).min(day_left),
                            start_utc: s.start,
                            end_utc: s.end,
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            DayView {
                date: plan.date,
                level: plan.level.as_str().to_string(),
                closed: !open,
                reason: plan
                    .closed
                    .clone()
                    .or_else(|| (!open).then(|| "no opening hours".to_string())),
                cap: plan.cap,
                booked,
                limited_by: plan.binding.map(Limit::key),
                bookable: is_bookable && !slots.is_empty(),
                slots,
            }
        })
        .collect();
    Ok(Availability {
        office: office.slug.clone(),
        timezone: tz.name().to_string(),
        days,
    })
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
    /// `confirmed`, `needs_rebooking`, `cancelled`, `checked_in`, `recorded`, `no_show`,
    /// `turned_away`.
    pub status: String,
    /// `submitted`, `accepted`, `rejected`.
    pub certificate_status: String,
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
        let tz = office.spec.timezone;
        Self {
            code: b.code.clone(),
            token: token.map(str::to_string),
            office: b.office_slug.clone(),
            slot_start: local_rfc3339(b.slot_start(), tz),
            slot_end: local_rfc3339(b.slot_end(), tz),
            status: b.status.clone(),
            certificate_status: b.certificate_status.clone(),
            reason: b.certificate_reason.clone(),
            certificate_kind: b.certificate_kind.clone(),
            certificate_valid_until: office
                .spec
                .certificates
                .valid_until(&b.certificate_kind, b.certificate_issued_at())
                .map(|t| local_rfc3339(t, tz)),
            name: b.name.clone(),
            nik_masked: mask_nik(&b.nik),
            wait: b
                .wait_from
                .clone()
                .zip(b.wait_to.clone())
                .map(|(f, t)| [f, t]),
            offer: b.offer(now).map(|(start, until)| OfferView {
                slot_start: local_rfc3339(start, tz),
                hold_until: local_rfc3339(until, tz),
            }),
            manage_url: token.map(|t| manage_path(&b.code, t)),
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

/// `/b/CODE?t=TOKEN`.
pub fn manage_path(code: &str, token: &str) -> String {
    format!("/b/{code}?t={token}")
}
