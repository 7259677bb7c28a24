//! The plan report: the coming days' caps, seats held, levels, closures and binding
//! limits, the backlog of people waiting for a seat, and how many open days clearing it
//! takes at each level. Shown to supervisors and printed by `rekam plan`.

use super::{AppError, Context};
use crate::domain::Level;
use crate::planner::{self, Limit};
use crate::store::Office;
use chrono::{Duration, NaiveDate};

/// One day of the plan, explained.
#[derive(Debug, Clone)]
pub struct PlanDay {
    /// Office-local date.
    pub date: NaiveDate,
    /// Level in force.
    pub level: Level,
    /// Why closed, if closed.
    pub closed: Option<String>,
    pub cap: u32,
    /// Seats held.
    pub booked: u32,
    /// Which limit binds.
    pub limited_by: Option<Limit>,
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
#[derive(Debug, Clone)]
pub struct Plan {
    /// Office slug.
    pub office: String,
    /// Days from today.
    pub days: Vec<PlanDay>,
    /// Bookings waiting for a new slot.
    pub needs_rebooking: u32,
    /// Open days needed to seat the backlog, at the levels in force (`None`) and at each
    /// level (`None` as the answer: not within 366 days).
    pub days_to_clear: Vec<(Option<Level>, Option<u32>)>,
    /// Slots of these days holding more than their capacity (a seat that cannot move —
    /// a started slot, someone checked in — may; anything else is a bug to see at once).
    pub over_capacity: Vec<OverCapacity>,
    /// The office's zone.
    pub timezone: chrono_tz::Tz,
}

/// A slot holding more seats than it has.
#[derive(Debug, Clone)]
pub struct OverCapacity {
    /// The slot's start.
    pub slot_start: chrono::DateTime<chrono::Utc>,
    /// Seats it holds.
    pub held: u32,
    /// Its capacity now (0: no longer a slot, e.g. a closed day).
    pub capacity: u32,
}

/// Builds the plan of `days` days from today (shared with the planner page and the CLI).
pub async fn plan(ctx: &Context, office: &Office, days: u32) -> Result<Plan, AppError> {
    let now = ctx.clock.now();
    let today = planner::local_date(&office.spec, now);
    let last = today + Duration::days(i64::from(days.saturating_sub(1)));
    let avail = super::availability::availability(ctx, office, today, last).await?;
    let backlog = ctx.store.needs_rebooking_count(office.id).await?;
    let waiting = ctx.store.waiting_per_day(office.id, today, last).await?;
    // Those holding an offered seat already have one (it is among the seats taken).
    let unseated = ctx.store.unseated_backlog(office.id).await?;
    // Seats taken per slot, from today's first slot to beyond any horizon.
    let taken = ctx
        .store
        .slot_loads(
            office.id,
            now - Duration::days(1),
            now + Duration::days(400),
        )
        .await?;
    let days_to_clear = Level::ALL
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None))
        .map(|level| {
            let n = planner::days_to_clear(
                &office.spec,
                &office.calendar,
                level,
                now,
                &taken,
                unseated,
            );
            (level, n)
        })
        .collect();
    let mut over_capacity = Vec::new();
    for d in &avail.days {
        let p = planner::plan_day(&office.spec, &office.calendar, d.date);
        let mut held: Vec<(i64, u32)> = taken
            .iter()
            .filter_map(|(start, n)| {
                let t = chrono::DateTime::from_timestamp(*start, 0)?;
                (planner::local_date(&office.spec, t) == d.date).then_some((*start, *n))
            })
            .collect();
        held.sort();
        for (start, n) in held {
            let capacity = p
                .slots
                .iter()
                .find(|s| s.start.timestamp() == start)
                .map_or(0, |s| s.capacity);
            if n > capacity {
                over_capacity.push(OverCapacity {
                    slot_start: chrono::DateTime::from_timestamp(start, 0).unwrap_or_default(),
                    held: n,
                    capacity,
                });
            }
        }
    }
    Ok(Plan {
        timezone: office.spec.timezone,
        over_capacity,
        office: office.slug.clone(),
        days: avail
            .days
            .iter()
            .map(|d| {
                let p = planner::plan_day(&office.spec, &office.calendar, d.date);
                let rule = office.calendar.rule(p.level);
                PlanDay {
                    date: d.date,
                    level: d.level,
                    closed: p.closed.clone(),
                    cap: d.cap,
                    booked: d.booked,
                    limited_by: d.limited_by,
                    staffed_sets: p.staffed_sets,
                    seats: p.seats,
                    waiting: waiting.get(&d.date).copied().unwrap_or(0),
                    wfo_percent: rule.wfo_percent,
                    occupancy_percent: rule.occupancy_percent,
                }
            })
            .collect(),
        needs_rebooking: backlog,
        days_to_clear,
    })
}

/// The plan as a text table (the `rekam plan` command).
pub fn plan_table(plan: &Plan) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{:<12} {:<8} {:>4} {:>6} {:>5} {:>5}  {}\n",
        "date", "level", "cap", "booked", "sets", "seats", "limited by / closed"
    );
    for d in &plan.days {
        let note = d.closed.clone().unwrap_or_else(|| {
            d.limited_by
                .map_or("no opening hours", Limit::key)
                .to_string()
        });
        let _ = writeln!(
            out,
            "{:<12} {:<8} {:>4} {:>6} {:>5} {:>5}  {}",
            d.date.to_string(),
            d.level.as_str(),
            d.cap,
            d.booked,
            d.staffed_sets,
            d.seats,
            note
        );
    }
    if plan.over_capacity.is_empty() {
        let _ = writeln!(out, "\nslots over capacity: none");
    } else {
        let _ = writeln!(out, "\nslots over capacity:");
        for o in &plan.over_capacity {
            let _ = writeln!(
                out,
                "  {} holds {}, capacity {}",
                o.slot_start
                    .with_timezone(&plan.timezone)
                    .format("%Y-%m-%d %H:%M"),
                o.held,
                o.capacity
            );
        }
    }
    let _ = writeln!(out, "\nbacklog (needs rebooking): {}", plan.needs_rebooking);
    let days = |level: Option<Level>| {
        plan.days_to_clear
            .iter()
            .find(|(l, _)| *l == level)
            .and_then(|(_, d)| *d)
            .map_or("more than a year".to_string(), |d| format!("{d} open days"))
    };
    let _ = writeln!(out, "  to clear at the levels in force: {}", days(None));
    for level in Level::ALL {
        let _ = writeln!(
            out,
            "  to clear at level {:<8} {}",
            level.as_str(),
            days(Some(level))
        );
    }
    out
}

/// The first year the booking horizon of any office reaches whose holidays are not loaded
/// (only its fixed-date holidays are known), or `None`. Supervisors and admins are warned
/// on every staff page until a file for it is loaded.
pub async fn holidays_missing(ctx: &Context) -> Result<Option<i32>, AppError> {
    use chrono::Datelike;
    let offices = ctx.store.list_offices().await?;
    let mut last_year = None::<i32>;
    let mut first_year = None::<i32>;
    for office in &offices {
        let today = planner::local_date(&office.spec, ctx.clock.now());
        let end = today + Duration::days(i64::from(office.spec.booking_horizon_days));
        first_year = Some(first_year.map_or(today.year(), |y| y.min(today.year())));
        last_year = Some(last_year.map_or(end.year(), |y| y.max(end.year())));
    }
    let (Some(first), Some(last)) = (first_year, last_year) else {
        return Ok(None);
    };
    for year in first..=last {
        if ctx.store.holidays(year).await?.is_empty() {
            return Ok(Some(year));
        }
    }
    Ok(None)
}
