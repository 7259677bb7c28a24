//! The front desk over the API: check-in with temperature and queue numbers, outcomes,
//! refusals that say why, certificate reviews and reads, walk-ins, sweeps on the clock,
//! the audit log and the day report.

use crate::both_databases;
use crate::helpers::*;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::BTreeSet;

both_databases!(
    a_desk_officer_checks_people_in_and_records_how_each_visit_ended,
    check_ins_are_refused_saying_why,
    twenty_check_ins_of_one_booking_give_one_queue_number,
    fifty_check_ins_get_unique_gap_free_numbers,
    fifty_walk_ins_against_five_seats_give_exactly_five,
    unchecked_bookings_become_no_shows_after_the_grace,
    a_still_rejected_certificate_releases_the_seat_to_the_waiting_list,
    certificates_are_served_so_that_no_browser_runs_them_and_each_read_is_audited,
    the_day_report_and_the_audit_log_agree_with_what_happened,
    a_disabled_account_stops_at_once,
    desk_writes_sent_again_with_their_key_answer_as_the_first_time,
    an_admin_manages_accounts_on_the_page_but_never_locks_everyone_out,
    the_desk_is_told_why_and_nothing_happens_too_early,
    a_first_high_reading_is_kept_and_the_second_comes_alone,
    a_walk_in_follows_the_two_reading_rule,
    the_check_in_form_asks_for_the_certificate_first_and_a_rejection_can_be_undone,
    certificates_are_reviewed_one_after_another_a_pdf_shown_as_an_image,
    desks_calling_at_once_never_call_the_same_person,
);

async fn desk(app: &TestApp, name: &str, office: &str) -> String {
    app.staff_token(name, rekam::domain::Role::Desk, Some(office))
        .await
}

/// An office open every day all day, with room for many: the desk's tests run "today".
fn big_office() -> Value {
    let mut o = demo_office();
    o["recording_sets"] = json!(20);
    o["waiting_room_seats"] = json!(100);
    let day = json!(["07:00", "17:00"]);
    o["hours"] = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day});
    o
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn check_in(app: &TestApp, token: &str, code: &str, body: Value) -> reqwest::Response {
    post_json(
        app,
        &format!("/api/v1/staff/bookings/{code}/check-in"),
        token,
        body,
    )
    .await
}

/// Books `n` people into today's (Monday 30 November) 08:00 slot; returns their codes
/// and tokens.
async fn book_today(app: &TestApp, n: u32, first: u32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let b = app
            .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(first + i)))
            .await;
        out.push((
            b["code"].as_str().unwrap().to_string(),
            b["token"].as_str().unwrap().to_string(),
        ));
    }
    out
}

async fn a_desk_officer_checks_people_in_and_records_how_each_visit_ended(app: TestApp) {
    let officer = desk(&app, "loket-1", "ciruas").await;
    let booked = book_today(&app, 2, 1).await;
    let (a, b) = (&booked[0], &booked[1]);
    // The day's list: masked NIK, no queue number yet.
    let list: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/days/2026-11-30/bookings",
            &officer,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["nik_masked"] == "************0001" && r["code"] == a.0.as_str())
    );
    assert!(list[0]["queue_number"].is_null());
    assert!(
        !list.to_string().contains(&nik(1)),
        "no full NIK in the list"
    );

    // 36.6 °C: checked in with number 1; then recorded.
    let r = check_in(&app, &officer, &a.0, json!({"temperature_c": 36.6})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "checked_in");
    assert_eq!(v["queue_number"], 1);
    assert_eq!(v["temperature_c"], 36.6);
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/outcome", a.0),
        &officer,
        json!({"outcome": "recorded"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "recorded");

    // 38.0 °C: a second reading is needed, and nothing changes until it comes.
    let r = check_in(&app, &officer, &b.0, json!({"temperature_c": 38.0})).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "retest_required");
    let v: Value = app.get_booking(&b.0, &b.1).await.json().await.unwrap();
    assert_eq!(v["status"], "confirmed");
    // 37.9 °C after the rest: turned away, with the reason and both readings.
    let r = check_in(
        &app,
        &officer,
        &b.0,
        json!({"temperature_c": 38.0, "retest_c": 37.9}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "turned_away");
    assert_eq!(v["retest_c"], 37.9);
    assert!(v["reason"].as_str().unwrap().contains("37,9"), "{v}");
    assert!(v["queue_number"].is_null());
    let mine: Value = app.get_booking(&b.0, &b.1).await.json().await.unwrap();
    assert_eq!(mine["status"], "turned_away");
    // Turned away, the NIK may book again.
    let again = app
        .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(2)))
        .await;
    assert_eq!(again.status(), 201);
    app.assert_counters_agree("ciruas").await;
}

async fn check_ins_are_refused_saying_why(app: TestApp) {
    let officer = desk(&app, "loket-2", "ciruas").await;
    assert_eq!(app.put_office("serang", demo_office()).await.status(), 201);
    let other = desk(&app, "loket-serang", "serang").await;
    let today = book_today(&app, 2, 10).await;
    let tomorrow = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(20)))
        .await;
    let t = json!({"temperature_c": 36.5});
    // Another office: the same as an unknown code (nothing tells that it exists).
    let r = check_in(&app, &other, &today[0].0, t.clone()).await;
    assert_eq!(r.status(), 404);
    // Another day.
    let r = check_in(
        &app,
        &officer,
        tomorrow["code"].as_str().unwrap(),
        t.clone(),
    )
    .await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("another day") || m.contains("tanggal lain"),
        "{e}"
    );
    // Twice.
    assert_eq!(
        check_in(&app, &officer, &today[0].0, t.clone())
            .await
            .status(),
        200
    );
    let r = check_in(&app, &officer, &today[0].0, t.clone()).await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "conflict");
    // Cancelled.
    let (code, token) = &today[1];
    assert_eq!(
        app.post_booking_action(code, token, "cancel", None)
            .await
            .status(),
        200
    );
    let r = check_in(&app, &officer, code, t.clone()).await;
    assert_eq!(r.status(), 409);
    // Unknown code; nonsense temperature; no token.
    assert_eq!(
        check_in(&app, &officer, "ZZZZZZZZ", t.clone())
            .await
            .status(),
        404
    );
    let r = check_in(&app, &officer, &today[0].0, json!({"temperature_c": 90})).await;
    assert!(r.status() == 409 || r.status() == 422);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/staff/bookings/{}/check-in", today[0].0)))
        .json(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Outcomes follow only what they may: recorded needs a check-in first.
    let fresh = book_today(&app, 1, 30).await;
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/outcome", fresh[0].0),
        &officer,
        json!({"outcome": "recorded"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/outcome", fresh[0].0),
        &officer,
        json!({"outcome": "turned_away"}),
    )
    .await;
    assert_eq!(r.status(), 422, "turned away needs a reason");
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "reason");
}

async fn twenty_check_ins_of_one_booking_give_one_queue_number(app: TestApp) {
    let officer = desk(&app, "loket-3", "ciruas").await;
    let code = book_today(&app, 1, 1).await.remove(0).0;
    let answers = join_all((0..20).map(|_| {
        let (app, officer, code) = (&app, &officer, &code);
        async move {
            check_in(app, officer, code, json!({"temperature_c": 36.4}))
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 200 || *s == 409),
        "{answers:?}"
    );
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings WHERE queue_number IS NOT NULL")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(n, 1);
}

async fn fifty_check_ins_get_unique_gap_free_numbers(app: TestApp) {
    assert_eq!(app.put_office("ciruas", big_office()).await.status(), 200);
    let officer = desk(&app, "loket-4", "ciruas").await;
    let codes = book_today(&app, 50, 100).await;
    let numbers = join_all(codes.iter().map(|(code, _)| {
        let (app, officer) = (&app, &officer);
        async move {
            let r = check_in(app, officer, code, json!({"temperature_c": 36.4})).await;
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()["queue_number"]
                .as_i64()
                .unwrap()
        }
    }))
    .await;
    let unique: BTreeSet<i64> = numbers.iter().copied().collect();
    assert_eq!(unique, (1..=50).collect::<BTreeSet<i64>>(), "{numbers:?}");
}

async fn fifty_walk_ins_against_five_seats_give_exactly_five(app: TestApp) {
    let mut office = big_office();
    office["max_visitors_per_day"] = json!(5);
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let officer = desk(&app, "loket-5", "ciruas").await;
    let answers = join_all((0..50).map(|i| {
        let (app, officer) = (&app, &officer);
        async move {
            let form = BookingForm::new("", &nik(500 + i))
                .without("slot_start")
                .set("temperature_c", "36.5");
            app.client
                .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
                .bearer_auth(officer)
                .multipart(form.multipart())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        answers.iter().filter(|s| **s == 201).count(),
        5,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 201 || *s == 409),
        "{answers:?}"
    );
    let list: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/days/2026-11-30/bookings",
            &officer,
        )
        .await;
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r["walk_in"] == true && r["status"] == "checked_in")
    );
    let numbers: BTreeSet<i64> = rows
        .iter()
        .map(|r| r["queue_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=5).collect());
    // A full day says so.
    let r = app
        .client
        .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
        .bearer_auth(&officer)
        .multipart(
            BookingForm::new("", &nik(600))
                .without("slot_start")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "day_full");
    app.assert_counters_agree("ciruas").await;
}

async fn unchecked_bookings_become_no_shows_after_the_grace(app: TestApp) {
    let officer = desk(&app, "loket-6", "ciruas").await;
    let booked = book_today(&app, 2, 40).await;
    assert_eq!(
        check_in(&app, &officer, &booked[0].0, json!({"temperature_c": 36.6}))
            .await
            .status(),
        200
    );
    // The 08:00 slot ends at 08:30; the grace is 30 minutes: at 08:59 nothing yet.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T08:59:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let status = |b: &(String, String)| {
        let app = &app;
        let b = b.clone();
        async move {
            app.get_booking(&b.0, &b.1)
                .await
                .json::<Value>()
                .await
                .unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(status(&booked[1]).await, "confirmed");
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T09:01:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    assert_eq!(status(&booked[1]).await, "no_show");
    assert_eq!(status(&booked[0]).await, "checked_in", "checked in stays");
    // Its seat still counts for the day.
    app.assert_counters_agree("ciruas").await;
    let report: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30",
            &officer,
        )
        .await;
    assert_eq!(report[0]["no_show"], 1);
    assert_eq!(report[0]["booked"], 2);
}

async fn a_still_rejected_certificate_releases_the_seat_to_the_waiting_list(app: TestApp) {
    let mut office = demo_office();
    office["max_visitors_per_day"] = json!(1);
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let officer = desk(&app, "loket-7", "ciruas").await;
    // Tuesday's only seat; someone waits for Tuesday.
    let held = app
        .book_ok(&BookingForm::new(&wib(12, 1, 10, 0), &nik(70)))
        .await;
    let wait = app
        .client
        .post(app.url("/api/v1/offices/ciruas/waitlist"))
        .multipart(
            BookingForm::new("", &nik(71))
                .without("slot_start")
                .set("from_date", "2026-12-01")
                .set("to_date", "2026-12-01")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wait.status(), 201, "{}", wait.text().await.unwrap());
    let waiting: Value = wait.json().await.unwrap_or_default();
    let code = held["code"].as_str().unwrap();
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{code}/certificate-review"),
        &officer,
        json!({"decision": "rejected", "reason": "Surat tidak terbaca"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let mine: Value = app
        .get_booking(code, held["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["certificate_status"], "rejected");
    assert_eq!(mine["reason"], "Surat tidak terbaca");
    // 24 hours before the 10:00 slot it is still rejected: released, the seat offered.
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T10:01:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let mine: Value = app
        .get_booking(code, held["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "cancelled");
    let _ = waiting;
    let (offered,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings WHERE hold_until IS NOT NULL AND nik = $1")
            .bind(nik(71))
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(offered, 1, "the freed seat is offered to the first waiting");
    app.assert_counters_agree("ciruas").await;
}

async fn certificates_are_served_so_that_no_browser_runs_them_and_each_read_is_audited(
    app: TestApp,
) {
    let officer = desk(&app, "loket-8", "ciruas").await;
    let code = book_today(&app, 1, 80).await.remove(0).0;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/bookings/{code}/certificate")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), tiny_png());
    // A PDF is an attachment.
    let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec();
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 30), &nik(81)).file(
            pdf.clone(),
            "surat.pdf",
            "application/pdf",
        ))
        .await;
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/staff/bookings/{}/certificate",
            b["code"].as_str().unwrap()
        )))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // Each read is in the audit log, with the officer and the address.
    let (n, origin): (i64, Option<String>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(origin) FROM audit_log \
         WHERE action = 'certificate.view' AND actor = 'staff:loket-8'",
    )
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(n, 2);
    assert_eq!(origin.as_deref(), Some("127.0.0.1"));
    // Without a token, or from another office: no file.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/bookings/{code}/certificate")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(app.put_office("serang", demo_office()).await.status(), 201);
    let other = desk(&app, "loket-serang-2", "serang").await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/bookings/{code}/certificate")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Even an HTML file that reached the table some other way is never served as a page.
    sqlx::query(
        "UPDATE certificates SET content_type = 'text/html', content = $1 \
         WHERE booking_id = (SELECT id FROM bookings WHERE code = $2)",
    )
    .bind(b"<html><script>alert(document.cookie)</script></html>".to_vec())
    .bind(&code)
    .execute(app.db().await)
    .await
    .unwrap();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/bookings/{code}/certificate")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
}

async fn the_day_report_and_the_audit_log_agree_with_what_happened(app: TestApp) {
    assert_eq!(app.put_office("ciruas", big_office()).await.status(), 200);
    let officer = desk(&app, "loket-9", "ciruas").await;
    let sup = app
        .staff_token("kasi-9", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let booked = book_today(&app, 3, 90).await;
    check_in(&app, &officer, &booked[0].0, json!({"temperature_c": 36.6})).await;
    post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/outcome", booked[0].0),
        &officer,
        json!({"outcome": "recorded"}),
    )
    .await;
    check_in(
        &app,
        &officer,
        &booked[1].0,
        json!({"temperature_c": 38.2, "retest_c": 38.0}),
    )
    .await;
    let walk = app
        .client
        .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
        .bearer_auth(&officer)
        .multipart(
            BookingForm::new("", &nik(99))
                .without("slot_start")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(walk.status(), 201);
    let report: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30",
            &officer,
        )
        .await;
    let day = &report[0];
    assert_eq!(day["date"], "2026-11-30");
    assert_eq!(day["booked"], 4, "{day}");
    assert_eq!(day["checked_in"], 2, "{day}");
    assert_eq!(day["recorded"], 1);
    assert_eq!(day["turned_away"], 1);
    assert_eq!(day["walk_ins"], 1);
    let csv = app
        .client
        .get(app.url("/api/v1/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30"))
        .bearer_auth(&officer)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("date,booked,"), "{csv}");
    assert!(csv.contains("2026-11-30,4,2,1,0,1,1,0"), "{csv}");
    // The audit log: each action with its actor; a desk account may not read it.
    let r = app
        .client
        .get(app.url("/api/v1/staff/audit"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let log: Value = app
        .staff_json("/api/v1/staff/audit?actor=staff:loket-9", &sup)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for a in [
        "booking.check_in",
        "booking.recorded",
        "booking.turned_away",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let csv = app
        .client
        .get(app.url("/api/v1/staff/audit?action=booking."))
        .bearer_auth(&sup)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("id,at,actor,action"), "{csv}");
    assert!(csv.contains("staff:loket-9,booking.check_in"), "{csv}");
}

async fn a_disabled_account_stops_at_once(app: TestApp) {
    let officer = desk(&app, "loket-10", "ciruas").await;
    let r = app
        .client
        .get(app.url("/api/v1/staff/offices/ciruas/days/2026-11-30/bookings"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.store
        .change_staff(
            "loket-10",
            &rekam::store::StaffChange::Disabled(true),
            &rekam::domain::Actor::Cli,
            app.clock.now(),
        )
        .await
        .unwrap();
    let r = app
        .client
        .get(app.url("/api/v1/staff/offices/ciruas/days/2026-11-30/bookings"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn desk_writes_sent_again_with_their_key_answer_as_the_first_time(app: TestApp) {
    let officer = desk(&app, "loket-11", "ciruas").await;
    let code = book_today(&app, 1, 110).await.remove(0).0;
    let send = |key: &'static str, body: Value| {
        let (app, officer, code) = (&app, &officer, &code);
        async move {
            app.client
                .post(app.url(&format!("/api/v1/staff/bookings/{code}/check-in")))
                .bearer_auth(officer)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send("k-1", json!({"temperature_c": 36.6})).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = send("k-1", json!({"temperature_c": 36.6})).await;
    assert_eq!(again.status(), 200, "a retry answers as the first time");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let other = send("k-1", json!({"temperature_c": 36.9})).await;
    assert_eq!(other.status(), 422);
    assert_eq!(
        other.json::<Value>().await.unwrap()["error"],
        "idempotency_key_reused"
    );
    // A walk-in sent twice with its key is registered once.
    let walk = || async {
        app.client
            .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
            .bearer_auth(&officer)
            .header("Idempotency-Key", "w-1")
            .multipart(
                BookingForm::new("", &nik(111))
                    .without("slot_start")
                    .multipart(),
            )
            .send()
            .await
            .unwrap()
    };
    let a = walk().await;
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = walk().await;
    assert_eq!(b.status(), 201);
    assert_eq!(b.json::<Value>().await.unwrap()["code"], a["code"]);
    assert_eq!(app.count("bookings").await, 2);
}

async fn an_admin_manages_accounts_on_the_page_but_never_locks_everyone_out(app: TestApp) {
    // The only admin is test-admin.
    let (_, cookie) = crate::security::log_in(&app, "test-admin").await;
    let page = |path: &'static str| {
        let (app, cookie) = (&app, &cookie);
        async move {
            app.client
                .get(app.url(path))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let r = page("/staff/accounts").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("test-admin"));
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let (app, cookie) = (&app, &cookie);
        async move {
            app.client
                .post(app.url(&path))
                .header("Cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    // A bad form: the page again with the field named and what was typed.
    let r = post(
        "/staff/accounts".into(),
        vec![
            ("username", "loket-baru"),
            ("password", "short"),
            ("role", "desk"),
            ("office", "ciruas"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("accounts-error") && html.contains("value=\"loket-baru\""),
        "{html}"
    );
    let r = post(
        "/staff/accounts".into(),
        vec![
            ("username", "loket-baru"),
            ("password", "a long enough password"),
            ("role", "desk"),
            ("office", "ciruas"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    // Disabling another's account asks first, saying what it does; nothing changes yet.
    let r = post(
        "/staff/accounts/loket-baru".into(),
        vec![("action", "disable")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Nonaktifkan akun loket-baru?"), "{page}");
    let disabled = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .list_staff()
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.username == "loket-baru")
                .unwrap()
                .disabled
        }
    };
    assert_eq!(disabled(&app).await, 0, "not disabled before the yes");
    // Yes: done, and the list says exactly what happened, to whom.
    let r = post(
        "/staff/accounts/loket-baru".into(),
        vec![("action", "disable"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/staff/accounts?m=disabled&u=loket%2Dbaru");
    assert_eq!(disabled(&app).await, 1);
    let page = app
        .client
        .get(app.url(&to))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Akun loket-baru dinonaktifkan"), "{page}");
    let r = post(
        "/staff/accounts/loket-baru".into(),
        vec![("action", "enable")],
    )
    .await;
    assert_eq!(r.status(), 303);
    // Disabling oneself, or the last admin, is refused.
    let r = post(
        "/staff/accounts/test-admin".into(),
        vec![("action", "disable")],
    )
    .await;
    assert_eq!(r.status(), 409);
    app.store
        .change_staff(
            "loket-baru",
            &rekam::store::StaffChange::Role {
                role: rekam::domain::Role::Admin,
                office_id: None,
            },
            &rekam::domain::Actor::Cli,
            app.clock.now(),
        )
        .await
        .unwrap();
    let last = app
        .store
        .change_staff(
            "test-admin",
            &rekam::store::StaffChange::Disabled(true),
            &rekam::domain::Actor::Cli,
            app.clock.now(),
        )
        .await;
    assert!(last.is_ok(), "another admin remains");
    let none_left = app
        .store
        .change_staff(
            "loket-baru",
            &rekam::store::StaffChange::Disabled(true),
            &rekam::domain::Actor::Cli,
            app.clock.now(),
        )
        .await;
    assert!(
        matches!(none_left, Err(rekam::store::StoreError::LastAdmin)),
        "{none_left:?}"
    );
}

async fn the_desk_is_told_why_and_nothing_happens_too_early(app: TestApp) {
    let officer = desk(&app, "loket-12", "ciruas").await;
    let booked = book_today(&app, 3, 120).await;
    // No-show only once the slot is over.
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/outcome", booked[0].0),
        &officer,
        json!({"outcome": "no_show"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    // A normal first reading and a high second one: the second decides.
    let r = check_in(
        &app,
        &officer,
        &booked[1].0,
        json!({"temperature_c": 36.5, "retest_c": 39.0}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "turned_away");
    // A checked-in booking is not cancelled by its owner: told so.
    check_in(&app, &officer, &booked[2].0, json!({"temperature_c": 36.5})).await;
    let r = app
        .post_booking_action(&booked[2].0, &booked[2].1, "cancel", None)
        .await;
    assert_eq!(r.status(), 409);
    let m = r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !m.contains("elsewhere") && !m.contains("tempat lain"),
        "{m}"
    );
    // Typing: an unknown code goes back to the list saying so and keeping it; control
    // characters are no 500.
    let (_, cookie) = crate::security::log_in(&app, "loket-12").await;
    for q in [
        "code=ZZZZZZZZ",
        "code=zz&office=%7F",
        "code=zz&office=a%0d%0aX",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/staff/find?{q}")))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{q}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("/staff/offices/ciruas/desk?m=unknown"),
            "{q}: {to}"
        );
    }
    // A rejection made inside the release window releases nothing: no time was left.
    let r = post_json(
        &app,
        &format!("/api/v1/staff/bookings/{}/certificate-review", booked[0].0),
        &officer,
        json!({"decision": "rejected", "reason": "buram"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    app.advance_and_sweep(chrono::Duration::minutes(5)).await;
    let mine: Value = app
        .get_booking(&booked[0].0, &booked[0].1)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "confirmed");
    // The audit API's instants carry the office's offset.
    let sup = app
        .staff_token("kasi-12", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let log: Value = app
        .staff_json("/api/v1/staff/audit?action=booking.", &sup)
        .await;
    let at = log[0]["at"].as_str().unwrap();
    assert!(at.ends_with("+07:00"), "{at}");
}

/// Issue 21, items 1 and 3: a first reading above the limit is kept with when the retest
/// is due (the booking itself does not change); after the rest the second reading comes
/// alone and decides. The desk's view of one booking has the whole NIK, the phone and
/// e-mail, the marriage declaration, the guardian's agreement and every reading.
async fn a_first_high_reading_is_kept_and_the_second_comes_alone(app: TestApp) {
    assert_eq!(app.put_office("ciruas", big_office()).await.status(), 200);
    let officer = desk(&app, "loket-suhu", "ciruas").await;
    let married = app
        .book_ok(
            &BookingForm::new(&wib(11, 30, 8, 0), &nik(301))
                .set("married", "true")
                .set("email", "budi@example.com"),
        )
        .await;
    let a = married["code"].as_str().unwrap().to_string();
    let people = book_today(&app, 1, 302).await;
    let b = &people[0].0;
    let view = |code: String| {
        let (app, officer) = (&app, &officer);
        async move {
            app.staff_json(&format!("/api/v1/staff/bookings/{code}"), officer)
                .await
        }
    };

    // 38.0: a retest is due in five minutes; the reading is kept, nothing else changes.
    let r = check_in(&app, &officer, &a, json!({"temperature_c": 38.0})).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "retest_required", "{e}");
    let v = view(a.clone()).await;
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["readings"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["readings"][0]["temperature_c"], 38.0);
    assert_eq!(v["readings"][0]["at"], "2026-11-30T07:00:00+07:00");
    assert_eq!(v["retest_due"], "2026-11-30T07:05:00+07:00");
    // The day list says whose retest is due, and when.
    let day_path = "/api/v1/staff/offices/ciruas/days/2026-11-30/bookings";
    let due_of = |rows: &Value, code: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["retest_due"].clone())
            .unwrap()
    };
    let rows = app.staff_json(day_path, &officer).await;
    assert_eq!(due_of(&rows, &a), "2026-11-30T07:05:00+07:00");
    assert!(due_of(&rows, b).is_null());
    // What the desk needs of the person.
    assert_eq!(v["nik"], nik(301));
    assert_eq!(v["nik_masked"], format!("************{}", &nik(301)[12..]));
    assert_eq!(v["phone"], "+6281234567890");
    assert_eq!(v["email"], "budi@example.com");
    assert_eq!(v["married"], true);
    assert!(v["guardian_consent"].is_boolean());

    // Five minutes later the second reading alone: 37.9 is above the limit too.
    app.advance_and_sweep(chrono::Duration::minutes(5)).await;
    let r = check_in(&app, &officer, &a, json!({"temperature_c": 37.9})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "turned_away", "{v}");
    let temps: Vec<f64> = v["readings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["temperature_c"].as_f64().unwrap())
        .collect();
    assert_eq!(temps, [38.0, 37.9], "both readings are kept");
    assert!(v["retest_due"].is_null());
    assert!(v["reason"].as_str().unwrap().contains("37,9"), "{v}");
    let rows = app.staff_json(day_path, &officer).await;
    assert!(due_of(&rows, &a).is_null(), "decided: no retest is due");

    // 38.1, then 36.8 alone after the rest: checked in, with a queue number.
    let r = check_in(&app, &officer, b, json!({"temperature_c": 38.1})).await;
    assert_eq!(r.status(), 422);
    let r = check_in(&app, &officer, b, json!({"temperature_c": 36.8})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "checked_in", "{v}");
    assert!(v["queue_number"].is_i64());
    assert_eq!(v["readings"].as_array().unwrap().len(), 2);
    assert_eq!(v["temperature_c"], 38.1);
    assert_eq!(v["retest_c"], 36.8);
}

/// Issue 21, item 5: a walk-in's temperature follows the same two-reading rule: one
/// reading above the limit asks for the second (422 `retest_required`, nothing written), a
/// second above it keeps the person out, a second under it registers them with both
/// readings kept.
async fn a_walk_in_follows_the_two_reading_rule(app: TestApp) {
    assert_eq!(app.put_office("ciruas", big_office()).await.status(), 200);
    let officer = desk(&app, "loket-wi", "ciruas").await;
    let walk_in = |first: &'static str, second: Option<&'static str>, n: u32| {
        let (app, officer) = (&app, &officer);
        async move {
            let mut form = BookingForm::new("", &nik(n))
                .without("slot_start")
                .set("temperature_c", first);
            if let Some(s) = second {
                form = form.set("retest_c", s);
            }
            app.client
                .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
                .bearer_auth(officer)
                .multipart(form.multipart())
                .send()
                .await
                .unwrap()
        }
    };
    let before = app.written().await;
    let r = walk_in("38.0", None, 601).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["error"].as_str(), e["field"].as_str()),
        (Some("retest_required"), Some("retest_c")),
        "{e}"
    );
    let r = walk_in("38.0", Some("37,9"), 601).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["field"], "retest_c", "{e}");
    assert_eq!(before, app.written().await, "nobody was registered");
    let r = walk_in("38.0", Some("36,8"), 601).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "checked_in", "{v}");
    let temps: Vec<f64> = v["readings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["temperature_c"].as_f64().unwrap())
        .collect();
    assert_eq!(temps, [38.0, 36.8]);
}

/// Issue 21, item 4: the check-in form of the page decides an unreviewed certificate first
/// (the server asks, not only the browser); a rejected one is refused at check-in saying
/// that accepting the paper original is possible, and accepting it then lets the person in.
async fn the_check_in_form_asks_for_the_certificate_first_and_a_rejection_can_be_undone(
    app: TestApp,
) {
    let token = desk(&app, "loket-4", "ciruas").await;
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(41)).set("guardian_consent", "true"))
        .await;
    let code = b["code"].as_str().unwrap();
    let (_, cookie) = crate::security::log_in(&app, "loket-4").await;
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let (client, cookie, url) = (app.client.clone(), cookie.clone(), app.url(&path));
        async move {
            let r = client
                .post(url)
                .header("Cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let check_in = format!("/staff/bookings/{code}/check-in");
    let (status, page) = post(check_in.clone(), vec![("temperature_c", "36,5")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("terima atau tolak"), "{page}");
    let v = app
        .staff_json(&format!("/api/v1/staff/bookings/{code}"), &token)
        .await;
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["certificate_status"], "submitted");
    // Rejected (from the review queue, say): check-in says the original may be accepted.
    let (status, _) = post(
        format!("/staff/bookings/{code}/review"),
        vec![("decision", "rejected"), ("review_reason", "buram")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = post(check_in.clone(), vec![("temperature_c", "36,5")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("surat aslinya"), "{page}");
    // The original is shown and accepted; then the check-in goes through.
    let (status, _) = post(
        format!("/staff/bookings/{code}/review"),
        vec![("decision", "accepted")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = post(check_in, vec![("temperature_c", "36,5")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"queue-number\""), "{page}");
    let v = app
        .staff_json(&format!("/api/v1/staff/bookings/{code}"), &token)
        .await;
    assert_eq!(v["status"], "checked_in");
    assert_eq!(v["certificate_status"], "accepted");
}

/// A one-page PDF with a word on it, as a phone's scanner app makes.
fn one_page_pdf() -> Vec<u8> {
    let content = "BT /F1 24 Tf 20 40 Td (SEHAT) Tj ET";
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
         2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]/Contents 4 0 R\
         /Resources<</Font<</F1 5 0 R>>>>>>endobj\n\
         4 0 obj<</Length {}>>stream\n{content}\nendstream endobj\n\
         5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n\
         trailer<</Root 1 0 R>>\n%%EOF\n",
        content.len()
    )
    .into_bytes()
}

/// Issue 21, item 4: the review queue shows each certificate against its slot, the
/// current one inline (a PDF rendered to an image on the server), and a decision moves
/// on to the next; a refused decision keeps the same one, with what was typed.
async fn certificates_are_reviewed_one_after_another_a_pdf_shown_as_an_image(app: TestApp) {
    desk(&app, "loket-5", "ciruas").await;
    let a = app
        .book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(51)).file(
            one_page_pdf(),
            "surat.pdf",
            "application/pdf",
        ))
        .await;
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 9, 30), &nik(52)).set("name", "Dewi Lestari"))
        .await;
    let (code_a, code_b) = (a["code"].as_str().unwrap(), b["code"].as_str().unwrap());
    let (_, cookie) = crate::security::log_in(&app, "loket-5").await;
    let get = |path: String| {
        let (client, cookie, url) = (app.client.clone(), cookie.clone(), app.url(&path));
        async move {
            client
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let page = get("/staff/offices/ciruas/review".into())
        .await
        .text()
        .await
        .unwrap();
    let current = &page[page.find("id=\"current\"").expect("a current certificate")..];
    let current = &current[..current.find("</section>").unwrap()];
    assert!(
        current.contains(code_a),
        "the earliest slot first: {current}"
    );
    assert!(current.contains("mencakup jadwalnya"), "{current}");
    assert!(current.contains(&format!("/staff/bookings/{code_a}/certificate/preview")));
    // The PDF is shown as a PNG made on the server.
    let r = get(format!("/staff/bookings/{code_a}/certificate/preview")).await;
    if which("pdftoppm") {
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    } else {
        skip("pdftoppm (poppler-utils) is not installed: the PDF preview was not checked");
    }
    // An image is shown as itself.
    let r = get(format!("/staff/bookings/{code_b}/certificate/preview")).await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), tiny_png());
    // Accept: on to the next.
    let post = |form: Vec<(&'static str, String)>| {
        let (client, cookie) = (app.client.clone(), cookie.clone());
        let url = app.url("/staff/offices/ciruas/review");
        async move {
            client
                .post(url)
                .header("Cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(vec![
        ("code", code_a.into()),
        ("decision", "accepted".into()),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = get(to).await.text().await.unwrap();
    assert!(page.contains(&format!("Surat {code_a} diterima")), "{page}");
    let current = &page[page.find("id=\"current\"").unwrap()..];
    assert!(current.contains("Dewi Lestari"), "the next one: {current}");
    // Rejecting without a reason keeps this one, saying why.
    let r = post(vec![
        ("code", code_b.into()),
        ("decision", "rejected".into()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"review-error\""), "{page}");
    assert!(page[page.find("id=\"current\"").unwrap()..].contains(code_b));
    let r = post(vec![
        ("code", code_b.into()),
        ("decision", "rejected".into()),
        ("review_reason", "buram".into()),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let page = get(r.headers()["location"].to_str().unwrap().to_string())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tidak ada surat yang menunggu"), "{page}");
    // A decision sent again from a page shown before (another officer decided meanwhile):
    // refused, saying so; the rejection stands.
    let r = post(vec![
        ("code", code_b.into()),
        ("decision", "accepted".into()),
    ])
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("sudah diputuskan petugas lain")
    );
}

/// Is a program on the PATH?
fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Issue 21, item 6: twelve calls at once from two desks for ten people waiting call each
/// of them exactly once, in queue order overall, and two find nobody.
async fn desks_calling_at_once_never_call_the_same_person(app: TestApp) {
    assert_eq!(app.put_office("ciruas", big_office()).await.status(), 200);
    let officer = desk(&app, "loket-6", "ciruas").await;
    for i in 0..10 {
        let form = BookingForm::new("", &nik(600 + i))
            .without("slot_start")
            .set("temperature_c", "36.5");
        let r = app
            .client
            .post(app.url("/api/v1/staff/offices/ciruas/walk-ins"))
            .bearer_auth(&officer)
            .multipart(form.multipart())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let office = app.store.office("ciruas").await.unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let calls = join_all((0..12).map(|i| {
        let store = app.store.clone();
        let now = app.clock.now();
        async move {
            store
                .call_next(office.id, today, 1 + i % 2, &rekam::domain::Actor::Cli, now)
                .await
                .unwrap()
                .map(|c| c.queue_number)
        }
    }))
    .await;
    let called: BTreeSet<i64> = calls.iter().flatten().copied().collect();
    assert_eq!(called, (1..=10).collect::<BTreeSet<i64>>(), "{calls:?}");
    assert_eq!(calls.iter().filter(|c| c.is_none()).count(), 2, "{calls:?}");
    let board = app.store.queue_board(office.id, today).await.unwrap();
    assert!(board.waiting.is_empty(), "{board:?}");
    assert_eq!(board.desks.len(), 2, "{board:?}");
    assert_eq!(
        board.newest.as_ref().map(|c| c.id),
        board.desks.iter().map(|c| c.id).max()
    );
}
