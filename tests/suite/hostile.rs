//! No input, however strange, gives a 5xx or writes anything.

use crate::both_databases;
use crate::helpers::*;
use serde_json::json;

// The lookup's rate limit is raised so that every case reaches the code behind it (the
// limit itself is tested in bad_input.rs).
both_databases!(
    settings = rekam::config::Settings {
        lookups_per_minute: 1_000_000,
        lookups_per_code_hour: 1_000_000,
        ..crate::helpers::test_settings()
    };
    no_strange_value_in_a_booking_field_gives_a_5xx,
    the_write_snapshot_sees_a_changed_row,
    no_strange_value_in_a_path_or_office_gives_a_5xx,
    no_strange_value_in_the_lost_link_lookup_gives_a_5xx,
);

/// Fields that may take a strange value and still book (free text, or optional and
/// empty): anything else that answers 201 is a bug.
const MAY_BOOK: &[&str] = &["name", "email", "married"];

const NASTY: &[&str] = &[
    "",
    " ",
    "\0",
    "a\0b",
    "'; DROP TABLE bookings; --",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "\u{202e}\u{0000}\u{ffff}",
    "9999-99-99",
    "99999-01-01",
    "-1",
    "1e309",
    "2026-02-30",
    "2026-11-30T25:00",
    "+262143-12-31T23:59:59Z",
    "+262142-12-01",
    "+262142-01-01T08:00",
    "-262143-01-01T00:00",
    "/\n",
    "/\t/evil.example/x",
    "😀😀😀",
];

/// No strange value in any field of the booking form gives a 5xx, and only harmless ones
/// book (and are cancelled again).
async fn no_strange_value_in_a_booking_field_gives_a_5xx(app: TestApp) {
    let fields = [
        "office",
        "slot_start",
        "nik",
        "name",
        "birth_date",
        "phone",
        "email",
        "married",
        "certificate_kind",
        "certificate_issued_at",
        "consent",
    ];
    let long = "x".repeat(5000);
    let mut booked = Vec::new();
    for field in fields {
        for value in NASTY.iter().copied().chain([long.as_str()]) {
            let before = app.written().await;
            let r = app
                .book(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)).set(field, value))
                .await;
            let status = r.status().as_u16();
            assert!(
                status < 500,
                "{field}={value:?} gave {status}: {}",
                r.text().await.unwrap()
            );
            let after = app.written().await;
            if status != 201 {
                assert_eq!(before, after, "{field}={value:?} ({status}) wrote nothing");
                continue;
            }
            assert!(
                MAY_BOOK.contains(&field),
                "{field}={value:?} was accepted: {}",
                r.text().await.unwrap()
            );
            assert_eq!(after["bookings"], before["bookings"] + 1);
            assert_eq!(after["certificates"], before["certificates"] + 1);
            booked.push(format!("{field}={value:?}"));
            {
                // Harmless values pass (e.g. a name); undo so the NIK is free.
                let b: serde_json::Value = r.json().await.unwrap();
                app.post_booking_action(
                    b["code"].as_str().unwrap(),
                    b["token"].as_str().unwrap(),
                    "cancel",
                    None,
                )
                .await;
            }
        }
    }
    eprintln!("strange values that booked: {booked:?}");
}

/// The check these tests rest on: `written()` sees a changed row, not only a new one.
async fn the_write_snapshot_sees_a_changed_row(app: TestApp) {
    app.book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(2)))
        .await;
    let snapshot = app.written().await;
    for (change, undo) in [
        (
            "UPDATE bookings SET token_hash = token_hash || 'x'",
            "UPDATE bookings SET token_hash = SUBSTR(token_hash, 1, LENGTH(token_hash) - 1)",
        ),
        (
            "UPDATE slot_loads SET booked = booked + 1",
            "UPDATE slot_loads SET booked = booked - 1",
        ),
    ] {
        let db = app.db().await;
        sqlx::query(change).execute(db).await.unwrap();
        assert_ne!(snapshot, app.written().await, "{change} is seen");
        sqlx::query(undo).execute(db).await.unwrap();
        assert_eq!(snapshot, app.written().await);
    }
}

/// No strange value in a path, a query or an office's settings gives a 5xx or writes on a
/// GET.
async fn no_strange_value_in_a_path_or_office_gives_a_5xx(app: TestApp) {
    for value in NASTY {
        let before = app.written().await;
        let enc: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
        for path in [
            format!("/api/v1/offices/{enc}/availability"),
            format!("/api/v1/offices/ciruas/availability?from={enc}"),
            format!("/api/v1/offices/ciruas/availability?to={enc}"),
            format!("/api/v1/bookings/{enc}"),
            format!("/o/{enc}"),
            format!("/o/ciruas/book?slot={enc}"),
            format!("/b/{enc}?t={enc}"),
            format!("/lang/{enc}?next={enc}"),
        ] {
            let r = app
                .client
                .get(app.url(&path))
                .header("X-Booking-Token", "x")
                .send()
                .await
                .unwrap();
            assert!(r.status().as_u16() < 500, "GET {path} gave {}", r.status());
        }
        assert_eq!(
            before,
            app.written().await,
            "GETs of {value:?} wrote nothing"
        );
        let r = app
            .client
            .put(app.url(&format!("/api/v1/admin/offices/{enc}")))
            .bearer_auth(&app.admin_token)
            .json(&demo_office())
            .send()
            .await
            .unwrap();
        assert!(
            r.status().as_u16() < 500,
            "PUT office {value:?} gave {}",
            r.status()
        );
        let mut office = demo_office();
        office["name"] = json!(value);
        office["address"] = json!(value);
        let r = app.put_office("ciruas", office).await;
        assert!(
            r.status().as_u16() < 500,
            "office name {value:?} gave {}",
            r.status()
        );
    }
    assert_eq!(app.put_office("ciruas", demo_office()).await.status(), 200);
}

/// The lost-link lookup with a strange value in one field and the others right: each
/// field's own check refuses it (never the rate limit, never a new link), nothing written.
async fn no_strange_value_in_the_lost_link_lookup_gives_a_5xx(app: TestApp) {
    app.book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(2)))
        .await;
    let real_nik = nik(2);
    for value in NASTY {
        // The lost-link lookup: the strange value in one field, the others right, so
        // that each field's own check refuses it (never the rate limit, never a new link).
        let before = app.written().await;
        for form in [
            [("nik", *value), ("birth_date", "2009-05-07")],
            [("nik", real_nik.as_str()), ("birth_date", *value)],
        ] {
            let r = app
                .client
                .post(app.url("/find"))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(
                [200, 422].contains(&status),
                "find {form:?} gave {status}: refused by the lookup, not the rate limit"
            );
        }
        assert_eq!(before, app.written().await, "find {value:?} wrote nothing");
    }
}
