//! Retention on the clock (UU 27/2022): certificate files go 30 days after the visit (at
//! once on cancellation), personal data is anonymised after 180 — on the right day and not a
//! day earlier — the audit log says so, and the day report still counts the visit.

use crate::both_databases;
use crate::helpers::*;
use serde_json::{Value, json};

both_databases!(certificates_and_personal_data_go_on_the_right_day,);

async fn certificates_and_personal_data_go_on_the_right_day(app: TestApp) {
    let desk = app
        .staff_token("loket-r", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let visited = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)).set("name", "Budi Santoso"))
        .await;
    let cancelled = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(2)).set("name", "Dewi Lestari"))
        .await;
    let code = visited["code"].as_str().unwrap();
    for (path, body) in [
        ("check-in", json!({"temperature_c": 36.5})),
        ("outcome", json!({"outcome": "recorded"})),
    ] {
        let r = app
            .client
            .post(app.url(&format!("/api/v1/staff/bookings/{code}/{path}")))
            .bearer_auth(&desk)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = app
        .post_booking_action(
            cancelled["code"].as_str().unwrap(),
            cancelled["token"].as_str().unwrap(),
            "cancel",
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    // The cancelled booking's file went at the cancellation itself.
    assert_eq!(app.count("certificates WHERE deleted_at IS NULL").await, 1);
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().into();
    // A day before the 30 days are up: the visit's file is still there.
    app.set_and_sweep(at("2026-12-29T09:00:00+07:00")).await;
    assert_eq!(app.count("certificates WHERE deleted_at IS NULL").await, 1);
    // 30 days after the visit (08:30): gone too.
    app.set_and_sweep(at("2026-12-30T09:00:00+07:00")).await;
    assert_eq!(app.count("certificates WHERE deleted_at IS NULL").await, 0);
    assert_eq!(app.count("certificates WHERE size_bytes > 0").await, 0);
    assert_eq!(
        app.count("audit_log WHERE action = 'retention.certificate_deleted' AND actor = 'system'")
            .await,
        2
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/bookings/{code}/certificate")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the file is gone");
    // The personal data stays until 180 days: the owner still sees the booking.
    app.set_and_sweep(at("2027-05-28T09:00:00+07:00")).await;
    assert_eq!(
        app.count("bookings WHERE anonymised_at IS NOT NULL").await,
        0
    );
    assert_eq!(
        app.get_booking(code, visited["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    app.set_and_sweep(at("2027-05-29T09:00:00+07:00")).await;
    assert_eq!(
        app.count("bookings WHERE anonymised_at IS NOT NULL").await,
        2
    );
    assert_eq!(
        app.count("bookings WHERE name = 'Budi Santoso' OR name = 'Dewi Lestari'")
            .await,
        0
    );
    assert_eq!(
        app.count("bookings WHERE nik <> '' OR phone <> ''").await,
        0
    );
    assert_eq!(
        app.get_booking(code, visited["token"].as_str().unwrap())
            .await
            .status(),
        404,
        "nobody can open it any more"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'retention.anonymised'")
            .await,
        2
    );
    // The report still counts the day.
    let sup = app
        .staff_token("kasi-r", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let report: Value = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30",
            &sup,
        )
        .await;
    assert_eq!(report[0]["recorded"], 1);
    assert_eq!(report[0]["cancelled"], 1);
    // The pages state the periods of the settings.
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("dihapus 30 hari") && home.contains("180 hari"),
        "{home}"
    );
}
