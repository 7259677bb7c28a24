//! Who no longer fits when capacity drops, and where each of them goes.
//!
//! pretix lowered quotas below what was sold and only warned (its issue #135); USCIS
//! moves appointments cancelled by closures. Here nobody is dropped: the most recently
//! booked are displaced first, then each displaced booking (the earliest booked choosing
//! first) gets the earliest slot that still has room and that its certificate still
//! covers, never on an earlier day than it had — or none, and is marked for rebooking.

use super::{Calendar, DayPlan, SlotPlan, local_date, plan_day};
use crate::domain::{BookingStatus, OfficeSpec};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// A booking holding a seat from today on, as a re-plan reads it.
#[derive(Debug, Clone)]
pub struct Seated {
    /// Booking id.
    pub id: i64,
    /// Its slot.
    pub slot_start: DateTime<Utc>,
    /// Its slot's office-local date.
    pub local_date: NaiveDate,
    /// Its status.
    pub status: BookingStatus,
    /// When it was booked (epoch seconds).
    pub booked_at: i64,
    /// Its certificate's kind and issue time.
    pub certificate: (String, DateTime<Utc>),
}

/// One day's figures before and after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayImpact {
    /// Office-local date.
    pub date: NaiveDate,
    pub cap_before: u32,
    pub cap_after: u32,
    /// Seats held before.
    pub booked: u32,
}

/// What becomes of a booking that no longer fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Moved to a slot (on `date`, whose cap is `day_cap`).
    Moved {
        /// The new slot.
        slot: SlotPlan,
        /// Its office-local date.
        date: NaiveDate,
        /// That day's cap.
        day_cap: u32,
    },
    /// Waits in the queue for a seat to be offered.
    NeedsRebooking,
    /// Cancelled: a booking still waiting for its phone's code is not queued (waiting
    /// would let it skip the verification).
    Cancelled,
}

/// A displaced booking and what becomes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Booking id.
    pub id: i64,
    /// Its old slot.
    pub from: DateTime<Utc>,
    /// What becomes of it.
    pub outcome: Outcome,
}

/// What a change of capacity does to an office's bookings.
#[derive(Debug, Clone)]
pub struct Replan {
    /// Days whose cap changes or that hold more than their new cap.
    pub days: Vec<DayImpact>,
    /// Displaced bookings, the most recently booked first.
    pub moves: Vec<Move>,
}

/// The re-plan of an office whose settings and calendar went from `before` to `after`:
/// every day from today to the longer horizon (and every day a booking is on) planned
/// both ways, the days whose figures change, and who is displaced and where to
/// ([`displace`]). A booking may be moved while it is confirmed (or awaiting its code)
/// and still to come; its certificate is judged by the office's rules after the change.
pub fn replan(
    before: (&OfficeSpec, &Calendar),
    after: (&OfficeSpec, &Calendar),
    seated: &[Seated],
    now: DateTime<Utc>,
) -> Replan {
    let spec = after.0;
    let today = local_date(spec, now);
    let horizon = i64::from(spec.booking_horizon_days.max(before.0.booking_horizon_days));
    let mut dates: Vec<NaiveDate> = (0..=horizon).map(|d| today + Duration::days(d)).collect();
    dates.extend(seated.iter().map(|s| s.local_date));
    dates.sort();
    dates.dedup();
    let plan = |(spec, cal): (&OfficeSpec, &Calendar)| -> BTreeMap<NaiveDate, DayPlan> {
        dates
            .iter()
            .map(|d| (*d, plan_day(spec, cal, *d)))
            .collect()
    };
    let (plans_before, plans_after) = (plan(before), plan(after));
    let placed: Vec<Placed> = seated
        .iter()
        .map(|s| Placed {
            id: s.id,
            slot_start: s.slot_start,
            booked_at: s.booked_at,
            movable: s.status.is_movable() && s.slot_start > now,
            valid_until: spec
                .certificates
                .valid_until(&s.certificate.0, s.certificate.1)
                .unwrap_or(now),
        })
        .collect();
    let mut booked: HashMap<NaiveDate, u32> = HashMap::new();
    for s in seated {
        *booked.entry(s.local_date).or_default() += 1;
    }
    let days = dates
        .iter()
        .filter_map(|d| {
            let (b, a) = (plans_before[d].cap, plans_after[d].cap);
            let n = booked.get(d).copied().unwrap_or(0);
            (b != a || n > a).then_some(DayImpact {
                date: *d,
                cap_before: b,
                cap_after: a,
                booked: n,
            })
        })
        .collect();
    let pending: HashMap<i64, bool> = seated
        .iter()
        .map(|s| (s.id, s.status == BookingStatus::PendingVerification))
        .collect();
    let moves = displace(spec, &plans_after, &placed, now)
        .into_iter()
        .map(|d| Move {
            id: d.id,
            from: d.from,
            outcome: match d.to {
                Some(slot) => {
                    let date = local_date(spec, slot.start);
                    let day_cap = plans_after[&date].cap;
                    Outcome::Moved {
                        slot,
                        date,
                        day_cap,
                    }
                }
                None if pending[&d.id] => Outcome::Cancelled,
                None => Outcome::NeedsRebooking,
            },
        })
        .collect();
    Replan { days, moves }
}

/// A seat-holding booking as the re-planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Booking id.
    pub id: i64,
    /// Its slot.
    pub slot_start: DateTime<Utc>,
    /// When it was booked (epoch seconds): the most recent are displaced first.
    pub booked_at: i64,
    /// Confirmed and still to come: may be moved. Others keep their seat whatever happens.
    pub movable: bool,
    /// The last slot start its certificate covers.
    pub valid_until: DateTime<Utc>,
}

/// A booking that no longer fits, and the slot it moves to (`None`: needs rebooking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Displacement {
    /// Booking id.
    pub id: i64,
    /// Its old slot.
    pub from: DateTime<Utc>,
    /// Its new slot, if one fits.
    pub to: Option<SlotPlan>,
}

/// Works out who is displaced by the day plans `plans` (after a change) and where they
/// go. `plans` must cover every date a booking is on and every date a booking may move
/// to; slots that have started (`<= now`) are never offered.
pub fn displace(
    office: &OfficeSpec,
    plans: &BTreeMap<NaiveDate, DayPlan>,
    placed: &[Placed],
    now: DateTime<Utc>,
) -> Vec<Displacement> {
    let capacity = |start: DateTime<Utc>| -> u32 {
        plans
            .get(&local_date(office, start))
            .and_then(|d| d.slots.iter().find(|s| s.start == start))
            .map_or(0, |s| s.capacity)
    };
    let day_cap = |date: NaiveDate| plans.get(&date).map_or(0, |d| d.cap);

    // 1. Per slot: keep the fixed ones and the earliest booked up to the capacity.
    let mut by_slot: BTreeMap<DateTime<Utc>, Vec<&Placed>> = BTreeMap::new();
    for p in placed {
        by_slot.entry(p.slot_start).or_default().push(p);
    }
    let mut kept: Vec<&Placed> = Vec::new();
    let mut out: Vec<&Placed> = Vec::new();
    for (start, mut group) in by_slot {
        // Fixed (unmovable) first, then the movable by booking time.
        group.sort_by_key(|p| (p.movable, p.booked_at, p.id));
        let cap = capacity(start) as usize;
        let fixed = group.iter().filter(|p| !p.movable).count();
        let room = cap.saturating_sub(fixed);
        for (i, p) in group.into_iter().enumerate() {
            if !p.movable || i < fixed + room {
                kept.push(p);
            } else {
                out.push(p);
            }
        }
    }
    // 2. Per day: displace the most recently booked movable ones above the cap.
    let mut by_day: BTreeMap<NaiveDate, Vec<&Placed>> = BTreeMap::new();
    for p in kept {
        by_day
            .entry(local_date(office, p.slot_start))
            .or_default()
            .push(p);
    }
    let mut slot_count: HashMap<DateTime<Utc>, u32> = HashMap::new();
    let mut day_count: HashMap<NaiveDate, u32> = HashMap::new();
    for (date, mut group) in by_day {
        group.sort_by_key(|p| (p.movable, p.booked_at, p.id));
        let over = group.len().saturating_sub(day_cap(date) as usize);
        let movable = group.iter().filter(|p| p.movable).count();
        let cut = over.min(movable);
        let keep = group.len() - cut;
        for (i, p) in group.into_iter().enumerate() {
            if i < keep {
                *slot_count.entry(p.slot_start).or_default() += 1;
                *day_count.entry(date).or_default() += 1;
            } else {
                out.push(p);
            }
        }
    }
    // 3. Moves: the earliest booked choose first.
    out.sort_by_key(|p| (p.booked_at, p.id));
    let candidates: Vec<(NaiveDate, SlotPlan, u32)> = plans
        .values()
        .flat_map(|d| d.slots.iter().map(move |s| (d.date, *s, d.cap)))
        .filter(|(_, s, _)| s.start > now)
        .collect();
    let mut moves: Vec<Displacement> = out
        .iter()
        .map(|p| {
            let from_day = local_date(office, p.slot_start);
            let to = candidates
                .iter()
                .find(|(date, s, cap)| {
                    *date >= from_day
                        && s.start <= p.valid_until
                        && slot_count.get(&s.start).copied().unwrap_or(0) < s.capacity
                        && day_count.get(date).copied().unwrap_or(0) < *cap
                })
                .map(|(date, s, _)| {
                    *slot_count.entry(s.start).or_default() += 1;
                    *day_count.entry(*date).or_default() += 1;
                    *s
                });
            Displacement {
                id: p.id,
                from: p.slot_start,
                to,
            }
        })
        .collect();
    // Listed most recently booked first, as the dry run shows them.
    let booked_at: HashMap<i64, i64> = placed.iter().map(|p| (p.id, p.booked_at)).collect();
    moves.sort_by_key(|m| std::cmp::Reverse((booked_at[&m.id], m.id)));
    moves
}

#[cfg(test)]
mod tests;
