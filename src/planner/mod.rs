//! The pure planning core: slots from opening hours, capacities from resources, the
//! restriction level and the calendar, and who is displaced when capacity drops.
//!
//! No I/O and no clock: callers pass the office, its calendar, the date and "now". The
//! capacity model follows DOMAIN.md ("Capacity of a recording office"): recording sets
//! that can be staffed = sets × WFO % (at least one while open); a slot holds at most what
//! those sets can record in it and at most the waiting-room seats × occupancy %; a day
//! holds at most the sum of its slots, the level's absolute maximum and the office's
//! daily maximum. A level may also shorten opening hours.

mod offers;
mod replan;

pub use offers::{Offer, OfferRules, Offering, Waiting, offers};
pub use replan::{
    DayImpact, Displacement, Move, Outcome, Placed, Replan, Seated, displace, replan,
};

use crate::domain::holidays;
use crate::domain::level::seed_rules;
use crate::domain::{Level, LevelRule, OfficeSpec, Weekday};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// A level in force over a date range (`to` inclusive, open-ended when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day, if any.
    pub to: Option<NaiveDate>,
    /// The level.
    pub level: Level,
    /// Why (the instruction number).
    pub reason: String,
}

/// An office's own decision about one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOverride {
    /// Closed, with the reason (e.g. disinfection after a positive case).
    Closed(String),
    /// Open although the date is a public holiday or joint leave day.
    Open,
}

/// Everything besides the office itself that decides a day's capacity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calendar {
    /// Level periods in the order they were set; a later one wins where they overlap.
    pub levels: Vec<LevelPeriod>,
    /// The rule of each level; missing levels fall back to the seed rules.
    pub rules: BTreeMap<Level, LevelRule>,
    /// Public holidays and joint leave days, with their names.
    pub holidays: BTreeMap<NaiveDate, String>,
    /// The office's closures and openings.
    pub overrides: BTreeMap<NaiveDate, DayOverride>,
}

impl Calendar {
    /// The level in force on `date` (`none` when no period covers it).
    pub fn level_on(&self, date: NaiveDate) -> Level {
        self.levels
            .iter()
            .rev()
            .find(|p| p.from <= date && p.to.is_none_or(|to| date <= to))
            .map(|p| p.level)
            .unwrap_or(Level::None)
    }

    /// Why the office is closed on `date`, if it is (the office's word beats the
    /// holiday list: it may open on a joint leave day or close on a working day). In a
    /// year whose holidays are not loaded, the fixed-date national holidays still close
    /// it (1 January, 1 May, 1 June, 17 August, 25 December).
    pub fn closed_on(&self, date: NaiveDate) -> Option<&str> {
        match self.overrides.get(&date) {
            Some(DayOverride::Closed(reason)) => Some(reason),
            Some(DayOverride::Open) => None,
            None => match self.holidays.get(&date) {
                Some(name) => Some(name),
                None if !holidays::year_loaded(&self.holidays, date.year()) => {
                    holidays::fixed(date)
                }
                None => None,
            },
        }
    }

    /// The rule of a level.
    pub fn rule(&self, level: Level) -> LevelRule {
        self.rules.get(&level).cloned().unwrap_or_else(|| {
            seed_rules()
                .into_iter()
                .find(|r| r.level == level)
                .expect("a seed rule for every level")
        })
    }
}

/// One bookable slot of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotPlan {
    /// Start, UTC.
    pub start: DateTime<Utc>,
    /// End, UTC.
    pub end: DateTime<Utc>,
    /// How many people may be booked into it.
    pub capacity: u32,
}

/// Which limit decides a figure, so pages can say "dibatasi oleh …".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Recording sets that can be staffed × slot length ÷ minutes per recording.
    Throughput,
    /// Waiting-room seats × occupancy %.
    WaitingRoom,
    /// The level's absolute maximum of visitors a day.
    LevelMaximum,
    /// The office's own daily maximum.
    DailyMaximum,
}

impl Limit {
    /// A stable key for pages and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Self::Throughput => "throughput",
            Self::WaitingRoom => "waiting_room",
            Self::LevelMaximum => "level_maximum",
            Self::DailyMaximum => "daily_maximum",
        }
    }
}

/// The plan of one local calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    /// The office-local date.
    pub date: NaiveDate,
    /// The level in force.
    pub level: Level,
    /// Why the office is closed, if it is (holiday, closure). A weekday without
    /// opening hours is not "closed" here; it simply has no slots.
    pub closed: Option<String>,
    /// Slots in time order; empty when closed or without opening hours.
    pub slots: Vec<SlotPlan>,
    /// The most people the day may hold (≤ the sum of slot capacities).
    pub cap: u32,
    /// The limit that binds the day's cap, if the office is open.
    pub binding: Option<Limit>,
    /// Recording sets that can be staffed.
    pub staffed_sets: u32,
    /// Waiting-room seats usable at once.
    pub seats: u32,
}

/// Recording sets that can be staffed and seats usable under `rule`, with the slot
/// capacity and which limit decides it.
pub fn slot_capacity(office: &OfficeSpec, rule: &LevelRule) -> (u32, u32, u32, Limit) {
    // Inmendagri 22/2021: WFO caps the operators present (one still comes while the
    // office is open); the sets in use are those they can run, at most the sets there are.
    let on_duty = (office.operators * rule.wfo_percent / 100).max(1);
    let staffed = on_duty.min(office.recording_sets);
    let seats = (office.waiting_room_seats * rule.occupancy_percent / 100).max(1);
    // Integer arithmetic over the whole slot, not per set: 2 sets × 10 min in a 15-min
    // slot serve 3, not 2.
    let throughput = staffed * office.slot_minutes / office.minutes_per_recording;
    if seats < throughput {
        (staffed, seats, seats, Limit::WaitingRoom)
    } else {
        (staffed, seats, throughput, Limit::Throughput)
    }
}

/// Plans one office-local day: its slots and caps.
pub fn plan_day(office: &OfficeSpec, calendar: &Calendar, date: NaiveDate) -> DayPlan {
    let level = calendar.level_on(date);
    let rule = calendar.rule(level);
    let (staffed_sets, seats, capacity, slot_limit) = slot_capacity(office, &rule);
    let closed = calendar.closed_on(date).map(str::to_string);
    let hours = office.hours.get(&Weekday::from_chrono(date.weekday()));
    let (Some(hours), None) = (hours, &closed) else {
        return DayPlan {
            date,
            level,
            closed,
            slots: Vec::new(),
            cap: 0,
            binding: None,
            staffed_sets,
            seats,
        };
    };
    let step = Duration::minutes(i64::from(office.slot_minutes));
    let close = match rule.latest_close_time() {
        Some(latest) if latest < hours.close => date.and_time(latest),
        _ => date.and_time(hours.close),
    };
    let mut slots = Vec::new();
    let mut local = date.and_time(hours.open);
    while local + step <= close {
        // Indonesian zones have no daylight saving, so local times are never ambiguous;
        // `earliest` keeps other zones safe too.
        if let (Some(start), Some(end)) = (
            office.timezone.from_local_datetime(&local).earliest(),
            office
                .timezone
                .from_local_datetime(&(local + step))
                .earliest(),
        ) {
            slots.push(SlotPlan {
                start: start.with_timezone(&Utc),
                end: end.with_timezone(&Utc),
                capacity,
            });
        }
        local += step;
    }
    let mut cap = slots.iter().map(|s| s.capacity).sum::<u32>();
    let mut binding = slot_limit;
    if let Some(max) = rule.max_visitors.filter(|m| *m < cap) {
        (cap, binding) = (max, Limit::LevelMaximum);
    }
    if let Some(max) = office.max_visitors_per_day.filter(|m| *m < cap) {
        (cap, binding) = (max, Limit::DailyMaximum);
    }
    DayPlan {
        date,
        level,
        closed,
        slots,
        cap,
        binding: Some(binding),
        staffed_sets,
        seats,
    }
}

/// The instant an office-local date begins, in `tz` (its midnight; the earliest, should
/// a zone ever repeat it).
pub fn start_of_day(tz: chrono_tz::Tz, date: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight).earliest().map_or_else(
        || Utc.from_utc_datetime(&midnight),
        |t| t.with_timezone(&Utc),
    )
}

/// The office-local date of an instant.
pub fn local_date(office: &OfficeSpec, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&office.timezone).date_naive()
}

/// Dates applicants may book, today through today + horizon.
pub fn bookable_dates(office: &OfficeSpec, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let today = local_date(office, now);
    (0..=office.booking_horizon_days)
        .map(|d| today + Duration::days(i64::from(d)))
        .collect()
}

/// Why a requested slot cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotProblem {
    /// No slot of this office starts at that instant.
    NoSuchSlot,
    /// The office is closed that day, and why.
    Closed(String),
    /// The slot has started or is over.
    InThePast,
    /// The date lies beyond the booking horizon.
    BeyondHorizon,
}

/// Finds the slot starting at `start`, with its day's plan, if it may be taken now.
pub fn bookable_slot(
    office: &OfficeSpec,
    calendar: &Calendar,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(DayPlan, SlotPlan), SlotProblem> {
    let date = local_date(office, start);
    let day = plan_day(office, calendar, date);
    if let Some(reason) = &day.closed {
        return Err(SlotProblem::Closed(reason.clone()));
    }
    let slot = *day
        .slots
        .iter()
        .find(|s| s.start == start)
        .ok_or(SlotProblem::NoSuchSlot)?;
    if slot.start <= now {
        return Err(SlotProblem::InThePast);
    }
    if date > local_date(office, now) + Duration::days(i64::from(office.booking_horizon_days)) {
        return Err(SlotProblem::BeyondHorizon);
    }
    Ok((day, slot))
}

/// How many open days it takes, from `now` on, to seat `backlog` people in the seats left
/// over — at the calendar's own levels, or at `level` throughout. `taken` holds the seats
/// taken per slot start (epoch seconds). On the first day only slots still to come count,
/// and a day whose slots have all started is not counted. `None` when a year is not
/// enough.
pub fn days_to_clear(
    office: &OfficeSpec,
    calendar: &Calendar,
    level: Option<Level>,
    now: DateTime<Utc>,
    taken: &std::collections::HashMap<i64, u32>,
    backlog: u32,
) -> Option<u32> {
    if backlog == 0 {
        return Some(0);
    }
    let from = local_date(office, now);
    let what_if;
    let calendar = match level {
        Some(level) => {
            what_if = Calendar {
                levels: vec![LevelPeriod {
                    from,
                    to: None,
                    level,
                    reason: String::new(),
                }],
                ..calendar.clone()
            };
            &what_if
        }
        None => calendar,
    };
    let mut left = backlog;
    let mut open_days = 0;
    for d in 0..366 {
        let date = from + Duration::days(d);
        let plan = plan_day(office, calendar, date);
        let taken_in = |s: &SlotPlan| taken.get(&s.start.timestamp()).copied().unwrap_or(0);
        let later: u32 = plan
            .slots
            .iter()
            .filter(|s| s.start > now)
            .map(|s| s.capacity.saturating_sub(taken_in(s)))
            .sum();
        if plan.slots.iter().all(|s| s.start <= now) {
            continue;
        }
        open_days += 1;
        let day_taken: u32 = plan.slots.iter().map(taken_in).sum();
        left = left.saturating_sub(plan.cap.saturating_sub(day_taken).min(later));
        if left == 0 {
            return Some(open_days);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::office::OfficeInput;
    use proptest::prelude::*;

    fn demo() -> OfficeSpec {
        let input: OfficeInput = serde_json::from_value(serde_json::json!({
            "name": "UPT Ciruas", "timezone": "Asia/Jakarta", "address": "",
            "recording_sets": 2, "minutes_per_recording": 10, "waiting_room_seats": 10,
            "slot_minutes": 30, "max_visitors_per_day": null, "booking_horizon_days": 14,
            "hours": {"mon": ["08:00", "15:00"], "tue": ["08:00", "15:00"],
                      "wed": ["08:00", "15:00"], "thu": ["08:00", "15:00"],
                      "fri": ["08:00", "11:00"]}
        }))
        .unwrap();
        input.parse().unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_to_clear_count_only_seats_still_to_come() {
        use std::collections::HashMap;
        let (office, cal) = (demo(), Calendar::default());
        let wib = |d: u32, h: u32, m: u32| {
            chrono_tz::Asia::Jakarta
                .with_ymd_and_hms(2026, 11, d, h, m, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        let none = HashMap::new();
        // Monday 14:10: only the 14:30 slot (6 seats) is left today.
        let at_1410 = wib(30, 14, 10);
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1410, &none, 6),
            Some(1)
        );
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1410, &none, 7),
            Some(2)
        );
        // Its seats taken: today still counts as an open day, with nothing free.
        let full: HashMap<i64, u32> = [(wib(30, 14, 30).timestamp(), 6)].into();
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1410, &full, 1),
            Some(2)
        );
        // Monday 15:00: today is over and not counted; Tuesday and Wednesday hold 84 each.
        let at_1500 = wib(30, 15, 0);
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1500, &none, 84),
            Some(1)
        );
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1500, &none, 85),
            Some(2)
        );
        // At level 4 (2 a slot, 28 a day) from Tuesday.
        let l4 = Some(Level::L4);
        assert_eq!(
            days_to_clear(&office, &cal, l4, at_1500, &none, 57),
            Some(3)
        );
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1500, &none, 0),
            Some(0)
        );
        assert_eq!(
            days_to_clear(&office, &cal, None, at_1500, &none, u32::MAX),
            None
        );
    }

    #[test]
    fn the_demo_office_serves_six_per_half_hour() {
        // 2 sets × 30 min ÷ 10 min = 6 per slot, under the 10 seats.
        let tue = plan_day(&demo(), &Calendar::default(), date(2026, 12, 1));
        assert_eq!(tue.slots.len(), 14);
        assert_eq!(tue.cap, 84);
        assert_eq!(tue.binding, Some(Limit::Throughput));
        assert_eq!(
            tue.slots[0].start,
            Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap(),
            "08:00 WIB is 01:00 UTC"
        );
        let fri = plan_day(&demo(), &Calendar::default(), date(2026, 12, 4));
        assert_eq!((fri.slots.len(), fri.cap), (6, 36));
        let sat = plan_day(&demo(), &Calendar::default(), date(2026, 12, 5));
        assert_eq!((sat.slots.len(), sat.cap, sat.binding), (0, 0, None));
    }

    #[test]
    fn seats_and_the_daily_maximum_bind_when_lower() {
        let mut o = demo();
        o.waiting_room_seats = 4;
        let day = plan_day(&o, &Calendar::default(), date(2026, 12, 1));
        assert_eq!((day.slots[0].capacity, day.cap), (4, 56));
        assert_eq!(day.binding, Some(Limit::WaitingRoom));
        o.max_visitors_per_day = Some(35);
        let day = plan_day(&o, &Calendar::default(), date(2026, 12, 1));
        assert_eq!((day.cap, day.binding), (35, Some(Limit::DailyMaximum)));
    }

    /// The table in the README: the demo office at each level of the seed rules.
    #[test]
    fn the_demo_office_at_each_level_matches_the_readme() {
        let office = crate::domain::office::demo_office().parse().unwrap();
        let (tue, fri) = (date(2026, 12, 1), date(2026, 12, 4));
        let expected = [
            // level, staffed sets, seats, per slot, Mon–Thu, Fri, binding limit
            (Level::None, 2, 10, 6, 84, 36, Limit::Throughput),
            (Level::L1, 2, 7, 6, 84, 36, Limit::Throughput),
            (Level::L2, 1, 5, 3, 42, 18, Limit::Throughput),
            (Level::L3, 1, 2, 2, 28, 12, Limit::WaitingRoom),
            (Level::L4, 1, 2, 2, 28, 12, Limit::WaitingRoom),
            (Level::Darurat, 1, 2, 2, 20, 12, Limit::WaitingRoom),
        ];
        for (level, sets, seats, per_slot, mon_thu, friday, limit) in expected {
            let cal = Calendar {
                levels: vec![LevelPeriod {
                    from: tue,
                    to: None,
                    level,
                    reason: String::new(),
                }],
                ..Calendar::default()
            };
            let t = plan_day(&office, &cal, tue);
            let f = plan_day(&office, &cal, fri);
            if level == Level::L2 {
                // WFO limits operators, not sets: four operators at 75 % run both sets.
                let mut more = office.clone();
                more.operators = 4;
                let m = plan_day(&more, &cal, tue);
                assert_eq!((m.staffed_sets, m.slots[0].capacity, m.cap), (2, 5, 70));
            }
            assert_eq!(
                (
                    t.staffed_sets,
                    t.seats,
                    t.slots[0].capacity,
                    t.cap,
                    f.cap,
                    t.binding
                ),
                (sets, seats, per_slot, mon_thu, friday, Some(limit)),
                "{level:?}"
            );
        }
    }

    #[test]
    fn a_partial_last_slot_is_dropped() {
        let mut o = demo();
        o.slot_minutes = 45;
        let fri = plan_day(&o, &Calendar::default(), date(2026, 12, 4)); // 08:00–11:00 = 4 × 45 min
        assert_eq!(fri.slots.len(), 4);
        o.slot_minutes = 50; // 3 × 50 = 150 ≤ 180, a fourth would end 11:20
        assert_eq!(
            plan_day(&o, &Calendar::default(), date(2026, 12, 4))
                .slots
                .len(),
            3
        );
    }

    #[test]
    fn past_unknown_and_far_slots_are_not_bookable() {
        let o = demo();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 2, 10, 0).unwrap(); // 09:10 WIB
        let at = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
        assert_eq!(
            bookable_slot(&o, &Calendar::default(), at(1, 2, 0), now).unwrap_err(),
            SlotProblem::InThePast
        );
        assert!(bookable_slot(&o, &Calendar::default(), at(1, 2, 30), now).is_ok());
        assert_eq!(
            bookable_slot(&o, &Calendar::default(), at(1, 2, 15), now).unwrap_err(),
            SlotProblem::NoSuchSlot
        );
        assert_eq!(
            bookable_slot(&o, &Calendar::default(), at(5, 2, 0), now).unwrap_err(),
            SlotProblem::NoSuchSlot
        );
        assert!(bookable_slot(&o, &Calendar::default(), at(15, 1, 0), now).is_ok());
        assert_eq!(
            bookable_slot(&o, &Calendar::default(), at(16, 1, 0), now).unwrap_err(),
            SlotProblem::BeyondHorizon
        );
    }

    prop_compose! {
        fn office()(sets in 1u32..6, mpr in 1u32..30, seats in 1u32..30, slot in 5u32..120,
                    max in proptest::option::of(0u32..200), open_h in 6u32..10,
                    len_min in 30u32..600) -> OfficeSpec {
            let mut o = demo();
            o.recording_sets = sets;
            o.minutes_per_recording = mpr;
            o.waiting_room_seats = seats;
            o.slot_minutes = slot;
            o.max_visitors_per_day = max;
            let open = chrono::NaiveTime::from_hms_opt(open_h, 0, 0).unwrap();
            let close = open + Duration::minutes(i64::from(len_min));
            for h in o.hours.values_mut() {
                h.open = open;
                h.close = close.max(open + Duration::minutes(1));
            }
            o
        }
    }

    proptest! {
        #[test]
        fn plans_respect_every_limit(o in office(), day in 0i64..28) {
            let date = date(2026, 11, 30) + Duration::days(day);
            let plan = plan_day(&o, &Calendar::default(), date);
            let sum: u32 = plan.slots.iter().map(|s| s.capacity).sum();
            prop_assert!(plan.cap <= sum);
            if let Some(max) = o.max_visitors_per_day { prop_assert!(plan.cap <= max); }
            let hours = o.hours.get(&Weekday::from_chrono(date.weekday()));
            for (i, s) in plan.slots.iter().enumerate() {
                prop_assert!(s.capacity <= o.waiting_room_seats);
                prop_assert!(s.capacity * o.minutes_per_recording
                    <= o.recording_sets * o.slot_minutes);
                prop_assert_eq!(s.end - s.start, Duration::minutes(i64::from(o.slot_minutes)));
                let h = hours.unwrap();
                let local = s.start.with_timezone(&o.timezone);
                prop_assert_eq!(local.date_naive(), date);
                prop_assert!(local.time() >= h.open);
                prop_assert!(s.end.with_timezone(&o.timezone).time() <= h.close);
                if i > 0 { prop_assert!(plan.slots[i - 1].end <= s.start); }
            }
            if hours.is_none() { prop_assert!(plan.slots.is_empty() && plan.cap == 0); }
        }
    }
}
