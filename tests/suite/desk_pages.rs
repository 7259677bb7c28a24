//! The front desk's pages in real Chromium at a phone-sized viewport (a tablet in the
//! hand): a morning at the counter, from sign-in to the day report and the queue screen.

use crate::browser::{attr, click, prop};
use crate::browser::{browser, click_to_next_page, log_in, screenshot, set_value, text};
use crate::helpers::*;
use fantoccini::{Client, Locator};

crate::both_databases!(a_desk_officer_checks_in_turns_away_registers_a_walk_in_and_reports,);

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
    click_to_next_page(&c, Locator::Id("check-in")).await;
    assert!(text(&c, "#desk-error").await.contains("istirahat"));
    let kept = prop(&c, "#f-temperature_c", "value").await;
    assert_eq!(kept.as_deref(), Some("38.0"));
    // The reading is kept, with when to measure again (five minutes' rest) …
    c.goto(&app.url(&format!("/staff/bookings/{code_b}")))
        .await
        .unwrap();
    assert!(text(&c, "#retest-due").await.contains("07:05"));
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
    type_into(&c, "f-temperature_c", "38.0").await;
    // … and 37.9 °C after the rest turns the person away, with the reason.
    type_into(&c, "f-retest_c", "37.9").await;
    click_to_next_page(&c, Locator::Id("check-in")).await;
    let status = text(&c, "#booking-status").await;
    assert!(status.contains("37.9"), "{status}");
    // Both readings kept, the first (re-sent as the page kept it) once.
    let temps = text(&c, "#temperatures").await;
    assert_eq!(temps.matches("38.0").count(), 1, "{temps}");
    assert!(temps.contains("37.9"), "{temps}");
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
        told.contains("37.9") && told.contains("jadwal baru"),
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
    assert!(text(&c, "#desk-notice").await.contains("check-in"));
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

    // The queue screen: numbers only.
    c.goto(&app.url("/o/ciruas/antrean")).await.unwrap();
    let board = text(&c, ".queue-board").await;
    assert!(text(&c, "#serving").await.contains('2'), "{board}");
    for personal in ["Siti", "Budi", "Dewi", &nik(3)[12..]] {
        assert!(
            !board.contains(personal),
            "{personal} on the screen: {board}"
        );
    }
    screenshot(&c, "desk-6-queue").await;
    c.close().await.unwrap();
}
