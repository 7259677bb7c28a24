//! The booking lifecycle over HTTP.

use crate::both_databases;
use crate::helpers::*;
use serde_json::{Value, json};

both_databases!(
    booking_takes_a_seat_and_answers_as_the_contract_says,
    the_manage_token_is_required_and_a_wrong_one_looks_like_an_unknown_code,
    rescheduling_moves_the_seat_and_cancelling_frees_it,
    a_reschedule_beyond_the_certificate_validity_is_refused_and_keeps_the_old_slot,
    an_idempotency_key_replays_the_first_answer_and_books_once,
    one_idempotency_key_sent_twenty_times_at_once_books_once,
    an_idempotency_key_is_bound_to_its_request_and_kept_a_day,
    a_replaced_certificate_is_judged_and_stored,
    a_certificate_time_up_to_ten_minutes_ahead_of_ours_is_accepted,
    weekends_past_slots_and_days_beyond_the_horizon_offer_nothing,
    the_daily_maximum_caps_the_day,
    offices_are_validated_and_admin_only,
    openapi_and_health_answer,
);

async fn booking_takes_a_seat_and_answers_as_the_contract_says(app: TestApp) {
    let slot = wib(11, 30, 8, 0);
    assert_eq!(app.remaining("ciruas", &slot).await, 6);
    let b = app.book_ok(&BookingForm::new(&slot, &nik(1))).await;
    assert_eq!(b["office"], "ciruas");
    assert_eq!(b["slot_start"], slot);
    assert_eq!(b["slot_end"], wib(11, 30, 8, 30));
    assert_eq!(b["status"], "confirmed");
    assert_eq!(b["certificate_status"], "submitted");
    let code = b["code"].as_str().unwrap();
    let token = b["token"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert!(token.len() >= 22, "at least 128 bits");
    assert_eq!(b["manage_url"], format!("/b/{code}?t={token}"));
    assert_eq!(app.remaining("ciruas", &slot).await, 5);
    let day = app.availability("ciruas", "2026-11-30", "2026-11-30").await;
    assert_eq!(day["days"][0]["booked"], 1);
    assert_eq!(day["days"][0]["cap"], 84);

    let got: Value = app.get_booking(code, token).await.json().await.unwrap();
    assert_eq!(got["status"], "confirmed");
    assert_eq!(got["nik_masked"], "************0001");
    assert!(
        !got.to_string().contains(&nik(1)),
        "the full NIK never leaves"
    );
    assert!(app.count("audit_log").await >= 1);
    assert_eq!(app.count("certificates").await, 1);
}

async fn the_manage_token_is_required_and_a_wrong_one_looks_like_an_unknown_code(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)))
        .await;
    let code = b["code"].as_str().unwrap();
    let wrong = app.get_booking(code, "not-the-token").await;
    assert_eq!(wrong.status(), 404);
    let wrong_body: Value = wrong.json().await.unwrap();
    let unknown = app.get_booking("ZZZZZZZZ", "not-the-token").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(wrong_body, unknown.json::<Value>().await.unwrap());
    let none = app
        .client
        .get(app.url(&format!("/api/v1/bookings/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    let cancel = app.post_booking_action(code, "nope", "cancel", None).await;
    assert_eq!(cancel.status(), 404);
    let page = app
        .client
        .get(app.url(&format!("/b/{code}?t=nope")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
}

async fn rescheduling_moves_the_seat_and_cancelling_frees_it(app: TestApp) {
    let (from, to) = (wib(11, 30, 8, 0), wib(12, 1, 10, 30));
    let b = app.book_ok(&BookingForm::new(&from, &nik(1))).await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let r = app
        .post_booking_action(code, token, "reschedule", Some(json!({"slot_start": to})))
        .await;
    assert_eq!(r.status(), 200);
    let moved: Value = r.json().await.unwrap();
    assert_eq!(moved["slot_start"], to);
    assert_eq!(app.remaining("ciruas", &from).await, 6);
    assert_eq!(app.remaining("ciruas", &to).await, 5);
    let r = app.post_booking_action(code, token, "cancel", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    assert_eq!(app.remaining("ciruas", &to).await, 6);
    // Cancelled: the NIK may book again; the cancelled booking cannot be moved.
    app.book_ok(&BookingForm::new(&from, &nik(1))).await;
    let r = app
        .post_booking_action(code, token, "reschedule", Some(json!({"slot_start": from})))
        .await;
    assert_eq!(r.status(), 409);
    // A bad body is a 422 naming the field, not axum's plain 400.
    let b2 = app.book_ok(&BookingForm::new(&from, &nik(2))).await;
    let r = app
        .post_booking_action(
            b2["code"].as_str().unwrap(),
            b2["token"].as_str().unwrap(),
            "reschedule",
            Some(json!({"slot": 1})),
        )
        .await;
    assert_eq!(r.status(), 422);
}

async fn a_reschedule_beyond_the_certificate_validity_is_refused_and_keeps_the_old_slot(
    app: TestApp,
) {
    // An antigen test from Sunday 08:00 WIB covers until Monday 08:00 WIB.
    let from = wib(11, 30, 8, 0);
    let form = BookingForm::new(&from, &nik(1))
        .set("certificate_kind", "antigen")
        .set("certificate_issued_at", "2026-11-29T08:00:00+07:00");
    let b = app.book_ok(&form).await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let r = app
        .post_booking_action(
            code,
            token,
            "reschedule",
            Some(json!({"slot_start": wib(11, 30, 8, 30)})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "certificate_not_valid_for_slot");
    let got: Value = app.get_booking(code, token).await.json().await.unwrap();
    assert_eq!(got["slot_start"], from);
    assert_eq!(app.remaining("ciruas", &from).await, 5);
}

async fn an_idempotency_key_replays_the_first_answer_and_books_once(app: TestApp) {
    let form = BookingForm::new(&wib(11, 30, 8, 0), &nik(1));
    let key = uuid::Uuid::new_v4().to_string();
    let send = || {
        app.client
            .post(app.url("/api/v1/bookings"))
            .header("Idempotency-Key", &key)
            .multipart(form.multipart())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    // The same answer, but for the token: a fresh link to the same booking (the first
    // one is not kept in the clear).
    let again: Value = again.json().await.unwrap();
    assert_eq!(without_token(&again), without_token(&first));
    assert_ne!(again["token"], first["token"]);
    assert_eq!(app.count("bookings").await, 1);
    assert_eq!(app.remaining("ciruas", &wib(11, 30, 8, 0)).await, 5);
}

/// A key replays only for the same request (same fields, same file): another request —
/// an empty form above all — gets 422 `idempotency_key_reused` and never the first
/// answer's token. After a day the key is forgotten and may be used afresh.
async fn an_idempotency_key_is_bound_to_its_request_and_kept_a_day(app: TestApp) {
    let key = uuid::Uuid::new_v4().to_string();
    let send = |form: reqwest::multipart::Form| {
        app.client
            .post(app.url("/api/v1/bookings"))
            .header("Idempotency-Key", &key)
            .multipart(form)
            .send()
    };
    let form = BookingForm::new(&wib(11, 30, 8, 0), &nik(1));
    let first = send(form.multipart()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(form.multipart()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(
        without_token(&again.json::<Value>().await.unwrap()),
        without_token(&first)
    );
    let mut other_file = tiny_png();
    other_file.push(0);
    for (what, other) in [
        (
            "a form with nothing but the office",
            reqwest::multipart::Form::new().text("office", "ciruas"),
        ),
        (
            "another NIK",
            BookingForm::new(&wib(11, 30, 8, 0), &nik(2)).multipart(),
        ),
        ("another file", form_with_file(&form, other_file)),
    ] {
        let r = send(other).await.unwrap();
        assert_eq!(r.status(), 422, "{what}");
        let body = r.text().await.unwrap();
        assert!(
            !body.contains(first["token"].as_str().unwrap()),
            "{what}: {body}"
        );
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"], "idempotency_key_reused", "{what}");
        assert_eq!(body["field"], "Idempotency-Key", "{what}");
    }
    assert_eq!(app.count("bookings").await, 1);
    // A day later the key is forgotten (by the sweep) and books afresh.
    app.advance_and_sweep(chrono::Duration::hours(24) + chrono::Duration::minutes(2))
        .await;
    assert_eq!(
        app.count("idempotency_keys").await,
        0,
        "forgotten after a day"
    );
    let later = send(BookingForm::new(&wib(12, 1, 9, 0), &nik(2)).multipart())
        .await
        .unwrap();
    assert_eq!(later.status(), 201);
    let later: Value = later.json().await.unwrap();
    assert_ne!(later["code"], first["code"]);
    assert_eq!(app.count("bookings").await, 2);
}

fn form_with_file(form: &BookingForm, file: Vec<u8>) -> reqwest::multipart::Form {
    let mut form = BookingForm {
        fields: form.fields.clone(),
        file: form.file.clone(),
    };
    form = form.file(file, "surat.png", "image/png");
    form.multipart()
}

async fn one_idempotency_key_sent_twenty_times_at_once_books_once(app: TestApp) {
    // A phone on a bad connection retries while the first try is still being written:
    // every copy gets the first answer, and one seat is taken.
    let form = BookingForm::new(&wib(11, 30, 8, 0), &nik(1));
    let key = uuid::Uuid::new_v4().to_string();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let answers = futures_util::future::join_all((0..20).map(|_| {
        let (start, form, key) = (start.clone(), form.multipart(), key.clone());
        let app = &app;
        async move {
            start.wait().await;
            let r = app
                .client
                .post(app.url("/api/v1/bookings"))
                .header("Idempotency-Key", key)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let first = &answers[0].1;
    for (status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(
            without_token(body),
            without_token(first),
            "every copy gets the same answer (each with a link of its own)"
        );
    }
    assert_eq!(app.count("bookings").await, 1);
    assert_eq!(app.count("certificates").await, 1);
    assert_eq!(app.remaining("ciruas", &wib(11, 30, 8, 0)).await, 5);
    app.assert_counters_agree("ciruas").await;
}

async fn a_certificate_time_up_to_ten_minutes_ahead_of_ours_is_accepted(app: TestApp) {
    // Our clock: Monday 07:00 WIB. A phone running a little fast is tolerated (README).
    let form = |nik_n: u32, issued: &str| {
        BookingForm::new(&wib(11, 30, 9, 0), &nik(nik_n)).set("certificate_issued_at", issued)
    };
    let before = app.written().await;
    let r = app.book(&form(1, "2026-11-30T07:10:01+07:00")).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["field"],
        "certificate_issued_at"
    );
    assert_eq!(before, app.written().await);
    app.book_ok(&form(2, "2026-11-30T07:10:00+07:00")).await;
    app.book_ok(&form(3, "2026-11-30T07:00:00+07:00")).await;
}

async fn a_replaced_certificate_is_judged_and_stored(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 2, 9, 0), &nik(1)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let send = |form: reqwest::multipart::Form| {
        app.client
            .post(app.url(&format!("/api/v1/bookings/{code}/certificate")))
            .header("X-Booking-Token", token)
            .multipart(form)
            .send()
    };
    let text = BookingForm::new("", "")
        .set("certificate_kind", "pcr")
        .set("certificate_issued_at", "2026-11-30T06:00")
        .file(b"not a pdf".to_vec(), "x.pdf", "application/pdf");
    let r = send(text.multipart()).await.unwrap();
    assert_eq!(r.status(), 415);
    let ok = BookingForm::new("", "")
        .set("certificate_kind", "pcr")
        .set("certificate_issued_at", "2026-11-30T06:00");
    let r = send(ok.multipart()).await.unwrap();
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["certificate_kind"], "pcr");
    assert_eq!(got["certificate_valid_until"], "2026-12-03T06:00:00+07:00");
    // Only the current file is kept (issue 8: replacements once filled the disk), and a
    // booking's certificate is replaced at most five times a day.
    assert_eq!(
        app.count("certificates").await,
        1,
        "the old file is deleted"
    );
    for i in 2..=5 {
        let r = send(ok.multipart()).await.unwrap();
        assert_eq!(r.status(), 200, "replacement {i}");
    }
    let r = send(ok.multipart()).await.unwrap();
    assert_eq!(r.status(), 429, "a sixth replacement in a day");
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["field"], "certificate");
    let db = app.db().await;
    let (rows, bytes): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM certificates",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        (rows, bytes),
        (1, tiny_png().len() as i64),
        "one file, the last"
    );
    app.advance_and_sweep(chrono::Duration::hours(24) + chrono::Duration::minutes(1))
        .await;
    let r = send(ok.multipart()).await.unwrap();
    assert_eq!(r.status(), 200, "a day later");
}

async fn weekends_past_slots_and_days_beyond_the_horizon_offer_nothing(app: TestApp) {
    app.set_and_sweep(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T09:10:00+07:00")
            .unwrap()
            .into(),
    )
    .await;
    let a = app.availability("ciruas", "2026-11-30", "2026-12-20").await;
    let days = a["days"].as_array().unwrap();
    assert_eq!(days.len(), 21);
    let monday = &days[0];
    assert_eq!(
        monday["slots"][0]["start"],
        wib(11, 30, 9, 30),
        "past slots are not offered"
    );
    let saturday = days.iter().find(|d| d["date"] == "2026-12-05").unwrap();
    assert_eq!(saturday["closed"], true);
    assert_eq!(saturday["slots"].as_array().unwrap().len(), 0);
    let beyond = days.iter().find(|d| d["date"] == "2026-12-15").unwrap();
    assert_eq!(
        beyond["slots"].as_array().unwrap().len(),
        0,
        "horizon is 14 days"
    );
    let last = days.iter().find(|d| d["date"] == "2026-12-14").unwrap();
    assert_eq!(last["slots"].as_array().unwrap().len(), 14);
    let r = app
        .client
        .get(app.url("/api/v1/offices/ciruas/availability?from=2026-12-10&to=2026-12-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "to");
    let r = app
        .client
        .get(app.url("/api/v1/offices/nowhere/availability"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_found");
}

async fn the_daily_maximum_caps_the_day(app: TestApp) {
    let mut office = demo_office();
    office["max_visitors_per_day"] = json!(2);
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let a = app.availability("ciruas", "2026-11-30", "2026-11-30").await;
    assert_eq!(a["days"][0]["cap"], 2);
    assert_eq!(a["days"][0]["limited_by"], "daily_maximum");
    app.book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)))
        .await;
    app.book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(2)))
        .await;
    let r = app
        .book(&BookingForm::new(&wib(11, 30, 10, 0), &nik(3)))
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "day_full");
    assert_eq!(app.remaining("ciruas", &wib(11, 30, 10, 0)).await, 0);
}

async fn offices_are_validated_and_admin_only(app: TestApp) {
    let list: Value = app
        .client
        .get(app.url("/api/v1/offices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["slug"], "ciruas");
    assert_eq!(list[0]["timezone"], "Asia/Jakarta");
    let put = |token: Option<String>, body: Value| {
        let mut req = app
            .client
            .put(app.url("/api/v1/admin/offices/anyer"))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(put(None, demo_office()).await.unwrap().status(), 401);
    assert_eq!(
        put(Some("bogus".into()), demo_office())
            .await
            .unwrap()
            .status(),
        401
    );
    let desk = app
        .staff_token("desk-1", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let r = put(Some(desk), demo_office()).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "forbidden");
    let mut bad = demo_office();
    bad["timezone"] = json!("Asia/Atlantis");
    let r = put(Some(app.admin_token.clone()), bad).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "timezone");
    let mut bad = demo_office();
    bad["hours"]["mon"] = json!(["15:00", "08:00"]);
    let r = put(Some(app.admin_token.clone()), bad).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "hours.mon");
    let mut bad = demo_office();
    bad["recording_sets"] = json!("two");
    let r = put(Some(app.admin_token.clone()), bad).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "recording_sets");
    let r = put(Some(app.admin_token.clone()), demo_office())
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .client
        .put(app.url("/api/v1/admin/offices/Bad_Slug"))
        .bearer_auth(&app.admin_token)
        .json(&demo_office())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

async fn openapi_and_health_answer(app: TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/offices",
        "/api/v1/offices/{slug}/availability",
        "/api/v1/admin/offices/{slug}",
        "/api/v1/bookings",
        "/api/v1/bookings/{code}",
        "/api/v1/bookings/{code}/cancel",
        "/api/v1/bookings/{code}/reschedule",
        "/api/v1/bookings/{code}/certificate",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let r = app
        .client
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_found");
}
