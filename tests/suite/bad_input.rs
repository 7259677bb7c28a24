//! Bad input gets a clear 4xx naming the field, creates nothing, never a 5xx.

use crate::both_databases;
use crate::helpers::*;
use serde_json::Value;

both_databases!(
    every_bad_field_is_named_and_nothing_is_written,
    an_oversized_certificate_is_refused_with_413,
    married_applicants_may_book_before_seventeen,
    a_slot_in_the_past_is_refused,
    names_are_shown_escaped,
    the_html_form_keeps_what_was_typed_and_ties_errors_to_fields,
    guessing_a_lost_link_or_a_staff_password_is_rate_limited,
);

fn slot() -> String {
    wib(11, 30, 8, 0)
}

/// Sends a bad form and checks the answer and that nothing changed.
async fn expect(app: &TestApp, form: BookingForm, status: u16, error: &str, field: &str) {
    let r = app.book(&form).await;
    let got = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(!body["message"].as_str().unwrap_or("").is_empty());
    assert_eq!(app.count("bookings").await, 0, "nothing written for {body}");
    assert_eq!(app.count("certificates").await, 0);
    assert_eq!(app.remaining("ciruas", &slot()).await, 6);
}

async fn every_bad_field_is_named_and_nothing_is_written(app: TestApp) {
    let base = || BookingForm::new(&slot(), &nik(1));
    // NIK rules
    for bad in [
        "360405070509001",   // 15 digits
        "36040507050900011", // 17 digits
        "36040507050900a1",  // a letter
        "0004050705090001",  // province 00
        "3604053505090001",  // day 35
        "3604050713090001",  // month 13
        "3604053102090001",  // 31 February
        "3604050705090000",  // serial 0000
    ] {
        expect(&app, base().set("nik", bad), 422, "invalid", "nik").await;
    }
    expect(
        &app,
        base().set("birth_date", "2009-05-08"),
        422,
        "invalid",
        "nik",
    )
    .await;
    // A woman's NIK (day + 40) does not agree with a man's reading of the date.
    expect(
        &app,
        base()
            .set("nik", "3604054705090001")
            .set("birth_date", "2009-05-47"),
        422,
        "invalid",
        "birth_date",
    )
    .await;
    // Age: 16 on the slot's date, not married.
    expect(
        &app,
        base()
            .set("nik", "3604050705100001")
            .set("birth_date", "2010-05-07"),
        422,
        "invalid",
        "birth_date",
    )
    .await;
    expect(
        &app,
        base()
            .set("birth_date", "2030-05-07")
            .set("nik", "3604050705300001"),
        422,
        "invalid",
        "birth_date",
    )
    .await;
    expect(&app, base().set("phone", "12345"), 422, "invalid", "phone").await;
    expect(
        &app,
        base().set("phone", "0254-123456"),
        422,
        "invalid",
        "phone",
    )
    .await;
    expect(&app, base().set("name", "   "), 422, "invalid", "name").await;
    expect(
        &app,
        base().set("name", &"x".repeat(101)),
        422,
        "invalid",
        "name",
    )
    .await;
    expect(
        &app,
        base().set("email", "not-an-email"),
        422,
        "invalid",
        "email",
    )
    .await;
    expect(&app, base().without("consent"), 422, "invalid", "consent").await;
    expect(
        &app,
        base().set("consent", "false"),
        422,
        "invalid",
        "consent",
    )
    .await;
    // Certificates judged by content.
    expect(
        &app,
        base().file(b"just some text".to_vec(), "surat.pdf", "application/pdf"),
        415,
        "unsupported_media_type",
        "certificate",
    )
    .await;
    expect(
        &app,
        base().file(
            b"<!DOCTYPE html><html><body>sehat</body></html>".to_vec(),
            "surat.html",
            "text/html",
        ),
        415,
        "unsupported_media_type",
        "certificate",
    )
    .await;
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    expect(
        &app,
        base().file(svg.to_vec(), "surat.png", "image/png"),
        415,
        "unsupported_media_type",
        "certificate",
    )
    .await;
    expect(
        &app,
        base().file(Vec::new(), "surat.png", "image/png"),
        422,
        "invalid",
        "certificate",
    )
    .await;
    let png = tiny_png();
    expect(
        &app,
        base().file(png[..png.len() - 10].to_vec(), "surat.png", "image/png"),
        422,
        "invalid",
        "certificate",
    )
    .await;
    expect(&app, base().no_file(), 422, "invalid", "certificate").await;
    expect(
        &app,
        base().set("certificate_kind", "horoscope"),
        422,
        "invalid",
        "certificate_kind",
    )
    .await;
    // Validity: an antigen test from Saturday 08:00 does not cover Monday 08:00.
    expect(
        &app,
        base()
            .set("certificate_kind", "antigen")
            .set("certificate_issued_at", "2026-11-28T08:00:00+07:00"),
        422,
        "certificate_not_valid_for_slot",
        "certificate_issued_at",
    )
    .await;
    expect(
        &app,
        base().set("certificate_issued_at", "2026-12-01T08:00:00+07:00"),
        422,
        "invalid",
        "certificate_issued_at",
    )
    .await;
    expect(
        &app,
        base().set("certificate_issued_at", "yesterday"),
        422,
        "invalid",
        "certificate_issued_at",
    )
    .await;
    // Office and slot.
    expect(
        &app,
        base().set("office", "nowhere"),
        422,
        "invalid",
        "office",
    )
    .await;
    expect(
        &app,
        base().set("slot_start", &wib(11, 30, 8, 15)),
        422,
        "invalid",
        "slot_start",
    )
    .await;
    expect(
        &app,
        base().set("slot_start", &wib(12, 5, 8, 0)),
        422,
        "invalid",
        "slot_start",
    )
    .await;
    expect(
        &app,
        base().set("slot_start", &wib(12, 28, 8, 0)),
        422,
        "invalid",
        "slot_start",
    )
    .await;
    expect(
        &app,
        base().set("slot_start", "tomorrow morning"),
        422,
        "invalid",
        "slot_start",
    )
    .await;
    // Not multipart at all.
    let r = app
        .client
        .post(app.url("/api/v1/bookings"))
        .json(&serde_json::json!({"office": "ciruas"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_media_type"
    );
    assert_eq!(app.count("bookings").await, 0);
}

async fn an_oversized_certificate_is_refused_with_413(app: TestApp) {
    let mut big = tiny_png();
    big.resize(6 * 1024 * 1024, 0);
    let r = app
        .client
        .post(app.url("/api/v1/bookings"))
        .multipart(
            BookingForm::new(&slot(), &nik(1))
                .file(big, "big.png", "image/png")
                .multipart(),
        )
        .send()
        .await;
    match r {
        Ok(r) => {
            assert_eq!(r.status(), 413);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"], "too_large");
            assert_eq!(body["field"], "certificate");
        }
        // The server may close the connection once it has answered without reading the
        // rest; then the client sees a broken pipe. Either way nothing is stored.
        Err(e) => eprintln!("client saw the connection close early: {e}"),
    }
    // Just over 5 MB of file inside a body under the limit: still refused by the field check.
    let mut just_over = tiny_png();
    just_over.resize(5 * 1024 * 1024 + 1, 0);
    let r = app
        .book(&BookingForm::new(&slot(), &nik(1)).file(just_over, "big.png", "image/png"))
        .await;
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "certificate");
    assert_eq!(app.count("bookings").await, 0);
    assert_eq!(app.count("certificates").await, 0);
}

async fn married_applicants_may_book_before_seventeen(app: TestApp) {
    let form = BookingForm::new(&slot(), "3604050705100001")
        .set("birth_date", "2010-05-07")
        .set("married", "true");
    app.book_ok(&form).await;
}

async fn a_slot_in_the_past_is_refused(app: TestApp) {
    app.clock.advance(chrono::Duration::minutes(70)); // 08:10 WIB
    let r = app.book(&BookingForm::new(&slot(), &nik(1))).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "slot_start");
    assert_eq!(app.count("bookings").await, 0);
}

async fn names_are_shown_escaped(app: TestApp) {
    let b = app
        .book_ok(
            &BookingForm::new(&slot(), &nik(1)).set("name", "<script>alert('x')</script> Budi"),
        )
        .await;
    let page = app
        .client
        .get(app.url(b["manage_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "escaped"
    );
    assert!(!page.contains("<script>alert"), "never raw");
}

async fn the_html_form_keeps_what_was_typed_and_ties_errors_to_fields(app: TestApp) {
    let form = BookingForm::new(&slot(), &nik(1))
        .set("name", "Siti Aminah")
        .set("phone", "12345");
    let r = app
        .client
        .post(app.url("/o/ciruas/book"))
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"value="Siti Aminah""#),
        "the name typed is kept"
    );
    assert!(
        html.contains(&format!(r#"value="{}""#, nik(1))),
        "the NIK typed is kept"
    );
    assert!(
        html.contains(r#"aria-describedby="e-phone""#),
        "the error is tied to its field"
    );
    assert!(html.contains(r#"id="e-phone""#));
    assert!(
        html.contains("Tulis nomor HP Indonesia"),
        "Indonesian by default"
    );
    assert!(
        html.contains(r##"href="#f-phone""##),
        "the summary links to the field"
    );
    assert_eq!(app.count("bookings").await, 0);
    // English on request.
    let r = app
        .client
        .post(app.url("/o/ciruas/book"))
        .header("Cookie", "lang=en")
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Give an Indonesian mobile number")
    );
}

async fn guessing_a_lost_link_or_a_staff_password_is_rate_limited(app: TestApp) {
    let b = app.book_ok(&BookingForm::new(&slot(), &nik(1))).await;
    let code = b["code"].as_str().unwrap();
    for i in 0..10 {
        let r = app
            .client
            .post(app.url("/find"))
            .form(&[
                ("code", code),
                ("nik", &nik(100 + i)),
                ("birth_date", "2009-05-07"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "a wrong guess is simply not found");
    }
    // The eleventh try in the minute is refused, even with the right answer.
    let r = app
        .client
        .post(app.url("/find"))
        .form(&[
            ("code", code),
            ("nik", &nik(1)),
            ("birth_date", "2009-05-07"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    for _ in 0..10 {
        let r = app
            .client
            .post(app.url("/staff/login"))
            .form(&[
                ("username", "test-admin"),
                ("password", "wrong password 123"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("username", "test-admin"),
            ("password", "a long test password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        429,
        "the right password too, once the limit is reached"
    );
    assert!(r.headers().contains_key("retry-after"));
}
