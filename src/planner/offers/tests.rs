//! The offer rule against a model written the other way round: for each person in queue
//! order, every slot of every day is tried and the earliest that fits them is theirs.

use super::*;
use crate::domain::Level;
use chrono::TimeZone;
use proptest::prelude::*;

const TZ: Tz = chrono_tz::Asia::Jakarta;

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
}

/// A slot at office-local `hour` on day `d`.
fn at(d: u8, hour: u32) -> DateTime<Utc> {
    let date = day0() + Duration::days(i64::from(d));
    TZ.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// Day plans from drawn caps and slot capacities (slots from 08:00, an hour each).
fn plans(days: &[(u32, Vec<u32>)]) -> Vec<DayPlan> {
    days.iter()
        .enumerate()
        .map(|(d, (cap, slots))| DayPlan {
            date: day0() + Duration::days(d as i64),
            level: Level::None,
            closed: None,
            slots: slots
                .iter()
                .enumerate()
                .map(|(i, c)| SlotPlan {
                    start: at(d as u8, 8 + i as u32),
                    end: at(d as u8, 9 + i as u32),
                    capacity: *c,
                })
                .collect(),
            cap: *cap,
            binding: None,
            staffed_sets: 1,
            seats: 1,
        })
        .collect()
}

prop_compose! {
    fn waiting(id: i64)(
        valid in proptest::option::of((0u8..6, 8u32..13)),
        from in proptest::option::of(0u8..6),
        len in proptest::option::of(0u8..4),
        age_days in proptest::option::of(-20i64..20),
        married in any::<bool>(),
    ) -> Waiting {
        let from_date = from.map(|f| day0() + Duration::days(i64::from(f)));
        Waiting {
            id,
            valid_until: valid.map(|(d, h)| at(d, h)),
            from: from_date,
            to: from_date.zip(len).map(|(f, l)| f + Duration::days(i64::from(l))),
            // Around the 17th birthday on the first days.
            birth_date: age_days.map(|a| {
                NaiveDate::from_ymd_opt(2009, 12, 7).unwrap() + Duration::days(a)
            }),
            married,
        }
    }
}

fn queue() -> impl Strategy<Value = Vec<Waiting>> {
    (0usize..14).prop_flat_map(|n| (0..n as i64).map(waiting).collect::<Vec<_>>())
}

fn office_days() -> impl Strategy<Value = Vec<(u32, Vec<u32>)>> {
    proptest::collection::vec((0u32..7, proptest::collection::vec(0u32..4, 0..5)), 1..6)
}

/// Does slot `s` of `day` fit person `w` (ignoring room)?
fn fits(w: &Waiting, day: NaiveDate, s: &SlotPlan, now: DateTime<Utc>, min_age: u32) -> bool {
    let (Some(valid), Some(born)) = (w.valid_until, w.birth_date) else {
        return false;
    };
    s.start > now
        && s.start <= valid
        && w.from.is_none_or(|f| day >= f)
        && w.to.is_none_or(|t| day <= t)
        && crate::domain::old_enough(born, w.married, day, min_age)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn offers_fill_no_slot_or_day_beyond_its_capacity_and_go_in_queue_order(
        days in office_days(),
        taken in proptest::collection::vec(0u32..3, 30),
        queue in queue(),
        now_hour in 6u32..12,
    ) {
        let plans = plans(&days);
        let now = at(0, now_hour);
        let rules = OfferRules::default();
        // Seats already taken: some slots part full (never beyond capacity, as the
        // counters hold), days counting them.
        let mut slots = HashMap::new();
        let mut days_taken = HashMap::new();
        for (i, (d, s)) in plans
            .iter()
            .flat_map(|d| d.slots.iter().map(move |s| (d, s)))
            .enumerate()
        {
            let n = taken[i % taken.len()].min(s.capacity);
            let day_left = d.cap.saturating_sub(days_taken.get(&d.date).copied().unwrap_or(0));
            let n = n.min(day_left);
            slots.insert(s.start, n);
            *days_taken.entry(d.date).or_default() += n;
        }
        let offering = Offering::new(&plans, slots.clone(), days_taken.clone(), now, rules, TZ);
        let made = offers(offering, &queue);

        // The model: in queue order, the earliest slot that fits and has room.
        let mut model_slots = slots.clone();
        let mut model_days = days_taken.clone();
        let mut expected = Vec::new();
        for w in &queue {
            let best = plans
                .iter()
                .flat_map(|d| d.slots.iter().map(move |s| (d, s)))
                .filter(|(d, s)| fits(w, d.date, s, now, rules.min_age))
                .filter(|(d, s)| {
                    model_slots.get(&s.start).copied().unwrap_or(0) < s.capacity
                        && model_days.get(&d.date).copied().unwrap_or(0) < d.cap
                })
                .min_by_key(|(_, s)| s.start);
            if let Some((d, s)) = best {
                *model_slots.entry(s.start).or_default() += 1;
                *model_days.entry(d.date).or_default() += 1;
                expected.push((w.id, s.start));
            }
        }
        let got: Vec<_> = made.iter().map(|o| (o.id, o.slot.start)).collect();
        prop_assert_eq!(&got, &expected);

        // Never beyond a slot's capacity or a day's cap, counting what was taken.
        for d in &plans {
            let on_day = made.iter().filter(|o| o.date == d.date).count() as u32;
            prop_assert!(days_taken.get(&d.date).copied().unwrap_or(0) + on_day <= d.cap);
            for s in &d.slots {
                let in_slot = made.iter().filter(|o| o.slot.start == s.start).count() as u32;
                prop_assert!(slots[&s.start] + in_slot <= s.capacity);
            }
        }
        // A hold never outlasts its slot, and starts after now.
        for o in &made {
            prop_assert!(o.hold_until <= o.slot.start && o.hold_until > now);
        }
    }
}

/// The offers for `queue` into an office where nothing is taken yet.
fn into_empty(plans: &[DayPlan], now: DateTime<Utc>, queue: &[Waiting]) -> Vec<Offer> {
    let rules = OfferRules::default();
    let offering = Offering::new(plans, HashMap::new(), HashMap::new(), now, rules, TZ);
    offers(offering, queue)
}

/// The model catches a rule that skips the queue's order (the last first).
#[test]
fn a_later_person_never_takes_the_seat_of_an_earlier_one() {
    let plans = plans(&[(1, vec![1])]);
    let now = at(0, 6);
    let person = |id| Waiting {
        id,
        valid_until: Some(at(3, 12)),
        from: None,
        to: None,
        birth_date: NaiveDate::from_ymd_opt(2000, 1, 1),
        married: false,
    };
    let made = into_empty(&plans, now, &[person(1), person(2)]);
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].id, 1, "the first in the queue gets the only seat");
}

/// A person too young on every day with room, or whose certificate ends before every
/// slot, is passed over and the next one gets the seat.
#[test]
fn a_person_the_seat_does_not_fit_is_passed_over() {
    let plans = plans(&[(2, vec![2])]);
    let now = at(0, 6);
    let young = Waiting {
        id: 1,
        valid_until: Some(at(3, 12)),
        from: None,
        to: None,
        birth_date: NaiveDate::from_ymd_opt(2012, 1, 1),
        married: false,
    };
    let expired = Waiting {
        id: 2,
        valid_until: Some(at(0, 7)),
        ..young.clone()
    };
    let fine = Waiting {
        id: 3,
        birth_date: NaiveDate::from_ymd_opt(2000, 1, 1),
        ..young.clone()
    };
    let ids: Vec<_> = into_empty(&plans, now, &[young, expired, fine])
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ids, vec![3]);
}
