//! Tests of the displacement rules.

//! A model of the whole office over random sequences of bookings, cancellations,
//! check-ins, the clock moving on, level changes, closures, reopenings and resource
//! changes, driven only through the planner.
//!
//! A ledger kept apart from the bookings records what each operation did to whom
//! (created, cancelled, checked in), so "nobody is lost" compares identities, not a
//! count with itself. Every re-plan is judged against a specification of its own:
//! only movable bookings move, exactly the excess over the new capacities is
//! displaced (no more), the most recently booked go first, each lands in a slot its
//! certificate covers on the same day or later, and nobody is marked for rebooking
//! while a slot they could use still has room.

use super::*;
use crate::domain::Level;
use crate::domain::office::OfficeInput;
use crate::planner::{Calendar, DayOverride, LevelPeriod, plan_day};
use chrono::{Duration, TimeZone};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Confirmed,
    CheckedIn,
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

impl Booking {
    /// Holds a seat in `slot_start`.
    fn seated(&self) -> bool {
        matches!(self.status, Status::Confirmed | Status::CheckedIn)
    }
    /// May be moved by a re-plan: confirmed and still to come.
    fn movable(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Confirmed && self.slot_start > now
    }
}

/// What the operations did to each booking, kept apart from the bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    /// Booked and not cancelled: confirmed somewhere or waiting for a new slot.
    Active,
    /// Checked in at this slot: it never moves again.
    CheckedIn(DateTime<Utc>),
    /// Cancelled by its owner.
    Cancelled,
}

#[derive(Debug, Clone)]
enum Op {
    Book {
        day: u8,
        slot: u8,
        validity_hours: u16,
    },
    /// Cancels an existing booking (most of the time) or a code nobody has.
    Cancel(Index),
    CancelUnknown,
    /// Checks in a booking of today.
    CheckIn(Index),
    /// The clock moves on.
    Advance(u8),
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
        3 => any::<Index>().prop_map(Op::Cancel),
        1 => Just(Op::CancelUnknown),
        2 => any::<Index>().prop_map(Op::CheckIn),
        2 => (1u8..30).prop_map(Op::Advance),
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

/// A slot's capacity in `plans` (0 when it does not exist any more).
fn capacity_in(
    office: &OfficeSpec,
    plans: &BTreeMap<NaiveDate, DayPlan>,
    start: DateTime<Utc>,
) -> u32 {
    plans
        .get(&local_date(office, start))
        .and_then(|d| d.slots.iter().find(|s| s.start == start))
        .map_or(0, |s| s.capacity)
}

/// Checks one re-plan's output against the specification, then builds the bookings
/// after it from the planner's answer: those it did not name as they were, those it
/// names moved or waiting.
fn replan(
    office: &OfficeSpec,
    plans: &BTreeMap<NaiveDate, DayPlan>,
    bookings: &mut Vec<Booking>,
    now: DateTime<Utc>,
    moves: &[Displacement],
) -> Result<(), TestCaseError> {
    let day_cap = |date: NaiveDate| plans.get(&date).map_or(0, |d| d.cap);
    // Only seated, movable bookings are displaced, each at most once, from its slot.
    let mut seen = HashSet::new();
    for m in moves {
        prop_assert!(seen.insert(m.id), "booking {} displaced twice", m.id);
        let b = bookings
            .iter()
            .find(|b| b.id == m.id)
            .ok_or_else(|| TestCaseError::fail(format!("unknown booking {}", m.id)))?;
        prop_assert!(b.seated(), "booking {} held no seat: {:?}", m.id, b);
        prop_assert!(
            b.movable(now),
            "booking {} cannot move (checked in or past): {:?}",
            m.id,
            b
        );
        prop_assert_eq!(m.from, b.slot_start);
    }
    // Exactly the excess is displaced: per slot what is over max(capacity, fixed),
    // then per day what is still over the cap among the movable.
    let mut by_slot: BTreeMap<DateTime<Utc>, Vec<&Booking>> = BTreeMap::new();
    for b in bookings.iter().filter(|b| b.seated()) {
        by_slot.entry(b.slot_start).or_default().push(b);
    }
    let mut expected_per_day: BTreeMap<NaiveDate, (usize, usize, usize)> = BTreeMap::new(); // (slot excess, kept, fixed)
    for (start, group) in &by_slot {
        let n = group.len();
        let fixed = group.iter().filter(|b| !b.movable(now)).count();
        let kept = n.min((capacity_in(office, plans, *start) as usize).max(fixed));
        let e = expected_per_day
            .entry(local_date(office, *start))
            .or_default();
        e.0 += n - kept;
        e.1 += kept;
        e.2 += fixed;
        // The most recently booked go first: every displaced movable booking of a
        // slot was booked after every movable one that stays.
        let out: BTreeSet<i64> = moves
            .iter()
            .filter(|m| m.from == *start)
            .map(|m| m.id)
            .collect();
        let stays = group
            .iter()
            .filter(|b| b.movable(now) && !out.contains(&b.id))
            .map(|b| b.id)
            .max();
        let first_out = out.iter().min();
        if let (Some(stays), Some(first_out)) = (stays, first_out) {
            prop_assert!(
                stays < *first_out,
                "{start}: {first_out} displaced before the more recent {stays}"
            );
        }
    }
    let mut displaced_per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for m in moves {
        *displaced_per_day
            .entry(local_date(office, m.from))
            .or_default() += 1;
    }
    for (date, (slot_excess, kept, fixed)) in &expected_per_day {
        let day_excess = kept
            .saturating_sub(day_cap(*date) as usize)
            .min(kept - fixed);
        prop_assert_eq!(
            displaced_per_day.get(date).copied().unwrap_or(0),
            slot_excess + day_excess,
            "{}: displaced exactly the excess",
            date
        );
    }
    for date in displaced_per_day.keys() {
        prop_assert!(expected_per_day.contains_key(date), "{date}: nobody there");
    }
    // Apply; moves land in slots still to come, covered by the certificate, never on
    // an earlier day.
    let named: HashSet<i64> = moves.iter().map(|m| m.id).collect();
    let mut after: Vec<Booking> = bookings
        .iter()
        .filter(|b| !named.contains(&b.id))
        .cloned()
        .collect();
    for m in moves {
        let mut b = bookings
            .iter()
            .find(|b| b.id == m.id)
            .expect("checked")
            .clone();
        match m.to {
            Some(to) => {
                prop_assert!(to.start > now, "moved into a slot that has started");
                prop_assert!(to.start <= b.valid_until, "certificate covers the new slot");
                prop_assert!(
                    local_date(office, to.start) >= local_date(office, m.from),
                    "never an earlier day"
                );
                prop_assert_eq!(to.capacity, capacity_in(office, plans, to.start));
                b.slot_start = to.start;
            }
            None => b.status = Status::NeedsRebooking,
        }
        after.push(b);
    }
    after.sort_by_key(|b| b.id);
    *bookings = after;
    // Nobody waits for a new slot while one they could use has room.
    let count = |f: &dyn Fn(&Booking) -> bool| {
        bookings.iter().filter(|b| b.seated() && f(b)).count() as u32
    };
    for m in moves.iter().filter(|m| m.to.is_none()) {
        let b = bookings.iter().find(|b| b.id == m.id).expect("checked");
        let from_day = local_date(office, m.from);
        for plan in plans.values().filter(|p| p.date >= from_day) {
            for s in plan
                .slots
                .iter()
                .filter(|s| s.start > now && s.start <= b.valid_until)
            {
                let in_slot = count(&|x| x.slot_start == s.start);
                let in_day = count(&|x| local_date(office, x.slot_start) == plan.date);
                prop_assert!(
                    in_slot >= s.capacity || in_day >= plan.cap,
                    "booking {} marked for rebooking while {} had room ({in_slot}/{}, day {in_day}/{})",
                    b.id,
                    s.start,
                    s.capacity,
                    plan.cap
                );
            }
        }
    }
    Ok(())
}

/// After every step: the bookings are exactly the ledger's, each in the state its
/// fate allows, and no slot or day holds more than its capacity (or than the seats
/// that can no longer move, when a capacity dropped below them).
fn check(
    office: &OfficeSpec,
    cal: &Calendar,
    bookings: &[Booking],
    ledger: &BTreeMap<i64, Fate>,
    now: DateTime<Utc>,
) -> Result<(), TestCaseError> {
    let ids: BTreeSet<i64> = bookings.iter().map(|b| b.id).collect();
    let booked: BTreeSet<i64> = ledger.keys().copied().collect();
    prop_assert_eq!(ids.len(), bookings.len(), "each booking once");
    prop_assert_eq!(ids, booked, "the bookings are exactly those made");
    for b in bookings {
        match &ledger[&b.id] {
            Fate::Cancelled => prop_assert_eq!(b.status, Status::Cancelled),
            Fate::CheckedIn(at) => {
                prop_assert_eq!(b.status, Status::CheckedIn);
                prop_assert_eq!(b.slot_start, *at, "a checked-in booking never moves");
            }
            Fate::Active => prop_assert!(
                matches!(b.status, Status::Confirmed | Status::NeedsRebooking),
                "booking {} is {:?}",
                b.id,
                b.status
            ),
        }
        if b.status == Status::Confirmed {
            prop_assert!(b.slot_start <= b.valid_until, "certificate covers the slot");
        }
    }
    let mut per_slot: HashMap<DateTime<Utc>, (u32, u32)> = HashMap::new();
    let mut per_day: HashMap<NaiveDate, (u32, u32)> = HashMap::new();
    for b in bookings.iter().filter(|b| b.seated()) {
        let fixed = u32::from(!b.movable(now));
        let s = per_slot.entry(b.slot_start).or_default();
        s.0 += 1;
        s.1 += fixed;
        let d = per_day.entry(local_date(office, b.slot_start)).or_default();
        d.0 += 1;
        d.1 += fixed;
    }
    for (date, (n, fixed)) in per_day {
        let plan = plan_day(office, cal, date);
        prop_assert!(
            n <= plan.cap.max(fixed),
            "{date}: {n} > cap {} ({fixed} fixed)",
            plan.cap
        );
    }
    for (start, (n, fixed)) in per_slot {
        let plan = plan_day(office, cal, local_date(office, start));
        let cap = plan
            .slots
            .iter()
            .find(|s| s.start == start)
            .map_or(0, |s| s.capacity);
        prop_assert!(
            n <= cap.max(fixed),
            "{start}: {n} > capacity {cap} ({fixed} fixed)"
        );
    }
    Ok(())
}

/// Runs `ops` through the model with `displace` standing for the planner.
fn run(
    ops: Vec<Op>,
    displace: impl Fn(
        &OfficeSpec,
        &BTreeMap<NaiveDate, DayPlan>,
        &[Placed],
        DateTime<Utc>,
    ) -> Vec<Displacement>,
) -> Result<(), TestCaseError> {
    let mut now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(); // Mon 07:00 WIB
    let mut office = office();
    let mut cal = Calendar::default();
    let mut bookings: Vec<Booking> = Vec::new();
    let mut ledger: BTreeMap<i64, Fate> = BTreeMap::new();
    for op in ops {
        let mut changed = false;
        let today = local_date(&office, now);
        match op {
            Op::Book {
                day,
                slot,
                validity_hours,
            } => {
                let date = today + Duration::days(i64::from(day));
                let plan = plan_day(&office, &cal, date);
                if let Some(s) = plan.slots.get(usize::from(slot)).filter(|s| s.start > now) {
                    let seated = |f: &dyn Fn(&Booking) -> bool| {
                        bookings.iter().filter(|b| b.seated() && f(b)).count() as u32
                    };
                    let in_slot = seated(&|b| b.slot_start == s.start);
                    let in_day = seated(&|b| local_date(&office, b.slot_start) == date);
                    if in_slot < s.capacity && in_day < plan.cap {
                        let id = 1000 + bookings.len() as i64;
                        bookings.push(Booking {
                            id,
                            slot_start: s.start,
                            status: Status::Confirmed,
                            valid_until: s.start + Duration::hours(i64::from(validity_hours)),
                        });
                        ledger.insert(id, Fate::Active);
                    }
                }
            }
            Op::Cancel(i) => {
                if !bookings.is_empty() {
                    let at = i.index(bookings.len());
                    let b = &mut bookings[at];
                    if matches!(b.status, Status::Confirmed | Status::NeedsRebooking) {
                        b.status = Status::Cancelled;
                        ledger.insert(b.id, Fate::Cancelled);
                    }
                }
            }
            Op::CancelUnknown => {}
            Op::CheckIn(i) => {
                if !bookings.is_empty() {
                    let at = i.index(bookings.len());
                    let b = &mut bookings[at];
                    if b.status == Status::Confirmed && local_date(&office, b.slot_start) == today {
                        b.status = Status::CheckedIn;
                        ledger.insert(b.id, Fate::CheckedIn(b.slot_start));
                    }
                }
            }
            Op::Advance(hours) => now += Duration::hours(i64::from(hours)),
            Op::Level {
                level,
                from_day,
                days,
            } => {
                let from = today + Duration::days(i64::from(from_day));
                cal.levels.push(LevelPeriod {
                    from,
                    to: days.map(|d| from + Duration::days(i64::from(d))),
                    level: Level::ALL[usize::from(level)],
                    reason: String::new(),
                });
                changed = true;
            }
            Op::Close(day) => {
                cal.overrides.insert(
                    today + Duration::days(i64::from(day)),
                    DayOverride::Closed("x".into()),
                );
                changed = true;
            }
            Op::Reopen(day) => {
                cal.overrides
                    .insert(today + Duration::days(i64::from(day)), DayOverride::Open);
                changed = true;
            }
            Op::Sets(n) => {
                office.recording_sets = n;
                changed = true;
            }
            Op::Seats(n) => {
                office.waiting_room_seats = n;
                changed = true;
            }
        }
        if changed {
            // The plans cover every date a booking is on and every date one may move
            // to (displace's precondition), wherever the clock has got to.
            let mut dates: BTreeSet<NaiveDate> =
                (-1..=16).map(|d| today + Duration::days(d)).collect();
            dates.extend(bookings.iter().map(|b| local_date(&office, b.slot_start)));
            let plans: BTreeMap<NaiveDate, DayPlan> = dates
                .iter()
                .map(|d| (*d, plan_day(&office, &cal, *d)))
                .collect();
            let placed: Vec<Placed> = bookings
                .iter()
                .filter(|b| b.seated())
                .map(|b| Placed {
                    id: b.id,
                    slot_start: b.slot_start,
                    booked_at: b.id,
                    movable: b.movable(now),
                    valid_until: b.valid_until,
                })
                .collect();
            let moves = displace(&office, &plans, &placed, now);
            replan(&office, &plans, &mut bookings, now, &moves)?;
        }
        check(&office, &cal, &bookings, &ledger, now)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn capacity_changes_never_overfill_and_never_lose_a_booking(ops in proptest::collection::vec(op(), 1..80)) {
        run(ops, super::displace)?;
    }
}

/// Runs the model over many random sequences with a broken planner: it must fail.
fn catches(
    broken: impl Fn(
        &OfficeSpec,
        &BTreeMap<NaiveDate, DayPlan>,
        &[Placed],
        DateTime<Utc>,
    ) -> Vec<Displacement>,
) -> bool {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..80), |ops| {
            run(ops, &broken)
        })
        .is_err()
}

#[test]
fn the_model_catches_a_planner_that_marks_everyone_for_rebooking() {
    assert!(catches(|_, _, placed, now| {
        placed
            .iter()
            .filter(|p| p.movable && p.slot_start > now)
            .map(|p| Displacement {
                id: p.id,
                from: p.slot_start,
                to: None,
            })
            .collect()
    }));
}

#[test]
fn the_model_catches_a_planner_that_loses_a_displaced_booking() {
    assert!(catches(|office, plans, placed, now| {
        let mut moves = super::displace(office, plans, placed, now);
        moves.pop();
        moves
    }));
}

#[test]
fn the_model_catches_a_planner_that_names_a_booking_twice() {
    assert!(catches(|office, plans, placed, now| {
        let mut moves = super::displace(office, plans, placed, now);
        if let Some(first) = moves.first().cloned() {
            moves.push(first);
        }
        moves
    }));
}

#[test]
fn the_model_catches_a_planner_that_moves_a_checked_in_or_past_booking() {
    assert!(catches(|office, plans, placed, now| {
        let mut moves = super::displace(office, plans, placed, now);
        if let Some(p) = placed.iter().find(|p| !p.movable) {
            moves.push(Displacement {
                id: p.id,
                from: p.slot_start,
                to: None,
            });
        }
        moves
    }));
}

/// A re-plan that leaves no room anywhere (every day closed) queues a confirmed booking
/// for rebooking, cancels one still waiting for its phone's code, lists the day whose
/// cap fell, and leaves a checked-in one where it is.
#[test]
fn a_closure_queues_the_confirmed_and_cancels_the_unverified() {
    let spec = office();
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap(); // Monday 07:00 WIB
    let day = local_date(&spec, now);
    let slot = plan_day(&spec, &Calendar::default(), day).slots[2];
    let seated = |id, status| Seated {
        id,
        slot_start: slot.start,
        local_date: day,
        status,
        booked_at: id,
        certificate: ("antigen".to_string(), now),
    };
    let before = Calendar::default();
    let mut closed = Calendar::default();
    for d in 0..=spec.booking_horizon_days {
        let date = day + Duration::days(i64::from(d));
        closed
            .overrides
            .insert(date, DayOverride::Closed("disinfeksi".into()));
    }
    let out = super::replan(
        (&spec, &before),
        (&spec, &closed),
        &[
            seated(1, BookingStatus::Confirmed),
            seated(2, BookingStatus::PendingVerification),
            seated(3, BookingStatus::CheckedIn),
        ],
        now,
    );
    let outcome = |id| out.moves.iter().find(|m| m.id == id).map(|m| m.outcome);
    assert_eq!(outcome(1), Some(Outcome::NeedsRebooking));
    assert_eq!(outcome(2), Some(Outcome::Cancelled));
    assert_eq!(outcome(3), None, "a checked-in booking keeps its seat");
    let today = out
        .days
        .iter()
        .find(|d| d.date == day)
        .expect("today changes");
    assert_eq!((today.cap_after, today.booked), (0, 3));
}
