//! Issue 19: what an outside attack got through, one regression test per item (each failed
//! on the build before the fix), on both engines where the engine matters.

use crate::both_databases;
use crate::browser::type_in;
use crate::helpers::*;
use rekam::domain::Role;
use serde_json::{Value, json};

both_databases!(
    control_characters_in_text_fields_are_a_422_naming_the_field,
    a_booking_made_through_group_commit_records_its_origin,
    another_offices_desk_cannot_tell_whether_a_code_exists,
    a_desk_search_cannot_read_a_nik_digit_by_digit,
    an_email_address_is_parsed_not_guessed,
    pdf_actions_hidden_from_a_byte_scan_are_refused,
    an_idempotency_key_keeps_no_manage_token_in_the_clear,
    a_cancelled_booking_keeps_no_file,
);

async fn error_of(r: reqwest::Response, status: u16, what: &str) -> Value {
    let got = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|_| json!({ "page": body }))
}

/// Item 9: a NUL in the login username or a desk reason was a 500 on PostgreSQL; a name
/// with U+202E or of zero-width spaces was stored.
async fn control_characters_in_text_fields_are_a_422_naming_the_field(app: TestApp) {
    app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("username", "loket\u{0}-1"),
            ("password", "a long test password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a NUL in the username");
    // A desk reason over the API names its field.
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let code = b["code"].as_str().unwrap();
    let token = app
        .staff_token("loket-2", Role::Supervisor, Some("ciruas"))
        .await;
    for reason in ["buram\u{0}", "gpj\u{202e}.exe"] {
        let r = app
            .client
            .post(app.url(&format!("/api/v1/staff/bookings/{code}/certificate-review")))
            .bearer_auth(&token)
            .json(&json!({"decision": "rejected", "reason": reason}))
            .send()
            .await
            .unwrap();
        let e = error_of(r, 422, "a control character in a reason").await;
        assert_eq!(e["error"], "invalid");
        assert_eq!(e["field"], "reason");
    }
    // Names: an override, or nothing but zero-width characters.
    let before = app.written().await;
    for (n, name) in [(2, "Budi\u{202e}otnaS"), (3, "\u{200b}\u{200b}\u{200b}")] {
        let r = app
            .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(n)).set("name", name))
            .await;
        let e = error_of(r, 422, name).await;
        assert_eq!(e["field"], "name", "{name:?}: {e}");
    }
    assert_eq!(app.written().await, before, "nothing was written");
    // A page form (urlencoded) too: a reason with a NUL is refused, not a 500.
    let (_, cookie) = crate::security::log_in(&app, "loket-2").await;
    let r = app
        .client
        .post(app.url(&format!("/staff/bookings/{code}/review")))
        .header("Cookie", &cookie)
        .form(&[("decision", "rejected"), ("review_reason", "buram\u{0}")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a NUL in a page's reason");
    // … and in a path (a username), a 404 like any name of nothing.
    let (_, admin) = crate::security::log_in(&app, "test-admin").await;
    let r = app
        .client
        .post(app.url("/staff/accounts/loket-1%00"))
        .header("Cookie", &admin)
        .form(&[("action", "disable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a NUL in a path");
}

/// Item 11: on SQLite the group-commit writer wrote `booking.create` without the client
/// address.
async fn a_booking_made_through_group_commit_records_its_origin(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let (origin,): (Option<String>,) = sqlx::query_as(
        "SELECT a.origin FROM audit_log a JOIN bookings b ON b.id = a.booking_id \
         WHERE a.action = 'booking.create' AND b.code = $1",
    )
    .bind(b["code"].as_str().unwrap())
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(origin.as_deref(), Some("127.0.0.1"));
}

/// Item 12: a desk officer of another office got 403 for a real code and 404 for an
/// unknown one (and a redirect against `m=unknown` from the page's code box).
async fn another_offices_desk_cannot_tell_whether_a_code_exists(app: TestApp) {
    assert_eq!(app.put_office("serang", demo_office()).await.status(), 201);
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let code = b["code"].as_str().unwrap();
    let other = app
        .staff_token("loket-serang", Role::Desk, Some("serang"))
        .await;
    let ask = |path: String| {
        let (client, other) = (app.client.clone(), other.clone());
        async move {
            let r = client.get(path).bearer_auth(&other).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let real = ask(app.url(&format!("/api/v1/staff/bookings/{code}"))).await;
    let unknown = ask(app.url("/api/v1/staff/bookings/ABCDEFGH")).await;
    assert_eq!(real.0, 404, "{}", real.1);
    assert_eq!(real, unknown, "the same answer for a real code elsewhere");
    let real = ask(app.url(&format!("/api/v1/staff/bookings/{code}/certificate"))).await;
    let unknown = ask(app.url("/api/v1/staff/bookings/ABCDEFGH/certificate")).await;
    assert_eq!(real, unknown);
    // The desk page's code box: the same way back for both.
    let (_, cookie) = crate::security::log_in(&app, "loket-serang").await;
    let find = |typed: String| {
        let (client, cookie, url) = (app.client.clone(), cookie.clone(), app.url("/staff/find"));
        async move {
            let r = client
                .get(url)
                .query(&[("code", typed.as_str())])
                .header("Cookie", &cookie)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_string()),
            )
        }
    };
    let real = find(code.to_string()).await;
    let unknown = find("ABCDEFGH".to_string()).await;
    assert_eq!(
        real.1.map(|l| l.replace(code, "ABCDEFGH")),
        unknown.1,
        "a real code of another office goes where an unknown one does"
    );
}

/// Item 12: the day list's search matched any ending of the NIK, so `1`, `01`, `001`, …
/// read it from the end.
async fn a_desk_search_cannot_read_a_nik_digit_by_digit(app: TestApp) {
    app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(4321)))
        .await;
    let code = b["code"].as_str().unwrap().to_string();
    let (_, cookie) = crate::security::log_in(&app, "loket-1").await;
    let finds = |q: String| {
        let (client, cookie, url, code) = (
            app.client.clone(),
            cookie.clone(),
            app.url("/staff/offices/ciruas/desk"),
            code.clone(),
        );
        async move {
            let page = client
                .get(url)
                .query(&[("date", "2026-11-30"), ("q", q.as_str())])
                .header("Cookie", &cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            page.contains(&code)
        }
    };
    let full = nik(4321);
    assert!(
        finds("4321".into()).await,
        "the last four, as lists show them"
    );
    assert!(finds(full.clone()).await, "the whole NIK, from the KK");
    assert!(finds("budi".into()).await, "the name");
    for tail in [&full[15..], &full[13..], &full[11..], &full[1..]] {
        assert!(!finds(tail.to_string()).await, "{tail} matches nothing");
    }
}

/// Item 13: `a@b.c\r\nBcc: …` was stored as an e-mail address.
async fn an_email_address_is_parsed_not_guessed(app: TestApp) {
    let before = app.written().await;
    for bad in [
        "a@b.co\r\nBcc: x@evil.example",
        "a@b",
        "\"a b\"@example.com",
    ] {
        let r = app
            .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("email", bad))
            .await;
        let e = error_of(r, 422, bad).await;
        assert_eq!(e["field"], "email", "{bad:?}: {e}");
    }
    assert_eq!(app.written().await, before);
    app.book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("email", "budi@gmail.com"))
        .await;
}

/// Item 5: a 28 KB iCalendar file with `BEGIN:VEVENT` nested 2,000 deep overflowed the
/// parser's stack and aborted the whole process. Run against a real process: an abort
/// here would end the test binary, not fail one test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_calendar_is_a_422_and_the_server_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("rekam.db").display());
    let server = Server::start(&db, &["--demo"]);
    let admin = server
        .banner
        .iter()
        .find(|l| l.contains("demo-admin"))
        .expect("the demo prints an admin login")
        .split("API token")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let plain = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}{}END:VCALENDAR\r\n",
        "BEGIN:VEVENT\r\n".repeat(2000),
        "END:VEVENT\r\n".repeat(2000)
    );
    assert!(plain.len() < 64 * 1024, "a small file");
    // The same, each line folded (RFC 5545): the parser unfolds them, so must the check.
    let folded = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}{}END:VCALENDAR\r\n",
        "BEG\r\n IN:VEVENT\r\n".repeat(6000),
        "EN\r\n D:VEVENT\r\n".repeat(6000)
    );
    let client = reqwest::Client::new();
    for ics in [plain, folded] {
        let r = client
            .put(format!(
                "{}/api/v1/staff/holidays/2027?dry_run=true",
                server.base
            ))
            .bearer_auth(&admin)
            .header("Content-Type", "text/calendar")
            .body(ics)
            .send()
            .await
            .expect("an answer, not a dead process");
        assert_eq!(r.status(), 422);
    }
    let r = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "every office is still served");
}

/// Item 3: behind a dual-stack socket (`--bind [::]:PORT`) IPv4 clients arrive as
/// `::ffff:a.b.c.d`, and the /64 grouping made all of them one client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv4_clients_of_a_dual_stack_socket_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("rekam.db").display());
    let mut command = rekam(&db);
    command.env("REKAM_BOOKINGS_PER_HOUR", "2");
    command.env("REKAM_RATE_LIMIT_EXEMPT", "127.0.0.9/32");
    let server = Server::start_on(command, "[::]:0", &["--demo"]);
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let from = |last: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, last]))
            .build()
            .unwrap()
    };
    let base = format!("http://127.0.0.1:{port}");
    // A real slot of the demo office on the real clock.
    let a: Value = from(2)
        .get(format!("{base}/api/v1/offices/ciruas/availability"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slot = a["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .find(|s| {
            let start = chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap();
            s["remaining"].as_u64().unwrap() >= 6
                && start > chrono::Utc::now() + chrono::Duration::hours(1)
        })
        .expect("a slot with room")["start"]
        .as_str()
        .unwrap()
        .to_string();
    let born = "2000-05-07";
    let nik_of = |n: u32| format!("360405070500{n:04}");
    let book = |client: reqwest::Client, n: u32| {
        let (url, slot) = (format!("{base}/api/v1/bookings"), slot.clone());
        let form = BookingForm::new(&slot, &nik_of(n))
            .set("birth_date", born)
            .set("certificate_kind", "surat_sehat")
            .set(
                "certificate_issued_at",
                &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        async move {
            client
                .post(url)
                .multipart(form.multipart())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(book(from(2), 1).await, 201);
    assert_eq!(book(from(2), 2).await, 201);
    assert_eq!(book(from(2), 3).await, 429, "127.0.0.2 used its two");
    assert_eq!(book(from(3), 4).await, 201, "127.0.0.3 is someone else");
    for n in 5..8 {
        assert_eq!(book(from(9), n).await, 201, "an exempt IPv4 network");
    }
    // The audit log names the IPv4 address.
    drop(server);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let origins: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT origin FROM audit_log WHERE action = 'booking.create'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(!origins.is_empty());
    for (o,) in origins {
        let o = o.unwrap_or_default();
        assert!(o.starts_with("127.0.0."), "an IPv4 origin: {o}");
    }
}

/// Items 3 and 4: behind a proxy, `X-Forwarded-For` arrives over several header lines
/// (HAProxy's `option forwardfor` adds a line of its own) and may carry IPv4-mapped
/// addresses: all lines are one list, and `::ffff:a.b.c.d` is `a.b.c.d`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_over_several_lines_is_one_list() {
    let app = spawn_with(
        Db::Sqlite,
        rekam::config::Settings {
            lookups_per_minute: 2,
            trust_forwarded_for: true,
            ..test_settings()
        },
    )
    .await
    .unwrap();
    let find = |lines: Vec<String>| {
        let (client, url) = (app.client.clone(), app.url("/find"));
        async move {
            let mut r = client.post(url);
            for l in lines {
                r = r.header("X-Forwarded-For", l);
            }
            r.form(&[
                ("code", "ABCDEFGH"),
                ("nik", &nik(1)),
                ("birth_date", "2009-05-07"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        }
    };
    // The client writes its own first line; the proxy adds the address it saw.
    for (i, expected) in [(1, 200), (2, 200), (3, 429)] {
        let got = find(vec![format!("10.9.9.{i}"), "203.0.113.7".into()]).await;
        assert_eq!(got, expected, "try {i}: the proxy's line counts");
    }
    // An IPv4-mapped address is the IPv4 address: the same client.
    assert_eq!(find(vec!["::ffff:203.0.113.7".into()]).await, 429);
    // And IPv4 clients are not one IPv6 /64.
    assert_eq!(find(vec!["::ffff:203.0.113.8".into()]).await, 200);
}

/// A login through the form from `from` (the proxy's `X-Forwarded-For`), with the cookies
/// given; its status and its `Set-Cookie` pairs.
async fn login_from(
    app: &TestApp,
    from: &str,
    username: &str,
    password: &str,
    cookies: &str,
) -> (u16, Option<u64>, Vec<String>) {
    let mut r = app
        .client
        .post(app.url("/staff/login"))
        .header("X-Forwarded-For", from)
        .form(&[("username", username), ("password", password)]);
    if !cookies.is_empty() {
        r = r.header("Cookie", cookies);
    }
    let r = r.send().await.unwrap();
    let wait = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    (r.status().as_u16(), wait, set)
}

/// Item 2: logins from one IPv6 /64 counted each address apart (12 never saw a 429), and
/// nothing limited guesses at one account from many addresses. The delays must not lock
/// the account's own staff out: a browser that signed in before is not held back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guesses_are_limited_per_64_and_per_account_but_staff_get_in() {
    let app = spawn_with(
        Db::Sqlite,
        rekam::config::Settings {
            trust_forwarded_for: true,
            logins_per_minute: 10,
            ..test_settings()
        },
    )
    .await
    .unwrap();
    app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    // One /64, a new address for every try.
    let mut statuses = Vec::new();
    for i in 1..=12 {
        let from = format!("2001:db8:1:1::{i:x}");
        statuses.push(
            login_from(&app, &from, &format!("nobody-{i}"), "wrong password", "")
                .await
                .0,
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses[10..], [429, 429], "{statuses:?}");
    // The officer signs in on the office's browser: it is remembered.
    let (status, _, set) =
        login_from(&app, "10.1.0.1", "loket-1", "a long test password", "").await;
    assert_eq!(status, 303);
    let device = set
        .iter()
        .find(|c| c.starts_with("rekam_device="))
        .expect("a device cookie")
        .clone();
    // Guesses at the account from many addresses: five, then delays that grow.
    for i in 1..=5 {
        let (s, _, _) = login_from(&app, &format!("10.2.0.{i}"), "loket-1", "guess", "").await;
        assert_eq!(s, 401, "guess {i}");
    }
    let (s, wait, _) = login_from(&app, "10.2.0.6", "loket-1", "guess", "").await;
    assert_eq!(s, 429, "the sixth guess waits");
    assert!(wait.is_some_and(|w| w >= 1), "Retry-After");
    // Even with the right password, a new browser waits (the delay is the account's) …
    let (s, _, _) = login_from(&app, "10.3.0.1", "loket-1", "a long test password", "").await;
    assert_eq!(s, 429, "no password is checked during the delay");
    // … but the office's browser gets in at once.
    let (s, _, _) = login_from(&app, "10.1.0.1", "loket-1", "a long test password", &device).await;
    assert_eq!(s, 303, "a browser that signed in before is not locked out");
    // The delays grow: after the wait, one more guess, and the next wait is longer.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, _, _) = login_from(&app, "10.2.0.7", "loket-1", "guess", "").await;
    assert_eq!(s, 401);
    let (s, wait, _) = login_from(&app, "10.2.0.8", "loket-1", "guess", "").await;
    assert_eq!(s, 429);
    assert!(wait.is_some_and(|w| w >= 2), "a longer wait: {wait:?}");
}

/// Item 2: a lookup had no limit of its own per booking; guesses at one NIK's birth date
/// (a lost-link request, issue 22) from many addresses would go on for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_link_requests_for_one_nik_are_limited_from_every_address() {
    let app = spawn_with(
        Db::Sqlite,
        rekam::config::Settings {
            trust_forwarded_for: true,
            ..test_settings()
        },
    )
    .await
    .unwrap();
    let mut statuses = Vec::new();
    for i in 1..=12 {
        let r = app
            .client
            .post(app.url("/find"))
            .header("X-Forwarded-For", format!("10.4.{i}.1"))
            .form(&[
                // One NIK, its birth date guessed: a day of 2009 each time.
                ("nik", nik(1).as_str()),
                ("birth_date", &format!("2009-05-{i:02}")),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    // Three an hour for one NIK (each match adds a link and sends a message).
    assert!(statuses[..3].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    // Another NIK is not held back.
    let r = app
        .client
        .post(app.url("/find"))
        .header("X-Forwarded-For", "10.4.99.1")
        .form(&[("nik", nik(2).as_str()), ("birth_date", "2009-05-07")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Kilobytes of a process's memory: (resident now, peak resident).
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Item 2: every login ran Argon2 (about 19 MiB) with no cap on how many at once: 60
/// concurrent logins took the server from 78 MB to 1.18 GB. The peak under 80 concurrent
/// logins stays within 400 MB of idle, and every answer is a 401 or a 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eighty_concurrent_logins_keep_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("rekam.db").display());
    let mut command = rekam(&db);
    command.env("REKAM_LOGINS_PER_MINUTE", "1000");
    let server = Server::start_with(command, &[]);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |i: usize| {
        let (client, base) = (client.clone(), server.base.clone());
        async move {
            client
                .post(format!("{base}/staff/login"))
                .header("Origin", &base)
                .form(&[
                    ("username", format!("guess-{i}")),
                    ("password", "x".repeat(12)),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(login(0).await, 401, "warm");
    let (idle, _) = memory_kb(server.pid());
    let all = futures_util::future::join_all((1..=80).map(login)).await;
    let (_, peak) = memory_kb(server.pid());
    assert!(
        all.iter().all(|s| *s == 401 || *s == 429),
        "401 or 429 only: {all:?}"
    );
    let grew_mb = peak.saturating_sub(idle) / 1024;
    eprintln!(
        "idle {} MB, peak {} MB under 80 logins",
        idle / 1024,
        peak / 1024
    );
    assert!(grew_mb < 400, "peak {grew_mb} MB above idle");
}

/// Item 8: with 256 file descriptors, 366 idle sockets made `/healthz` time out. Now the
/// oldest idle connections make room, per address and in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_cannot_starve_the_server_of_connections() {
    let (_dir, server) = with_256_descriptors();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for _ in 0..366 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    for _ in 0..3 {
        let r = client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("healthz answers while 366 idle sockets are open");
        assert_eq!(r.status(), 200);
    }
    // The server closed idle connections to make room: most of them read an end.
    let mut closed = 0;
    for s in &mut idle {
        let mut buf = [0u8; 1];
        use tokio::io::AsyncReadExt;
        if let Ok(Ok(0)) =
            tokio::time::timeout(std::time::Duration::from_millis(20), s.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert!(
        closed > 366 - 256,
        "only {closed} idle sockets were closed, with 256 descriptors"
    );
    drop(idle);
    // Sockets that ask for large answers and never read them: each connection's answer
    // stops in the kernel's buffers. Closed to make room, they must be closed at once, not
    // gracefully (which waits for the answer to be written).
    let mut stuck = Vec::new();
    let pipelined = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(60);
    for _ in 0..400 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(2048).unwrap();
        let Ok(mut s) = socket.connect(addr.parse().unwrap()).await else {
            continue;
        };
        use tokio::io::AsyncWriteExt;
        let _ = s.write_all(pipelined.as_bytes()).await;
        stuck.push(s);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for _ in 0..3 {
        let r = client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("healthz answers while 400 sockets do not read their answers");
        assert_eq!(r.status(), 200);
    }
}

/// A PDF around `body`, with `stream` (zlib-compressed) as an object stream when given.
fn pdf_with(body: &str, object_stream: Option<&str>) -> Vec<u8> {
    use std::io::Write;
    let mut out =
        format!("%PDF-1.5\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n{body}\n").into_bytes();
    if let Some(objects) = object_stream {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(objects.as_bytes()).unwrap();
        let data = z.finish().unwrap();
        out.extend_from_slice(
            format!(
                "5 0 obj<</Type/ObjStm/N 1/First 5/Filter/FlateDecode/Length {}>>stream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }
    out.extend_from_slice(b"trailer<</Root 1 0 R>>\n%%EOF\n");
    out
}

/// Item 7: `/S/J#61vaScript`, `/S/L#61unch`, JavaScript inside a Flate-compressed object
/// stream, and `/URI` actions passed the byte scan.
async fn pdf_actions_hidden_from_a_byte_scan_are_refused(app: TestApp) {
    let before = app.written().await;
    for (what, file) in [
        (
            "a name escape",
            pdf_with("3 0 obj<</S/J#61vaScript/JS(app.alert(1))>>endobj", None),
        ),
        (
            "a launch",
            pdf_with("3 0 obj<</S/L#61unch/F(cmd.exe)>>endobj", None),
        ),
        (
            "a link",
            pdf_with("3 0 obj<</S/URI/URI(http://evil.example/)>>endobj", None),
        ),
        (
            "an object stream",
            pdf_with("", Some("6 0 <</S/JavaScript/JS(app.alert(1))>>")),
        ),
        (
            "an object stream under a filter not read",
            pdf_with(
                "5 0 obj<</Type/ObjStm/N 1/First 4/Filter/AHx/Length 4>>stream\n3c3c\nendstream\nendobj",
                None,
            ),
        ),
        (
            "an attachment",
            pdf_with(
                "3 0 obj<</Type/Annot/Subtype/FileAttachment/FS<</EF<</F 9 0 R>>>>>>endobj",
                None,
            ),
        ),
    ] {
        let r = app
            .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).file(
                file,
                "surat.pdf",
                "application/pdf",
            ))
            .await;
        let e = error_of(r, 415, what).await;
        assert_eq!(e["field"], "certificate", "{what}: {e}");
    }
    assert_eq!(app.written().await, before, "nothing was written");
    // A PDF whose compressed objects hold only a page is taken.
    let plain = pdf_with("", Some("6 0 <</Type/Page/Parent 2 0 R>>"));
    app.book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).file(
        plain,
        "surat.pdf",
        "application/pdf",
    ))
    .await;
}

/// Item 10: `idempotency_keys.body` kept the plaintext manage token for 24 hours. A
/// replay now carries a fresh token for the same booking; both links work.
async fn an_idempotency_key_keeps_no_manage_token_in_the_clear(app: TestApp) {
    let form = BookingForm::new(&wib(12, 1, 8, 0), &nik(1));
    let send = || {
        app.client
            .post(app.url("/api/v1/bookings"))
            .header("Idempotency-Key", "0b5e3c1e-19a0-4c4f-9a53-5f0c0d3c1910")
            .multipart(form.multipart())
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let token = first["token"].as_str().unwrap().to_string();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT body FROM idempotency_keys")
        .fetch_all(app.db().await)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].0.contains(&token),
        "the token is not kept in the clear"
    );
    assert!(!stored[0].0.contains("\"token\""), "{}", stored[0].0);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 201);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["code"], first["code"], "the same booking");
    let fresh = again["token"].as_str().unwrap();
    assert_ne!(fresh, token, "a fresh token");
    assert!(again["manage_url"].as_str().unwrap().ends_with(fresh));
    let code = first["code"].as_str().unwrap();
    for t in [token.as_str(), fresh] {
        let r = app.get_booking(code, t).await;
        assert_eq!(r.status(), 200, "both links lead to the booking");
    }
    assert_eq!(app.get_booking(code, "not-a-token").await.status(), 404);
    assert_eq!(app.count("bookings").await, 1);
    // Sent without end, the booking keeps ten extra links at most.
    for _ in 0..15 {
        assert_eq!(send().await.unwrap().status(), 201);
    }
    assert_eq!(app.count("booking_tokens").await, 10);
    // Answers kept before (with the token in them) lose it to migration 20's statement.
    sqlx::query(
        "INSERT INTO idempotency_keys (key, scope, status, body, created_at, request_hash) \
         VALUES ('legacy', 'bookings.create', 201, $1, 0, 'x')",
    )
    .bind(r#"{"booking":{"code":"ABCDEFGH"},"token":"legacy-secret","timezone":"Asia/Jakarta"}"#)
    .execute(app.db().await)
    .await
    .unwrap();
    let engine = if app.database_url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let migration = std::fs::read_to_string(format!(
        "{}/migrations/{engine}/20261207000020_booking_tokens.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let scrub = migration
        .lines()
        .find(|l| l.starts_with("update idempotency_keys"))
        .unwrap();
    sqlx::query(scrub).execute(app.db().await).await.unwrap();
    let (body,): (String,) =
        sqlx::query_as("SELECT body FROM idempotency_keys WHERE key = 'legacy'")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert!(!body.contains("legacy-secret"), "{body}");
    assert!(body.contains("ABCDEFGH"), "the rest stays: {body}");
}

/// An app with phone verification on (a webhook receiver as its gateway), behind a
/// trusted proxy so that a test can speak from several client addresses.
async fn verifying_behind_proxy(
    db: Db,
) -> Option<(
    TestApp,
    std::sync::Arc<std::sync::Mutex<crate::outbox::Inbox>>,
)> {
    let (url, inbox) = crate::outbox::receiver(0).await;
    let settings = rekam::config::Settings {
        verify_phone: true,
        verify_codes_per_hour: 5,
        notify_webhook_url: url,
        notify_webhook_secret: crate::outbox::SECRET.to_string(),
        public_url: "https://rekam.example.go.id".to_string(),
        trust_forwarded_for: true,
        ..crate::helpers::test_settings()
    };
    Some((spawn_with(db, settings).await?, inbox))
}

/// Books from the client address `from`.
async fn book_from(app: &TestApp, from: &str, form: &BookingForm) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/bookings"))
        .header("X-Forwarded-For", from)
        .multipart(form.multipart())
        .send()
        .await
        .unwrap()
}

/// Joins the waiting list for 1–2 December from `from`.
async fn wait_from(app: &TestApp, from: &str, n: u32, phone: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/offices/ciruas/waitlist"))
        .header("X-Forwarded-For", from)
        .multipart(
            BookingForm::new("", &nik(n))
                .set("phone", phone)
                .without("slot_start")
                .set("from_date", "2026-12-01")
                .set("to_date", "2026-12-02")
                .multipart(),
        )
        .send()
        .await
        .unwrap()
}

crate::both_databases!(
    setup = |db| super::verifying_behind_proxy(db);
    a_waiting_list_entry_made_on_the_page_is_told_what_its_code_does,
    the_waiting_list_goes_through_phone_verification,
    the_owner_of_a_nik_wins_against_squatters,
    holds_of_one_nik_verified_at_once_give_one_booking,
);

type Inbox = std::sync::Arc<std::sync::Mutex<crate::outbox::Inbox>>;

/// Item 1: with `--verify-phone`, the waiting list took entries with no code, offered
/// them a free seat at once, and `claim` confirmed it; the route also held a stranger's
/// NIK. Now an entry waits for its phone like a booking: no seat, no offer, no queue
/// place and no hold on the NIK until the code is entered; then a claim is one step.
async fn the_waiting_list_goes_through_phone_verification((app, inbox): (TestApp, Inbox)) {
    use crate::verification::{code_sent, status_of, verify};
    let before = app.remaining("ciruas", &wib(12, 1, 8, 0)).await;
    let r = wait_from(&app, "10.5.0.1", 1, "081255500001").await;
    assert_eq!(r.status(), 201);
    let entry: Value = r.json().await.unwrap();
    assert_eq!(entry["status"], "pending_verification", "{entry}");
    assert!(entry["verify_by"].is_string());
    assert!(entry["offer"].is_null(), "no seat before the code: {entry}");
    assert_eq!(app.remaining("ciruas", &wib(12, 1, 8, 0)).await, before);
    let (code, token) = (
        entry["code"].as_str().unwrap(),
        entry["token"].as_str().unwrap(),
    );
    // No claim without the code.
    let r = app.post_booking_action(code, token, "claim", None).await;
    assert_eq!(r.status(), 409, "nothing to claim");
    // It holds no NIK: the owner books with their own phone.
    let own = book_from(
        &app,
        "10.5.0.2",
        &BookingForm::new(&wib(12, 1, 9, 0), &nik(1)).set("phone", "081255500099"),
    )
    .await;
    assert_eq!(
        own.status(),
        201,
        "a stranger's entry does not block the NIK"
    );
    // The code reached the entry's phone; entering it puts the entry on the list, and
    // with seats free it is offered one at once: the claim is one step.
    let sent = code_sent(&inbox, code).await;
    let r = verify(&app, &entry, &sent).await;
    assert_eq!(r.status(), 200);
    let on_list = status_of(&app, &entry).await;
    assert_eq!(on_list["status"], "waitlisted", "{on_list}");
    assert!(!on_list["offer"].is_null(), "offered at once: {on_list}");
    let r = app.post_booking_action(code, token, "claim", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, &entry).await["status"], "confirmed");
    // The owner's hold of the same NIK ended with that verification (one booking a NIK).
    let own: Value = own.json().await.unwrap();
    assert_eq!(status_of(&app, &own).await["status"], "cancelled");
    // An entry never verified ends at its deadline, having held nothing.
    let late: Value = wait_from(&app, "10.5.0.3", 2, "081255500002")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(late["status"], "pending_verification");
    app.advance_and_sweep(chrono::Duration::minutes(16)).await;
    assert_eq!(status_of(&app, &late).await["status"], "cancelled");
    app.assert_counters_agree("ciruas").await;
}

/// Item 6: anyone who knows a NIK could block its owner (409), use up the owner's phone
/// codes with five bookings, and cancel the owner's pending booking with one of their
/// own. Now the owner wins: a verified phone outranks unverified holds, codes are counted
/// per phone and asking address, the 409 says how to resolve it, and the desk can end a
/// squatter's booking.
async fn the_owner_of_a_nik_wins_against_squatters((app, inbox): (TestApp, Inbox)) {
    use crate::verification::{code_sent, status_of, verify};
    let slot = wib(12, 1, 8, 0);
    let (owner_phone, owner_at, attacker_at) = ("081266600001", "10.6.0.1", "10.7.0.1");
    let mine = |n: u32| BookingForm::new(&slot, &nik(n)).set("phone", owner_phone);
    // A stranger holds the owner's NIK with the stranger's phone …
    let squat = book_from(&app, attacker_at, &mine(1).set("phone", "081277700001")).await;
    assert_eq!(squat.status(), 201);
    let squat: Value = squat.json().await.unwrap();
    // … and another hold with the owner's own NIK and phone: the owner's hold is not
    // cancelled by it.
    let owners = book_from(&app, owner_at, &mine(1)).await;
    assert_eq!(owners.status(), 201, "not a dead end");
    let owners: Value = owners.json().await.unwrap();
    let fake = book_from(&app, attacker_at, &mine(1)).await;
    assert_eq!(fake.status(), 201);
    assert_eq!(
        status_of(&app, &owners).await["status"],
        "pending_verification"
    );
    // More holds of the owner's NIK with made-up phones, from the stranger's address: they
    // end only that address's own older holds, never the owner's.
    for k in 2..6 {
        let form = mine(1)
            .set("phone", &format!("08127770000{k}"))
            .set("slot_start", &wib(12, 1, 10, 0));
        assert_eq!(book_from(&app, attacker_at, &form).await.status(), 201);
    }
    assert_eq!(
        status_of(&app, &owners).await["status"],
        "pending_verification",
        "the owner's hold stays"
    );
    // Five bookings with the owner's phone from the stranger's address (one above) use
    // up only that address's codes for the phone.
    let elsewhere = |n: u32| mine(n).set("slot_start", &wib(12, 1, 9, 0));
    for n in 10..14 {
        assert_eq!(
            book_from(&app, attacker_at, &elsewhere(n)).await.status(),
            201,
            "{n}"
        );
    }
    let r = book_from(&app, attacker_at, &elsewhere(14)).await;
    assert_eq!(r.status(), 429, "five codes to one phone from one address");
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "phone");
    // The owner verifies: theirs is the NIK's booking, every other hold of it ends.
    let code = code_sent(&inbox, owners["code"].as_str().unwrap()).await;
    assert_eq!(verify(&app, &owners, &code).await.status(), 200);
    assert_eq!(status_of(&app, &owners).await["status"], "confirmed");
    assert_eq!(status_of(&app, &squat).await["status"], "cancelled");
    // Strangers at four more addresses each use up their own codes to the owner's phone …
    for a in 2..6u32 {
        let from = format!("10.7.0.{a}");
        for k in 0..6u32 {
            let n = 40 + a * 10 + k;
            let form = mine(n).set("slot_start", &wib(12, 2, 8 + (n % 6), 0));
            let expected = if k < 5 { 201 } else { 429 };
            assert_eq!(
                book_from(&app, &from, &form).await.status(),
                expected,
                "{from} #{k}"
            );
        }
    }
    // … and the owner's phone still gets codes for the owner's own NIK and address.
    assert_eq!(
        book_from(&app, owner_at, &elsewhere(20)).await.status(),
        201
    );
    // Now the NIK is held: a 409 that tells how to resolve it, and nothing of the booking.
    let r = book_from(&app, attacker_at, &mine(1).set("phone", "081277700009")).await;
    let e = error_of(r, 409, "the NIK is held").await;
    assert_eq!(e["error"], "active_booking_exists");
    let said = e["message"].as_str().unwrap();
    assert!(said.contains("KK"), "{said}");
    assert!(
        !said.contains("08:00") && !said.contains("Ciruas"),
        "{said}"
    );
    // A stranger who verifies their own phone with someone's NIK squats it; the owner,
    // with the KK at the desk, has the desk end it, and books.
    let stolen: Value = book_from(
        &app,
        attacker_at,
        &BookingForm::new(&slot, &nik(30)).set("phone", "081277700030"),
    )
    .await
    .json()
    .await
    .unwrap();
    let code = code_sent(&inbox, stolen["code"].as_str().unwrap()).await;
    assert_eq!(verify(&app, &stolen, &code).await.status(), 200);
    let r = book_from(
        &app,
        owner_at,
        &BookingForm::new(&slot, &nik(30)).set("phone", "081266600030"),
    )
    .await;
    assert_eq!(r.status(), 409);
    let desk = app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    let cancel = |body: Value| {
        app.client
            .post(app.url(&format!(
                "/api/v1/staff/bookings/{}/cancel",
                stolen["code"].as_str().unwrap()
            )))
            .bearer_auth(&desk)
            .json(&body)
            .send()
    };
    let e = error_of(
        cancel(json!({"reason": " "})).await.unwrap(),
        422,
        "a reason",
    )
    .await;
    assert_eq!(e["field"], "reason");
    let r = cancel(json!({"reason": "Pemilik NIK datang dengan KK asli"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    let r = book_from(
        &app,
        owner_at,
        &BookingForm::new(&slot, &nik(30)).set("phone", "081266600030"),
    )
    .await;
    assert_eq!(
        r.status(),
        201,
        "the owner books after the desk ended the squat"
    );
    let (detail,): (String,) = sqlx::query_as(
        "SELECT a.detail FROM audit_log a JOIN bookings b ON b.id = a.booking_id \
         WHERE a.action = 'booking.cancel' AND b.code = $1",
    )
    .bind(stolen["code"].as_str().unwrap())
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert!(detail.contains("KK"), "{detail}");
    app.assert_counters_agree("ciruas").await;
}

/// Item 6, under concurrency: however many holds of one NIK are verified at the same
/// moment, exactly one becomes its booking and the others end, their seats freed.
async fn holds_of_one_nik_verified_at_once_give_one_booking((app, inbox): (TestApp, Inbox)) {
    use crate::verification::{code_sent, status_of, verify};
    let slot = wib(12, 1, 8, 0);
    for round in 0..4u32 {
        let n = 100 + round;
        let mut holds = Vec::new();
        for k in 0..3u32 {
            let form =
                BookingForm::new(&slot, &nik(n)).set("phone", &format!("08128880{round}{k:03}"));
            let r = book_from(&app, &format!("10.8.{round}.{k}"), &form).await;
            assert_eq!(r.status(), 201);
            let b: Value = r.json().await.unwrap();
            let code = code_sent(&inbox, b["code"].as_str().unwrap()).await;
            holds.push((b, code));
        }
        let answers =
            futures_util::future::join_all(holds.iter().map(|(b, code)| verify(&app, b, code)))
                .await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| [200, 409].contains(s)),
            "{statuses:?}"
        );
        let mut confirmed = 0;
        for (b, _) in &holds {
            match status_of(&app, b).await["status"].as_str().unwrap() {
                "confirmed" => confirmed += 1,
                "cancelled" => {}
                other => panic!("a hold left {other}"),
            }
        }
        assert_eq!(confirmed, 1, "round {round}");
    }
    app.assert_counters_agree("ciruas").await;
    assert_eq!(
        app.remaining("ciruas", &slot).await,
        2,
        "four bookings, no stray seat"
    );
}

both_databases!(
    settings = rekam::config::Settings {
        public_url: "https://rekam.example.go.id".to_string(),
        allowed_hosts: vec!["rekam.internal:8080".to_string()],
        ..crate::helpers::test_settings()
    };
    only_the_configured_host_names_are_served
);

both_databases!(sessions_idle_out_and_a_password_change_asks_for_the_old_one);

/// Item 14: DNS rebinding reached `/metrics` and the login under any host name.
async fn only_the_configured_host_names_are_served(app: TestApp) {
    let with_host = |host: &'static str, path: &'static str| {
        let (client, url) = (app.client.clone(), app.url(path));
        async move {
            client
                .get(url)
                .header("Host", host)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(with_host("evil.example", "/metrics").await, 421);
    assert_eq!(with_host("evil.example", "/staff/login").await, 421);
    assert_eq!(with_host("rekam.example.go.id", "/metrics").await, 200);
    assert_eq!(with_host("rekam.internal:8080", "/healthz").await, 200);
    assert_eq!(with_host("rekam.internal:9999", "/healthz").await, 421);
    assert_eq!(
        with_host("localhost:8080", "/healthz").await,
        200,
        "loopback"
    );
}

/// Item 14: staff sessions lasted 12 hours however long unused, and a password could be
/// changed without the current one.
async fn sessions_idle_out_and_a_password_change_asks_for_the_old_one(app: TestApp) {
    // A session used now and then lives on; thirty minutes unused, it has ended.
    app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    let (_, cookie) = crate::security::log_in(&app, "loket-1").await;
    let page = |cookie: String| {
        let (client, url) = (app.client.clone(), app.url("/staff/offices/ciruas/desk"));
        async move {
            client
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(page(cookie.clone()).await, 200);
    app.advance_and_sweep(chrono::Duration::minutes(29)).await;
    assert_eq!(page(cookie.clone()).await, 200, "used within the idle time");
    app.advance_and_sweep(chrono::Duration::minutes(29)).await;
    assert_eq!(page(cookie.clone()).await, 200);
    app.advance_and_sweep(chrono::Duration::minutes(31)).await;
    assert_eq!(page(cookie).await, 303, "thirty minutes unused: ended");
    // One's own password: the current one first.
    let (_, cookie) = crate::security::log_in(&app, "loket-1").await;
    let change = |current: &'static str| {
        let (client, url, cookie) = (
            app.client.clone(),
            app.url("/staff/account/password"),
            cookie.clone(),
        );
        async move {
            client
                .post(url)
                .header("Cookie", cookie)
                .form(&[
                    ("current_password", current),
                    ("password", "another long password"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = change("not my password").await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"e-current_password\"")
    );
    assert_eq!(page(cookie.clone()).await, 200, "nothing changed");
    let r = change("a long test password").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/login?m=password");
    assert_eq!(page(cookie).await, 303, "its sessions ended");
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("username", "loket-1"),
            ("password", "another long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the new password signs in");
    // An admin's own password is not changed on the accounts page.
    let (_, admin) = crate::security::log_in(&app, "test-admin").await;
    let r = app
        .client
        .post(app.url("/staff/accounts/test-admin"))
        .header("Cookie", &admin)
        .form(&[("action", "password"), ("password", "a new admin password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}

both_databases!(
    settings = rekam::config::Settings {
        admin_second_factor: true,
        ..crate::helpers::test_settings()
    };
    admins_sign_in_with_a_second_factor,
    a_desk_officer_may_set_up_a_second_factor_and_wrong_codes_meet_the_delays,
    guessing_the_password_on_the_account_page_meets_the_delays,
);

/// A login through the form, with cookies; its answer.
async fn post_login(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookies: &str,
) -> reqwest::Response {
    let mut r = app.client.post(app.url(path)).form(form);
    if !cookies.is_empty() {
        r = r.header("Cookie", cookies);
    }
    r.send().await.unwrap()
}

/// The `name=value` pair of the cookie `name` an answer sets.
fn cookie_of(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
}

/// Item 15: an admin account, which can read everything, signed in with a password alone.
/// Now it sets up TOTP at its first login and gives a code (or a one-time recovery code)
/// every time; a code is taken once; `rekam staff reset-2fa` removes it; others may set
/// one up on their account page.
async fn admins_sign_in_with_a_second_factor(app: TestApp) {
    let password = [
        ("username", "test-admin"),
        ("password", "a long test password"),
    ];
    let r = post_login(&app, "/staff/login", &password, "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/login/2fa");
    assert!(cookie_of(&r, "rekam_staff").is_none(), "no session yet");
    let pending = cookie_of(&r, "rekam_login").expect("a pending login");
    // The pending login is no session.
    let r = app
        .client
        .get(app.url("/staff"))
        .header("Cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/staff/login");
    // Setting up: a key and its QR code.
    let page = app
        .client
        .get(app.url("/staff/login/2fa"))
        .header("Cookie", &pending)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg"), "a QR code");
    let secret: String = page
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let code_now = |app: &TestApp| {
        let at = app.clock.now().timestamp() as u64;
        rekam::usecases::second_factor::code_at(&secret, at).unwrap()
    };
    let wrong = format!(
        "{:06}",
        (code_now(&app).parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let r = post_login(&app, "/staff/login/2fa", &[("code", &wrong)], &pending).await;
    assert_eq!(r.status(), 401);
    let r = post_login(
        &app,
        "/staff/login/2fa",
        &[("code", &code_now(&app))],
        &pending,
    )
    .await;
    assert_eq!(r.status(), 200, "set up: the recovery codes, once");
    let session = cookie_of(&r, "rekam_staff").expect("a session");
    let page = r.text().await.unwrap();
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{page}");
    let r = app
        .client
        .get(app.url("/staff/accounts"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Next time: password, then the code; the same code again is refused (taken once).
    let again = |code: String| {
        let app = &app;
        async move {
            let r = post_login(app, "/staff/login", &password, "").await;
            let pending = cookie_of(&r, "rekam_login").expect("a pending login");
            post_login(app, "/staff/login/2fa", &[("code", &code)], &pending).await
        }
    };
    let used = code_now(&app);
    let r = again(used.clone()).await;
    assert_eq!(r.status(), 401, "the code of a step already taken");
    app.advance_and_sweep(chrono::Duration::seconds(60)).await;
    let r = again(code_now(&app)).await;
    assert_eq!(r.status(), 303);
    assert!(cookie_of(&r, "rekam_staff").is_some());
    // A recovery code signs in once.
    let r = again(codes[0].to_lowercase()).await;
    assert_eq!(r.status(), 303, "a recovery code");
    let r = again(codes[0].clone()).await;
    assert_eq!(r.status(), 401, "once");
    // The command line removes the second factor (a lost phone and lost codes): the
    // sessions end, and the next login sets one up again.
    let out = rekam(&app.database_url)
        .args(["staff", "reset-2fa", "--username", "test-admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = app
        .client
        .get(app.url("/staff/accounts"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "its sessions ended");
    let r = post_login(&app, "/staff/login", &password, "").await;
    let pending = cookie_of(&r, "rekam_login").unwrap();
    let page = app
        .client
        .get(app.url("/staff/login/2fa"))
        .header("Cookie", &pending)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("totp-secret"), "set up again");
}

/// A desk officer needs no second factor and may set one up on the account page; wrong
/// codes then count towards the account's delays, as wrong passwords do.
async fn a_desk_officer_may_set_up_a_second_factor_and_wrong_codes_meet_the_delays(app: TestApp) {
    // A desk officer needs none, and may set one up on the account page.
    app.staff_token("loket-1", Role::Desk, Some("ciruas")).await;
    let desk = [
        ("username", "loket-1"),
        ("password", "a long test password"),
    ];
    let r = post_login(&app, "/staff/login", &desk, "").await;
    let session = cookie_of(&r, "rekam_staff").expect("signed in with the password alone");
    let page = app
        .client
        .get(app.url("/staff/account"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret: String = page
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let at = app.clock.now().timestamp() as u64;
    let code = rekam::usecases::second_factor::code_at(&secret, at).unwrap();
    let r = post_login(&app, "/staff/account/2fa", &[("code", &code)], &session).await;
    assert_eq!(r.status(), 200, "set up");
    let r = post_login(&app, "/staff/login", &desk, "").await;
    assert_eq!(
        r.headers()["location"],
        "/staff/login/2fa",
        "now with the code"
    );
    // Wrong codes count towards the account's delays, as wrong passwords do.
    let pending = cookie_of(&r, "rekam_login").unwrap();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            post_login(&app, "/staff/login/2fa", &[("code", "000000")], &pending)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
}

/// Guessing the current password on the account page (a stolen session) meets the
/// account's delays too.
async fn guessing_the_password_on_the_account_page_meets_the_delays(app: TestApp) {
    app.staff_token("loket-2", Role::Desk, Some("ciruas")).await;
    let other = [
        ("username", "loket-2"),
        ("password", "a long test password"),
    ];
    let signed = post_login(&app, "/staff/login", &other, "").await;
    let stolen = cookie_of(&signed, "rekam_staff").unwrap();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let guess = [("current_password", "a guess")];
        let r = post_login(&app, "/staff/account/2fa/off", &guess, &stolen).await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
    let right = [("current_password", "a long test password")];
    let late = post_login(&app, "/staff/account/2fa/off", &right, &stolen).await;
    assert_eq!(
        late.status(),
        429,
        "not even the right one during the delay"
    );
}

both_databases!(
    settings = rekam::config::Settings {
        admin_second_factor: true,
        ..crate::helpers::test_settings()
    };
    an_admin_sets_up_a_second_factor_and_the_desk_cancels_a_squatted_booking_in_chromium
);

/// Items 6 and 15 in Chromium, at a laptop's width without page scripts: the admin's first
/// login sets up the second factor (the key and its QR code, a labelled code field),
/// shows the recovery codes once, and lands on the staff pages; *My account* says it is on
/// and cannot be turned off; the desk page cancels a booking with a reason.
async fn an_admin_sets_up_a_second_factor_and_the_desk_cancels_a_squatted_booking_in_chromium(
    app: TestApp,
) {
    use crate::browser::{browser_with, click_to_next_page, log_in, screenshot, text};
    use fantoccini::Locator;
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let Some((_driver, c)) = browser_with(1280, 800, false).await else {
        return;
    };
    log_in(&c, &app, "test-admin").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/staff/login/2fa")
    );
    assert!(
        c.find(Locator::Css("#totp-qr svg")).await.is_ok(),
        "a QR code"
    );
    screenshot(&c, "19-second-factor-setup").await;
    let secret = text(&c, "#totp-secret").await.replace(' ', "");
    let label = text(&c, "label[for='f-code']").await;
    assert!(!label.is_empty(), "the code field has a label");
    let at = app.clock.now().timestamp() as u64;
    let code = rekam::usecases::second_factor::code_at(&secret, at).unwrap();
    type_in(&c, "#f-code", &code).await;
    click_to_next_page(&c, Locator::Id("second-submit")).await;
    screenshot(&c, "19-recovery-codes").await;
    let codes = text(&c, "#recovery-codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    click_to_next_page(&c, Locator::Id("continue")).await;
    assert!(text(&c, "main").await.contains("UPT Disdukcapil Ciruas"));
    c.goto(&app.url("/staff/account")).await.unwrap();
    assert!(
        text(&c, "#second-state")
            .await
            .contains("Sisa kode pemulihan: 10")
    );
    assert!(
        c.find(Locator::Id("second-off")).await.is_err(),
        "required for admins"
    );
    screenshot(&c, "19-my-account").await;
    // The desk cancels a booking whose NIK's owner came with the KK.
    c.goto(&app.url(&format!("/staff/bookings/{}", b["code"].as_str().unwrap())))
        .await
        .unwrap();
    type_in(&c, "#f-cancel_reason", "Pemilik NIK datang dengan KK asli").await;
    click_to_next_page(&c, Locator::Id("cancel-booking")).await;
    assert!(text(&c, "#desk-notice").await.contains("dibatalkan"));
    assert!(text(&c, "#booking-status").await.contains("KK asli"));
    c.close().await.unwrap();
}

/// Item 1 on the pages: an entry made on the waiting-list page with `--verify-phone` is
/// told that the code puts it on the list (it holds no seat), not that a seat is held, and
/// after the code that it is on the list.
async fn a_waiting_list_entry_made_on_the_page_is_told_what_its_code_does(
    (app, inbox): (TestApp, Inbox),
) {
    use crate::verification::code_sent;
    let form = BookingForm::new("", &nik(7))
        .set("phone", "081255500007")
        .without("slot_start")
        .set("from_date", "2026-12-01")
        .set("to_date", "2026-12-02")
        .set("guardian_consent", "true");
    let r = app
        .client
        .post(app.url("/o/ciruas/waitlist"))
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page_url = app.url(r.headers()["location"].to_str().unwrap());
    let page = app
        .client
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("agar Anda masuk daftar tunggu"), "{page}");
    assert!(!page.contains("kursi Anda ditahan"), "no seat is held");
    assert!(
        !page.contains("Anda masuk daftar tunggu.</p>"),
        "not on the list yet"
    );
    let code = page
        .split("id=\"booking-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let token = page_url
        .split("t=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let sent = code_sent(&inbox, &code).await;
    let r = app
        .client
        .post(app.url(&format!("/b/{code}/verify")))
        .form(&[("t", token.as_str()), ("code", sent.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = app
        .client
        .get(app.url(r.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Nomor HP terverifikasi. Anda masuk daftar tunggu."),
        "{page}"
    );
}

/// A refused upload took work to judge (a PDF is read and its object streams inflated):
/// forms refused for their file count towards the address's bookings of the hour, and an
/// address that has used them is refused before its file is judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_refused_for_their_file_count_towards_the_hourly_limit() {
    let app = spawn_with(
        Db::Sqlite,
        rekam::config::Settings {
            bookings_per_hour: 3,
            ..test_settings()
        },
    )
    .await
    .unwrap();
    let active = pdf_with("3 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj", None);
    for i in 0..3 {
        let r = app
            .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).file(
                active.clone(),
                "surat.pdf",
                "application/pdf",
            ))
            .await;
        assert_eq!(r.status(), 415, "try {i}");
    }
    let r = app
        .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    assert_eq!(r.status(), 429, "three refused uploads used the hour");
    // A form refused for anything else still does not count (another address here: the
    // limit is the same code).
    let other = spawn_with(
        Db::Sqlite,
        rekam::config::Settings {
            bookings_per_hour: 1,
            ..test_settings()
        },
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let r = other
            .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("nik", "123"))
            .await;
        assert_eq!(r.status(), 422);
    }
    other
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
}

/// An attacker's review: slow request bodies from one address (each above the minimum
/// rate, so none is cut off) took every connection of a server with 256 descriptors.
/// Now one address holds at most half of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_uploads_from_one_address_leave_room_for_others() {
    let (_dir, server) = with_256_descriptors();
    let addr: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let mut uploads = Vec::new();
    for _ in 0..200 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let Ok(mut s) = socket.connect(addr).await else {
            continue;
        };
        uploads.push(tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let head = "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: \
                        multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n";
            if s.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            // 1,200 bytes a second: above the minimum rate, far below the body.
            for _ in 0..20 {
                if s.write_all(&[b'x'; 300]).await.is_err() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    for _ in 0..3 {
        let r = other
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("another address is served while one holds slow uploads");
        assert_eq!(r.status(), 200);
    }
    for u in uploads {
        u.abort();
    }
}

/// An attacker's review: booking with a 5 MB file and cancelling, again and again, kept
/// every file for 30 days (about 150 MB an hour from one address). A cancelled booking's
/// file goes at once.
async fn a_cancelled_booking_keeps_no_file(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let kept = || async {
        let (n,): (i64,) =
            sqlx::query_as("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM certificates")
                .fetch_one(app.db().await)
                .await
                .unwrap();
        n
    };
    assert!(kept().await > 0);
    let r = app.post_booking_action(code, token, "cancel", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(kept().await, 0, "the file is gone");
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'retention.certificate_deleted'",
    )
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(n, 1, "and the audit log says so");
}

/// The server with 256 file descriptors (soft and hard), as a small office's box might
/// be set, on a SQLite file in the directory returned.
fn with_256_descriptors() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("rekam.db").display());
    let mut command = std::process::Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 256 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_rekam"),
        ])
        .env("DATABASE_URL", &db)
        .env("RUST_LOG", "error");
    (dir, Server::start_with(command, &[]))
}
