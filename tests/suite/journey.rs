//! Issue 22: the applicant's journey without dead ends — a lost link sent again by NIK
//! and birth date, the limits known before choosing, nothing typed lost.

use crate::browser::{
    attr, browser, click_to_next_page, fill_applicant, fits, set_value, text, type_in,
};
use crate::helpers::*;
use crate::outbox::{Inbox, wait_for};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

crate::both_databases!(setup = |db| crate::outbox::app_with_receiver(db, 0);
    a_lost_link_is_sent_again_by_nik_and_birth_date,
    a_wrong_link_offers_a_new_one_on_a_phone);

async fn recover(app: &TestApp, nik: &str, birth_date: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/bookings/recover"))
        .json(&json!({"nik": nik, "birth_date": birth_date}))
        .send()
        .await
        .unwrap()
}

/// The messages of a kind the receiver saw, read.
fn seen(inbox: &Arc<Mutex<Inbox>>, kind: &str) -> Vec<Value> {
    inbox
        .lock()
        .unwrap()
        .seen
        .iter()
        .map(|(_, _, body)| serde_json::from_str::<Value>(body).unwrap())
        .filter(|m| m["kind"] == kind)
        .collect()
}

/// The token in a message's manage link.
fn token_of(message: &Value) -> String {
    let text = message["text"].as_str().unwrap();
    let at = text.find("?t=").expect("a manage link") + 3;
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn a_lost_link_is_sent_again_by_nik_and_birth_date(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let (code, first) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    wait_for(&inbox, 1).await;
    // The same answer whether or not a booking matches: a wrong birth date, an unknown
    // NIK, the right pair.
    let before = app.written().await;
    for (n, birth) in [(1, "2009-05-08"), (2, "2009-05-07")] {
        let r = recover(&app, &nik(n), birth).await;
        assert_eq!(r.status(), 202);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"sent": true}));
    }
    // Not a NIK, not a date: the same 202 (the contract's answer is always 202; the
    // page names the field instead). A body without the fields is 422.
    for (n, birth) in [("12345", "2009-05-07"), (nik(1).as_str(), "7 Mei 2009")] {
        let r = recover(&app, n, birth).await;
        assert_eq!(r.status(), 202);
    }
    let r = app
        .client
        .post(app.url("/api/v1/bookings/recover"))
        .json(&json!({"nik": nik(1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // (The work is done after the answer: give it time to show.)
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(
        before,
        app.written().await,
        "nothing matched, nothing written"
    );
    let r = recover(&app, &nik(1), "2009-05-07").await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"sent": true}));
    wait_for(&inbox, 2).await;
    let sent = seen(&inbox, "link_recovery");
    assert_eq!(
        sent.len(),
        1,
        "one message for the match, none for the misses"
    );
    let m = &sent[0];
    assert_eq!(m["booking_code"], code);
    assert_eq!(
        m["to"]["phone"], "+6281234567890",
        "to the phone given at booking"
    );
    let new = token_of(m);
    assert_ne!(new, first);
    // The new link works, and so does the one sent before.
    assert_eq!(app.get_booking(code, &new).await.status(), 200);
    assert_eq!(app.get_booking(code, first).await.status(), 200);
    // It is in the audit log, under the booking.
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'booking.link_recovered' \
         AND booking_id = (SELECT id FROM bookings WHERE code = $1)",
    )
    .bind(code)
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(n, 1);
    // With a public address, the calendar file carries the manage link.
    let ics = app
        .client
        .get(app.url(&format!("/b/{code}/calendar.ics?t={new}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        ics.contains(&format!("URL:https://rekam.example.go.id/b/{code}?t={new}")),
        "{ics}"
    );
    // A few an hour for one NIK, whatever the address.
    let mut last = 0;
    for _ in 0..12 {
        last = recover(&app, &nik(1), "2009-05-07").await.status().as_u16();
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "one NIK's requests are limited");
}

async fn a_wrong_link_offers_a_new_one_on_a_phone((app, inbox): (TestApp, Arc<Mutex<Inbox>>)) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(3)))
        .await;
    let code = b["code"].as_str().unwrap();
    wait_for(&inbox, 1).await;
    let Some((_driver, c)) = browser().await else {
        return;
    };
    // An old or mistyped link: the page says so and offers a new link at once.
    c.goto(&app.url(&format!("/b/{code}?t=not-the-token")))
        .await
        .unwrap();
    assert!(text(&c, "#find-link").await.contains("NIK"));
    type_in(&c, "#find-link #f-nik", &nik(3)).await;
    set_value(&c, "#find-link #f-birth_date", "2009-05-07").await;
    click_to_next_page(&c, Locator::Css("#find-link button[type=submit]")).await;
    // With a gateway set, the page says a link went to the phone given at booking (if a
    // booking matched), and shows no part of the number nor any link.
    assert_eq!(
        attr(&c, "#find-done", "data-notice").await.as_deref(),
        Some("find-sent-phone")
    );
    let page = c.source().await.unwrap();
    assert!(!page.contains("/b/") && !page.contains("7890"), "{page}");
    wait_for(&inbox, 2).await;
    let sent = seen(&inbox, "link_recovery");
    assert_eq!(sent.len(), 1);
    // The link in the message opens the booking.
    let token = token_of(&sent[0]);
    c.goto(&app.url(&format!("/b/{code}?t={token}")))
        .await
        .unwrap();
    assert_eq!(text(&c, "#booking-code").await, code);
    c.close().await.unwrap();
}

crate::both_databases!(a_big_photo_and_a_correction_lose_nothing_on_a_phone,);

/// A TCP proxy in front of the app counting the bytes clients send through it: what a
/// phone really uploads.
async fn counting_proxy(app: &TestApp) -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let upstream = app.url("").trim_start_matches("http://").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        counter.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    let _ = server_write.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (base, sent)
}

/// A valid PNG of about `size` bytes (a private chunk carries the bulk).
fn png_of(size: usize) -> Vec<u8> {
    let tiny = tiny_png();
    let mut png = tiny[..33].to_vec();
    png.extend_from_slice(&(size as u32).to_be_bytes());
    png.extend_from_slice(b"raNd");
    png.extend(std::iter::repeat_n(b'x', size));
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(&tiny[33..]);
    png
}

async fn a_big_photo_and_a_correction_lose_nothing_on_a_phone(app: TestApp) {
    use std::sync::atomic::Ordering;
    let (base, sent) = counting_proxy(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("foto-hp.jpg");
    std::fs::write(&big, vec![0xffu8; 7 * 1024 * 1024]).unwrap();
    let photo = dir.path().join("sehat.png");
    std::fs::write(&photo, png_of(300 * 1024)).unwrap();
    for javascript in [false, true] {
        let Some((_driver, c)) = crate::browser::browser_with(360, 740, javascript).await else {
            return;
        };
        let n = if javascript { 41 } else { 40 };
        let slot = wib(12, 1, 9, 0);
        c.goto(&format!("{base}/o/ciruas/book?slot={}", urlencode(&slot)))
            .await
            .unwrap();
        // A 7 MB phone photo: the form comes back with everything typed and the file's
        // error at its field, saying the limit.
        fill_applicant(&c, "Siti Aminah", &nik(n), "081234567890", &big).await;
        // A week-long certificate reaches the slot (antigen's day would not).
        crate::browser::click(&c, "#f-certificate_kind option[value='surat_sehat']").await;
        click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
        fits(&c, &format!("big-photo-{javascript}")).await;
        assert!(text(&c, "#e-certificate").await.contains("5 MB"));
        assert_eq!(
            crate::browser::prop(&c, "#f-name", "value")
                .await
                .as_deref(),
            Some("Siti Aminah")
        );
        assert_eq!(
            crate::browser::prop(&c, "#f-nik", "value").await.as_deref(),
            Some(nik(n).as_str())
        );
        // A good file with a mistake elsewhere (no name): the file is kept…
        let name = c.find(Locator::Id("f-name")).await.unwrap();
        name.clear().await.unwrap();
        type_in(&c, "#f-certificate", &photo.display().to_string()).await;
        for id in ["f-consent", "f-guardian_consent"] {
            let on = crate::browser::prop(&c, &format!("#{id}"), "checked").await;
            assert_eq!(on.as_deref(), Some("true"), "{id} kept");
        }
        click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
        assert!(text(&c, "#e-name").await.len() > 3, "the name's error");
        assert!(
            text(&c, "#upload-kept").await.contains("sehat.png"),
            "the kept file is named"
        );
        // …so the correction sends kilobytes, not the file again.
        let before = sent.load(Ordering::SeqCst);
        type_in(&c, "#f-name", "Siti Aminah").await;
        click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
        let uploaded = sent.load(Ordering::SeqCst) - before;
        assert!(
            c.find(Locator::Id("booking-code")).await.is_ok(),
            "booked: {}",
            c.source().await.unwrap()
        );
        assert!(
            uploaded < 20 * 1024,
            "the correction sent {uploaded} bytes for a 300 KB file"
        );
        c.close().await.unwrap();
    }
    // The booking has the file, and its draft is gone.
    assert_eq!(app.count("draft_uploads").await, 0);
    let (size,): (i64,) = sqlx::query_as("SELECT MAX(size_bytes) FROM certificates")
        .fetch_one(app.db().await)
        .await
        .unwrap();
    assert!(size > 300 * 1024, "{size}");
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}

crate::both_databases!(the_limits_are_known_before_choosing_on_a_phone,);

async fn the_limits_are_known_before_choosing_on_a_phone(app: TestApp) {
    let Some((_driver, c)) = crate::browser::browser_with(360, 740, false).await else {
        return;
    };
    // Monday 30 November, 07:00: a week-long certificate issued now reaches Monday 7
    // December 07:00; nothing reaches the days after.
    c.goto(&app.url("/o/ciruas")).await.unwrap();
    fits(&c, "office-limits").await;
    let covers = text(&c, "#covers").await;
    assert!(
        covers.contains("Surat keterangan sehat")
            && covers.contains("sampai Senin, 7 Desember 2026"),
        "{covers}"
    );
    let far = wib(12, 9, 9, 0);
    let links: Vec<String> = {
        let mut v = Vec::new();
        for a in c.find_all(Locator::Css("a.slot")).await.unwrap() {
            v.push(a.attr("href").await.unwrap().unwrap_or_default());
        }
        v
    };
    assert!(!links.is_empty());
    assert!(
        links.iter().all(|l| !l.contains("2026-12-09")),
        "no link to a day no certificate reaches"
    );
    let marked = c.find_all(Locator::Css(".slot.unreachable")).await.unwrap();
    assert!(!marked.is_empty(), "the far slots are shown, marked");
    // The form is not even offered for such a time.
    c.goto(&app.url(&format!("/o/ciruas/book?slot={}", urlencode(&far))))
        .await
        .unwrap();
    assert!(text(&c, "#page-notice").await.contains("terlalu jauh"));
    assert!(
        c.find(Locator::Id("f-name")).await.is_err(),
        "no form to fill"
    );
    let r = app
        .client
        .get(app.url(&format!("/o/ciruas/book?slot={}", urlencode(&far))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // A reschedule lists only the times the booking's certificate covers, and says how
    // many more a new one would open; choosing asks to confirm.
    let b = app
        .book_ok(
            &BookingForm::new(&wib(11, 30, 9, 0), &nik(50))
                .set("certificate_kind", "antigen")
                .set("certificate_issued_at", "2026-11-30T06:00:00+07:00"),
        )
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    c.goto(&app.url(&format!("/b/{code}/reschedule?t={token}")))
        .await
        .unwrap();
    fits(&c, "reschedule-covered").await;
    assert!(text(&c, "#uncovered").await.contains("surat"));
    let times = c.find_all(Locator::Css("button.slot")).await.unwrap();
    for t in &times {
        let value = t.attr("value").await.unwrap().unwrap_or_default();
        assert!(
            value.starts_with("2026-11-30") || value.starts_with("2026-12-01T0"),
            "antigen of 06:00 covers until Tuesday 06:00: {value}"
        );
    }
}

crate::both_databases!(english_pages_carry_no_indonesian_text,);

/// The simple `key = value` lines of a locale file (multi-line values left out).
fn texts_of(lang: &str) -> std::collections::HashMap<String, String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang)
        .join("main.ftl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .filter(|(k, _)| !k.starts_with('#') && !k.starts_with(' '))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Item 11: every text of a page in English is English. Each Indonesian text (its pieces
/// between placeholders, 16 characters or more) that differs from its English one must be
/// absent from every applicant page (and the queue screen) asked for in English.
async fn english_pages_carry_no_indonesian_text(app: TestApp) {
    let (id, en) = (texts_of("id"), texts_of("en"));
    let mut pieces: Vec<(String, String)> = Vec::new();
    for (key, value) in &id {
        if en.get(key) == Some(value) || key.starts_with("msg-") {
            continue;
        }
        let mut rest = value.as_str();
        while !rest.is_empty() {
            let (piece, after) = match rest.find('{') {
                Some(i) => (
                    &rest[..i],
                    rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]),
                ),
                None => (rest, ""),
            };
            let piece = piece.trim();
            if piece.chars().count() >= 16 {
                pieces.push((key.clone(), piece.to_string()));
            }
            rest = after;
        }
    }
    assert!(pieces.len() > 100, "the check has something to check");
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(60)).set("lang", "en"))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let slot = urlencode(&wib(12, 1, 9, 30));
    let pages = [
        "/".to_string(),
        "/o/ciruas".to_string(),
        format!("/o/ciruas/book?slot={slot}"),
        format!("/o/ciruas/book?slot={}", urlencode(&wib(12, 10, 9, 0))),
        "/o/ciruas/waitlist".to_string(),
        "/find".to_string(),
        format!("/b/{code}?t={token}"),
        format!("/b/{code}/reschedule?t={token}"),
        format!("/b/{code}/cancel?t={token}"),
        format!("/b/{code}?t=not-the-token"),
        "/o/ciruas/antrean".to_string(),
    ];
    let mut found = Vec::new();
    for page in &pages {
        let html = app
            .client
            .get(app.url(page))
            .header("Cookie", "lang=en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        // Light on slow data: under 30 KB gzipped.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, html.as_bytes()).unwrap();
        let size = gz.finish().unwrap().len();
        assert!(size < 30 * 1024, "{page}: {size} bytes gzipped");
        for (key, piece) in &pieces {
            if html.contains(piece.as_str()) {
                found.push(format!("{page}: {key}: {piece}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Indonesian on English pages:\n{}",
        found.join("\n")
    );
}

crate::both_databases!(an_applicant_corrects_downloads_and_erases_their_data_on_a_phone,);

/// How many audit records of `action` name the booking `code`.
async fn audited(app: &TestApp, action: &str, code: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1 \
         AND booking_id = (SELECT id FROM bookings WHERE code = $2)",
    )
    .bind(action)
    .bind(code)
    .fetch_one(app.db().await)
    .await
    .unwrap();
    n
}

/// Item 10: the phone and e-mail are corrected on the page, what is stored is
/// downloaded, and the booking is cancelled and its person erased at once; each audited.
async fn an_applicant_corrects_downloads_and_erases_their_data_on_a_phone(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(61)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let seats = app.remaining("ciruas", &wib(12, 1, 9, 0)).await;
    let Some((_driver, c)) = crate::browser::browser_with(360, 740, false).await else {
        return;
    };
    let manage = app.url(&format!("/b/{code}?t={token}"));
    c.goto(&manage).await.unwrap();
    // A wrong e-mail: its error at the field, what was typed kept.
    crate::browser::click(&c, "#contact summary").await;
    let email = c.find(Locator::Css("#contact #f-email")).await.unwrap();
    email.send_keys("siti@").await.unwrap();
    click_to_next_page(&c, Locator::Id("contact-submit")).await;
    fits(&c, "contact-error").await;
    assert!(text(&c, "#e-email").await.len() > 5);
    assert_eq!(
        crate::browser::prop(&c, "#f-email", "value")
            .await
            .as_deref(),
        Some("siti@")
    );
    // Right this time, with a new phone.
    let email = c.find(Locator::Css("#contact #f-email")).await.unwrap();
    email.clear().await.unwrap();
    email.send_keys("siti@example.id").await.unwrap();
    let phone = c.find(Locator::Css("#contact #f-phone")).await.unwrap();
    phone.clear().await.unwrap();
    phone.send_keys("0813-1111-2222").await.unwrap();
    click_to_next_page(&c, Locator::Id("contact-submit")).await;
    assert_eq!(
        attr(&c, "#page-notice", "data-notice").await.as_deref(),
        Some("booking-contact-changed")
    );
    let (stored_phone, stored_email): (String, Option<String>) =
        sqlx::query_as("SELECT phone, email FROM bookings WHERE code = $1")
            .bind(code)
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(stored_phone, "+6281311112222");
    assert_eq!(stored_email.as_deref(), Some("siti@example.id"));
    assert_eq!(audited(&app, "booking.contact_changed", code).await, 1);

    // What is stored, as a file; the copy is audited.
    let href = attr(&c, "#data-download", "href").await.unwrap();
    let r = app.client.get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let data: Value = r.json().await.unwrap();
    assert_eq!(data["person"]["nik"], nik(61));
    assert_eq!(data["person"]["phone"], "+6281311112222");
    assert_eq!(data["booking"]["code"], code);
    assert_eq!(audited(&app, "booking.data_export", code).await, 1);

    // Cancel and erase, after a confirmation.
    click_to_next_page(&c, Locator::Id("erase-link")).await;
    fits(&c, "erase").await;
    click_to_next_page(&c, Locator::Id("confirm-erase")).await;
    fits(&c, "erased").await;
    assert!(text(&c, "#erased").await.len() > 10);
    assert_eq!(app.remaining("ciruas", &wib(12, 1, 9, 0)).await, seats + 1);
    let (name, stored_nik, status): (String, String, String) =
        sqlx::query_as("SELECT name, nik, status FROM bookings WHERE code = $1")
            .bind(code)
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), stored_nik.as_str()),
        ("", ""),
        "the person is gone"
    );
    assert_eq!(status, "cancelled", "the count stays, anonymous");
    let (size,): (i64,) = sqlx::query_as(
        "SELECT size_bytes FROM certificates WHERE booking_id = \
         (SELECT id FROM bookings WHERE code = $1)",
    )
    .bind(code)
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(size, 0, "the certificate file is gone");
    assert_eq!(audited(&app, "booking.erased", code).await, 1);
    assert_eq!(
        app.get_booking(code, token).await.status(),
        404,
        "the link ends"
    );
    c.close().await.unwrap();
}

crate::both_databases!(every_applicant_page_is_clean_for_axe_on_a_phone,);

/// axe-core (WCAG 2.1 A/AA) on every applicant page of this issue, in both languages.
async fn every_applicant_page_is_clean_for_axe_on_a_phone(app: TestApp) {
    let Some(axe_js) = crate::staff_pages::axe_source() else {
        skip("axe-core is not installed (REKAM_AXE): applicant pages were not checked");
        return;
    };
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(62)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let Some((_driver, c)) = crate::browser::browser_with(360, 740, true).await else {
        return;
    };
    let mut found = Vec::new();
    for lang in ["id", "en"] {
        c.goto(&app.url(&format!("/lang/{lang}?next=/")))
            .await
            .unwrap();
        let pages = [
            "/".to_string(),
            "/o/ciruas".to_string(),
            format!("/o/ciruas/book?slot={}", urlencode(&wib(12, 1, 9, 30))),
            format!("/o/ciruas/book?slot={}", urlencode(&wib(12, 10, 9, 0))),
            "/o/ciruas/waitlist".to_string(),
            "/find".to_string(),
            format!("/b/{code}?t={token}"),
            format!("/b/{code}/reschedule?t={token}"),
            format!("/b/{code}/cancel?t={token}"),
            format!("/b/{code}/erase?t={token}"),
            format!("/b/{code}?t=not-the-token"),
        ];
        for page in &pages {
            c.goto(&app.url(page)).await.unwrap();
            for v in crate::staff_pages::axe(&c, &axe_js).await {
                found.push(format!("{lang} {page}: {v}"));
            }
        }
        // Pages that answer a form: errors at their fields, a confirmation, a result.
        c.goto(&app.url(&format!(
            "/o/ciruas/book?slot={}",
            urlencode(&wib(12, 1, 9, 30))
        )))
        .await
        .unwrap();
        click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
        for v in crate::staff_pages::axe(&c, &axe_js).await {
            found.push(format!("{lang} book errors: {v}"));
        }
        c.goto(&app.url(&format!("/b/{code}/reschedule?t={token}")))
            .await
            .unwrap();
        click_to_next_page(&c, Locator::Css("details[open] button.slot")).await;
        for v in crate::staff_pages::axe(&c, &axe_js).await {
            found.push(format!("{lang} reschedule confirm: {v}"));
        }
        c.goto(&app.url("/find")).await.unwrap();
        type_in(&c, "#f-nik", &nik(62)).await;
        set_value(&c, "#f-birth_date", "2009-05-07").await;
        click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
        for v in crate::staff_pages::axe(&c, &axe_js).await {
            found.push(format!("{lang} find done: {v}"));
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

crate::both_databases!(a_big_photo_is_made_smaller_before_upload_where_scripts_run,);

/// CRC-32 (IEEE) of a PNG chunk's type and data: browsers check it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real photo-sized PNG a browser decodes: `side`² pixels of noise (which does not
/// compress), stored without compression.
fn noise_png(side: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut x = 0x2545_f491u32;
    let mut noise = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 24) as u8
    };
    // Each row: its filter byte (none), then its pixels.
    let raw: Vec<u8> = (0..side)
        .flat_map(|_| {
            std::iter::once(0u8)
                .chain((0..side * 3).map(|_| noise()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
    std::io::Write::write_all(&mut z, &raw).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &z.finish().unwrap()));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// Item 3 with scripts: a 7 MB photo is shrunk in the browser and booked in one go, the
/// phone sending a fraction of it.
async fn a_big_photo_is_made_smaller_before_upload_where_scripts_run(app: TestApp) {
    use std::sync::atomic::Ordering;
    let (base, sent) = counting_proxy(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("foto-surat.png");
    let png = noise_png(1600);
    assert!(png.len() > 7 * 1024 * 1024, "{}", png.len());
    std::fs::write(&photo, &png).unwrap();
    let Some((_driver, c)) = crate::browser::browser_with(360, 740, true).await else {
        return;
    };
    let slot = wib(12, 1, 9, 0);
    c.goto(&format!("{base}/o/ciruas/book?slot={}", urlencode(&slot)))
        .await
        .unwrap();
    fill_applicant(&c, "Siti Aminah", &nik(45), "081234567890", &photo).await;
    crate::browser::click(&c, "#f-certificate_kind option[value='surat_sehat']").await;
    // The script says what it did once the photo is smaller.
    let mut said = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id("shrink-note")).await {
            said = e.text().await.unwrap_or_default();
            if !said.is_empty() {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(said.contains("KB"), "the photo was made smaller: {said:?}");
    let before = sent.load(Ordering::SeqCst);
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    let uploaded = sent.load(Ordering::SeqCst) - before;
    assert!(
        c.find(Locator::Id("booking-code")).await.is_ok(),
        "booked: {}",
        c.source().await.unwrap()
    );
    assert!(
        uploaded < 5 * 1024 * 1024 && (uploaded as usize) < png.len() / 2,
        "sent {uploaded} bytes for a {} byte photo",
        png.len()
    );
    c.close().await.unwrap();
}
