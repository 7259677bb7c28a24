//! The front desk's pages in real Chromium at a phone-sized viewport (a tablet in the
//! hand): a morning at the counter, from sign-in to the day report and the queue screen.

use crate::browser::{attr, click, keys_to_next_page, prop, requests};
use crate::browser::{browser, click_to_next_page, log_in, screenshot, set_value, text};
use crate::helpers::*;
use fantoccini::{Client, Locator};

crate::both_databases!(
    a_desk_officer_checks_in_turns_away_registers_a_walk_in_and_reports,
    a_scanned_code_is_checked_in_in_two_requests_on_a_tablet,
);

async fn type_into(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn a_desk_officer_checks_in_turns_away_registers_a_walk_in_and_reports(app: TestApp) {
    // Two bookings for this morning (Monday 30 November, 08:00 WIB; it is 07:00).
    let a = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)).set("name", "Budi Santoso"))
        .await;
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(2)).set("name", "Dewi Lestari"))
        .await;
    let code_a = a["code"].as_str().unwrap();
    let code_b = b["code"].as_str().unwrap();
    app.staff_token("loket-1", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let Some((_driver, c)) = browser().await else {
        return;
    };
    log_in(&c, &app, "loket-1").await;
    // The desk starts on today's list: names, masked NIKs.
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/staff/offices/ciruas/desk")
    );
    let list = text(&c, "#day-list").await;
    assert!(
        list.contains("Budi Santoso") && list.contains("************0001"),
        "{list}"
    );
    assert!(!list.contains(&nik(1)), "no full NIK in the list");
    screenshot(&c, "desk-1-list").await;

    // Find a booking by its code (typed in lower case, as people do).
    type_into(&c, "f-code", &code_a.to_lowercase()).await;
    click_to_next_page(&c, Locator::Id("open-code")).await;
    assert_eq!(text(&c, "#booking-name").await, "Budi Santoso");
    // Open the certificate: served as itself (an image), never as a page.
    let href = attr(&c, "#view-certificate", "href").await.unwrap();
    c.goto(&app.url(&href)).await.unwrap();
    let kind = c
        .execute("return document.contentType", vec![])
        .await
        .unwrap();
    assert_eq!(kind, "image/png");
    c.goto(&app.url(&format!("/staff/bookings/{code_a}")))
        .await
        .unwrap();
    // 36,6 °C (a decimal comma, as typed in Indonesia). A minor booked through the API
    // without a guardian's agreement: the desk must ask first.
    type_into(&c, "f-temperature_c", "36,6").await;
    // The certificate nobody has reviewed yet is decided first, in the same form (the
    // browser asks before sending; the server asks too, see desk::…).
    assert_eq!(
        prop(&c, "#f-decision-accepted", "required")
            .await
            .as_deref(),
        Some("true")
    );
    click(&c, "#f-decision-accepted").await;
    click_to_next_page(&c, Locator::Id("check-in")).await;
    assert!(text(&c, "#desk-error").await.contains("orang tua/wali"));
    click(&c, "#f-guardian_confirmed").await;
    click_to_next_page(&c, Locator::Id("check-in")).await;
    assert!(text(&c, "#queue-number").await.contains('1'));
    screenshot(&c, "desk-2-checked-in").await;
    click_to_next_page(&c, Locator::Id("record")).await;
    let status = text(&c, "#booking-status").await;
    assert!(status.contains("rekam"), "{status}");

    // The second: 38.0 °C asks for a second reading (what was typed stays) …
    c.goto(&app.url(&format!("/staff/bookings/{code_b}")))
        .await
        .unwrap();
    type_into(&c, "f-temperature_c", "38.0").await;
    click(&c, "#f-decision-accepted").await;
    click_to_next_page(&c, Locator::Id("check-in")).await;
    assert!(text(&c, "#desk-error").await.contains("istirahat"));
    // What was typed is kept, as the reading on file; the field now takes the second.
    let on_file = text(&c, "#first-reading").await;
    assert!(
        on_file.contains("38,0") && on_file.contains("07.05"),
        "{on_file}"
    );
    let label = text(&c, "label[for='f-temperature_c']").await;
    assert!(label.contains("kedua"), "{label}");
    // The reading is kept, with when to measure again (five minutes' rest) …
    c.goto(&app.url(&format!("/staff/bookings/{code_b}")))
        .await
        .unwrap();
    assert!(text(&c, "#retest-due").await.contains("07.05"));
    // … and the day list finds who waits for a retest.
    c.goto(&app.url("/staff/offices/ciruas/desk?status=retest"))
        .await
        .unwrap();
    let waiting = text(&c, "#day-list tbody").await;
    assert!(
        waiting.contains(code_b) && !waiting.contains(code_a),
        "{waiting}"
    );
    c.goto(&app.url(&format!("/staff/bookings/{code_b}")))
        .await
        .unwrap();
    // … and 37.9 °C after the rest, typed alone, turns the person away, with the reason.
    type_into(&c, "f-temperature_c", "37.9").await;
    click_to_next_page(&c, Locator::Id("check-in")).await;
    assert!(
        text(&c, "#desk-notice")
            .await
            .contains("tidak dapat direkam")
    );
    let status = text(&c, "#booking-status").await;
    assert!(status.contains("37,9"), "{status}");
    // Both readings kept, the first (re-sent as the page kept it) once.
    let temps = text(&c, "#temperatures").await;
    assert_eq!(temps.matches("38,0").count(), 1, "{temps}");
    assert!(temps.contains("37,9"), "{temps}");
    // A new date is offered: tomorrow's first free time.
    let offered = text(&c, "#new-dates").await;
    assert!(offered.contains("1 Desember 2026"), "{offered}");
    screenshot(&c, "desk-3-turned-away").await;
    // The applicant's own page says why, and leads to booking again.
    c.goto(&app.url(b["manage_url"].as_str().unwrap()))
        .await
        .unwrap();
    let told = text(&c, "#visit-notice").await;
    assert!(
        told.contains("37,9") && told.contains("jadwal baru"),
        "{told}"
    );
    assert!(c.find(Locator::Id("book-again")).await.is_ok());

    // A walk-in: registered into today's remaining seats and checked in.
    c.goto(&app.url("/staff/offices/ciruas/walk-in"))
        .await
        .unwrap();
    // The form speaks of the applicant to the officer; the temperature opens the keypad.
    assert!(
        text(&c, "label[for='f-consent']")
            .await
            .starts_with("Pemohon")
    );
    assert_eq!(
        attr(&c, "#f-temperature_c", "inputmode").await.as_deref(),
        Some("decimal")
    );
    type_into(&c, "f-name", "Siti Aminah").await;
    type_into(&c, "f-nik", &nik(3)).await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    type_into(&c, "f-phone", "081234567890").await;
    type_into(&c, "f-temperature_c", "36,5").await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:30").await;
    for id in ["f-certificate_seen", "f-guardian_consent", "f-consent"] {
        click(&c, &format!("#{}", id)).await;
    }
    click_to_next_page(&c, Locator::Id("walk-in-submit")).await;
    assert!(text(&c, "#desk-notice").await.contains("lapor hadir"));
    assert!(text(&c, "#queue-number").await.contains('2'));
    // The paper seen at the desk shows as such, not as a link to a file there is not.
    assert!(c.find(Locator::Id("certificate-on-paper")).await.is_ok());
    assert!(c.find(Locator::Id("view-certificate")).await.is_err());
    screenshot(&c, "desk-4-walk-in").await;

    // The day report shows all three.
    c.goto(&app.url("/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30"))
        .await
        .unwrap();
    let row = text(&c, "#report tbody tr").await;
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["2026-11-30", "3", "2", "1", "0", "1", "1", "0"],
        "{row}"
    );
    screenshot(&c, "desk-5-report").await;

    // The desk calls the next number (the walk-in's) to its desk …
    c.goto(&app.url("/staff/offices/ciruas/call"))
        .await
        .unwrap();
    click_to_next_page(&c, Locator::Id("call-next")).await;
    assert!(text(&c, "#call-notice").await.contains("002"));
    // … and the queue screen shows it at that desk: numbers only.
    c.goto(&app.url("/o/ciruas/antrean")).await.unwrap();
    let board = text(&c, ".queue-board").await;
    assert!(text(&c, ".desk.newest").await.contains("002"), "{board}");
    for personal in ["Siti", "Budi", "Dewi", &nik(3)[12..]] {
        assert!(
            !board.contains(personal),
            "{personal} on the screen: {board}"
        );
    }
    screenshot(&c, "desk-6-queue").await;
    c.close().await.unwrap();
}

/// The id of the element with the focus.
async fn focused(c: &Client) -> String {
    c.execute("return document.activeElement.id", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The requests to the server itself (documents, forms, fetches), not its cached files.
fn to_the_server(all: &[(String, String, String)]) -> Vec<String> {
    all.iter()
        .filter(|(_, _, path)| !path.starts_with("/static/") && path != "/favicon.ico")
        .map(|(kind, method, path)| format!("{kind} {method} {path}"))
        .collect()
}

/// Item 2 of issue 21: a USB scanner types the code and Enter; the check-in screen opens
/// with the temperature focused and the certificate beside it; the temperature and Enter
/// check in and give the focus back to the scan field. Two requests a person. On a
/// tablet (820×1180) the check-in button is above the fold.
async fn a_scanned_code_is_checked_in_in_two_requests_on_a_tablet(app: TestApp) {
    // It is 07:00; both come for 09:00.
    let book = |n: u32, name: &str| {
        BookingForm::new(&wib(11, 30, 9, 0), &nik(n))
            .set("name", name)
            .set("guardian_consent", "true")
    };
    let a = app.book_ok(&book(11, "Budi Santoso")).await;
    let b = app.book_ok(&book(12, "Dewi Lestari")).await;
    let code_a = a["code"].as_str().unwrap();
    let code_b = b["code"].as_str().unwrap();
    let token = app
        .staff_token("loket-2", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    // Budi's certificate was reviewed earlier in the morning.
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/staff/bookings/{code_a}/certificate-review"
        )))
        .bearer_auth(&token)
        .json(&serde_json::json!({"decision": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let Some((_driver, c)) = crate::browser::browser_with(820, 1180, true).await else {
        return;
    };
    log_in(&c, &app, "loket-2").await;
    assert_eq!(focused(&c).await, "f-code", "the day list waits for a scan");
    requests(&c).await;

    // The scanner types the code and Enter.
    keys_to_next_page(&c, &format!("{code_a}\n")).await;
    assert_eq!(focused(&c).await, "f-temperature_c");
    let certificate = text(&c, "#check-in-certificate").await;
    assert!(
        certificate.contains("diterima") && certificate.contains("Berlaku"),
        "{certificate}"
    );
    // Two hours early: said, not silently accepted.
    let early = text(&c, "#arrival-note").await;
    assert!(
        early.contains("09.00") && early.contains("07.00"),
        "{early}"
    );
    // On the tablet the button is above the fold.
    let (bottom, height) = (
        c.execute(
            "return document.getElementById('check-in').getBoundingClientRect().bottom",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap(),
        c.execute("return window.innerHeight", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap(),
    );
    assert!(bottom <= height, "check-in button at {bottom} of {height}");
    screenshot(&c, "desk-tablet-check-in").await;

    // The temperature and Enter check in; the focus is back on the scan field.
    keys_to_next_page(&c, "36,6\n").await;
    assert!(text(&c, "#queue-number").await.contains('1'));
    assert!(
        text(&c, "#desk-notice")
            .await
            .contains("Lapor hadir tercatat")
    );
    assert_eq!(focused(&c).await, "f-code");
    let sent = to_the_server(&requests(&c).await);
    assert!(sent.len() <= 2, "one scan, one check-in: {sent:#?}");
    // Reloading shows the booking; it does not send the check-in again.
    let path = c.current_url().await.unwrap();
    assert_eq!(path.path(), format!("/staff/bookings/{code_a}"));

    // A search with one hit opens it: Dewi's certificate is not reviewed yet, so the
    // check-in asks for that decision first; the NIK typed is in no address.
    requests(&c).await;
    keys_to_next_page(&c, &format!("{}\n", nik(12))).await;
    assert_eq!(text(&c, "#booking-name").await, "Dewi Lestari");
    assert!(c.find(Locator::Id("decide-certificate")).await.is_ok());
    let sent = requests(&c).await;
    assert!(
        sent.iter().all(|(_, _, path)| !path.contains(&nik(12))),
        "{sent:?}"
    );
    click(&c, "#f-decision-accepted").await;
    c.find(Locator::Id("f-temperature_c"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    keys_to_next_page(&c, "36.4\n").await;
    assert!(text(&c, "#queue-number").await.contains('2'));
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("/staff/bookings/{code_b}")
    );
    // A name that fits nobody today: the list says so, what was typed kept.
    keys_to_next_page(&c, "Zaenal\n").await;
    assert!(text(&c, "#find-error").await.contains("Tidak ada"));
    assert_eq!(
        prop(&c, "#f-code", "value").await.as_deref(),
        Some("Zaenal")
    );
    c.close().await.unwrap();
}
