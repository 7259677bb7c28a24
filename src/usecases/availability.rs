//! Availability: per day the level, the cap, the seats taken and the slots still to
//! come with their seats left.

use super::{AppError, Code, Context};
use crate::domain::Level;
use crate::planner::{self, Limit};
use crate::store::Office;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// One slot as offered.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Capacity of the slot.
    pub capacity: u32,
    /// Seats left (never more than the day has left).
    pub remaining: u32,
}

/// One day of availability.
#[derive(Debug, Clone)]
pub struct DayView {
    /// Office-local date.
    pub date: NaiveDate,
    /// Restriction level in force.
    pub level: Level,
    /// No opening hours (or a closure).
    pub closed: bool,
    /// Why closed.
    pub reason: Option<String>,
    /// The day's cap.
    pub cap: u32,
    /// Seats taken.
    pub booked: u32,
    /// Which limit sets the cap.
    pub limited_by: Option<Limit>,
    /// Whether applicants may book this date now (within the horizon, not past).
    pub bookable: bool,
    /// Slots still to come, empty when not bookable.
    pub slots: Vec<SlotView>,
}

/// An office's availability.
#[derive(Debug, Clone)]
pub struct Availability {
    /// Office slug.
    pub office: String,
    /// Its zone.
    pub timezone: Tz,
    /// Days in order.
    pub days: Vec<DayView>,
}

/// Availability of `office` over `from..=to` (local dates).
pub async fn availability(
    ctx: &Context,
    office: &Office,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Availability, AppError> {
    let now = ctx.clock.now();
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
    let midnight = |d: NaiveDate| planner::start_of_day(tz, d);
    let loads = ctx
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
                            start: s.start,
                            end: s.end,
                            capacity: s.capacity,
                            remaining: s.capacity.saturating_sub(taken).min(day_left),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            DayView {
                date: plan.date,
                level: plan.level,
                closed: !open,
                // A holiday's name or the office's reason; a day without opening hours
                // (a weekend) is simply closed.
                reason: plan.closed.clone(),
                cap: plan.cap,
                booked,
                limited_by: plan.binding,
                bookable: is_bookable && !slots.is_empty(),
                slots,
            }
        })
        .collect();
    Ok(Availability {
        office: office.slug.clone(),
        timezone: tz,
        days,
    })
}

/// The bookable days from today to the end of the horizon.
pub async fn coming_days(ctx: &Context, office: &Office) -> Result<Vec<DayView>, AppError> {
    let today = planner::local_date(&office.spec, ctx.clock.now());
    let last = today + Duration::days(i64::from(office.spec.booking_horizon_days));
    Ok(availability(ctx, office, today, last).await?.days)
}

/// Every office, by name.
pub async fn offices(ctx: &Context) -> Result<Vec<Office>, AppError> {
    Ok(ctx.store.list_offices().await?)
}

/// One office by slug.
pub async fn office(ctx: &Context, slug: &str) -> Result<Office, AppError> {
    Ok(ctx.store.office(slug).await?)
}

/// Availability for a query's `from` and `to` (`YYYY-MM-DD`, default today and the end of
/// the booking horizon; at most 62 days).
pub async fn for_query(
    ctx: &Context,
    slug: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Office, Availability), AppError> {
    let office = ctx.store.office(slug).await?;
    let today = planner::local_date(&office.spec, ctx.clock.now());
    let parse = |name: &str, value: Option<&str>, default: NaiveDate| match value {
        None => Ok(default),
        Some(s) => super::form::parse_day(s)
            .ok_or_else(|| AppError::field(Code::Invalid, name, "err-date")),
    };
    let from = parse("from", from, today)?;
    let to = parse(
        "to",
        to,
        from.max(today) + Duration::days(i64::from(office.spec.booking_horizon_days)),
    )?;
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::field(Code::Invalid, "to", "err-range"));
    }
    let availability = availability(ctx, &office, from, to).await?;
    Ok((office, availability))
}
