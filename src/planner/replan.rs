//! Who no longer fits when capacity drops, and where each of them goes.
//!
//! pretix lowered quotas below what was sold and only warned (its issue #135); USCIS
//! moves appointments cancelled by closures. Here nobody is dropped: the most recently
//! booked are displaced first, then each displaced booking (the earliest booked choosing
//! first) gets the earliest slot that still has room and that its certificate still
//! covers, never on an earlier day than it had — or none, and is marked for rebooking.

use super::{DayPlan, SlotPlan, local_date};
use crate::domain::OfficeSpec;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

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
mod tests {
    //! A model of the whole office over random sequences of bookings, cancellations,
    //! level changes, closures, reopenings and resource changes, driven only through the
    //! planner: at every step no slot or day holds more than its capacity, and every
    //! booking is still there — confirmed in a slot its certificate covers, waiting for a
    //! new slot, or cancelled by its owner.

    use super::*;
    use crate::domain::Level;
    use crate::domain::office::OfficeInput;
    use crate::planner::{Calendar, DayOverride, LevelPeriod, plan_day};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Status {
        Confirmed,
        NeedsRebooking,
        Cancelled,
    }

    #[derive(Debug, Clone)]
    struct Booking {
        id: i64,
        slot_start: DateTime<Utc>,
        status: Status,
        valid_until: DateTime<Utc>,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Book {
            day: u8,
            slot: u8,
            validity_hours: u16,
        },
        Cancel(usize),
        Level {
            level: u8,
            from_day: u8,
            days: Option<u8>,
        },
        Close(u8),
        Reopen(u8),
        Sets(u32),
        Seats(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..12, 0u8..6, 0u16..200).prop_map(|(day, slot, validity_hours)| Op::Book { day, slot, validity_hours }),
            2 => (0usize..200).prop_map(Op::Cancel),
            2 => (0u8..6, 0u8..12, proptest::option::of(0u8..6)).prop_map(|(level, from_day, days)| Op::Level { level, from_day, days }),
            1 => (0u8..12).prop_map(Op::Close),
            1 => (0u8..12).prop_map(Op::Reopen),
            1 => (1u32..4).prop_map(Op::Sets),
            1 => (1u32..12).prop_map(Op::Seats),
        ]
    }

    fn office() -> OfficeSpec {
        let h = serde_json::json!(["08:00", "11:00"]);
        let input: OfficeInput = serde_json::from_value(serde_json::json!({
            "name": "Model", "timezone": "Asia/Jakarta", "address": "",
            "recording_sets": 2, "minutes_per_recording": 10, "waiting_room_seats": 8,
            "slot_minutes": 30, "max_visitors_per_day": null, "booking_horizon_days": 14,
            "hours": {"mon": h, "tue": h, "wed": h, "thu": h, "fri": h, "sat": h}
        }))
        .unwrap();
        input.parse().unwrap()
    }

    fn check(
        office: &OfficeSpec,
        cal: &Calendar,
        bookings: &[Booking],
        created: usize,
    ) -> Result<(), TestCaseError> {
        prop_assert_eq!(bookings.len(), created, "no booking disappears");
        let mut per_slot: HashMap<DateTime<Utc>, u32> = HashMap::new();
        let mut per_day: HashMap<NaiveDate, u32> = HashMap::new();
        for b in bookings.iter().filter(|b| b.status == Status::Confirmed) {
            prop_assert!(b.slot_start <= b.valid_until, "certificate covers the slot");
            *per_slot.entry(b.slot_start).or_default() += 1;
            *per_day.entry(local_date(office, b.slot_start)).or_default() += 1;
        }
        for (date, n) in per_day {
            let plan = plan_day(office, cal, date);
            prop_assert!(n <= plan.cap, "{date}: {n} > cap {}", plan.cap);
        }
        for (start, n) in per_slot {
            let plan = plan_day(office, cal, local_date(office, start));
            let cap = plan
                .slots
                .iter()
                .find(|s| s.start == start)
                .map_or(0, |s| s.capacity);
            prop_assert!(n <= cap, "{start}: {n} > capacity {cap}");
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn capacity_changes_never_overfill_and_never_lose_a_booking(ops in proptest::collection::vec(op(), 1..60)) {
            let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(); // Mon 07:00 WIB
            let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
            let mut office = office();
            let mut cal = Calendar::default();
            let mut bookings: Vec<Booking> = Vec::new();
            let dates: Vec<NaiveDate> = (0..=14).map(|d| today + Duration::days(d)).collect();
            for op in ops {
                let mut replan = false;
                match op {
                    Op::Book { day, slot, validity_hours } => {
                        let date = today + Duration::days(i64::from(day));
                        let plan = plan_day(&office, &cal, date);
                        if let Some(s) = plan.slots.get(usize::from(slot)) {
                            let confirmed = |f: &dyn Fn(&Booking) -> bool| {
                                bookings.iter().filter(|b| b.status == Status::Confirmed && f(b)).count() as u32
                            };
                            let in_slot = confirmed(&|b| b.slot_start == s.start);
                            let in_day = confirmed(&|b| local_date(&office, b.slot_start) == date);
                            if in_slot < s.capacity && in_day < plan.cap {
                                bookings.push(Booking {
                                    id: bookings.len() as i64,
                                    slot_start: s.start,
                                    status: Status::Confirmed,
                                    valid_until: s.start + Duration::hours(i64::from(validity_hours)),
                                });
                            }
                        }
                    }
                    Op::Cancel(i) => {
                        if let Some(b) = bookings.get_mut(i) {
                            b.status = Status::Cancelled;
                        }
                    }
                    Op::Level { level, from_day, days } => {
                        let from = today + Duration::days(i64::from(from_day));
                        cal.levels.push(LevelPeriod {
                            from,
                            to: days.map(|d| from + Duration::days(i64::from(d))),
                            level: Level::ALL[usize::from(level)],
                            reason: String::new(),
                        });
                        replan = true;
                    }
                    Op::Close(day) => {
                        cal.overrides.insert(today + Duration::days(i64::from(day)), DayOverride::Closed("x".into()));
                        replan = true;
                    }
                    Op::Reopen(day) => {
                        cal.overrides.insert(today + Duration::days(i64::from(day)), DayOverride::Open);
                        replan = true;
                    }
                    Op::Sets(n) => {
                        office.recording_sets = n;
                        replan = true;
                    }
                    Op::Seats(n) => {
                        office.waiting_room_seats = n;
                        replan = true;
                    }
                }
                if replan {
                    let plans: BTreeMap<NaiveDate, DayPlan> =
                        dates.iter().map(|d| (*d, plan_day(&office, &cal, *d))).collect();
                    let placed: Vec<Placed> = bookings
                        .iter()
                        .filter(|b| b.status == Status::Confirmed)
                        .map(|b| Placed {
                            id: b.id,
                            slot_start: b.slot_start,
                            booked_at: b.id,
                            movable: true,
                            valid_until: b.valid_until,
                        })
                        .collect();
                    for m in displace(&office, &plans, &placed, now) {
                        let b = &mut bookings[m.id as usize];
                        prop_assert_eq!(b.slot_start, m.from);
                        match m.to {
                            Some(to) => {
                                prop_assert!(local_date(&office, to.start) >= local_date(&office, m.from), "never an earlier day");
                                b.slot_start = to.start;
                            }
                            None => b.status = Status::NeedsRebooking,
                        }
                    }
                }
                let created = bookings.len();
                check(&office, &cal, &bookings, created)?;
            }
        }
    }
}
