//! What rekam hands out besides its pages and JSON: the calendar file, the `rekam plan`
//! table, and its logs (which must never carry personal data or secrets).

use crate::both_databases;
use crate::helpers::*;
use crate::planner::small_office;
use serde_json::{Value, json};
use std::collections::BTreeMap;

both_databases!(
    the_calendar_file_is_valid_icalendar_with_the_slot_in_utc,
    rekam_plan_prints_caps_bookings_closures_and_days_to_clear,
    a_slot_over_its_capacity_is_shown_by_the_plan,
    rekam_plan_without_from_prints_today_and_refuses_bad_arguments,
);

/// The content lines of an iCalendar text, unfolded (RFC 5545 §3.1), as (name with
/// parameters, value); every physical line must end in CRLF and fit 75 octets.
fn content_lines(ics: &str) -> Vec<(String, String)> {
    assert!(ics.ends_with("\r\n"), "ends with CRLF");
    let mut logical: Vec<String> = Vec::new();
    for line in ics.strip_suffix("\r\n").unwrap().split("\r\n") {
        assert!(!line.contains('\n'), "a bare LF: {line:?}");
        assert!(line.len() <= 75, "longer than 75 octets: {line:?}");
        match line.strip_prefix([' ', '\t']) {
            Some(rest) => logical
                .last_mut()
                .expect("a folded first line")
                .push_str(rest),
            None => logical.push(line.to_string()),
        }
    }
    logical
        .into_iter()
        .map(|l| {
            let (name, value) = l
                .split_once(':')
                .unwrap_or_else(|| panic!("no colon: {l:?}"));
            (name.to_string(), value.to_string())
        })
        .collect()
}

async fn the_calendar_file_is_valid_icalendar_with_the_slot_in_utc(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 30), &nik(1)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let page = app
        .client
        .get(app.url(&format!("/b/{code}?t={token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = format!("/b/{code}/calendar.ics?t={token}");
    assert!(
        page.contains(&format!("href=\"{link}\"")),
        "the manage page links it"
    );
    let r = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    let lines = content_lines(&ics);
    let names: Vec<&str> = lines.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"BEGIN"), "{ics}");
    assert_eq!(lines[0].1, "VCALENDAR");
    assert_eq!(lines.last().unwrap(), &("END".into(), "VCALENDAR".into()));
    let value = |name: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|(n, _)| n == name || n.starts_with(&format!("{name};")))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(value("VERSION"), ["2.0"]);
    assert_eq!(value("PRODID").len(), 1);
    assert_eq!(
        value("BEGIN"),
        ["VCALENDAR", "VEVENT", "VALARM", "VALARM"],
        "one event, reminded twice: {ics}"
    );
    // Reminders the day before and two hours before, each saying what to bring.
    assert_eq!(value("TRIGGER"), ["-PT86400S", "-PT7200S"], "{ics}");
    assert_eq!(value("ACTION"), ["DISPLAY", "DISPLAY"]);
    // Tuesday 1 December 2026 09:30–10:00 WIB is 02:30–03:00 UTC.
    assert_eq!(value("DTSTART"), ["20261201T023000Z"]);
    assert_eq!(value("DTEND"), ["20261201T030000Z"]);
    assert_eq!(
        value("UID")[0],
        format!("{code}@rekam").as_str(),
        "the event's"
    );
    assert!(!value("DTSTAMP").is_empty(), "required by RFC 5545");
    assert!(value("LOCATION")[0].contains("UPT Disdukcapil Ciruas"));
    assert!(value("SUMMARY")[0].contains(code));
    assert!(!ics.contains(&nik(1)), "no NIK in a file that travels");
    // The token guards it like the page.
    let r = app
        .client
        .get(app.url(&format!("/b/{code}/calendar.ics?t=wrong")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Supervisor token for the office.
async fn supervisor(app: &TestApp) -> String {
    app.staff_token("sup-plan", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await
}

/// A small office (Mon–Sat 08:00–10:00, one set) booked full on Tuesday 1 December, at
/// level 4 from then on and closed on Thursday; the supervisor's token.
async fn a_small_office_at_level_four(app: &TestApp) -> String {
    // Small office (Mon–Sat 08:00–10:00, one set): 3 a slot and 12 a day; at level 4,
    // 2 and 8. On Tuesday 1 December three slots are booked by antigen tests that end at
    // 09:00 that day, the 09:30 slot by week-long certificates.
    assert_eq!(app.put_office("ciruas", small_office()).await.status(), 200);
    // Monday 09:35: today's slots have all started.
    app.advance_and_sweep(chrono::Duration::minutes(155)).await;
    let mut n = 0;
    for (h, m) in [(8, 0), (8, 30), (9, 0), (9, 30)] {
        for _ in 0..3 {
            n += 1;
            let mut form = BookingForm::new(&wib(12, 1, h, m), &nik(n));
            if (h, m) != (9, 30) {
                form = form
                    .set("certificate_kind", "antigen")
                    .set("certificate_issued_at", "2026-11-30T09:00:00+07:00");
            }
            app.book_ok(&form).await;
        }
    }
    let sup = supervisor(app).await;
    // Level 4 from Tuesday: one from each slot is displaced; the 09:30 one moves to
    // Wednesday 08:00, the three whose antigen test ends at 09:00 cannot move.
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/levels"))
        .bearer_auth(&sup)
        .json(
            &json!({"level": "4", "effective_from": "2026-12-01", "reason": "Inmendagri 22/2021"}),
        )
        .send()
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    let to: Vec<&Value> = report["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["to_slot_start"])
        .collect();
    assert_eq!(to.len(), 4, "{report}");
    assert_eq!(to.iter().filter(|t| t.is_null()).count(), 3, "{report}");
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-03"))
        .bearer_auth(&sup)
        .json(&json!({"reason": "Disinfeksi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sup
}

async fn rekam_plan_prints_caps_bookings_closures_and_days_to_clear(app: TestApp) {
    let sup = a_small_office_at_level_four(&app).await;
    let out = rekam(&app.database_url)
        .args([
            "plan",
            "--office",
            "ciruas",
            "--days",
            "5",
            "--from",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: BTreeMap<&str, Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("2026-"))
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[0], cols[1..].to_vec())
        })
        .collect();
    let row = |date: &str| rows[date][..5].join(" ");
    // level, cap, booked, sets, seats
    assert_eq!(rows.len(), 5, "{table}");
    assert_eq!(row("2026-12-01"), "4 8 8 1 2", "{table}");
    assert_eq!(row("2026-12-02"), "4 8 1 1 2", "{table}");
    assert_eq!(row("2026-12-03"), "4 0 0 1 2", "{table}");
    assert_eq!(row("2026-12-04"), "4 8 0 1 2", "{table}");
    assert_eq!(row("2026-12-05"), "4 8 0 1 2", "{table}");
    assert_eq!(rows["2026-12-01"][5], "waiting_room");
    assert_eq!(rows["2026-12-03"][5..].join(" "), "Disinfeksi");
    assert!(table.contains("backlog (needs rebooking): 3"), "{table}");
    assert!(table.contains("slots over capacity: none"), "{table}");
    // Three to seat from Tuesday: at levels none, 1 and 2 Tuesday has 12 − 8 = 4 seats
    // left (one day); at 3, 4 and darurat none, and Wednesday has 8 − 1 (two days).
    let to_clear: BTreeMap<&str, &str> = table
        .lines()
        .filter_map(|l| l.trim().strip_prefix("to clear at level "))
        .map(|l| {
            let (level, days) = l.split_once(' ').unwrap();
            (level, days.trim())
        })
        .collect();
    let expected: BTreeMap<&str, &str> = [
        ("none", "1 open days"),
        ("1", "1 open days"),
        ("2", "1 open days"),
        ("3", "2 open days"),
        ("4", "2 open days"),
        ("darurat", "2 open days"),
    ]
    .into();
    assert_eq!(to_clear, expected, "{table}");
    assert!(
        table.contains("to clear at the levels in force: 2 open days"),
        "{table}"
    );
    // Through the API the plan starts today, Monday at 09:35: every slot of today has
    // started, so today is not an open day for them; the figures are Tuesday's and
    // Wednesday's as above.
    let plan = app
        .staff_json("/api/v1/staff/offices/ciruas/plan?days=7", &sup)
        .await;
    assert_eq!(plan["needs_rebooking"], 3);
    assert_eq!(plan["days_to_clear"]["current"], 2, "{plan}");
    for (level, days) in expected {
        let days: u64 = days.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(plan["days_to_clear"][level], days, "{level}: {plan}");
    }
}

/// A slot over its capacity, however it came about, is shown by the CLI and the API.
async fn a_slot_over_its_capacity_is_shown_by_the_plan(app: TestApp) {
    let sup = a_small_office_at_level_four(&app).await;
    // A slot over its capacity, however it came about, is shown (here: a counter raised
    // behind rekam's back on Tuesday 08:00, which holds two of two).
    sqlx::query("UPDATE slot_loads SET booked = booked + 1 WHERE slot_start = $1")
        .bind(
            chrono::DateTime::parse_from_rfc3339(&wib(12, 1, 8, 0))
                .unwrap()
                .timestamp(),
        )
        .execute(app.db().await)
        .await
        .unwrap();
    let out = rekam(&app.database_url)
        .args([
            "plan",
            "--office",
            "ciruas",
            "--days",
            "2",
            "--from",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("slots over capacity:\n  2026-12-01 08:00 holds 3, capacity 2"),
        "{table}"
    );
    let plan = app
        .staff_json("/api/v1/staff/offices/ciruas/plan?days=7", &sup)
        .await;
    assert_eq!(
        plan["over_capacity"][0]["slot_start"],
        wib(12, 1, 8, 0),
        "{plan}"
    );
    assert_eq!(plan["over_capacity"][0]["held"], 3);
}

async fn rekam_plan_without_from_prints_today_and_refuses_bad_arguments(app: TestApp) {
    // Without --from, today's plan (the real date) still prints, and an unknown office
    // is a clear error.
    let out = rekam(&app.database_url)
        .args(["plan", "--office", "ciruas", "--days", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("20"))
            .count(),
        2
    );
    for (args, error) in [
        (&["--office", "nowhere"][..], "no office 'nowhere'"),
        (&["--office", "ciruas", "--days", "0"][..], "--days"),
        (&["--office", "ciruas", "--days", "100"][..], "--days"),
        (
            &["--office", "ciruas", "--from", "2026-02-30"][..],
            "--from",
        ),
    ] {
        let out = rekam(&app.database_url)
            .arg("plan")
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(error), "{args:?}: {stderr}");
    }
}

/// Runs the real binary with `RUST_LOG=level`, standard error into a file, uses every
/// applicant and staff door with a real booking, and returns what it logged with the
/// secrets and personal data it handled.
async fn log_of_a_busy_day(level: &str) -> (String, Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rekam.db").display());
    let log_path = dir.path().join("stderr.log");
    let mut command = rekam(&url);
    command
        .env("RUST_LOG", level)
        .stderr(std::fs::File::create(&log_path).unwrap());
    let server = Server::start_with(command, &["--demo"]);
    let base = server.base.clone();
    let word = |line: &str, after: &str| {
        let rest = line.split(after).nth(1).unwrap().trim_start();
        rest.split_whitespace().next().unwrap().to_string()
    };
    let supervisor = server
        .banner
        .iter()
        .find(|l| l.contains("demo-supervisor"))
        .expect("the demo prints a supervisor login")
        .clone();
    let password = word(&supervisor, "password");
    let api_token = word(&supervisor, "API token");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A real slot of the demo office on the real clock.
    let a: Value = client
        .get(format!("{base}/api/v1/offices/ciruas/availability"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let soon = chrono::Utc::now() + chrono::Duration::minutes(30);
    let slots: Vec<String> = a["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .map(|s| s["start"].as_str().unwrap().to_string())
        .filter(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap() > soon)
        .collect();
    let issued = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (name, nik_value, phone) = ("Siti Rahmawati", nik(4321), "081298765432");
    let form = BookingForm::new(&slots[0], &nik_value)
        .set("name", name)
        .set("phone", phone)
        .set("email", "siti.rahmawati@example.id")
        .set("certificate_issued_at", &issued);
    let r = client
        .post(format!("{base}/api/v1/bookings"))
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    let (code, token) = (
        b["code"].as_str().unwrap().to_string(),
        b["token"].as_str().unwrap().to_string(),
    );
    let get = |path: String| client.get(format!("{base}{path}")).send();
    for path in [
        format!("/b/{code}?t={token}"),
        format!("/b/{code}/calendar.ics?t={token}"),
        format!("/b/{code}/reschedule?t={token}"),
        format!("/b/{code}/cancel?t={token}"),
        format!("/b/{code}?t={token}x"),
        format!("/nowhere?t={token}&nik={nik_value}"),
        format!("/o/ciruas/book?slot={}", slots[1]),
    ] {
        assert!(get(path).await.unwrap().status().as_u16() < 500);
    }
    let r = client
        .get(format!("{base}/api/v1/bookings/{code}"))
        .header("X-Booking-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("{base}/api/v1/bookings/{code}/reschedule"))
        .header("X-Booking-Token", &token)
        .json(&json!({"slot_start": slots[1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The form page, refused (a second booking for the NIK) and re-shown with the data.
    let r = client
        .post(format!("{base}/o/ciruas/book"))
        .multipart(
            form.set("slot_start", &slots[2])
                .set("guardian_consent", "true")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // A lost link asked for again (the new one goes by message: the log channel writes
    // its kind and code, never its text).
    let r = client
        .post(format!("{base}/find"))
        .form(&[("nik", nik_value.as_str()), ("birth_date", "2009-05-07")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Staff: a login, the plan page, the API.
    let r = client
        .post(format!("{base}/staff/login"))
        .header("Origin", base.as_str())
        .form(&[
            ("username", "demo-supervisor"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let session = session.split(';').next().unwrap().to_string();
    let r = client
        .get(format!("{base}/staff/offices/ciruas"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{base}/api/v1/staff/offices/ciruas/plan"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("{base}/api/v1/bookings/{code}/cancel"))
        .header("X-Booking-Token", token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stdout = server.kill9_and_output();
    // `--demo` prints its office and logins on purpose (for the person starting it): those
    // lines are not the log; every other line is.
    let stdout: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("Demo office: ") && !l.contains(" username demo-"))
        .collect();
    let log = format!(
        "{}\n{}",
        stdout.join("\n"),
        std::fs::read_to_string(&log_path).unwrap()
    );
    let secrets = vec![
        ("the manage token", token),
        ("the manage URL", format!("/b/{code}?")),
        ("the NIK", nik_value.clone()),
        (
            "the NIK's last digits with its birth date",
            nik_value[6..].to_string(),
        ),
        ("the name", "Rahmawati".to_string()),
        ("the phone", "98765432".to_string()),
        ("the e-mail", "siti.rahmawati".to_string()),
        ("the staff password", password),
        ("the API token", api_token),
        (
            "the session",
            session.trim_start_matches("rekam_staff=").to_string(),
        ),
        ("a query string", "?t=".to_string()),
    ];
    (log, secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_no_url_token_or_personal_data() {
    for level in ["info,sqlx=warn", "debug"] {
        let (log, secrets) = log_of_a_busy_day(level).await;
        // The log is really captured: the start-up line, and at debug every request.
        assert!(log.contains("serving"), "{level}: {log}");
        if level == "debug" {
            assert!(
                log.contains("route=\"/b/{code}\""),
                "{level}: request spans name routes:\n{log}"
            );
            assert!(!log.contains('\u{1b}'), "no terminal colours in a log file");
        }
        for (what, secret) in secrets {
            assert!(
                !log.contains(&secret),
                "RUST_LOG={level}: the log contains {what} ({secret:?}):\n{}",
                log.lines()
                    .filter(|l| l.contains(&secret))
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
