//! Phone verification (`serve --verify-phone`, API.md "Phone verification") over the API,
//! with a real webhook receiver standing in for the SMS gateway: the code arrives there,
//! a wrong code is refused, five wrong codes or the deadline cancel the booking and its
//! seat goes to the first person waiting; a pending booking holds its seat and its NIK;
//! a phone gets at most N codes an hour.

use crate::browser::click;
use crate::helpers::*;
use crate::outbox::{Inbox, SECRET, receiver};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// An app with phone verification on and the receiver as its gateway.
pub(crate) async fn verifying_app(db: Db) -> Option<(TestApp, Arc<Mutex<Inbox>>)> {
    let (url, inbox) = receiver(0).await;
    let settings = rekam::config::Settings {
        verify_phone: true,
        verify_codes_per_hour: 5,
        notify_webhook_url: url,
        notify_webhook_secret: SECRET.to_string(),
        public_url: "https://rekam.example.go.id".to_string(),
        ..test_settings()
    };
    Some((spawn_with(db, settings).await?, inbox))
}

/// The code in the latest `verification_code` message for `booking`, waiting for it.
pub(crate) async fn code_sent(inbox: &Arc<Mutex<Inbox>>, booking: &str) -> String {
    for _ in 0..200 {
        let found = inbox
            .lock()
            .unwrap()
            .seen
            .iter()
            .rev()
            .find_map(|(_, _, body)| {
                let m: Value = serde_json::from_str(body).ok()?;
                (m["kind"] == "verification_code" && m["booking_code"] == booking).then(|| {
                    let text = m["text"].as_str().unwrap_or_default().to_string();
                    text.split(|c: char| !c.is_ascii_digit())
                        .find(|w| w.len() == 6)
                        .unwrap_or_default()
                        .to_string()
                })
            });
        if let Some(code) = found {
            assert_eq!(code.len(), 6, "a six-digit code in the message");
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no verification code arrived for {booking}");
}

/// Any six digits but `code`.
fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

pub(crate) async fn verify(app: &TestApp, b: &Value, code: &str) -> reqwest::Response {
    app.post_booking_action(
        b["code"].as_str().unwrap(),
        b["token"].as_str().unwrap(),
        "verify",
        Some(json!({ "code": code })),
    )
    .await
}

pub(crate) async fn status_of(app: &TestApp, b: &Value) -> Value {
    let r = app
        .get_booking(b["code"].as_str().unwrap(), b["token"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn error_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

/// One slot of three seats (Tuesday 08:00–08:30, one recording set).
async fn one_slot_of_three(app: &TestApp) -> String {
    let mut office = crate::planner::small_office();
    office["hours"] = json!({"tue": ["08:00", "08:30"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let slot = wib(12, 1, 8, 0);
    assert_eq!(app.remaining("ciruas", &slot).await, 3);
    slot
}

/// Joins the waiting list for Tuesday 1 December, pending until the phone's code is
/// entered (the answer as joined).
async fn join_tuesday(app: &TestApp, n: u32, phone: &str) -> Value {
    let r = app
        .client
        .post(app.url("/api/v1/offices/ciruas/waitlist"))
        .multipart(
            form("", n, phone)
                .without("slot_start")
                .set("from_date", "2026-12-01")
                .set("to_date", "2026-12-01")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// Joins the waiting list for Tuesday 1 December and verifies the phone: on the list.
async fn wait_for_tuesday(app: &TestApp, inbox: &Arc<Mutex<Inbox>>, n: u32, phone: &str) -> Value {
    let entry = join_tuesday(app, n, phone).await;
    assert_eq!(entry["status"], "pending_verification", "{entry}");
    let code = code_sent(inbox, entry["code"].as_str().unwrap()).await;
    let r = verify(app, &entry, &code).await;
    assert_eq!(r.status(), 200);
    let on_list: Value = r.json().await.unwrap();
    assert_eq!(on_list["status"], "waitlisted", "{on_list}");
    entry
}

fn form(slot: &str, n: u32, phone: &str) -> BookingForm {
    BookingForm::new(slot, &nik(n)).set("phone", phone)
}

/// A pending booking holds its seat and its NIK; a second hold of the NIK from another
/// phone is not a dead end, and the first of the two verified wins.
async fn a_pending_booking_holds_its_seat_until_its_phone_is_verified(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let slot = one_slot_of_three(&app).await;

    // A: pending, its seat and its NIK held for 15 minutes; the code goes to the gateway.
    let a = app.book_ok(&form(&slot, 1, "081200000001")).await;
    assert_eq!(a["status"], "pending_verification");
    assert_eq!(a["verify_by"], "2026-11-30T07:15:00+07:00");
    assert_eq!(app.remaining("ciruas", &slot).await, 2, "it holds a seat");
    let code_a = code_sent(&inbox, a["code"].as_str().unwrap()).await;
    {
        let seen = &inbox.lock().unwrap().seen;
        let m: Value = serde_json::from_str(&seen.last().unwrap().2).unwrap();
        assert_eq!(m["to"]["phone"], "+6281200000001");
        assert!(
            !m["text"].as_str().unwrap().contains("/b/"),
            "no link with a token in a code message"
        );
    }
    // Only a hash of the code is stored, and the message's copy goes once delivered.
    let (hash, secrets): (String, i64) = sqlx::query_as(
        "SELECT b.verify_hash, (SELECT COUNT(*) FROM notifications WHERE secret IS NOT NULL) \
         FROM bookings b WHERE b.code = $1",
    )
    .bind(a["code"].as_str().unwrap())
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert!(!hash.contains(&code_a) && hash.len() > 60, "{hash}");
    assert_eq!(secrets, 0);

    // The same NIK from another phone (its owner, if A was made by a stranger): not a dead
    // end but a second hold; the first of the two to be verified wins (below).
    let a2 = app.book_ok(&form(&slot, 1, "081299999999")).await;
    assert_eq!(a2["status"], "pending_verification");
    assert_eq!(
        app.remaining("ciruas", &slot).await,
        1,
        "each hold holds a seat"
    );

    // A malformed code and a wrong one: 422 on the field; the right one confirms.
    let e = error_of(verify(&app, &a, "12ab").await, 422).await;
    assert_eq!(
        (e["error"].as_str(), e["field"].as_str()),
        (Some("invalid"), Some("code"))
    );
    let e = error_of(verify(&app, &a, &wrong(&code_a)).await, 422).await;
    assert_eq!(
        (e["error"].as_str(), e["field"].as_str()),
        (Some("invalid"), Some("code"))
    );
    assert_eq!(status_of(&app, &a).await["status"], "pending_verification");
    let r = verify(&app, &a, &code_a).await;
    assert_eq!(r.status(), 200);
    let confirmed: Value = r.json().await.unwrap();
    assert_eq!(confirmed["status"], "confirmed");
    assert!(confirmed["verify_by"].is_null());
    // A retry of the right code (a lost answer) says the same.
    assert_eq!(verify(&app, &a, &code_a).await.status(), 200);
    // The NIK's other hold ended with it, and its seat is free again.
    assert_eq!(status_of(&app, &a2).await["status"], "cancelled");
    assert_eq!(app.remaining("ciruas", &slot).await, 2);
    // Now the NIK is held: a clear refusal that shows nothing of that booking (not its
    // phone, not its state) and says how to resolve it.
    let r = app.book(&form(&slot, 1, "081299999999")).await;
    let e = error_of(r, 409).await;
    assert_eq!(e["error"], "active_booking_exists");
    assert_eq!(e["field"], "nik");
    let said = e["message"].as_str().unwrap();
    assert!(said.contains("KK"), "the owner is told how: {said}");
    assert!(!said.contains("0001") && !said.contains("81200"), "{said}");
    for state in ["verif", "pending", "waiting", "confirmed", "Terjadwal"] {
        assert!(!said.contains(state), "no state of that booking: {said}");
    }
    // The confirmation with the manage link follows.
    let link = format!(
        "https://rekam.example.go.id/b/{}?t={}",
        a["code"].as_str().unwrap(),
        a["token"].as_str().unwrap()
    );
    for _ in 0..200 {
        let seen = inbox.lock().unwrap().seen.clone();
        if seen
            .iter()
            .any(|(_, _, body)| body.contains("booking_confirmed"))
        {
            assert!(seen.iter().any(|(_, _, body)| body.contains(&link)));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        inbox
            .lock()
            .unwrap()
            .seen
            .iter()
            .any(|(_, _, b)| b.contains("booking_confirmed")),
        "the confirmation is sent after verification"
    );
}

/// A booking made and verified with the phone `phone`.
async fn verified(
    app: &TestApp,
    inbox: &Arc<Mutex<Inbox>>,
    slot: &str,
    n: u32,
    phone: &str,
) -> Value {
    let b = app.book_ok(&form(slot, n, phone)).await;
    let code = code_sent(inbox, b["code"].as_str().unwrap()).await;
    assert_eq!(verify(app, &b, &code).await.status(), 200);
    b
}

/// How many bookings ended for their phone's code (the audit log says why each ended).
async fn ended_unverified(app: &TestApp) -> i64 {
    let (ended,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'booking.verification_failed'",
    )
    .fetch_one(app.db().await)
    .await
    .unwrap();
    ended
}

/// Five wrong codes: four say "wrong", the fifth cancels the booking and frees its seat,
/// which is offered to the waiting list at once; after that even the right code is late.
async fn five_wrong_codes_cancel_a_pending_booking_and_its_seat_is_offered_on(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let slot = one_slot_of_three(&app).await;
    // A and C verified, B pending: the slot is full; W waits for a seat that day.
    verified(&app, &inbox, &slot, 1, "081200000001").await;
    let b = app.book_ok(&form(&slot, 2, "081200000002")).await;
    verified(&app, &inbox, &slot, 3, "081200000003").await;
    assert_eq!(
        app.remaining("ciruas", &slot).await,
        0,
        "pending seats count"
    );
    let w = wait_for_tuesday(&app, &inbox, 4, "081200000004").await;
    assert!(w["offer"].is_null(), "no seat yet");
    let code_b = code_sent(&inbox, b["code"].as_str().unwrap()).await;
    for i in 1..=5 {
        let e = error_of(verify(&app, &b, &wrong(&code_b)).await, 422).await;
        assert_eq!(e["field"], "code", "try {i}");
        let now = status_of(&app, &b).await["status"].clone();
        let expected = if i < 5 {
            "pending_verification"
        } else {
            "cancelled"
        };
        assert_eq!(now, expected, "after {i} wrong codes");
    }
    let e = error_of(verify(&app, &b, &code_b).await, 409).await;
    assert_eq!(
        e["error"], "conflict",
        "even the right code is too late now"
    );
    let w_now = status_of(&app, &w).await;
    assert!(
        !w_now["offer"].is_null(),
        "the freed seat is offered on: {w_now}"
    );
    assert_eq!(w_now["offer"]["slot_start"], slot);
    assert_eq!(ended_unverified(&app).await, 1, "B");
}

/// The deadline: a booking not verified in 15 minutes is cancelled and its seat is free.
async fn a_booking_not_verified_in_fifteen_minutes_is_cancelled(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let slot = one_slot_of_three(&app).await;
    let d = app.book_ok(&form(&slot, 5, "081200000005")).await;
    let code_d = code_sent(&inbox, d["code"].as_str().unwrap()).await;
    assert_eq!(app.remaining("ciruas", &slot).await, 2);
    app.advance_and_sweep(chrono::Duration::minutes(14)).await;
    assert_eq!(status_of(&app, &d).await["status"], "pending_verification");
    app.advance_and_sweep(chrono::Duration::minutes(2)).await;
    assert_eq!(
        status_of(&app, &d).await["status"],
        "cancelled",
        "not verified in 15 minutes"
    );
    assert_eq!(app.remaining("ciruas", &slot).await, 3, "its seat is free");
    let e = error_of(verify(&app, &d, &code_d).await, 409).await;
    assert_eq!(e["error"], "conflict");
    assert_eq!(ended_unverified(&app).await, 1, "D");
}

/// A re-plan that takes a pending booking's seat cancels it (waiting for a new seat
/// would skip the verification); the confirmed one waits for a new time.
async fn a_replan_cancels_a_pending_booking_and_queues_a_confirmed_one(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let slot = one_slot_of_three(&app).await;
    let c = verified(&app, &inbox, &slot, 3, "081200000003").await;
    let e = app.book_ok(&form(&slot, 6, "081200000006")).await;
    let code_e = code_sent(&inbox, e["code"].as_str().unwrap()).await;
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-01"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"reason": "Pemadaman listrik"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, &e).await["status"], "cancelled");
    assert_eq!(status_of(&app, &c).await["status"], "needs_rebooking");
    let e_after = error_of(verify(&app, &e, &code_e).await, 409).await;
    assert_eq!(e_after["error"], "conflict");
    app.assert_counters_agree("ciruas").await;
}

async fn a_phone_gets_a_few_codes_an_hour_and_a_lost_page_is_booked_again(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    assert_eq!(app.put_office("ciruas", demo_office()).await.status(), 200);
    let slot = wib(12, 1, 8, 0);
    // The same NIK from the same phone again (its page was lost): a second hold, and the
    // first ends when the second is verified (a stranger booking with this NIK and phone
    // no longer cancels its owner's hold).
    let first = app.book_ok(&form(&slot, 1, "081300000001")).await;
    let again = app.book_ok(&form(&slot, 1, "081300000001")).await;
    assert_eq!(again["status"], "pending_verification");
    assert_eq!(
        status_of(&app, &first).await["status"],
        "pending_verification"
    );
    assert_eq!(app.remaining("ciruas", &slot).await, 4);
    let code = code_sent(&inbox, again["code"].as_str().unwrap()).await;
    assert_eq!(verify(&app, &again, &code).await.status(), 200);
    assert_eq!(status_of(&app, &first).await["status"], "cancelled");
    assert_eq!(
        app.remaining("ciruas", &slot).await,
        5,
        "one seat held, not two"
    );

    // A replacement that cannot be made keeps the pending booking: a full slot refuses
    // the new one, and the held seat stays held.
    let full = wib(12, 1, 9, 0);
    for n in 20..26 {
        let b = app
            .book_ok(&form(&full, n, &format!("0813000000{n}")))
            .await;
        let c = code_sent(&inbox, b["code"].as_str().unwrap()).await;
        assert_eq!(verify(&app, &b, &c).await.status(), 200);
    }
    let held = app.book_ok(&form(&slot, 30, "081300000030")).await;
    let e = error_of(app.book(&form(&full, 30, "081300000030")).await, 409).await;
    assert_eq!(e["error"], "slot_full");
    assert_eq!(
        status_of(&app, &held).await["status"],
        "pending_verification"
    );

    // Five codes to one phone in an hour, even when forty ask at once: exactly five
    // get one (on PostgreSQL the count is taken under the phone's lock).
    let asked: Vec<_> = (40..80)
        .map(|n| {
            let start = wib(12, 2 + (n % 3), 8 + (n % 3), 0);
            let (client, url) = (app.client.clone(), app.url("/api/v1/bookings"));
            let form = form(&start, n, "081400000001").multipart();
            tokio::spawn(async move {
                client
                    .post(url)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in asked {
        statuses.push(a.await.unwrap().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 429].contains(s)),
        "{statuses:?}"
    );

    // One phone again: five codes in an hour (two sent above), then 429 naming it.
    for n in 2..=4 {
        app.book_ok(&form(&slot, n, "081300000001")).await;
    }
    let r = app.book(&form(&slot, 9, "081300000001")).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["error"].as_str(), e["field"].as_str()),
        (Some("rate_limited"), Some("phone"))
    );
    // Another phone is not affected; an hour later this one is again.
    app.book_ok(&form(&slot, 9, "081300000002")).await;
    app.advance_and_sweep(chrono::Duration::minutes(61)).await;
    app.book_ok(&form(&wib(12, 1, 8, 30), 10, "081300000001"))
        .await;
}

crate::both_databases!(
    setup = |db| super::verifying_app(db);
    a_pending_booking_holds_its_seat_until_its_phone_is_verified,
    five_wrong_codes_cancel_a_pending_booking_and_its_seat_is_offered_on,
    a_booking_not_verified_in_fifteen_minutes_is_cancelled,
    a_replan_cancels_a_pending_booking_and_queues_a_confirmed_one,
    a_phone_gets_a_few_codes_an_hour_and_a_lost_page_is_booked_again,
    an_applicant_verifies_her_phone_on_the_booking_page,
);

/// Types `code` into the page's code field and sends it.
async fn type_code(c: &fantoccini::Client, code: &str) {
    use fantoccini::Locator;
    let field = c.find(Locator::Id("f-code")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(code).await.unwrap();
    crate::browser::click_to_next_page(c, Locator::Id("verify-submit")).await;
}

/// In Chromium at phone width: she books on the page and lands on the code form (no
/// ticket yet); a wrong code comes back on its field with what she typed and the tries
/// left; a new code, then the right one, gives her the ticket. Another booking gets five
/// wrong codes and is cancelled, its seat offered to the person waiting; a third is not
/// verified in time and its page says so.
async fn an_applicant_verifies_her_phone_on_the_booking_page(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    use crate::browser::{browser, click_to_next_page, fill_applicant, screenshot, text};
    use fantoccini::Locator;
    let slot = one_slot_of_three(&app).await;
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), tiny_png()).unwrap();

    c.goto(&app.url("/o/ciruas")).await.unwrap();
    click_to_next_page(&c, Locator::Css("details[open] a.slot")).await;
    let kind = "#f-certificate_kind option[value='surat_sehat']";
    click(&c, kind).await;
    fill_applicant(&c, "Siti Aminah", &nik(42), "0812 7777 0042", png.path()).await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    screenshot(&c, "20-verify").await;
    assert!(text(&c, ".status").await.contains("Menunggu verifikasi"));
    let told = text(&c, "#verify").await;
    assert!(told.contains("+6281") && told.contains("042"), "{told}");
    assert!(
        !told.contains("77770042"),
        "the number is partly hidden: {told}"
    );
    assert!(
        told.contains("Senin, 30 November 2026, 07.15 WIB"),
        "{told}"
    );
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_err(),
        "no ticket yet"
    );
    let code = text(&c, "#booking-code").await;
    let manage = c.current_url().await.unwrap();

    // A wrong code: the error is on the field, with what she typed and the tries left.
    let first = code_sent(&inbox, &code).await;
    type_code(&c, &wrong(&first)).await;
    screenshot(&c, "21-wrong-code").await;
    let said = text(&c, "#e-code").await;
    assert!(
        said.contains("salah") && said.contains("Sisa percobaan: 4"),
        "{said}"
    );
    let field = c.find(Locator::Id("f-code")).await.unwrap();
    assert_eq!(
        field.attr("aria-describedby").await.unwrap().as_deref(),
        Some("e-code")
    );
    assert_eq!(field.prop("value").await.unwrap(), Some(wrong(&first)));

    // A new code: the old one stops working; the new one gives her the ticket.
    click_to_next_page(&c, Locator::Id("verify-resend")).await;
    assert!(text(&c, ".notice").await.contains("Kode baru"));
    let second = loop {
        let latest = code_sent(&inbox, &code).await;
        if latest != first {
            break latest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    type_code(&c, &first).await;
    assert!(text(&c, "#e-code").await.contains("Sisa percobaan: 3"));
    type_code(&c, &second).await;
    screenshot(&c, "22-verified").await;
    assert!(text(&c, ".notice").await.contains("terverifikasi"));
    assert!(text(&c, ".status").await.contains("Terjadwal"));
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "now a ticket"
    );
    assert!(c.find(Locator::Id("verify")).await.is_err());

    // Another booking fills the slot with a third; someone waits for that day.
    let other = app.book_ok(&form(&slot, 43, "081277770043")).await;
    let third = app.book_ok(&form(&slot, 44, "081277770044")).await;
    let waiting = wait_for_tuesday(&app, &inbox, 45, "081277770045").await;
    let other_code = other["code"].as_str().unwrap();
    let right = code_sent(&inbox, other_code).await;
    c.goto(&app.url(&format!(
        "/b/{other_code}?t={}",
        other["token"].as_str().unwrap()
    )))
    .await
    .unwrap();
    for _ in 0..5 {
        type_code(&c, &wrong(&right)).await;
    }
    screenshot(&c, "23-five-wrong").await;
    assert!(text(&c, ".status").await.contains("Dibatalkan"));
    assert!(
        text(&c, "#visit-notice")
            .await
            .contains("kode verifikasi salah")
    );
    assert!(c.find(Locator::Id("book-again")).await.is_ok());
    assert!(
        c.find(Locator::Id("f-code")).await.is_err(),
        "no more tries"
    );
    // Its seat is offered to the person waiting, whose page says so.
    c.goto(&app.url(&format!(
        "/b/{}?t={}",
        waiting["code"].as_str().unwrap(),
        waiting["token"].as_str().unwrap()
    )))
    .await
    .unwrap();
    assert!(
        text(&c, "#offer")
            .await
            .contains("Selasa, 1 Desember 2026, 08.00–08.30 WIB")
    );

    // The deadline: her first page reloaded after 16 minutes is still confirmed; a third
    // booking never verified is cancelled, and its page says why.
    let (third_code, third_token) = (
        third["code"].as_str().unwrap(),
        third["token"].as_str().unwrap(),
    );
    let r = app
        .post_booking_action(third_code, third_token, "cancel", None)
        .await;
    assert_eq!(
        r.status(),
        200,
        "a pending booking can be cancelled by its owner"
    );
    let late = app.book_ok(&form(&slot, 46, "081277770046")).await;
    app.advance_and_sweep(chrono::Duration::minutes(16)).await;
    c.goto(manage.as_str()).await.unwrap();
    assert!(text(&c, ".status").await.contains("Terjadwal"));
    c.goto(&app.url(&format!(
        "/b/{}?t={}",
        late["code"].as_str().unwrap(),
        late["token"].as_str().unwrap()
    )))
    .await
    .unwrap();
    screenshot(&c, "24-too-late").await;
    assert!(text(&c, ".status").await.contains("Dibatalkan"));
    assert!(text(&c, "#visit-notice").await.contains("tepat waktu"));
    c.close().await.unwrap();
}
