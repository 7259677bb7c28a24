//! PPKM levels, closures and holidays cap the day; nobody is lost when caps drop.

use crate::both_databases;
use crate::helpers::*;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

both_databases!(
    next_years_holidays_are_warned_of_and_its_fixed_dates_are_known,
    level_four_displaces_exactly_the_bookings_above_the_new_caps,
    the_moved_applicant_sees_the_new_day_and_the_reason,
    lifting_the_level_offers_the_freed_seats_in_queue_order,
    bookings_racing_a_level_change_never_overfill_a_day,
    holidays_closures_and_holiday_files_take_effect,
    only_supervisors_of_the_office_change_its_plan,
    level_rules_are_versioned_data,
    fewer_recording_sets_show_a_dry_run_then_move_people,
    a_freed_seat_goes_to_the_first_on_the_waiting_list,
    an_offer_is_held_until_its_slot_starts_at_the_latest,
    reopening_a_closed_day_offers_its_seats_to_the_people_it_displaced,
    bookings_whose_slot_has_started_keep_their_seat_through_a_replan,
    age_is_judged_on_every_day_a_seat_is_moved_or_offered_to,
    a_level_rule_edit_replans_every_office_after_a_preview,
    the_wfo_share_limits_operators_not_sets,
    holidays_carry_their_decree_names_and_kinds,
    an_evening_offer_is_held_through_the_night,
);

/// An offered seat's hold counts only waking hours (06:00–21:00 office time): offered at
/// 19:48 with a 12-hour hold, it is still held at 07:48 the next morning (until 16:48).
async fn an_evening_offer_is_held_through_the_night(app: TestApp) {
    let mut office = small_office();
    office["hours"] = json!({"thu": ["08:00", "09:00"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let mut booked = Vec::new();
    for (i, slot) in [wib(12, 3, 8, 0), wib(12, 3, 8, 30)].iter().enumerate() {
        for j in 0..3 {
            booked.push(
                app.book_ok(&BookingForm::new(slot, &nik(10 + (i * 3 + j) as u32)))
                    .await,
            );
        }
    }
    let waiting: Value = join(
        &app,
        BookingForm::new("", &nik(1))
            .set("from_date", "2026-12-03")
            .set("to_date", "2026-12-03"),
    )
    .await
    .json()
    .await
    .unwrap();
    // Monday 19:48: a seat frees up and is offered.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T19:48:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let (code, token) = (
        booked[0]["code"].as_str().unwrap(),
        booked[0]["token"].as_str().unwrap(),
    );
    assert_eq!(
        app.post_booking_action(code, token, "cancel", None)
            .await
            .status(),
        200
    );
    let (wcode, wtoken) = (
        waiting["code"].as_str().unwrap(),
        waiting["token"].as_str().unwrap(),
    );
    let v: Value = app.get_booking(wcode, wtoken).await.json().await.unwrap();
    assert_eq!(
        v["offer"]["hold_until"], "2026-12-01T16:48:00+07:00",
        "1 h 12 min tonight and 10 h 48 min tomorrow: {v}"
    );
    // Tuesday 07:48 (twelve clock hours later): still held.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-12-01T07:48:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let v: Value = app.get_booking(wcode, wtoken).await.json().await.unwrap();
    assert!(!v["offer"].is_null(), "still held at 07:48: {v}");
}

/// The seeded years carry each day's name and kind as the decrees (SKB 3 Menteri) give
/// them; a file may say the kind; the applicant's calendar names the holiday.
async fn holidays_carry_their_decree_names_and_kinds(app: TestApp) {
    let listed: Value = app
        .staff_json("/api/v1/staff/holidays/2026", &app.admin_token)
        .await;
    let days = listed.as_array().unwrap();
    let of = |date: &str| days.iter().find(|d| d["date"] == date).unwrap().clone();
    assert_eq!(
        days.len(),
        25,
        "17 national holidays and 8 joint leave days"
    );
    let joint = days.iter().filter(|d| d["kind"] == "joint_leave").count();
    assert_eq!(joint, 8);
    assert_eq!(of("2026-03-21")["name"], "Hari Raya Idul Fitri 1447 H");
    assert_eq!(of("2026-03-21")["kind"], "national");
    assert_eq!(of("2026-03-20")["name"], "Cuti bersama Idul Fitri 1447 H");
    assert_eq!(of("2026-03-20")["kind"], "joint_leave");
    assert_eq!(
        of("2026-08-17")["name"],
        "Hari Proklamasi Kemerdekaan Republik Indonesia"
    );
    let y2025: Value = app
        .staff_json("/api/v1/staff/holidays/2025", &app.admin_token)
        .await;
    let y2025 = y2025.as_array().unwrap();
    assert_eq!(y2025.len(), 28);
    assert_eq!(
        y2025.iter().filter(|d| d["kind"] == "joint_leave").count(),
        11
    );
    assert!(
        days.iter()
            .chain(y2025)
            .all(|d| !d["name"].as_str().unwrap().contains('/')),
        "no placeholder names are left: {listed}"
    );

    // A file's kind column is kept; without one the name decides.
    let r = app
        .client
        .put(app.url("/api/v1/staff/holidays/2027"))
        .bearer_auth(&app.admin_token)
        .header("Content-Type", "text/csv")
        .body("2027-01-01,Tahun Baru 2027 Masehi,libur nasional\n2027-02-05,Cuti bersama Tahun Baru Imlek\n2027-02-08,Hari pendek,cuti bersama\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let y2027: Value = app
        .staff_json("/api/v1/staff/holidays/2027", &app.admin_token)
        .await;
    let kinds: Vec<(&str, &str)> = y2027
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Tahun Baru 2027 Masehi", "national"),
            ("Cuti bersama Tahun Baru Imlek", "joint_leave"),
            ("Hari pendek", "joint_leave")
        ]
    );

    // The applicant's calendar says why a day is closed.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-12-20T07:00:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let page = app
        .client
        .get(app.url("/o/ciruas"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Tutup: Cuti bersama Kelahiran Yesus Kristus")
            && page.contains("Tutup: Kelahiran Yesus Kristus"),
        "{page}"
    );
}

/// WFO % limits the operators on duty; the sets in use are those they can run. The
/// demo office at level 2 (75 %) with one operator per set runs one set (3 a slot); with
/// four operators, three come and both sets run (the 5 waiting-room seats then bind).
async fn the_wfo_share_limits_operators_not_sets(app: TestApp) {
    let sup = supervisor(&app, "sup-operators", "ciruas").await;
    let r = put_level(
        &app,
        &sup,
        json!({"level": "2", "effective_from": "2026-11-30", "reason": "Inmendagri 22/2021"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let capacity = |a: Value| a["days"][0]["slots"][0]["capacity"].clone();
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(capacity(a), 3, "two operators at 75 %: one comes, one set");
    let mut office = demo_office();
    office["operators"] = json!(4);
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(
        capacity(a),
        5,
        "four operators at 75 %: three come, both sets run"
    );
    let stored: Value = app
        .client
        .get(app.url("/api/v1/admin/offices/ciruas"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["operators"], 4);
}

/// Lowering a rule's occupancy while its level is in force goes through the same preview
/// and re-plan as a level change, at every office: nothing changes on the dry run, and
/// the bookings above the new capacities are moved or marked when it is applied. (It used
/// to apply at once and leave slots holding 2 against a capacity of 1.)
async fn a_level_rule_edit_replans_every_office_after_a_preview(app: TestApp) {
    let sup = supervisor(&app, "sup-rule-replan", "ciruas").await;
    let mut other = demo_office();
    other["name"] = json!("UPT Disdukcapil Anyer (test)");
    assert_eq!(app.put_office("anyer", other).await.status(), 201);
    let r = put_level(
        &app,
        &sup,
        json!({"level": "3", "effective_from": "2026-11-30", "reason": "Inmendagri 22/2021"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Level 3: 10 seats × 25 % = 2 a slot. Fill three slots of Tuesday.
    let mut n = 1;
    for minute in [(8, 0), (8, 30), (9, 0)] {
        for _ in 0..2 {
            app.book_ok(&BookingForm::new(&wib(12, 1, minute.0, minute.1), &nik(n)))
                .await;
            n += 1;
        }
    }
    let edit = |dry_run: bool| {
        json!({"level": "3", "wfo_percent": 25, "occupancy_percent": 10, "max_visitors": 20,
               "latest_close": null, "source": "Inmendagri 22/2021", "reason": "occupancy 10 %",
               "dry_run": dry_run})
    };
    let put = |body: Value| {
        app.client
            .put(app.url("/api/v1/staff/level-rules"))
            .bearer_auth(&app.admin_token)
            .json(&body)
            .send()
    };
    let before = app.written().await;
    let r = put(edit(true)).await.unwrap();
    assert_eq!(r.status(), 200);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["applied"], false);
    let offices = preview["offices"].as_array().unwrap();
    assert_eq!(offices.len(), 2, "every office is re-planned: {preview}");
    let ciruas = offices.iter().find(|o| o["office"] == "ciruas").unwrap();
    let anyer = offices.iter().find(|o| o["office"] == "anyer").unwrap();
    assert_eq!(ciruas["displaced"].as_array().unwrap().len(), 3, "{ciruas}");
    assert!(anyer["displaced"].as_array().unwrap().is_empty());
    assert_eq!(before, app.written().await, "the preview changes nothing");
    assert_eq!(
        preview["rules"][3]["occupancy_percent"], 25,
        "still in force"
    );

    let r = put(edit(false)).await.unwrap();
    assert_eq!(r.status(), 200);
    let applied: Value = r.json().await.unwrap();
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["rules"][3]["occupancy_percent"], 10);
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    for slot in a["days"][0]["slots"].as_array().unwrap() {
        assert_eq!(slot["capacity"], 1, "{slot}");
    }
    assert_eq!(app.count(CHANGE_NOTICES).await, 3, "the three are told");
}

/// A man born 3 December 2009: 17 from Thursday 3 December 2026, not on Tuesday the 1st.
fn seventeen_on_the_third() -> String {
    "3604050312090001".to_string()
}

/// Old enough is judged for the day of each seat: when a booking moves to an earlier day,
/// and for each seat offered from a waiting-list range (not only at the range's end).
async fn age_is_judged_on_every_day_a_seat_is_moved_or_offered_to(app: TestApp) {
    // Open Tuesday 1 and Thursday 3 December only.
    let mut office = small_office();
    let h = json!(["08:00", "10:00"]);
    office["hours"] = json!({"tue": h, "thu": h});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let young = seventeen_on_the_third();
    let form = |slot: &str| {
        BookingForm::new(slot, &young)
            .set("birth_date", "2009-12-03")
            .set("certificate_issued_at", "2026-11-30T06:00")
    };
    // Booked for Thursday (old enough that day), then asked to move to Tuesday.
    let b = app.book_ok(&form(&wib(12, 3, 9, 0))).await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let r = app
        .post_booking_action(
            code,
            token,
            "reschedule",
            Some(json!({"slot_start": wib(12, 1, 8, 0)})),
        )
        .await;
    assert_eq!(r.status(), 422, "too young on Tuesday");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "slot_start", "{body}");
    let r = app
        .post_booking_action(
            code,
            token,
            "reschedule",
            Some(json!({"slot_start": wib(12, 3, 8, 30)})),
        )
        .await;
    assert_eq!(r.status(), 200, "Thursday is fine");
    let r = app.post_booking_action(code, token, "cancel", None).await;
    assert_eq!(r.status(), 200);

    // On the waiting list for Tuesday–Thursday: Tuesday's free seats are not for him;
    // the first seat offered is Thursday's.
    let r = join(
        &app,
        form("")
            .set("from_date", "2026-12-01")
            .set("to_date", "2026-12-03"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let entry: Value = r.json().await.unwrap();
    assert_eq!(
        entry["offer"]["slot_start"],
        wib(12, 3, 8, 0),
        "offered Thursday's first seat, not Tuesday's: {entry}"
    );
}

/// An office open Mon–Sat 08:00–10:00 with one recording set and ten seats: four slots of
/// three (throughput-bound) a day at level none, 12 a day. At level 4: one set still
/// staffed, seats 10 × 25 % = 2, so slots of two and days of eight.
pub(crate) fn small_office() -> Value {
    let mut o = demo_office();
    o["recording_sets"] = json!(1);
    let h = json!(["08:00", "10:00"]);
    o["hours"] = json!({"mon": h, "tue": h, "wed": h, "thu": h, "fri": h, "sat": h});
    o
}

async fn supervisor(app: &TestApp, name: &str, office: &str) -> String {
    app.staff_token(name, rekam::domain::Role::Supervisor, Some(office))
        .await
}

async fn put_level(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/staff/offices/ciruas/levels"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Every day and every slot still to come within its capacity, counted from the bookings.
async fn assert_within_caps(app: &TestApp, from: &str, to: &str) {
    app.assert_within_caps("ciruas", from, to).await;
}

/// Five full days of a small office, Monday 30 November to Friday 4 December (3 per slot,
/// in order), the supervisor's token, and the bookings level 4 from Tuesday must displace
/// (the last booked of each slot from Tuesday on).
struct FullWeek {
    sup: String,
    /// code → (slot, token, day)
    bookings: BTreeMap<String, (String, String, String)>,
    expected: BTreeSet<String>,
}

async fn a_full_week(app: &TestApp) -> FullWeek {
    assert_eq!(app.put_office("ciruas", small_office()).await.status(), 200);
    let sup = supervisor(app, "sup-ciruas", "ciruas").await;
    // Five full days, Monday 30 November to Friday 4 December: 3 per slot, in order, so
    // the last booked of each slot is the most recent.
    let mut bookings: BTreeMap<String, (String, String, String)> = BTreeMap::new(); // code -> (slot, token, day)
    let mut last_of_slot: BTreeMap<String, String> = BTreeMap::new();
    let mut n = 0;
    for (m, d) in [(11, 30), (12, 1), (12, 2), (12, 3), (12, 4)] {
        for (h, min) in [(8, 0), (8, 30), (9, 0), (9, 30)] {
            let slot = wib(m, d, h, min);
            for _ in 0..3 {
                n += 1;
                let b = app.book_ok(&BookingForm::new(&slot, &nik(n))).await;
                let code = b["code"].as_str().unwrap().to_string();
                last_of_slot.insert(slot.clone(), code.clone());
                bookings.insert(
                    code,
                    (
                        slot.clone(),
                        b["token"].as_str().unwrap().to_string(),
                        slot[..10].to_string(),
                    ),
                );
            }
        }
    }
    let full = app.availability("ciruas", "2026-11-30", "2026-12-05").await;
    for d in &full["days"].as_array().unwrap()[..5] {
        assert_eq!(
            (d["cap"].as_u64(), d["booked"].as_u64()),
            (Some(12), Some(12))
        );
    }
    let expected: BTreeSet<String> = last_of_slot
        .iter()
        .filter(|(slot, _)| !slot.starts_with("2026-11-30"))
        .map(|(_, code)| code.clone())
        .collect();
    assert_eq!(expected.len(), 16);
    FullWeek {
        sup,
        bookings,
        expected,
    }
}

/// Level 4 from Tuesday, as the supervisor sends it.
fn level_four(dry_run: bool) -> Value {
    json!({"level": "4", "effective_from": "2026-12-01", "effective_to": null,
           "reason": "Inmendagri 22/2021", "dry_run": dry_run})
}

/// Level 4 applied to a full week: the displaced bookings, as its answer lists them.
async fn level_four_applied(app: &TestApp, sup: &str) -> Value {
    let done: Value = put_level(app, sup, level_four(false))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["applied"], true);
    done
}

/// The dry run lists exactly the bookings above the new caps and changes nothing;
/// applying does exactly what it said, and moves or marks each.
async fn level_four_displaces_exactly_the_bookings_above_the_new_caps(app: TestApp) {
    let FullWeek {
        sup,
        bookings,
        expected,
    } = a_full_week(&app).await;
    let full = app.availability("ciruas", "2026-11-30", "2026-12-05").await;
    // The dry run lists exactly them and changes nothing.
    let change = json!({"level": "4", "effective_from": "2026-12-01", "effective_to": null,
                        "reason": "Inmendagri 22/2021", "dry_run": true});
    let r = put_level(&app, &sup, change.clone()).await;
    assert_eq!(r.status(), 200);
    let dry: Value = r.json().await.unwrap();
    assert_eq!(dry["applied"], false);
    let listed: BTreeSet<String> = dry["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        listed, expected,
        "the dry run lists exactly the bookings above the new caps"
    );
    let tuesday = dry["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2026-12-01")
        .unwrap();
    assert_eq!(
        (
            tuesday["cap_before"].as_u64(),
            tuesday["cap_after"].as_u64(),
            tuesday["booked"].as_u64()
        ),
        (Some(12), Some(8), Some(12))
    );
    assert!(
        dry["days"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["date"] != "2026-11-30"),
        "Monday is untouched"
    );
    let moved_in_dry_run = dry["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["to_slot_start"].is_null())
        .count();
    assert_eq!(
        moved_in_dry_run, 8,
        "Saturday's eight seats at level 4 take eight of them"
    );
    assert_eq!(
        app.availability("ciruas", "2026-11-30", "2026-12-05").await,
        full,
        "a dry run changes nothing"
    );
    assert_eq!(app.count(CHANGE_NOTICES).await, 0);
    assert_eq!(app.count("office_levels").await, 0);

    // Applying it does exactly what the dry run said.
    let mut apply = change.clone();
    apply["dry_run"] = json!(false);
    let done: Value = put_level(&app, &sup, apply).await.json().await.unwrap();
    assert_eq!(done["applied"], true);
    assert_eq!(done["displaced"], dry["displaced"]);
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    let after = app.availability("ciruas", "2026-12-01", "2026-12-05").await;
    for d in after["days"].as_array().unwrap() {
        assert_eq!(d["level"], "4");
        assert_eq!(d["cap"], 8);
        assert_eq!(d["booked"], 8, "{d}");
    }
    assert_eq!(after["days"][0]["limited_by"], "waiting_room");
    assert_eq!(
        app.count(CHANGE_NOTICES).await,
        16,
        "every displaced booking has a message"
    );
    let mut needs_rebooking = Vec::new();
    for d in dry["displaced"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        let (_, token, _) = &bookings[code];
        let got: Value = app.get_booking(code, token).await.json().await.unwrap();
        match d["to_slot_start"].as_str() {
            Some(to) => {
                assert_eq!(got["status"], "confirmed");
                assert_eq!(got["slot_start"], to);
                assert!(to.starts_with("2026-12-05"), "moved to Saturday: {to}");
            }
            None => {
                assert_eq!(got["status"], "needs_rebooking");
                needs_rebooking.push((code.to_string(), token.clone()));
            }
        }
    }
    for (code, (_, token, _)) in &bookings {
        if !expected.contains(code) {
            let got: Value = app.get_booking(code, token).await.json().await.unwrap();
            assert_eq!(
                got["status"], "confirmed",
                "bookings that fit stay where they were"
            );
        }
    }
    assert_eq!(app.count("bookings").await, 60, "no booking is deleted");
}

/// The moved applicant sees the new time and the reason on the booking's page.
async fn the_moved_applicant_sees_the_new_day_and_the_reason(app: TestApp) {
    let week = a_full_week(&app).await;
    let bookings = &week.bookings;
    let dry = level_four_applied(&app, &week.sup).await;
    // The moved applicant sees the new time and the reason.
    let moved = dry["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| !d["to_slot_start"].is_null())
        .unwrap();
    let (_, token, _) = &bookings[moved["code"].as_str().unwrap()];
    let page = app
        .client
        .get(app.url(&format!("/b/{}?t={token}", moved["code"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sabtu, 5 Desember 2026"),
        "the new day is shown"
    );
    assert!(page.contains("Inmendagri 22/2021"), "the reason is shown");
}

/// Lifting the level offers the freed seats in queue order — the displaced first, then
/// the waiting list — as seats held for 12 waking hours; a claim confirms, a lapse
/// sends the seat on.
async fn lifting_the_level_offers_the_freed_seats_in_queue_order(app: TestApp) {
    let week = a_full_week(&app).await;
    let sup = week.sup.clone();
    let done = level_four_applied(&app, &sup).await;
    let needs_rebooking: Vec<(String, String)> = done["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["to_slot_start"].is_null())
        .map(|d| {
            let code = d["code"].as_str().unwrap().to_string();
            let token = week.bookings[&code].1.clone();
            (code, token)
        })
        .collect();
    // Someone joins the waiting list while every seat is taken.
    let wl: Value = join(
        &app,
        BookingForm::new("", &nik(900))
            .set("from_date", "2026-12-01")
            .set("to_date", "2026-12-08"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(wl["status"], "waitlisted");
    assert!(wl["offer"].is_null(), "nothing is free at level 4");

    // Reverting to none frees seats: they are offered, in queue order — displaced people
    // first, then the waiting list — as seats held for 12 hours.
    let revert = json!({"level": "none", "effective_from": "2026-12-01", "effective_to": null,
                        "reason": "PPKM dicabut", "dry_run": false});
    let r: Value = put_level(&app, &sup, revert).await.json().await.unwrap();
    assert_eq!(r["displaced"].as_array().unwrap().len(), 0);
    let mut offers = Vec::new();
    for (code, token) in &needs_rebooking {
        let got: Value = app.get_booking(code, token).await.json().await.unwrap();
        assert_eq!(
            got["status"], "needs_rebooking",
            "an offer is not a booking until claimed"
        );
        let offer = &got["offer"];
        assert!(offer.is_object(), "everyone waiting gets an offer: {got}");
        assert_eq!(
            offer["hold_until"], "2026-11-30T19:00:00+07:00",
            "held 12 hours"
        );
        assert_eq!(offer["slot_start"], got["slot_start"]);
        offers.push(offer["slot_start"].as_str().unwrap().to_string());
    }
    assert!(
        offers
            .iter()
            .all(|o| o.starts_with("2026-12-01") || o.starts_with("2026-12-02")),
        "the earliest free seats: {offers:?}"
    );
    let (wl_code, wl_token) = (wl["code"].as_str().unwrap(), wl["token"].as_str().unwrap());
    let wl_now: Value = app
        .get_booking(wl_code, wl_token)
        .await
        .json()
        .await
        .unwrap();
    let wl_offer = wl_now["offer"]["slot_start"]
        .as_str()
        .expect("the waiting list gets a seat too")
        .to_string();
    assert!(
        offers.iter().all(|o| *o <= wl_offer),
        "displaced people are served first: {offers:?} vs {wl_offer}"
    );
    let tue = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(
        (
            tue["days"][0]["cap"].as_u64(),
            tue["days"][0]["booked"].as_u64()
        ),
        (Some(12), Some(12)),
        "holds count against capacity"
    );
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    // One claims; the others let the hold lapse and go to the back of the queue, their
    // seats offered on (here to themselves again: nobody else waits).
    let (code, token) = &needs_rebooking[0];
    let r = app.post_booking_action(code, token, "claim", None).await;
    assert_eq!(r.status(), 200);
    let claimed: Value = r.json().await.unwrap();
    assert_eq!(claimed["status"], "confirmed");
    assert!(claimed["offer"].is_null());
    assert_eq!(
        app.advance_and_sweep(chrono::Duration::hours(13)).await,
        8,
        "7 displaced and 1 waiting"
    );
    assert_eq!(
        app.post_booking_action(code, token, "claim", None)
            .await
            .status(),
        409,
        "nothing left to claim"
    );
    let (code2, token2) = &needs_rebooking[1];
    let again: Value = app.get_booking(code2, token2).await.json().await.unwrap();
    // Offered afresh at 20:00: twelve waking hours (06:00–21:00) end at 17:00 tomorrow.
    assert_eq!(
        again["offer"]["hold_until"], "2026-12-01T17:00:00+07:00",
        "offered afresh: {again}"
    );
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    let schedule: Value = app
        .staff_json("/api/v1/staff/offices/ciruas/levels", &sup)
        .await;
    assert_eq!(schedule.as_array().unwrap().len(), 2);
    assert_eq!(schedule[0]["reason"], "Inmendagri 22/2021");
}

async fn bookings_racing_a_level_change_never_overfill_a_day(app: TestApp) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::{Barrier, Notify};
    assert_eq!(app.put_office("ciruas", small_office()).await.status(), 200);
    let sup = supervisor(&app, "sup-race", "ciruas").await;
    // Tuesday–Saturday, four slots a day: 3 a slot and 12 a day at level none, 2 and 8 at
    // level 4. The race overlaps by construction, not by timing:
    // - 60 early bookings (3 for each of the 20 slots) start together;
    // - once 45 of them have answered, at least five slots hold 3 (20 slots of at most 2
    //   hold 40), so level 4 must displace someone; the rest may still be in flight;
    // - then the level change and 140 late bookings start together.
    let slots: Vec<String> = [(12, 1), (12, 2), (12, 3), (12, 4), (12, 5)]
        .iter()
        .flat_map(|(m, d)| [(8, 0), (8, 30), (9, 0), (9, 30)].map(|(h, min)| wib(*m, *d, h, min)))
        .collect();
    let forms: Vec<BookingForm> = (0..200)
        .map(|i| BookingForm::new(&slots[i % slots.len()], &nik(1000 + i as u32)))
        .collect();
    let (early, late) = forms.split_at(60);
    let early_start = Arc::new(Barrier::new(early.len()));
    let late_start = Arc::new(Barrier::new(late.len() + 1));
    let answered = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let book = |f: &BookingForm, barrier: Arc<Barrier>, count: bool| {
        let (app, answered, enough) = (&app, answered.clone(), enough.clone());
        let f = f.multipart();
        async move {
            barrier.wait().await;
            let r = app
                .client
                .post(app.url("/api/v1/bookings"))
                .multipart(f)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            if count && answered.fetch_add(1, Ordering::SeqCst) + 1 == 45 {
                enough.notify_one();
            }
            (status, body)
        }
    };
    let early_answers = join_all(early.iter().map(|f| book(f, early_start.clone(), true)));
    let late_answers = join_all(late.iter().map(|f| book(f, late_start.clone(), false)));
    let level = async {
        enough.notified().await;
        late_start.wait().await;
        let r = put_level(
            &app,
            &sup,
            json!({"level": "4", "effective_from": "2026-12-01",
            "reason": "Inmendagri 22/2021", "dry_run": false}),
        )
        .await;
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let (early_answers, late_answers, (level_status, level_body)) =
        tokio::join!(early_answers, late_answers, level);
    assert_eq!(level_status, 200, "{level_body}");
    assert!(
        level_body["displaced"].as_array().unwrap().len() >= 5,
        "at least five slots held three when level 4 came: {level_body}"
    );
    let mut created = 0;
    for (status, body) in early_answers.iter().chain(&late_answers) {
        match status {
            201 => created += 1,
            409 => assert!(
                ["slot_full", "day_full"].contains(&body["error"].as_str().unwrap_or("")),
                "a refused booking says the slot or day is full: {body}"
            ),
            _ => panic!("unexpected {status}: {body}"),
        }
    }
    assert!(created >= 40, "bookings went through: {created}");
    assert_eq!(
        app.count("bookings").await,
        created,
        "every 201 is a booking"
    );
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    // Every slot had ten tries; a try fails only when its slot or day is full, and a
    // re-plan only trims to the capacity: each slot ends with exactly 2, each day with 8.
    let held = app.held_per_slot("ciruas").await;
    for slot in &slots {
        let t = chrono::DateTime::parse_from_rfc3339(slot)
            .unwrap()
            .timestamp();
        assert_eq!(held.get(&t).map(|(_, n)| *n), Some(2), "{slot}: {held:?}");
    }
    let a = app.availability("ciruas", "2026-12-01", "2026-12-05").await;
    for d in a["days"].as_array().unwrap() {
        assert_eq!(d["cap"], 8);
        assert_eq!(d["booked"], 8, "{d}");
    }
}

async fn holidays_closures_and_holiday_files_take_effect(app: TestApp) {
    let sup = supervisor(&app, "sup-cal", "ciruas").await;
    // From 20 December the horizon reaches 3 January 2027.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-12-20T07:00:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let a = app.availability("ciruas", "2026-12-21", "2027-01-03").await;
    let day = |a: &Value, date: &str| {
        a["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == date)
            .unwrap()
            .clone()
    };
    let christmas_eve = day(&a, "2026-12-24");
    assert_eq!(
        christmas_eve["closed"], true,
        "a seed holiday closes the office"
    );
    assert_eq!(christmas_eve["slots"].as_array().unwrap().len(), 0);
    assert_eq!(
        christmas_eve["reason"],
        "Cuti bersama Kelahiran Yesus Kristus"
    );
    assert_eq!(day(&a, "2026-12-23")["closed"], false);
    // 2027 is not loaded yet, but its fixed-date holidays are known.
    let jan1 = day(&a, "2027-01-01");
    assert_eq!(jan1["closed"], true, "a fixed-date holiday without a file");
    assert_eq!(jan1["reason"], "Tahun Baru Masehi");

    // An ad-hoc closure: no slots, its reason shown, bookings refused with 409 closed.
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-22"))
        .bearer_auth(&sup)
        .json(&json!({"reason": "Disinfeksi setelah kasus positif"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let a = app.availability("ciruas", "2026-12-22", "2026-12-22").await;
    assert_eq!(a["days"][0]["closed"], true);
    assert_eq!(a["days"][0]["reason"], "Disinfeksi setelah kasus positif");
    let form = BookingForm::new(&wib(12, 22, 8, 0), &nik(1))
        .set("certificate_issued_at", "2026-12-20T06:00");
    let r = app.book(&form).await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "closed");
    // Reopening lifts it; reopening a holiday opens on it.
    let r = app
        .client
        .delete(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-22"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.book(&form).await.status(), 201);
    app.client
        .delete(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-24"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    let a = app.availability("ciruas", "2026-12-24", "2026-12-24").await;
    assert_eq!(a["days"][0]["closed"], false, "open on a joint leave day");

    // A 2027 file loads and takes effect.
    // Holidays apply to every office: an admin loads them (a supervisor may not).
    let r = app
        .client
        .put(app.url("/api/v1/staff/holidays/2027"))
        .bearer_auth(&sup)
        .header("Content-Type", "text/csv")
        .body("2027-01-01,Tahun Baru Masehi\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let put_file = |body: &'static str, kind: &'static str| {
        app.client
            .put(app.url("/api/v1/staff/holidays/2027"))
            .bearer_auth(&app.admin_token)
            .header("Content-Type", kind)
            .body(body)
            .send()
    };
    let r = put_file(
        "date,name\n2027-01-01,Tahun Baru Masehi\n2027-02-06,Isra Mikraj\n",
        "text/csv",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let a = app.availability("ciruas", "2027-01-01", "2027-01-01").await;
    assert_eq!(a["days"][0]["closed"], true);
    assert_eq!(a["days"][0]["reason"], "Tahun Baru Masehi");
    // Bad files: a clear error, nothing changed.
    for (body, kind, field) in [
        (
            "2027-01-01,Tahun Baru\n2027-02-30,Tanggal salah\n",
            "text/csv",
            "line 2",
        ),
        ("2026-12-31,Wrong year\n", "text/csv", "line 1"),
        ("2027-01-05,A\n2027-01-05,B\n", "text/csv", "line 2"),
        ("", "text/csv", "file"),
        (
            "BEGIN:VCALENDAR\nthis is not right",
            "text/calendar",
            "file",
        ),
    ] {
        let r = put_file(body, kind).await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["field"], field, "{body}");
    }
    let r = put_file("2027-01-01,x", "application/pdf").await.unwrap();
    assert_eq!(r.status(), 415);
    let listed: Value = app.staff_json("/api/v1/staff/holidays/2027", &sup).await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "the good file is still in force"
    );
    // iCalendar works too.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20270102\r\nSUMMARY:Cuti bersama\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let r = put_file(ics, "text/calendar").await.unwrap();
    assert_eq!(r.status(), 200);
    let a = app.availability("ciruas", "2027-01-01", "2027-01-02").await;
    assert_eq!(a["days"][0]["closed"], false, "replaced by the new file");
    assert_eq!(a["days"][1]["reason"], "Cuti bersama");
}

async fn only_supervisors_of_the_office_change_its_plan(app: TestApp) {
    let other = json!({"name": "UPT Anyer", "timezone": "Asia/Jakarta", "address": "Anyer",
        "recording_sets": 1, "minutes_per_recording": 10, "waiting_room_seats": 5, "slot_minutes": 30,
        "max_visitors_per_day": null, "booking_horizon_days": 14, "hours": {"mon": ["08:00", "12:00"]}});
    assert_eq!(app.put_office("anyer", other).await.status(), 201);
    let elsewhere = supervisor(&app, "sup-anyer", "anyer").await;
    let desk = app
        .staff_token("desk-ciruas", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let body =
        json!({"level": "3", "effective_from": "2026-12-01", "reason": "x", "dry_run": true});
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/levels"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(put_level(&app, &desk, body.clone()).await.status(), 403);
    assert_eq!(
        put_level(&app, &elsewhere, body.clone()).await.status(),
        403
    );
    assert_eq!(
        put_level(&app, &app.admin_token, body.clone())
            .await
            .status(),
        200
    );
    let sup = supervisor(&app, "sup-ok", "ciruas").await;
    for (bad, field) in [
        (
            json!({"level": "5", "effective_from": "2026-12-01", "reason": "x"}),
            "level",
        ),
        (
            json!({"level": "3", "effective_from": "2026-13-01", "reason": "x"}),
            "effective_from",
        ),
        (
            json!({"level": "3", "effective_from": "2026-12-05", "effective_to": "2026-12-01", "reason": "x"}),
            "effective_to",
        ),
        (
            json!({"level": "3", "effective_from": "2026-12-01", "reason": " "}),
            "reason",
        ),
        (json!({"level": "3", "reason": "x"}), "effective_from"),
    ] {
        let r = put_level(&app, &sup, bad).await;
        assert_eq!(r.status(), 422);
        assert_eq!(r.json::<Value>().await.unwrap()["field"], field);
    }
    assert_eq!(app.count("office_levels").await, 0);
    let plan: Value = app
        .staff_json("/api/v1/staff/offices/ciruas/plan?days=7", &desk)
        .await;
    assert_eq!(plan["days"].as_array().unwrap().len(), 7);
    assert_eq!(plan["days"][0]["staffed_sets"], 2);
}

async fn level_rules_are_versioned_data(app: TestApp) {
    let sup = supervisor(&app, "sup-rules", "ciruas").await;
    let rules: Value = app.staff_json("/api/v1/staff/level-rules", &sup).await;
    assert_eq!(rules.as_array().unwrap().len(), 6);
    assert_eq!(rules[3]["level"], "3");
    assert_eq!(rules[3]["wfo_percent"], 25);
    // The seeded sources read in the pages' language (issue 8: English on the rules page).
    assert_eq!(rules[0]["source"], "Tanpa PPKM: tidak ada pembatasan");
    assert!(rules[5]["source"].as_str().unwrap().contains("belum pasti"));
    // MenPAN-RB said 50 % at level 3; a supervisor follows that instead.
    let edit = json!({"level": "3", "wfo_percent": 50, "occupancy_percent": 25, "max_visitors": 20,
                      "latest_close": null, "source": "SE MenPAN-RB 24/2021", "reason": "follow MenPAN-RB"});
    // Rules apply to every office: a supervisor may not change them, an admin may.
    let r = app
        .client
        .put(app.url("/api/v1/staff/level-rules"))
        .bearer_auth(&sup)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .put(app.url("/api/v1/staff/level-rules"))
        .bearer_auth(&app.admin_token)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut bad = edit.clone();
    bad["occupancy_percent"] = json!(0);
    let r = app
        .client
        .put(app.url("/api/v1/staff/level-rules"))
        .bearer_auth(&app.admin_token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["field"],
        "occupancy_percent"
    );
    let history: Value = app
        .staff_json("/api/v1/staff/level-rules/history", &sup)
        .await;
    let level3: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["level"] == "3")
        .collect();
    assert_eq!(level3.len(), 2, "the old version is kept");
    assert_eq!(level3[0]["changed_by"], "staff:test-admin");
    assert_eq!(level3[0]["reason"], "follow MenPAN-RB");
    // The edited rule takes effect: demo office at level 3 = 2 sets × 50 % = 1 set,
    // seats 10 × 25 % = 2 → 2 a slot, 28 a day, but at most 20 (the rule's maximum).
    put_level(
        &app,
        &sup,
        json!({"level": "3", "effective_from": "2026-11-30", "reason": "Inmendagri 22/2021"}),
    )
    .await;
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(a["days"][0]["cap"], 20);
    assert_eq!(a["days"][0]["limited_by"], "level_maximum");
}

async fn fewer_recording_sets_show_a_dry_run_then_move_people(app: TestApp) {
    // Six in Tuesday 08:00 (demo office: 2 sets → 6 a slot); one set holds only three.
    let slot = wib(12, 1, 8, 0);
    let mut codes = Vec::new();
    for i in 0..6 {
        codes.push(app.book_ok(&BookingForm::new(&slot, &nik(i + 1))).await["code"].clone());
    }
    let mut fewer = demo_office();
    fewer["recording_sets"] = json!(1);
    let r = app
        .client
        .put(app.url("/api/v1/admin/offices/ciruas?dry_run=true"))
        .bearer_auth(&app.admin_token)
        .json(&fewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let dry: Value = r.json().await.unwrap();
    assert_eq!(dry["replan"]["applied"], false);
    let listed: Vec<&Value> = dry["replan"]["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(
        listed,
        vec![&codes[5], &codes[4], &codes[3]],
        "the three most recent, newest first"
    );
    assert_eq!(app.remaining("ciruas", &slot).await, 0, "nothing changed");
    let r = app.put_office("ciruas", fewer).await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["replan"]["displaced"], dry["replan"]["displaced"]);
    for d in done["replan"]["displaced"].as_array().unwrap() {
        assert_eq!(
            d["to_slot_start"],
            wib(12, 1, 8, 30),
            "the next slot has room"
        );
    }
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
}

async fn join(app: &TestApp, form: BookingForm) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/offices/ciruas/waitlist"))
        .multipart(form.without("slot_start").multipart())
        .send()
        .await
        .unwrap()
}

async fn a_freed_seat_goes_to_the_first_on_the_waiting_list(app: TestApp) {
    // Open only on Tuesday 08:00–09:00, one set: two slots of three.
    let mut office = small_office();
    office["hours"] = json!({"tue": ["08:00", "09:00"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let mut booked = Vec::new();
    for (i, slot) in [wib(12, 1, 8, 0), wib(12, 1, 8, 30)].iter().enumerate() {
        for j in 0..3 {
            booked.push(
                app.book_ok(&BookingForm::new(slot, &nik(10 + (i * 3 + j) as u32)))
                    .await,
            );
        }
    }
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(a["days"][0]["booked"], a["days"][0]["cap"], "full");

    // Bad ranges and certificates are refused, naming the field; nothing is written.
    let base = || {
        BookingForm::new("", &nik(1))
            .set("from_date", "2026-12-01")
            .set("to_date", "2026-12-08")
    };
    for (form, status, field) in [
        (base().set("from_date", "2026-12-30"), 422, "from_date"),
        (base().set("to_date", "2026-11-29"), 422, "to_date"),
        (
            base()
                .set("from_date", "2026-12-05")
                .set("to_date", "2026-12-02"),
            422,
            "to_date",
        ),
        (
            base()
                .set("certificate_kind", "antigen")
                .set("certificate_issued_at", "2026-11-28T08:00:00+07:00"),
            422,
            "certificate_issued_at",
        ),
    ] {
        let r = join(&app, form).await;
        assert_eq!(r.status(), status);
        assert_eq!(r.json::<Value>().await.unwrap()["field"], field);
    }
    assert_eq!(app.count("bookings").await, 6);

    // Two join; the first is first in the queue.
    let r = join(&app, base()).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["status"], "waitlisted");
    assert_eq!(first["wait"], json!(["2026-12-01", "2026-12-08"]));
    assert!(first["offer"].is_null(), "no seat is free yet");
    let second: Value = join(
        &app,
        BookingForm::new("", &nik(2))
            .set("from_date", "2026-12-01")
            .set("to_date", "2026-12-08"),
    )
    .await
    .json()
    .await
    .unwrap();
    let again = join(&app, base()).await;
    assert_eq!(again.status(), 409, "one active entry per NIK");
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "active_booking_exists"
    );
    let plan: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/plan?days=10",
            &app.admin_token,
        )
        .await;
    let waiting: Vec<u64> = plan["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["waiting"].as_u64().unwrap())
        .collect();
    assert_eq!(
        waiting,
        vec![0, 2, 2, 2, 2, 2, 2, 2, 2, 0],
        "the plan shows who waits for which day"
    );
    let page = app
        .client
        .get(app.url(first["manage_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="queue-position""#)
            && page.contains("antrean: 1")
            && page.contains("Selasa, 1 Desember 2026 – Selasa, 8 Desember 2026")
            && !page.contains("<svg"),
        "the first waits first"
    );

    // A cancellation frees a seat: it is held for the first in line, not the second.
    let (code, token) = (
        booked[4]["code"].as_str().unwrap(),
        booked[4]["token"].as_str().unwrap(),
    );
    assert_eq!(
        app.post_booking_action(code, token, "cancel", None)
            .await
            .status(),
        200
    );
    let f = |v: &Value| {
        (
            v["code"].as_str().unwrap().to_string(),
            v["token"].as_str().unwrap().to_string(),
        )
    };
    let (c1, t1) = f(&first);
    let (c2, t2) = f(&second);
    let got1: Value = app.get_booking(&c1, &t1).await.json().await.unwrap();
    let got2: Value = app.get_booking(&c2, &t2).await.json().await.unwrap();
    assert_eq!(got1["offer"]["slot_start"], wib(12, 1, 8, 30), "{got1}");
    assert!(got2["offer"].is_null());
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(
        a["days"][0]["booked"], a["days"][0]["cap"],
        "the held seat counts"
    );
    let claimed: Value = app
        .post_booking_action(&c1, &t1, "claim", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(claimed["status"], "confirmed");
    assert_eq!(claimed["slot_start"], wib(12, 1, 8, 30));
    assert_within_caps(&app, "2026-11-30", "2026-12-14").await;
    // The second can leave the list.
    let left: Value = app
        .post_booking_action(&c2, &t2, "cancel", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left["status"], "cancelled");
}

async fn an_offer_is_held_until_its_slot_starts_at_the_latest(app: TestApp) {
    // Monday 08:00–10:00, four slots of three, all booked; one person waits for Monday.
    assert_eq!(app.put_office("ciruas", small_office()).await.status(), 200);
    let mut booked = Vec::new();
    for i in 0..12u32 {
        let slot = wib(11, 30, 8 + i / 6, 30 * ((i / 3) % 2));
        booked.push(app.book_ok(&BookingForm::new(&slot, &nik(10 + i))).await);
    }
    let waiting: Value = join(
        &app,
        BookingForm::new("", &nik(99))
            .set("from_date", "2026-11-30")
            .set("to_date", "2026-11-30"),
    )
    .await
    .json()
    .await
    .unwrap();
    let (code, token) = (
        waiting["code"].as_str().unwrap(),
        waiting["token"].as_str().unwrap(),
    );
    assert!(waiting["offer"].is_null());
    // At 07:50 a seat at 08:00 frees: offered, but held only until 08:00, not 19:50.
    assert_eq!(
        app.advance_and_sweep(chrono::Duration::minutes(50)).await,
        0
    );
    let first = &booked[0];
    let r = app
        .post_booking_action(
            first["code"].as_str().unwrap(),
            first["token"].as_str().unwrap(),
            "cancel",
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let got: Value = app.get_booking(code, token).await.json().await.unwrap();
    assert_eq!(got["offer"]["slot_start"], wib(11, 30, 8, 0), "{got}");
    assert_eq!(
        got["offer"]["hold_until"],
        wib(11, 30, 8, 0),
        "never held beyond the slot's start"
    );
    app.assert_within_caps("ciruas", "2026-11-30", "2026-12-05")
        .await;
    // At 08:00 the hold has lapsed: the server's sweep (on the test's clock) releases it,
    // and the seat of a slot that has started is offered to nobody.
    assert_eq!(
        app.advance_and_sweep(chrono::Duration::minutes(10)).await,
        1
    );
    let got: Value = app.get_booking(code, token).await.json().await.unwrap();
    assert!(got["offer"].is_null(), "{got}");
    assert_eq!(got["status"], "waitlisted");
    assert_eq!(
        app.post_booking_action(code, token, "claim", None)
            .await
            .status(),
        409
    );
    app.assert_counters_agree("ciruas").await;
}

async fn reopening_a_closed_day_offers_its_seats_to_the_people_it_displaced(app: TestApp) {
    // Open only on Tuesdays, 08:00–10:00, one set: twelve seats on 1 December. The
    // certificates (issued Sunday 09:00, 7 days) do not reach the next Tuesday.
    let mut office = small_office();
    office["hours"] = json!({"tue": ["08:00", "10:00"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let sup = supervisor(&app, "sup-reopen", "ciruas").await;
    let mut booked = Vec::new();
    for i in 0..12u32 {
        let slot = wib(12, 1, 8 + i / 6, 30 * ((i / 3) % 2));
        booked.push(app.book_ok(&BookingForm::new(&slot, &nik(40 + i))).await);
    }
    let closure = |method: reqwest::Method| {
        app.client
            .request(
                method,
                app.url("/api/v1/staff/offices/ciruas/closures/2026-12-01"),
            )
            .bearer_auth(&sup)
            .json(&json!({"reason": "Listrik padam"}))
            .send()
    };
    let closed: Value = closure(reqwest::Method::PUT)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(closed["displaced"].as_array().unwrap().len(), 12);
    for b in &booked {
        let got: Value = app
            .get_booking(b["code"].as_str().unwrap(), b["token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got["status"], "needs_rebooking", "nowhere to go: {got}");
        assert!(got["offer"].is_null());
    }
    app.assert_within_caps("ciruas", "2026-11-30", "2026-12-14")
        .await;
    // Reopening frees the twelve seats: each displaced person is offered one, held for
    // 12 hours, and the holds fill the day.
    let r = closure(reqwest::Method::DELETE).await.unwrap();
    assert_eq!(r.status(), 200);
    let mut slots = Vec::new();
    for b in &booked {
        let got: Value = app
            .get_booking(b["code"].as_str().unwrap(), b["token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got["status"], "needs_rebooking");
        assert_eq!(
            got["offer"]["hold_until"], "2026-11-30T19:00:00+07:00",
            "{got}"
        );
        slots.push(got["offer"]["slot_start"].as_str().unwrap().to_string());
    }
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), 4, "three offers in each of the four slots");
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(
        (
            a["days"][0]["cap"].as_u64(),
            a["days"][0]["booked"].as_u64()
        ),
        (Some(12), Some(12))
    );
    app.assert_within_caps("ciruas", "2026-11-30", "2026-12-14")
        .await;
}

async fn bookings_whose_slot_has_started_keep_their_seat_through_a_replan(app: TestApp) {
    // Monday: three in each of the four slots. At 08:40 the 08:00 and 08:30 slots have
    // started; level 4 from today (2 a slot, 8 a day) keeps their six where they are,
    // trims 09:00 and 09:30 to two each, then the day to eight: four move, all of them
    // from the later slots.
    assert_eq!(app.put_office("ciruas", small_office()).await.status(), 200);
    let sup = supervisor(&app, "sup-past", "ciruas").await;
    let mut by_slot: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for i in 0..12u32 {
        let slot = wib(11, 30, 8 + i / 6, 30 * ((i / 3) % 2));
        let b = app.book_ok(&BookingForm::new(&slot, &nik(60 + i))).await;
        by_slot.entry(slot).or_default().push((
            b["code"].as_str().unwrap().to_string(),
            b["token"].as_str().unwrap().to_string(),
        ));
    }
    app.advance_and_sweep(chrono::Duration::minutes(100)).await; // 08:40 WIB
    let r = put_level(
        &app,
        &sup,
        json!({"level": "4", "effective_from": "2026-11-30", "reason": "Inmendagri 22/2021"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    let displaced: BTreeSet<String> = report["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(displaced.len(), 4, "{report}");
    for (slot, people) in &by_slot {
        let started = slot < &wib(11, 30, 8, 40);
        for (code, token) in people {
            let got: Value = app.get_booking(code, token).await.json().await.unwrap();
            if started {
                assert!(
                    !displaced.contains(code),
                    "{slot} has started: {code} stays"
                );
                assert_eq!(got["status"], "confirmed");
                assert_eq!(got["slot_start"], slot.as_str(), "kept its seat");
            } else if displaced.contains(code) {
                assert_ne!(got["slot_start"], slot.as_str(), "moved away: {got}");
            }
        }
    }
    let held = app.held_per_slot("ciruas").await;
    let monday: i64 = held
        .values()
        .filter(|(d, _)| d == "2026-11-30")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(monday, 8, "six that came and two more: the day's cap");
    app.assert_within_caps("ciruas", "2026-11-30", "2026-12-14")
        .await;
}

/// Issue 21, item 10: when the booking horizon reaches a year whose holidays are not
/// loaded, supervisors and admins are warned (the plan API says which year; every staff
/// page of theirs shows it, a desk officer's does not); the fixed-date holidays of that
/// year close the office without a file; a loaded file ends the warning.
async fn next_years_holidays_are_warned_of_and_its_fixed_dates_are_known(app: TestApp) {
    let sup = supervisor(&app, "sup-h", "ciruas").await;
    app.staff_token("desk-h", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    // Fourteen days from 30 November 2026: 2026 only, whose holidays are loaded.
    let plan = app
        .staff_json("/api/v1/staff/offices/ciruas/plan", &sup)
        .await;
    assert_eq!(plan["holidays_missing"], Value::Null);
    let mut office = demo_office();
    office["booking_horizon_days"] = json!(60);
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let plan = app
        .staff_json("/api/v1/staff/offices/ciruas/plan", &sup)
        .await;
    assert_eq!(plan["holidays_missing"], 2027);
    // Its fixed-date holidays are known; other days are open.
    let a = app.availability("ciruas", "2027-01-01", "2027-01-04").await;
    assert_eq!(a["days"][0]["closed"], true);
    assert_eq!(a["days"][0]["reason"], "Tahun Baru Masehi");
    let monday = a["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2027-01-04");
    assert_eq!(monday.unwrap()["closed"], false);
    // Every staff page of a supervisor says so; a desk officer's does not.
    let page = |user: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let (_, cookie) = crate::security::log_in(app, user).await;
            app.client
                .get(app.url(path))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    for path in [
        "/staff/offices/ciruas",
        "/staff/offices/ciruas/desk",
        "/staff/account",
    ] {
        let html = page("sup-h", path).await;
        assert!(
            html.contains("id=\"holiday-warning\"") && html.contains("2027"),
            "{path}: {html}"
        );
    }
    assert!(
        !page("desk-h", "/staff/offices/ciruas/desk")
            .await
            .contains("holiday-warning")
    );
    // Loaded: no warning, at once.
    let r = app
        .client
        .put(app.url("/api/v1/staff/holidays/2027"))
        .bearer_auth(&app.admin_token)
        .header("Content-Type", "text/csv")
        .body("2027-01-01,Tahun Baru Masehi\n2027-08-17,Hari Kemerdekaan\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let plan = app
        .staff_json("/api/v1/staff/offices/ciruas/plan", &sup)
        .await;
    assert_eq!(plan["holidays_missing"], Value::Null);
    assert!(
        !page("sup-h", "/staff/offices/ciruas")
            .await
            .contains("holiday-warning")
    );
}
