//! The waiting room's screen on a TV across the room (1920×1080): each desk with the
//! number it called ("Meja 2 → 002"), the newest call highlighted, no applicant menu or
//! footer; and it recovers by itself when the server comes back after a restart.

use crate::browser::{browser_with, screenshot, text};
use crate::helpers::*;
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

crate::both_databases!(engine; the_queue_screen_shows_each_desk_and_recovers_after_a_restart);

/// Waits until `script` (a JavaScript expression) is true on the page.
async fn until(c: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let v = c.execute(&format!("return !!({script})"), vec![]).await;
        if matches!(v, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        if Instant::now() > deadline {
            screenshot(c, "queue-stuck").await;
            panic!("{what} (screenshot: queue-stuck.png)");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A person registered at the desk today (checked in at once).
async fn walk_in(client: &reqwest::Client, base: &str, token: &str, n: u32, issued: &str) {
    let form = BookingForm::new("", &nik(n))
        .without("slot_start")
        .set("temperature_c", "36.5")
        .set("guardian_consent", "true")
        .set("certificate_issued_at", issued);
    let r = client
        .post(format!("{base}/api/v1/staff/offices/ciruas/walk-ins"))
        .bearer_auth(token)
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(status, 201, "{}", r.text().await.unwrap());
}

/// The desk's call page: the next number to `desk`.
async fn call(base: &str, cookie: &str, desk: u32) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/staff/offices/ciruas/call"))
        .header("Origin", base)
        .header("Cookie", cookie)
        .form(&[("desk", desk.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("number="), "someone was called: {to}");
}

async fn the_queue_screen_shows_each_desk_and_recovers_after_a_restart(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database_url(db, &dir).await else {
        return;
    };
    let (server, _, issued) = crate::durability::open_office(&url, 0).await;
    let token = rekam(&url)
        .args(["staff", "token", "--username", "cli-admin"])
        .output()
        .unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let base = server.base.clone();
    let client = reqwest::Client::new();
    for n in [1, 2] {
        walk_in(&client, &base, &token, n, &issued).await;
    }
    let login = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/staff/login"))
        .header("Origin", &base)
        .form(&[
            ("username", "cli-admin"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rekam_staff="))
        .unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    call(&base, &cookie, 1).await;

    let Some((_driver, c)) = browser_with(1920, 1080, true).await else {
        return;
    };
    c.goto(&format!("{base}/o/ciruas/antrean")).await.unwrap();
    // A screen of its own: no applicant menu, header or footer; the board fills the width.
    for css in ["header.top", "nav", "footer"] {
        assert!(c.find(Locator::Css(css)).await.is_err(), "{css} on the TV");
    }
    let wide = c
        .execute(
            "return document.getElementById('serving').getBoundingClientRect().width / window.innerWidth",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(wide > 0.9, "the desks take the width: {wide}");
    let newest = text(&c, ".desk.newest").await;
    assert!(
        newest.contains("Meja 1") && newest.contains("001"),
        "{newest}"
    );
    assert!(text(&c, "#next").await.contains("002"));
    screenshot(&c, "queue-tv-1").await;

    // The server goes away: the screen keeps its numbers and says so …
    let port = base.rsplit(':').next().unwrap().to_string();
    server.kill9();
    until(
        &c,
        "!document.getElementById('connection').hidden",
        "the screen says the connection is lost",
    )
    .await;
    assert!(text(&c, ".desk.newest").await.contains("001"));
    c.execute("window.sameScreen = 42", vec![]).await.unwrap();
    screenshot(&c, "queue-tv-2-offline").await;

    // … and when it is back, the screen goes on by itself (the same page, no reload).
    let server = Server::start_on(rekam(&url), &format!("127.0.0.1:{port}"), &[]);
    call(&server.base, &cookie, 2).await;
    until(
        &c,
        "document.querySelector('.desk.newest') && \
         document.querySelector('.desk.newest').textContent.indexOf('002') >= 0",
        "the screen shows the call made after the restart",
    )
    .await;
    let newest = text(&c, ".desk.newest").await;
    assert!(newest.contains("Meja 2"), "{newest}");
    assert!(text(&c, "#announce").await.contains("002"));
    until(
        &c,
        "document.getElementById('connection').hidden",
        "the lost-connection note is gone",
    )
    .await;
    let same = c.execute("return window.sameScreen", vec![]).await.unwrap();
    assert_eq!(same, serde_json::json!(42), "no reload was needed");
    screenshot(&c, "queue-tv-3-back").await;
    c.close().await.unwrap();
    server.kill9();
}
