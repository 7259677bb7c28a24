//! What the README promises about the web layer: security headers on every answer, the
//! client address behind a proxy, and the staff session cookie.

use crate::both_databases;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

both_databases!(
    every_answer_carries_the_security_headers,
    staff_sessions_are_strict_cookies_stored_as_hashes,
    staff_forms_refuse_foreign_origins_and_apply_only_a_previewed_change,
    a_staff_session_ends_after_twelve_hours_however_often_it_is_used,
    another_site_can_neither_log_in_nor_out_and_logout_ends_the_session,
    the_language_switch_only_returns_to_this_site,
    nothing_personal_is_cached,
    failed_logins_are_audited_by_username,
    api_tokens_expire_and_revoking_ends_every_token_and_session,
);

/// API tokens last 90 days; `rekam staff revoke` ends all of an account's tokens and
/// sessions at once (API.md). Over plain HTTP no HSTS is sent.
async fn api_tokens_expire_and_revoking_ends_every_token_and_session(app: TestApp) {
    let token = app
        .staff_token(
            "sup-revoke",
            rekam::domain::Role::Supervisor,
            Some("ciruas"),
        )
        .await;
    let plan = |token: String| {
        app.client
            .get(app.url("/api/v1/staff/offices/ciruas/plan"))
            .bearer_auth(token)
            .send()
    };
    let r = plan(token.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("strict-transport-security").is_none());
    let (_, session) = log_in(&app, "sup-revoke").await;
    assert_eq!(staff_page(&app, &session).await.status(), 200);
    let out = rekam(&app.database_url)
        .args(["staff", "revoke", "--username", "sup-revoke"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        plan(token).await.unwrap().status(),
        401,
        "the token is revoked"
    );
    assert_eq!(
        staff_page(&app, &session).await.status(),
        303,
        "the session is over: back to the login"
    );
    // A new token works for 90 days, not 91.
    let fresh = rekam::usecases::accounts::issue_token(&app.store, "sup-revoke", app.clock.now())
        .await
        .unwrap();
    app.advance_and_sweep(chrono::Duration::days(89)).await;
    assert_eq!(plan(fresh.clone()).await.unwrap().status(), 200);
    app.advance_and_sweep(chrono::Duration::days(2)).await;
    assert_eq!(plan(fresh).await.unwrap().status(), 401, "expired");
}

async fn failed_logins_are_audited_by_username(app: TestApp) {
    for (username, password) in [("test-admin", "a wrong password"), ("no-such-user", "x")] {
        let r = app
            .client
            .post(app.url("/staff/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE action = 'staff.login_failed' ORDER BY id",
    )
    .fetch_all(app.db().await)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("staff.login_failed".to_string(), "test-admin".to_string()),
            ("staff.login_failed".to_string(), "no-such-user".to_string()),
        ]
    );
}

/// Pages and answers with personal data say `Cache-Control: no-store` (a shared phone's
/// browser or a proxy must not keep a manage page); only the stylesheet may be cached.
async fn nothing_personal_is_cached(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    for (path, api_token) in [
        (format!("/b/{code}?t={token}"), None),
        (format!("/b/{code}/calendar.ics?t={token}"), None),
        (format!("/api/v1/bookings/{code}"), Some(token)),
        ("/o/ciruas".to_string(), None),
        ("/staff/login".to_string(), None),
        ("/api/v1/offices/ciruas/availability".to_string(), None),
    ] {
        let mut req = app.client.get(app.url(&path));
        if let Some(t) = api_token {
            req = req.header("X-Booking-Token", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let css = app
        .client
        .get(app.url("/static/style.css"))
        .send()
        .await
        .unwrap();
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public"),
        "the stylesheet may be cached"
    );
}

/// `/lang/en?next=…` goes back to a page of this site and nowhere else, whatever `next`
/// holds (a browser drops tabs and newlines from a URL, so `/\t/evil.example` is
/// `//evil.example`: another host).
async fn the_language_switch_only_returns_to_this_site(app: TestApp) {
    for (next, to) in [
        ("/find", "/find"),
        ("/o/ciruas?x=1", "/o/ciruas?x=1"),
        ("/%09/evil.example/x", "/"),
        ("/%0a", "/"),
        ("/%0d%0aSet-Cookie:%20x=1", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%20/evil.example", "/"),
    ] {
        let r = app
            .client
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "next={next}");
        assert_eq!(r.headers()["location"], to, "next={next}");
        assert!(
            r.headers().get_all("set-cookie").iter().count() == 1,
            "next={next}"
        );
    }
}

/// The headers every answer must carry, whatever its status or type.
fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what} ({}): no {name}", r.status()))
            .to_string()
    };
    let csp = get("content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP {csp:?} lacks {directive}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(get("referrer-policy"), "same-origin", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
}

async fn every_answer_carries_the_security_headers(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 8, 0), &nik(1)))
        .await;
    let (code, token) = (b["code"].as_str().unwrap(), b["token"].as_str().unwrap());
    let mut big = tiny_png();
    big.resize(6 * 1024 * 1024, 0);
    let requests: Vec<(Method, String, Option<reqwest::RequestBuilder>)> = vec![
        (Method::GET, "/".into(), None),
        (Method::GET, "/o/ciruas".into(), None),
        (
            Method::GET,
            format!("/o/ciruas/book?slot={}", wib(11, 30, 9, 0)),
            None,
        ),
        (Method::GET, "/o/ciruas/waitlist".into(), None),
        (Method::GET, "/find".into(), None),
        (Method::GET, format!("/b/{code}?t={token}"), None),
        (
            Method::GET,
            format!("/b/{code}/calendar.ics?t={token}"),
            None,
        ),
        (Method::GET, format!("/b/{code}/cancel?t={token}"), None),
        (Method::GET, format!("/b/{code}/reschedule?t={token}"), None),
        (Method::GET, format!("/b/{code}?t=wrong"), None),
        (Method::GET, "/lang/en?next=/find".into(), None),
        (Method::GET, "/staff".into(), None),
        (Method::GET, "/staff/login".into(), None),
        (Method::GET, "/static/style.css".into(), None),
        (Method::GET, "/healthz".into(), None),
        (Method::GET, "/nothing/here".into(), None),
        (Method::GET, "/api/v1/openapi.json".into(), None),
        (Method::GET, "/api/v1/offices".into(), None),
        (
            Method::GET,
            "/api/v1/offices/ciruas/availability".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/offices/nowhere/availability".into(),
            None,
        ),
        (Method::GET, format!("/api/v1/bookings/{code}"), None),
        (Method::GET, "/api/v1/staff/level-rules".into(), None),
        (Method::GET, "/api/v1/nothing".into(), None),
        (
            Method::POST,
            "/api/v1/bookings".into(),
            Some(
                app.client
                    .post(app.url("/api/v1/bookings"))
                    .multipart(BookingForm::new("nonsense", &nik(2)).multipart()),
            ),
        ),
        (
            Method::POST,
            "/api/v1/bookings (too large)".into(),
            Some(
                app.client
                    .post(app.url("/api/v1/bookings"))
                    .header("content-type", "multipart/form-data; boundary=x")
                    .body(big),
            ),
        ),
        (
            Method::POST,
            "/o/ciruas/book".into(),
            Some(
                app.client
                    .post(app.url("/o/ciruas/book"))
                    .multipart(BookingForm::new("nonsense", &nik(2)).multipart()),
            ),
        ),
        (
            Method::POST,
            "/find".into(),
            Some(app.client.post(app.url("/find")).form(&[("code", "x")])),
        ),
        (
            Method::POST,
            "/staff/login".into(),
            Some(
                app.client
                    .post(app.url("/staff/login"))
                    .form(&[("username", "nobody"), ("password", "x")]),
            ),
        ),
        (
            Method::PUT,
            "/api/v1/admin/offices/ciruas".into(),
            Some(
                app.client
                    .put(app.url("/api/v1/admin/offices/ciruas"))
                    .json(&json!({})),
            ),
        ),
    ];
    let desk = app
        .staff_token("desk-headers", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let mut requests = requests;
    requests.push((
        Method::PUT,
        "/api/v1/admin/offices/ciruas (desk)".into(),
        Some(
            app.client
                .put(app.url("/api/v1/admin/offices/ciruas"))
                .bearer_auth(desk)
                .json(&demo_office()),
        ),
    ));
    requests.push((
        Method::POST,
        "/api/v1/bookings (the NIK has one)".into(),
        Some(
            app.client
                .post(app.url("/api/v1/bookings"))
                .multipart(BookingForm::new(&wib(11, 30, 9, 0), &nik(1)).multipart()),
        ),
    ));
    // Guessing lost links: the eleventh try in a minute is refused.
    for _ in 0..11 {
        requests.push((
            Method::POST,
            "/find (guessing)".into(),
            Some(app.client.post(app.url("/find")).form(&[
                ("code", "ABCDEFGH"),
                ("nik", &nik(1)),
                ("birth_date", "2009-05-07"),
            ])),
        ));
    }
    let mut statuses = std::collections::BTreeSet::new();
    for (method, path, request) in requests {
        let what = format!("{method} {path}");
        let request = request.unwrap_or_else(|| app.client.request(method, app.url(&path)));
        let r = request.send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{what}: {}", r.status());
        statuses.insert(r.status().as_u16());
        assert_security_headers(&r, &what);
    }
    // Success, redirects and the error kinds were all among them.
    for s in [200, 303, 401, 403, 404, 409, 413, 422, 429] {
        assert!(statuses.contains(&s), "{s} not seen: {statuses:?}");
    }
}

/// Starts a server with the settings, on SQLite.
async fn spawn_sqlite(settings: rekam::config::Settings) -> Option<TestApp> {
    spawn_with(Db::Sqlite, settings).await
}

async fn find(app: &TestApp, forwarded_for: &str) -> u16 {
    // A NIK of its own each time: only the address's allowance is tried here.
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    app.client
        .post(app.url("/find"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("nik", nik(n).as_str()), ("birth_date", "2009-05-07")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
    let limited = rekam::config::Settings {
        lookups_per_minute: 2,
        ..crate::helpers::test_settings()
    };
    // Without --trust-forwarded-for the header is the client's own word: changing it
    // does not buy more guesses.
    let direct = spawn_sqlite(limited.clone()).await.unwrap();
    assert_eq!(find(&direct, "10.0.0.1").await, 200);
    assert_eq!(find(&direct, "10.0.0.2").await, 200);
    assert_eq!(
        find(&direct, "10.0.0.3").await,
        429,
        "the peer address counts"
    );
    // Behind a proxy, each client address has its own allowance: the address the proxy
    // saw, which it appends last. What the client wrote before it is its own word:
    // rotating it buys nothing (it did, when the first entry counted).
    let proxied = spawn_sqlite(rekam::config::Settings {
        trust_forwarded_for: true,
        ..limited
    })
    .await
    .unwrap();
    assert_eq!(find(&proxied, "9.9.9.9, 10.0.0.1").await, 200);
    assert_eq!(find(&proxied, "8.8.8.8, 10.0.0.1").await, 200);
    assert_eq!(
        find(&proxied, "7.7.7.7, 10.0.0.1").await,
        429,
        "10.0.0.1 used its two, whatever it wrote before"
    );
    assert_eq!(
        find(&proxied, "10.0.0.2").await,
        200,
        "another client is not held back"
    );
    assert_eq!(
        find(&proxied, "not an address").await,
        200,
        "falls back to the peer"
    );
}

/// Logs in through the form; the Set-Cookie header and the session cookie pair.
pub(crate) async fn log_in(app: &TestApp, username: &str) -> (String, String) {
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[("username", username), ("password", "a long test password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "logged in and sent on");
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rekam_staff="))
        .expect("a session cookie");
    let pair = set.split(';').next().unwrap().trim().to_string();
    (set, pair)
}

async fn staff_page(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url("/staff/offices/ciruas"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// The session cookie: strict, HTTP-only, scoped to `/staff`, a working day long, not
/// `Secure` over plain HTTP; only a hash of its token is stored.
async fn staff_sessions_are_strict_cookies_stored_as_hashes(app: TestApp) {
    let (set, cookie) = log_in(&app, "test-admin").await;
    let attrs: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(
        cookie.starts_with("rekam_staff=") && cookie.len() > 30,
        "{set}"
    );
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/staff",
        "Max-Age=43200",
    ] {
        assert!(attrs.contains(&attr), "{attr} missing: {set}");
    }
    assert!(
        !attrs.contains(&"Secure"),
        "served over plain HTTP: a Secure cookie would never come back"
    );
    let page = staff_page(&app, &cookie).await;
    assert_eq!(page.status(), 200);
    // The session is a hashed token in the database: not the cookie's value.
    let value = cookie.trim_start_matches("rekam_staff=");
    let (stored,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM staff_tokens WHERE token_hash = $1")
            .bind(value)
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(stored, 0, "only a hash of the session token is stored");
}

/// Staff forms refuse another site's origin (and none at all), and "apply" applies only
/// the preview it was shown.
async fn staff_forms_refuse_foreign_origins_and_apply_only_a_previewed_change(app: TestApp) {
    let (_, cookie) = log_in(&app, "test-admin").await;
    // Forms refuse another site's Origin, with the session cookie and all, and a form
    // that names no origin at all (no Origin, no Referer) or `Origin: null`.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post_level = |origin: Option<String>| {
        let mut req = bare
            .post(app.url("/staff/offices/ciruas/level"))
            .header("Cookie", &cookie)
            .form(&[
                ("level", "3"),
                ("effective_from", "2026-12-01"),
                ("reason", "Inmendagri 22/2021"),
            ]);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        req.send()
    };
    let before = app.written().await;
    for foreign in [
        "http://evil.example".to_string(),
        format!("{}1", app.base),
        "null".to_string(),
    ] {
        let r = post_level(Some(foreign.clone())).await.unwrap();
        assert_eq!(r.status(), 403, "Origin {foreign}");
    }
    assert_eq!(
        post_level(None).await.unwrap().status(),
        403,
        "no Origin and no Referer: refused"
    );
    let with_referer = bare
        .post(app.url("/staff/offices/ciruas/level"))
        .header("Cookie", &cookie)
        .header("Referer", app.url("/staff/offices/ciruas"))
        .form(&[
            ("level", "3"),
            ("effective_from", "2026-12-01"),
            ("reason", "Inmendagri 22/2021"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(with_referer.status(), 200, "a Referer of this site will do");
    assert_eq!(
        before,
        app.written().await,
        "a refused form changes nothing"
    );
    let own = post_level(Some(app.base.clone())).await.unwrap();
    assert_eq!(own.status(), 200, "own origin: the preview");
    let preview_page = own.text().await.unwrap();
    // "Apply" needs the preview it applies: without the preview's plan version (a form
    // made elsewhere, or a preview gone stale) nothing is applied.
    let apply = |preview: Option<&str>| {
        let mut fields = vec![
            ("level", "3"),
            ("effective_from", "2026-12-01"),
            ("reason", "Inmendagri 22/2021"),
            ("action", "apply"),
        ];
        if let Some(p) = preview {
            fields.push(("preview", p));
        }
        app.client
            .post(app.url("/staff/offices/ciruas/level"))
            .header("Cookie", &cookie)
            .form(&fields)
            .send()
    };
    let refused = apply(None).await.unwrap();
    assert_eq!(refused.status(), 409, "no preview");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("/staff/logout") && !page.contains("href=\"/find\""),
        "a staff error page keeps the staff header: {page}"
    );
    assert_eq!(
        apply(Some("0")).await.unwrap().status(),
        409,
        "a stale preview"
    );
    assert_eq!(app.count("office_levels").await, 0);
    let version = preview_page
        .split(r#"name="preview" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the preview carries its plan version")
        .to_string();
    assert_eq!(
        apply(Some(&version)).await.unwrap().status(),
        303,
        "applied"
    );
    assert_eq!(app.count("office_levels").await, 1);
    assert_eq!(
        app.count("office_levels").await,
        1,
        "one applied, after its preview"
    );
}

/// A session ends twelve hours after the login however often it is used.
async fn a_staff_session_ends_after_twelve_hours_however_often_it_is_used(app: TestApp) {
    let (_, cookie) = log_in(&app, "test-admin").await;
    // Twelve hours and the session is over, on the server too, however often it is used
    // (every twenty minutes here: its idle time never ends it first).
    for _ in 0..35 {
        app.advance_and_sweep(chrono::Duration::minutes(20)).await;
        assert_eq!(staff_page(&app, &cookie).await.status(), 200);
    }
    app.advance_and_sweep(chrono::Duration::minutes(20) - chrono::Duration::seconds(1))
        .await;
    assert_eq!(staff_page(&app, &cookie).await.status(), 200);
    app.advance_and_sweep(chrono::Duration::seconds(1)).await;
    let r = staff_page(&app, &cookie).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/login");
}

/// Another site can neither log a browser in nor out; logging out ends the session.
async fn another_site_can_neither_log_in_nor_out_and_logout_ends_the_session(app: TestApp) {
    let (_, cookie) = log_in(&app, "test-admin").await;
    // Another site can neither log a browser in nor out.
    let r = app
        .client
        .post(app.url("/staff/login"))
        .header("Origin", "http://evil.example")
        .form(&[
            ("username", "test-admin"),
            ("password", "a long test password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    let r = app
        .client
        .post(app.url("/staff/logout"))
        .header("Cookie", &cookie)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Logging out ends the session at once.
    assert_eq!(staff_page(&app, &cookie).await.status(), 200);
    let r = app
        .client
        .post(app.url("/staff/logout"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(staff_page(&app, &cookie).await.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_an_https_proxy_the_cookie_is_secure_and_the_public_origin_is_ours() {
    let app = spawn_sqlite(rekam::config::Settings {
        public_url: "https://rekam.example.go.id".into(),
        ..crate::helpers::test_settings()
    })
    .await
    .unwrap();
    // Behind a TLS proxy that passes its own Host on, the public origin is this site's.
    let login = |origin: &'static str| {
        app.client
            .post(app.url("/staff/login"))
            .header("Origin", origin)
            .form(&[
                ("username", "test-admin"),
                ("password", "a long test password"),
            ])
            .send()
    };
    let r = login("https://rekam.example.go.id").await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000",
        "published over HTTPS: HSTS"
    );
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.split(';').any(|a| a.trim() == "Secure"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    assert_eq!(
        login("http://rekam.example.go.id").await.unwrap().status(),
        403
    );
    let level = |origin: String| {
        app.client
            .post(app.url("/staff/offices/ciruas/level"))
            .header("Cookie", &cookie)
            .header("Origin", origin)
            .form(&[
                ("level", "3"),
                ("effective_from", "2026-12-01"),
                ("reason", "x"),
            ])
            .send()
    };
    let r = level("https://rekam.example.go.id".into()).await.unwrap();
    assert_eq!(r.status(), 200, "the public origin's own form");
    // The right host over plain HTTP is not the HTTPS site.
    let r = level(app.base.clone()).await.unwrap();
    assert_eq!(r.status(), 403);
}

/// Reads until the server closes the connection; what it sent, or None if it was still
/// open after `wait`.
async fn closed_within(
    stream: &mut tokio::net::TcpStream,
    wait: std::time::Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_mid_request_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_sqlite(rekam::config::Settings {
        client_timeout_seconds: 1,
        ..crate::helpers::test_settings()
    })
    .await
    .unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let wait = std::time::Duration::from_secs(6);
    // Headers begun and never finished (slow loris): the connection is closed.
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut stalled, wait).await.is_some(),
        "a request whose headers never end is cut off"
    );
    // A body that stops half-way: answered and closed.
    let mut paused = tokio::net::TcpStream::connect(&addr).await.unwrap();
    paused
        .write_all(
            b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n\
              Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 2000000\r\n\r\n\
              --b\r\nContent-Disposition: form-data; name=\"office\"\r\n\r\nciruas\r\n",
        )
        .await
        .unwrap();
    let answer = closed_within(&mut paused, wait).await;
    assert!(answer.is_some(), "a body that stops is cut off");
    let answer = answer.unwrap();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "refused, not a 5xx: {answer}"
    );
    // An idle connection between requests is closed too, and the server still answers.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A slow but steady upload is not cut off: its body comes in pieces 0.4 s apart,
    // 2.4 s in all (the deadline is for a pause, not for the whole body).
    let mut steady = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = "--b\r\nContent-Disposition: form-data; name=\"office\"\r\n\r\nnowhere\r\n--b--\r\n";
    steady
        .write_all(
            format!(
                "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                 Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    for piece in body.as_bytes().chunks(body.len().div_ceil(6)) {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        steady.write_all(piece).await.unwrap();
    }
    let answer = closed_within(&mut steady, wait).await.expect("answered");
    assert!(
        answer.starts_with("HTTP/1.1 422"),
        "judged as a whole: {answer}"
    );
}

/// A client trickling its body a byte at a time — never pausing long enough for the pause
/// timeout — is cut off once the grace has passed and its average rate is below the
/// minimum (it held a connection for ever before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_upload_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_sqlite(rekam::config::Settings {
        client_timeout_seconds: 1,
        ..crate::helpers::test_settings()
    })
    .await
    .unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(
            b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n\
              Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n\
              --b\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"a.pdf\"\r\n\r\n",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let trickle = tokio::spawn(async move {
        for _ in 0..120 {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            if write.write_all(b"x").await.is_err() {
                break;
            }
        }
    });
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(25),
        read.read_to_end(&mut buf),
    )
    .await;
    let took = started.elapsed();
    trickle.abort();
    assert!(closed.is_ok(), "still open after {took:?}");
    assert!(
        took >= std::time::Duration::from_secs(9),
        "not before the grace: {took:?}"
    );
    let answer = String::from_utf8_lossy(&buf);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "refused, not a 5xx: {answer}"
    );
}

/// Bookings per client address and hour (`--bookings-per-hour`): past the limit 429 with
/// `Retry-After`; a refused form does not count; an exempt network (a school)
/// is not limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_per_address_are_limited_except_from_exempt_networks() {
    let limited = rekam::config::Settings {
        bookings_per_hour: 3,
        ..crate::helpers::test_settings()
    };
    let app = spawn_sqlite(limited.clone()).await.unwrap();
    // A refused form does not count.
    let bad = app
        .book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("nik", "123"))
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        app.book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(10)))
            .await
            .status(),
        201
    );
    // Asking whether a NIK has a booking counts: no free probing.
    for _ in 0..2 {
        assert_eq!(
            app.book(&BookingForm::new(&wib(12, 1, 8, 0), &nik(10)))
                .await
                .status(),
            409
        );
    }
    let r = app
        .book(&BookingForm::new(&wib(12, 1, 8, 30), &nik(20)))
        .await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3000 && wait <= 3600, "about an hour: {wait}");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "rate_limited"
    );
    // The page says so too.
    let page = app
        .client
        .post(app.url("/o/ciruas/book"))
        .multipart(
            BookingForm::new(&wib(12, 1, 8, 30), &nik(21))
                .set("guardian_consent", "true")
                .multipart(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    // A school's network is exempt.
    let school = spawn_sqlite(rekam::config::Settings {
        rate_limit_exempt: rekam::config::Networks(vec!["127.0.0.0/8".parse().unwrap()]),
        ..limited
    })
    .await
    .unwrap();
    for n in 0..5 {
        assert_eq!(
            school
                .book(&BookingForm::new(&wib(12, 1, 9, 0), &nik(30 + n)))
                .await
                .status(),
            201
        );
    }
}
