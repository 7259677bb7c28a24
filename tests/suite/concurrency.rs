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
    opposite_moves_between_two_days_all_succeed_without_deadlock,
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
    // 60 bookings over twenty slots of Tuesday and Wednesday, then 110 simultaneous
    // changes: every booking moves to one of four Thursday slots (12 seats for up to 60
    // movers), every second one also tries a second Thursday slot (racing itself), and
    // every third one cancels.
    let sources: Vec<String> = (0..20)
        .map(|i| wib(12, 1 + i / 10, 8 + (i % 10) / 2, 30 * (i % 2)))
        .collect();
    let targets: Vec<String> = (0..4).map(|i| wib(12, 3, 8 + i, 0)).collect();
    let mut bookings = Vec::new();
    for i in 0..60 {
        let b = app
            .book_ok(&BookingForm::new(&sources[i % 20], &nik(100 + i as u32)))
            .await;
        bookings.push((
            b["code"].as_str().unwrap().to_string(),
            b["token"].as_str().unwrap().to_string(),
            sources[i % 20].clone(),
        ));
    }
    let mut ops: Vec<(usize, Option<String>)> = Vec::new();
    for i in 0..60 {
        ops.push((i, Some(targets[i % 4].clone())));
        if i % 2 == 0 {
            ops.push((i, Some(targets[(i + 1) % 4].clone())));
        }
        if i % 3 == 0 {
            ops.push((i, None));
        }
    }
    assert_eq!(ops.len(), 110);
    let answers = join_all(ops.iter().map(|(who, target)| {
        let (code, token, _) = &bookings[*who];
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
    let won = |i: usize| answers[i].0 == 200;
    assert!(
        (0..ops.len()).any(|i| ops[i].1.is_some() && won(i)),
        "at least one move wins: {answers:?}"
    );
    for (i, (who, target)) in ops.iter().enumerate() {
        let alone = ops.iter().filter(|(w, _)| w == who).count() == 1;
        if target.is_none() {
            assert!(
                won(i),
                "a cancellation always wins (it retries): {:?}",
                answers[i]
            );
        } else if alone {
            assert!(
                won(i) || ["slot_full", "day_full"].contains(&answers[i].1.as_str()),
                "a move racing nothing of its own fails only when full: {:?}",
                answers[i]
            );
        }
    }
    app.assert_counters_agree("ciruas").await;
    let truth = app.held_per_slot("ciruas").await;
    assert!(
        truth.values().all(|(_, n)| *n <= 3),
        "no slot over capacity: {truth:?}"
    );
    let held: i64 = truth.values().map(|(_, n)| n).sum();
    // Exactly the winners' effects are visible, booking by booking.
    let mut confirmed = 0;
    for (who, (code, token, source)) in bookings.iter().enumerate() {
        let b: Value = app.get_booking(code, token).await.json().await.unwrap();
        let mine: Vec<(usize, &Option<String>)> = ops
            .iter()
            .enumerate()
            .filter(|(_, (w, _))| *w == who)
            .map(|(i, (_, t))| (i, t))
            .collect();
        let cancelled = mine.iter().any(|(i, t)| t.is_none() && won(*i));
        let moves_won: Vec<&String> = mine
            .iter()
            .filter(|(i, _)| won(*i))
            .filter_map(|(_, t)| t.as_ref())
            .collect();
        let (moves_logged, cancels_logged) = audit_counts(&app, code).await;
        assert_eq!(
            moves_logged,
            moves_won.len() as i64,
            "{code}: one record per move won"
        );
        assert_eq!(cancels_logged, i64::from(cancelled), "{code}");
        if cancelled {
            assert_eq!(b["status"], "cancelled", "{b}");
        } else {
            assert_eq!(b["status"], "confirmed", "{b}");
            confirmed += 1;
            let at = b["slot_start"].as_str().unwrap();
            match moves_won.as_slice() {
                [] => assert_eq!(at, source, "nothing won: still where it was"),
                [only] => assert_eq!(at, only.as_str(), "its one winning move"),
                several => assert!(several.iter().any(|t| t.as_str() == at), "{b}"),
            }
        }
    }
    assert_eq!(
        held, confirmed,
        "every confirmed booking holds exactly one seat"
    );
    let a1 = app.availability("ciruas", "2026-12-01", "2026-12-03").await;
    let by_day: i64 = a1["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["booked"].as_i64().unwrap())
        .sum();
    assert_eq!(by_day, confirmed, "day counters agree too");
}

/// Audit records of moves and cancellations of one booking.
async fn audit_counts(app: &TestApp, code: &str) -> (i64, i64) {
    let count = |action: &'static str| async move {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log a JOIN bookings b ON b.id = a.booking_id \
             WHERE b.code = $1 AND a.action = $2",
        )
        .bind(code)
        .bind(action)
        .fetch_one(app.db().await)
        .await
        .unwrap();
        n
    };
    (
        count("booking.reschedule").await,
        count("booking.cancel").await,
    )
}

async fn opposite_moves_between_two_days_all_succeed_without_deadlock(app: TestApp) {
    // Demo office: six a slot. Three bookings in each of ten Tuesday slots and ten
    // Wednesday slots; then all sixty move at once, Tuesday's k-th slot to Wednesday's
    // and back. There is room for everyone whatever the order, so every answer must be
    // 200: on PostgreSQL, two moves locking the same two counter rows in opposite order
    // would deadlock, and the loser would come back as 409 `conflict`.
    let slot = |day: u32, k: u32| wib(12, day, 8 + k / 2, 30 * (k % 2));
    let mut moves = Vec::new();
    for k in 0..10 {
        for (from, to) in [(1, 2), (2, 1)] {
            for j in 0..3 {
                let b = app
                    .book_ok(&BookingForm::new(
                        &slot(from, k),
                        &nik(500 + from * 100 + k * 3 + j),
                    ))
                    .await;
                moves.push((
                    b["code"].as_str().unwrap().to_string(),
                    b["token"].as_str().unwrap().to_string(),
                    slot(to, k),
                ));
            }
        }
    }
    let app_ref = &app;
    let answers = join_all(moves.iter().map(|(code, token, to)| async move {
        let r = app_ref
            .post_booking_action(code, token, "reschedule", Some(json!({"slot_start": to})))
            .await;
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap())
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(
            *status, 200,
            "no move is refused or lost to a deadlock: {body}"
        );
    }
    for (code, token, to) in &moves {
        let b: Value = app.get_booking(code, token).await.json().await.unwrap();
        assert_eq!(b["slot_start"], to.as_str());
    }
    app.assert_counters_agree("ciruas").await;
    assert!(
        app.held_per_slot("ciruas")
            .await
            .values()
            .all(|(_, n)| *n == 3)
    );
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
    // No seat leaks: counters agree with the bookings.
    app.assert_counters_agree("ciruas").await;
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
