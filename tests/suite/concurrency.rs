//! Invariants under hundreds of simultaneous requests, on both databases.

use crate::both_databases;
use crate::helpers::*;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::HashMap;

both_databases!(
    three_hundred_simultaneous_bookings_for_three_seats_give_three_201s,
    fifty_simultaneous_bookings_with_one_nik_give_one_201,
    simultaneous_reschedules_and_cancels_keep_every_count_consistent,
    simultaneous_cancellations_offer_each_freed_seat_to_one_waiting_person,
);

/// An office whose slots hold 3: one set, 10 minutes each, 30-minute slots.
fn tiny_office() -> Value {
    let mut o = demo_office();
    o["recording_sets"] = json!(1);
    o
}

async fn three_hundred_simultaneous_bookings_for_three_seats_give_three_201s(app: TestApp) {
    assert_eq!(app.put_office("ciruas", tiny_office()).await.status(), 200);
    let slot = wib(11, 30, 8, 0);
    assert_eq!(app.remaining("ciruas", &slot).await, 3);
    let forms: Vec<_> = (1..=300)
        .map(|i| BookingForm::new(&slot, &nik(i)))
        .collect();
    let answers = join_all(forms.iter().map(|f| async {
        let r = app.book(f).await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body["error"].as_str().unwrap_or("").to_string())
    }))
    .await;
    let mut tally: HashMap<(u16, String), usize> = HashMap::new();
    for a in answers {
        *tally.entry(a).or_default() += 1;
    }
    assert_eq!(tally.get(&(201, String::new())), Some(&3), "{tally:?}");
    assert_eq!(
        tally.get(&(409, "slot_full".to_string())),
        Some(&297),
        "{tally:?}"
    );
    assert_eq!(app.remaining("ciruas", &slot).await, 0);
    assert_eq!(app.count("bookings").await, 3, "no half-written bookings");
    assert_eq!(app.count("certificates").await, 3);
    let a = app.availability("ciruas", "2026-11-30", "2026-11-30").await;
    assert_eq!(a["days"][0]["booked"], 3);
}

async fn fifty_simultaneous_bookings_with_one_nik_give_one_201(app: TestApp) {
    let slots: Vec<String> = (0..5).map(|i| wib(12, 1, 8 + i, 0)).collect();
    let forms: Vec<_> = (0..50)
        .map(|i| BookingForm::new(&slots[i % 5], &nik(7)))
        .collect();
    let answers = join_all(forms.iter().map(|f| async {
        let r = app.book(f).await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body["error"].as_str().unwrap_or("").to_string())
    }))
    .await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, e)| *s == 409 && e == "active_booking_exists"),
        "{answers:?}"
    );
    assert_eq!(app.count("bookings").await, 1);
    let a = app.availability("ciruas", "2026-12-01", "2026-12-01").await;
    assert_eq!(a["days"][0]["booked"], 1);
    let taken: u64 = a["days"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["capacity"].as_u64().unwrap() - s["remaining"].as_u64().unwrap())
        .sum();
    assert_eq!(taken, 1);
}

async fn simultaneous_reschedules_and_cancels_keep_every_count_consistent(app: TestApp) {
    assert_eq!(app.put_office("ciruas", tiny_office()).await.status(), 200);
    // 30 bookings over ten slots of Tuesday, then 100 simultaneous changes: moves into
    // four target slots (12 seats for up to 70 movers) and cancels.
    let sources: Vec<String> = (0..10)
        .map(|i| wib(12, 1, 8 + i / 2, 30 * (i % 2)))
        .collect();
    let targets: Vec<String> = (0..4).map(|i| wib(12, 2, 8 + i, 0)).collect();
    let mut bookings = Vec::new();
    for i in 0..30 {
        let b = app
            .book_ok(&BookingForm::new(&sources[i % 10], &nik(100 + i as u32)))
            .await;
        bookings.push((
            b["code"].as_str().unwrap().to_string(),
            b["token"].as_str().unwrap().to_string(),
        ));
    }
    let ops: Vec<(usize, Option<String>)> = (0..100)
        .map(|i| {
            let who = (i * 7) % 30;
            if i % 3 == 0 {
                (who, None)
            } else {
                (who, Some(targets[i % 4].clone()))
            }
        })
        .collect();
    let answers = join_all(ops.iter().map(|(who, target)| {
        let (code, token) = &bookings[*who];
        let app = &app;
        async move {
            let r = match target {
                None => app.post_booking_action(code, token, "cancel", None).await,
                Some(t) => {
                    app.post_booking_action(
                        code,
                        token,
                        "reschedule",
                        Some(json!({"slot_start": t})),
                    )
                    .await
                }
            };
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body["error"].as_str().unwrap_or("").to_string())
        }
    }))
    .await;
    for (status, error) in &answers {
        assert!(
            *status == 200
                || (*status == 409
                    && ["slot_full", "conflict", "day_full"].contains(&error.as_str())),
            "unexpected answer {status} {error}"
        );
    }
    let office = app.store.office("ciruas").await.unwrap();
    let counters = app.store.slot_counters(office.id).await.unwrap();
    let truth = app.store.seat_holding_counts(office.id).await.unwrap();
    assert_eq!(
        counters, truth,
        "seat counters agree with the bookings table"
    );
    assert!(
        truth.iter().all(|(_, n)| *n <= 3),
        "no slot over capacity: {truth:?}"
    );
    let held: i64 = truth.iter().map(|(_, n)| n).sum();
    let mut confirmed = 0;
    for (code, token) in &bookings {
        let b: Value = app.get_booking(code, token).await.json().await.unwrap();
        assert!(
            ["confirmed", "cancelled"].contains(&b["status"].as_str().unwrap()),
            "{b}"
        );
        if b["status"] == "confirmed" {
            confirmed += 1;
        }
    }
    assert_eq!(
        held, confirmed,
        "every confirmed booking holds exactly one seat"
    );
    let a1 = app.availability("ciruas", "2026-12-01", "2026-12-02").await;
    let by_day: i64 = a1["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["booked"].as_i64().unwrap())
        .sum();
    assert_eq!(by_day, confirmed, "day counters agree too");
}

async fn simultaneous_cancellations_offer_each_freed_seat_to_one_waiting_person(app: TestApp) {
    // Tuesday 08:00–10:00 with one set: four slots of three, all booked; eight people
    // wait. Then all twelve cancel at once: every freed seat goes to exactly one of them.
    let mut office = tiny_office();
    office["hours"] = json!({"tue": ["08:00", "10:00"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let mut booked = Vec::new();
    for i in 0..12u32 {
        let slot = wib(12, 1, 8 + i / 6, 30 * ((i / 3) % 2));
        booked.push(app.book_ok(&BookingForm::new(&slot, &nik(200 + i))).await);
    }
    let mut waiting = Vec::new();
    for i in 0..8u32 {
        let form = BookingForm::new("", &nik(300 + i))
            .without("slot_start")
            .set("from_date", "2026-12-01")
            .set("to_date", "2026-12-01");
        let r = app
            .client
            .post(app.url("/api/v1/offices/ciruas/waitlist"))
            .multipart(form.multipart())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        waiting.push(r.json::<Value>().await.unwrap());
    }
    let statuses = join_all(booked.iter().map(|b| async {
        app.post_booking_action(
            b["code"].as_str().unwrap(),
            b["token"].as_str().unwrap(),
            "cancel",
            None,
        )
        .await
        .status()
        .as_u16()
    }))
    .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let office = app.store.office("ciruas").await.unwrap();
    assert_eq!(
        app.store.slot_counters(office.id).await.unwrap(),
        app.store.seat_holding_counts(office.id).await.unwrap(),
        "no seat leaks: counters agree with the bookings"
    );
    let mut offered = 0;
    for w in &waiting {
        let got: Value = app
            .get_booking(w["code"].as_str().unwrap(), w["token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        if got["offer"].is_object() {
            offered += 1;
        }
    }
    assert_eq!(
        offered, 8,
        "twelve seats freed, eight people waiting: all get one"
    );
}
