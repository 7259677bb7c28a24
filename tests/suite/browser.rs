//! Real headless Chromium at a phone-sized viewport, through WebDriver (fantoccini).

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

// Every page a person uses, on both engines (the staff sessions live in the database).
crate::both_databases!(
    an_applicant_books_on_a_phone_then_reschedules_and_cancels,
    a_supervisor_previews_and_applies_level_three_and_the_moved_applicant_sees_why,
    an_applicant_joins_the_waiting_list_and_claims_a_freed_seat,
    an_admin_edits_a_level_rule_and_loads_next_years_holidays_through_their_previews,
    every_applicant_page_works_without_javascript_on_a_360_pixel_screen,
    what_an_applicant_is_told_is_true_and_leads_somewhere_on_a_phone,
);

/// Issue 8, items 18–22, on a 360 px phone without JavaScript: the texts promise only
/// what happens and follow the settings, the certificates' validity is known before a
/// slot is chosen, a minor is asked for a guardian's agreement, raw values are named, and
/// a duplicate NIK or a wrong link leads to the lost-link page.
async fn what_an_applicant_is_told_is_true_and_leads_somewhere_on_a_phone(app: TestApp) {
    let Some((_driver, c)) = browser_with(360, 740, false).await else {
        return;
    };
    // Booked before, through the API: the NIK that is then typed again.
    let earlier = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(5)))
        .await;
    c.goto(&app.url("/")).await.unwrap();
    fits(&c, "true-home").await;
    let home = text(&c, "main").await;
    assert!(home.contains("berumur 17 tahun"), "{home}");
    assert!(!home.contains("16 untuk perekaman"));
    // Deletion is built (issue 10): the footer states the periods of the settings.
    let footer = text(&c, "footer").await;
    assert!(
        footer.contains("dihapus 30 hari") && footer.contains("180 hari"),
        "the real retention periods: {footer}"
    );
    click_to_next_page(&c, Locator::Css("a[href='/o/ciruas']")).await;
    let accepted = text(&c, "#accepted-certificates").await;
    assert!(
        accepted.contains("Surat keterangan sehat") && accepted.contains("berlaku 7×24 jam"),
        "validity known before a slot is chosen: {accepted}"
    );
    let wait = text(&c, "main").await;
    assert!(
        !wait.contains("diberi tahu"),
        "no promise of a message: {wait}"
    );
    click_to_next_page(&c, Locator::Css("details[open] a.slot")).await;
    fits(&c, "true-book").await;
    assert!(
        text(&c, "label[for='f-guardian_consent']")
            .await
            .contains("orang tua/wali"),
        "a minor confirms a guardian agrees"
    );
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), tiny_png()).unwrap();
    fill_applicant(&c, "Budi Santoso", &nik(5), "081234567890", png.path()).await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "true-duplicate").await;
    assert!(text(&c, "#errors").await.contains("NIK"));
    // The owner may have lost the link: the way on is offered.
    click_to_next_page(&c, Locator::Css("#find-link a")).await;
    assert!(c.current_url().await.unwrap().path().ends_with("/find"));
    // A wrong or replaced link leads there too.
    c.goto(&app.url(&format!(
        "/b/{}?t=not-the-token",
        earlier["code"].as_str().unwrap()
    )))
    .await
    .unwrap();
    fits(&c, "true-wrong-link").await;
    assert!(c.find(Locator::Css("#find-link form")).await.is_ok());
    // The booking page names the certificate's kind; the reschedule page marks the
    // booking's own time instead of calling it full.
    c.goto(&app.url(earlier["manage_url"].as_str().unwrap()))
        .await
        .unwrap();
    assert!(text(&c, ".facts").await.contains("Surat keterangan sehat"));
    assert!(!text(&c, ".facts").await.contains("surat_sehat"));
    click_to_next_page(&c, Locator::Id("reschedule-link")).await;
    fits(&c, "true-reschedule").await;
    // (On a day folded away: its text content, as a screen reader reaches it.)
    let yours = prop(&c, ".slot.yours", "textContent")
        .await
        .unwrap_or_default();
    assert!(
        yours.contains("09.00") && yours.contains("WIB") && yours.contains("jadwal Anda sekarang"),
        "{yours}"
    );
    c.close().await.unwrap();
}

/// One browser at a time: two Chromiums on two cores starve each other's start-up.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// chromedriver on a free port, killed when dropped; holds the one-browser lock.
pub struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_binary(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// Starts chromedriver and a Chromium session at a 390×844 phone, or None (skipped
/// loudly).
pub async fn browser() -> Option<(Driver, Client)> {
    browser_with(390, 844, true).await
}

/// A session at `width`×`height`, with the pages' JavaScript on or off. (Scripts the test
/// itself runs through WebDriver still work with it off: they are not the page's.)
///
/// Headless Chromium keeps its window at least 500 px wide (so `--window-size=390,…`
/// alone gave 500 px pages), and chromedriver's own mobile emulation hangs clicks when
/// JavaScript is off; the DevTools device-metrics override sets the viewport to the
/// phone's width. (Its `mobile` mode also zooms, which made clicks land on the wrong
/// element of scrolled pages.)
pub async fn browser_with(width: u32, height: u32, javascript: bool) -> Option<(Driver, Client)> {
    let (driver, client) = browser_window(width.max(500), height, javascript).await?;
    if width < 500 {
        let metrics = json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 2, "mobile": false}});
        client
            .issue_cmd(Cdp(metrics))
            .await
            .expect("device metrics override");
    }
    let inner = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert_eq!(inner, json!(width), "the viewport is {width} px wide");
    Some((driver, client))
}

/// A chromedriver command that runs a DevTools (CDP) method.
#[derive(Debug)]
struct Cdp(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// chromedriver's log of a kind (`performance`: the DevTools events), emptied by reading.
#[derive(Debug)]
struct Log(&'static str);

impl fantoccini::wd::WebDriverCompatibleCommand for Log {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": self.0}).to_string()),
        )
    }
}

/// The requests the page sent since the last call (documents, forms, scripts' fetches,
/// files), as (DevTools resource type, method, URL path), in order.
pub(crate) async fn requests(c: &Client) -> Vec<(String, String, String)> {
    let log = c
        .issue_cmd(Log("performance"))
        .await
        .expect("performance log");
    let mut out = Vec::new();
    for entry in log.as_array().into_iter().flatten() {
        let Some(m) = entry["message"].as_str() else {
            continue;
        };
        let m: Value = serde_json::from_str(m).unwrap_or_default();
        if m["message"]["method"] != "Network.requestWillBeSent" {
            continue;
        }
        let p = &m["message"]["params"];
        let url = p["request"]["url"].as_str().unwrap_or_default();
        let path = url::Url::parse(url).map_or(url.to_string(), |u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        });
        out.push((
            p["type"].as_str().unwrap_or_default().to_string(),
            p["request"]["method"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            path,
        ));
    }
    out
}

/// The session itself, with a window of that size.
async fn browser_window(width: u32, height: u32, javascript: bool) -> Option<(Driver, Client)> {
    let (Some(driver_bin), Some(chromium)) = (
        find_binary(&["chromedriver"]),
        find_binary(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        skip("chromium and chromedriver are not installed: browser tests did not run");
        return None;
    };
    let turn = ONE_BROWSER.lock().await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        _profile: profile,
        _turn: turn,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    // Page scripts are on by default; only a test that wants them off says so.
    let prefs = if javascript {
        json!({})
    } else {
        json!({"profile.managed_default_content_settings.javascript": 2})
    };
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", driver._profile.path().display()),
            ],
            "prefs": prefs,
        }),
    );
    // What the page asks the network for, read by `requests`.
    caps.insert("goog:loggingPrefs".into(), json!({"performance": "ALL"}));
    // Chromium's first start on a busy machine can miss chromedriver's deadline: retry.
    let mut last_error = None;
    for _ in 0..3 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(e) => {
                eprintln!("starting a Chromium session failed, retrying: {e}");
                last_error = Some(e);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    panic!("no Chromium session: {last_error:?}");
}

/// Clicks something that navigates and waits until the next page has loaded: a click can
/// return before the navigation it starts, most of all on a busy machine.
pub(crate) async fn click_to_next_page(c: &Client, locator: Locator<'_>) {
    let old_page = c.find(Locator::Css("html")).await.unwrap();
    c.find(locator).await.unwrap().click().await.unwrap();
    next_page(c, old_page).await;
}

/// Types keys into the field with the focus, as a USB scanner or a person at a keyboard
/// does (ending with Enter, `\n`), and waits until the page that answers has loaded.
pub(crate) async fn keys_to_next_page(c: &Client, keys: &str) {
    let old_page = c.find(Locator::Css("html")).await.unwrap();
    let focused = c.active_element().await.unwrap();
    focused.send_keys(keys).await.unwrap();
    next_page(c, old_page).await;
}

/// Waits until `old_page` is replaced and the new document has loaded.
async fn next_page(c: &Client, old_page: fantoccini::elements::Element) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // The old document's root goes stale once the new document replaces it.
    while old_page.tag_name().await.is_ok() {
        if std::time::Instant::now() >= deadline {
            screenshot(c, "stuck").await;
            panic!("the page did not change (screenshot: stuck.png)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let state = c.execute("return document.readyState", vec![]).await;
        if matches!(state, Ok(Value::String(s)) if s == "complete") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page did not finish loading"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs a staff member in through the login page (every staff page redirects there first).
pub(crate) async fn log_in(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/staff")).await.unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/staff/login"),
        "staff pages need a login"
    );
    type_in(c, "#f-username", username).await;
    type_in(c, "#f-password", "a long test password").await;
    click_to_next_page(c, Locator::Css("form button[type=submit]")).await;
}

/// Fills the applicant's part of the booking form: name, NIK, phone, a birth date of a
/// 17-year-old, a certificate of this morning (its file), both agreements.
pub(crate) async fn fill_applicant(
    c: &Client,
    name: &str,
    nik: &str,
    phone: &str,
    certificate: &std::path::Path,
) {
    for (id, value) in [("f-name", name), ("f-nik", nik), ("f-phone", phone)] {
        type_in(c, &format!("#{id}"), value).await;
    }
    set_value(c, "#f-birth_date", "2009-05-07").await;
    set_value(c, "#f-certificate_issued_at", "2026-11-30T06:00").await;
    for id in ["f-consent", "f-guardian_consent"] {
        click(c, &format!("#{id}")).await;
    }
    type_in(c, "#f-certificate", &certificate.display().to_string()).await;
}

/// Types `keys` into the element at `css` (a file input takes a path).
pub(crate) async fn type_in(c: &Client, css: &str, keys: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(keys)
        .await
        .unwrap();
}

/// Clicks the element at `css` (a checkbox, an option, a summary; a link or button that
/// loads a page is `click_to_next_page`).
pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// A DOM property of the element at `css` (`value`, `checked`, `textContent`).
pub(crate) async fn prop(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop(name)
        .await
        .unwrap()
}

/// An attribute of the element at `css`.
pub(crate) async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr(name)
        .await
        .unwrap()
}

/// The manage page's notice, by its text key (`data-notice`), not its words.
pub(crate) async fn notice_of(c: &Client) -> Option<String> {
    attr(c, "#page-notice", "data-notice").await
}

/// The booking's status on its page, by its spelling (the `status-…` class).
pub(crate) async fn status_of_page(c: &Client) -> String {
    let class = attr(c, "p.status", "class").await.unwrap_or_default();
    class
        .split_whitespace()
        .find_map(|c| c.strip_prefix("status-"))
        .unwrap_or_default()
        .to_string()
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub(crate) async fn set_value(c: &Client, css: &str, value: &str) {
    // Date pickers differ by locale; set the value as a picker would.
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![json!(css), json!(value)],
    )
    .await
    .unwrap();
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn an_applicant_books_on_a_phone_then_reschedules_and_cancels(app: TestApp) {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), tiny_png()).unwrap();

    c.goto(&app.url("/")).await.unwrap();
    screenshot(&c, "1-home").await;
    click_to_next_page(&c, Locator::Css("a[href='/o/ciruas']")).await;
    // The first open day is unfolded; its first slot is Monday 08:00.
    click_to_next_page(&c, Locator::Css("details[open] a.slot")).await;
    assert!(
        text(&c, ".chosen")
            .await
            .contains("Senin, 30 November 2026, 08.00–08.30 WIB")
    );

    // A wrong phone number first: the form comes back with everything typed kept.
    type_in(&c, "#f-name", "Siti Aminah").await;
    type_in(&c, "#f-nik", &nik(42)).await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    type_in(&c, "#f-phone", "123").await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:00").await;
    click(&c, "#f-consent").await;
    click(&c, "#f-guardian_consent").await;
    let file = c.find(Locator::Id("f-certificate")).await.unwrap();
    file.send_keys(&png.path().display().to_string())
        .await
        .unwrap();
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    screenshot(&c, "2-form-error").await;
    assert!(text(&c, "#e-phone").await.contains("nomor HP"));
    let name = prop(&c, "#f-name", "value").await;
    assert_eq!(name.as_deref(), Some("Siti Aminah"));
    let consent = prop(&c, "#f-consent", "checked").await;
    assert_eq!(consent.as_deref(), Some("true"));

    let phone = c.find(Locator::Id("f-phone")).await.unwrap();
    phone.clear().await.unwrap();
    phone.send_keys("0812 3456 7890").await.unwrap();
    let file = c.find(Locator::Id("f-certificate")).await.unwrap();
    file.send_keys(&png.path().display().to_string())
        .await
        .unwrap();
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;

    // The confirmation: code, QR, date and zone.
    screenshot(&c, "3-confirmation").await;
    let code = text(&c, "#booking-code").await;
    assert_eq!(code.len(), 8, "{code}");
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "QR code shown"
    );
    assert_eq!(
        text(&c, "#booking-when").await,
        "Senin, 30 November 2026, 08.00–08.30 WIB"
    );
    let manage = c.current_url().await.unwrap();
    assert!(manage.path().ends_with(&code));

    // The manage link works on reload.
    c.goto(manage.as_str()).await.unwrap();
    assert_eq!(text(&c, "#booking-code").await, code);

    // Reschedule to the next free time.
    click_to_next_page(&c, Locator::Id("reschedule-link")).await;
    screenshot(&c, "4-reschedule").await;
    click_to_next_page(&c, Locator::Css("details[open] button.slot")).await;
    // Choosing a time asks first, saying from what to what; nothing moved yet.
    let old = text(&c, "#reschedule-old").await;
    assert_eq!(
        text(&c, "#reschedule-new").await,
        "Senin, 30 November 2026, 08.30–09.00 WIB"
    );
    assert_eq!(
        app.remaining("ciruas", &wib(11, 30, 8, 30)).await,
        6,
        "nothing is moved before the confirmation"
    );
    click_to_next_page(&c, Locator::Id("confirm-reschedule")).await;
    assert_eq!(
        text(&c, "#booking-when").await,
        "Senin, 30 November 2026, 08.30–09.00 WIB"
    );
    assert_eq!(notice_of(&c).await.as_deref(), Some("booking-rescheduled"));
    let said = text(&c, "#page-notice").await;
    assert!(
        said.contains(&old) && said.contains("08.30–09.00"),
        "the notice says from what to what: {said}"
    );

    // Cancel, confirming on the next page.
    click_to_next_page(&c, Locator::Id("cancel-link")).await;
    click_to_next_page(&c, Locator::Id("confirm-cancel")).await;
    screenshot(&c, "5-cancelled").await;
    assert_eq!(status_of_page(&c).await, "cancelled");
    assert_eq!(
        app.remaining("ciruas", &wib(11, 30, 8, 30)).await,
        6,
        "the seat is free again"
    );

    // The language switch keeps the page.
    click_to_next_page(&c, Locator::Css("a[hreflang='en']")).await;
    assert!(text(&c, ".status").await.contains("Cancelled"));
    let manage_again = c.current_url().await.unwrap();
    assert_eq!(manage_again.path(), manage.path());
    c.close().await.unwrap();
}

async fn a_supervisor_previews_and_applies_level_three_and_the_moved_applicant_sees_why(
    app: TestApp,
) {
    assert_eq!(
        app.put_office("ciruas", crate::planner::small_office())
            .await
            .status(),
        200
    );
    app.staff_token(
        "kasi-ciruas",
        rekam::domain::Role::Supervisor,
        Some("ciruas"),
    )
    .await;
    // Five full days, Monday to Friday; Saturday open and empty.
    let mut tokens = std::collections::HashMap::new();
    let mut n = 0;
    for (m, d) in [(11, 30), (12, 1), (12, 2), (12, 3), (12, 4)] {
        for (h, min) in [(8, 0), (8, 30), (9, 0), (9, 30)] {
            for _ in 0..3 {
                n += 1;
                let b = app
                    .book_ok(&BookingForm::new(&wib(m, d, h, min), &nik(n)))
                    .await;
                tokens.insert(
                    b["code"].as_str().unwrap().to_string(),
                    b["token"].as_str().unwrap().to_string(),
                );
            }
        }
    }
    let Some((_driver, c)) = browser().await else {
        return;
    };
    log_in(&c, &app, "kasi-ciruas").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/staff/offices/ciruas")
    );
    screenshot(&c, "6-planner").await;
    // The legend is page text, readable at any width: not shrunk with the chart.
    let legend = c
        .execute(
            "const items = [...document.querySelectorAll('figure.chart figcaption li')];\
             return [items.length, Math.min(...items.map(i => parseFloat(getComputedStyle(i).fontSize))),\
                     document.documentElement.scrollWidth, window.innerWidth,\
                     [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth && !e.closest('.chart'))\
                       .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        legend[0].as_u64().unwrap() >= 3 + 6 && legend[1].as_f64().unwrap() >= 14.0,
        "three series and six levels, in text of at least 14 px: {legend}"
    );
    assert!(
        legend[2].as_u64() <= legend[3].as_u64(),
        "only the chart scrolls sideways, not the page: {legend}"
    );
    let tuesday_bar = |c: Client| async move {
        let bars = c.find_all(Locator::Css("#plan-chart g.day")).await.unwrap();
        bars[1]
            .attr("data-cap-height")
            .await
            .unwrap()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    let before = tuesday_bar(c.clone()).await;

    // Level 3 from Tuesday, previewed first.
    click(&c, "#f-level option[value='3']").await;
    set_value(&c, "#f-effective_from", "2026-12-01").await;
    type_in(&c, "#f-reason", "Inmendagri 22/2021").await;
    click_to_next_page(&c, Locator::Id("level-preview")).await;
    screenshot(&c, "7-preview").await;
    let rows = c
        .find_all(Locator::Css("#displaced tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 16, "one in every slot of Tuesday to Friday");
    assert!(text(&c, "#preview-summary").await.contains("16"));
    let mut moved_code = None;
    for row in &rows {
        let cells = row.find_all(Locator::Css("td")).await.unwrap();
        let to = cells[2].text().await.unwrap();
        if to.starts_with("Sab, 5 Des") {
            moved_code = Some(cells[0].text().await.unwrap());
        }
    }
    let moved_code = moved_code.expect("some move to Saturday");
    assert_eq!(
        app.count(CHANGE_NOTICES).await,
        0,
        "a preview changes nothing"
    );

    click_to_next_page(&c, Locator::Id("apply")).await;
    screenshot(&c, "8-applied").await;
    assert!(text(&c, ".notice").await.contains("diterapkan"));
    let after = tuesday_bar(c.clone()).await;
    assert!(
        after < before,
        "the chart shows the lower cap: {after} < {before}"
    );
    assert_eq!(app.count(CHANGE_NOTICES).await, 16);

    // The applicant whose booking moved sees the new time and the reason.
    let token = &tokens[&moved_code];
    c.goto(&app.url(&format!("/b/{moved_code}?t={token}")))
        .await
        .unwrap();
    screenshot(&c, "9-moved-applicant").await;
    assert!(
        text(&c, "#booking-when")
            .await
            .starts_with("Sabtu, 5 Desember 2026")
    );
    let notice = text(&c, "#change-notice").await;
    assert!(
        notice.contains("Inmendagri 22/2021") && notice.contains("PPKM level 3"),
        "{notice}"
    );
    c.close().await.unwrap();
}

async fn an_applicant_joins_the_waiting_list_and_claims_a_freed_seat(app: TestApp) {
    // Open only on Tuesday 08:00–08:30 with one set: three seats, all taken.
    let mut office = crate::planner::small_office();
    office["hours"] = json!({"tue": ["08:00", "08:30"]});
    assert_eq!(app.put_office("ciruas", office).await.status(), 200);
    let mut taken = Vec::new();
    for i in 0..3 {
        taken.push(
            app.book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(50 + i)))
                .await,
        );
    }
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), tiny_png()).unwrap();

    c.goto(&app.url("/o/ciruas")).await.unwrap();
    // This Tuesday is full (next Tuesday is not, but she needs this week).
    assert!(
        c.find(Locator::Css("details[open] a.slot")).await.is_err(),
        "this Tuesday is full"
    );
    click_to_next_page(&c, Locator::Id("waitlist-link")).await;
    set_value(&c, "#f-from_date", "2026-12-01").await;
    set_value(&c, "#f-to_date", "2026-12-01").await;
    type_in(&c, "#f-name", "Dewi Lestari").await;
    type_in(&c, "#f-nik", "3604054705090061").await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    type_in(&c, "#f-phone", "081234567890").await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:00").await;
    click(&c, "#f-certificate_kind option[value='surat_sehat']").await;
    click(&c, "#f-consent").await;
    click(&c, "#f-guardian_consent").await;
    type_in(&c, "#f-certificate", &png.path().display().to_string()).await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    screenshot(&c, "10-waiting").await;
    assert_eq!(notice_of(&c).await.as_deref(), Some("wait-joined"));
    assert!(text(&c, "#queue-position p").await.ends_with('1'));
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_err(),
        "no ticket without a seat"
    );
    // An entry is not a booking: its range of days, what happens next, and neither a
    // calendar file nor a new time to choose.
    assert!(text(&c, "#booking-when").await.contains(" – "), "a range");
    assert!(!text(&c, "#booking-when").await.contains("00:00"));
    assert!(text(&c, "#wait-next").await.len() > 20);
    for absent in ["calendar-link", "reschedule-link"] {
        assert!(c.find(Locator::Id(absent)).await.is_err(), "{absent}");
    }
    let manage_now = c.current_url().await.unwrap();
    let ics = manage_now
        .as_str()
        .replacen("?t=", "/calendar.ics?t=", 1)
        .replace("&m=waitlisted", "");
    assert_eq!(app.client.get(&ics).send().await.unwrap().status(), 404);
    let manage = c.current_url().await.unwrap();

    // Someone cancels: the seat is held for her; she takes it.
    let (code, token) = (
        taken[0]["code"].as_str().unwrap(),
        taken[0]["token"].as_str().unwrap(),
    );
    assert_eq!(
        app.post_booking_action(code, token, "cancel", None)
            .await
            .status(),
        200
    );
    c.goto(manage.as_str()).await.unwrap();
    screenshot(&c, "11-offer").await;
    assert!(
        text(&c, "#offer")
            .await
            .contains("Selasa, 1 Desember 2026, 08.00–08.30 WIB")
    );
    assert!(
        c.find(Locator::Id("change-notice")).await.is_err(),
        "an offer is not a withdrawal"
    );
    // The deadline stands on its own, large.
    assert!(text(&c, "#offer-until").await.contains("WIB"));
    click_to_next_page(&c, Locator::Id("claim")).await;
    assert_eq!(status_of_page(&c).await, "confirmed");
    assert_eq!(
        text(&c, "#booking-when").await,
        "Selasa, 1 Desember 2026, 08.00–08.30 WIB"
    );
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "now a ticket"
    );
    c.close().await.unwrap();
}

async fn an_admin_edits_a_level_rule_and_loads_next_years_holidays_through_their_previews(
    app: TestApp,
) {
    // Level rules and holidays apply to every office: an admin changes them.
    app.staff_token("kasi-rules", rekam::domain::Role::Admin, None)
        .await;
    let Some((_driver, c)) = browser().await else {
        return;
    };
    log_in(&c, &app, "kasi-rules").await;
    click_to_next_page(&c, Locator::Id("rules-link")).await;

    // MenPAN-RB's 50 % instead of Inmendagri's 25 % at level 3.
    let wfo = c.find(Locator::Id("wfo-3")).await.unwrap();
    wfo.clear().await.unwrap();
    wfo.send_keys("50").await.unwrap();
    type_in(&c, "#reason-3", "ikuti SE MenPAN-RB 24/2021").await;
    click_to_next_page(&c, Locator::Css("#rule-3 button[type=submit]")).await;
    // The preview first: every office, what it would do; then apply.
    assert!(text(&c, "#preview-summary").await.contains("0"));
    assert!(c.find(Locator::Id("preview-ciruas")).await.is_ok());
    // Each part of the rule, old → new; the one that changes stands out.
    let changed = text(&c, "#rule-changes tr.changed").await;
    assert!(
        changed.contains("25 %") && changed.contains("50 %"),
        "{changed}"
    );
    assert_eq!(
        c.find_all(Locator::Css("#rule-changes tr.changed"))
            .await
            .unwrap()
            .len(),
        1
    );
    click_to_next_page(&c, Locator::Id("apply")).await;
    assert!(text(&c, ".notice").await.contains("versi lama"));
    let history = text(&c, "#rule-history tbody tr").await;
    assert!(
        history.contains("staff:kasi-rules") && history.contains("ikuti SE MenPAN-RB"),
        "{history}"
    );
    let rules: Value = app
        .staff_json("/api/v1/staff/level-rules", &app.admin_token)
        .await;
    assert_eq!(rules[3]["wfo_percent"], 50);

    // A cut that displaces someone names them in the preview: office, code, from, to.
    let sup = app
        .staff_token("sup-rules", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/levels"))
        .bearer_auth(&sup)
        .json(&json!({"level": "3", "effective_from": "2026-11-30", "reason": "Inmendagri"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut codes = Vec::new();
    for (n, hour) in [(71, 8), (72, 9)] {
        let form = BookingForm::new(&wib(12, 1, hour, 0), &nik(n))
            .set("name", &format!("Pemohon Rule {n}"));
        let b = app.book_ok(&form).await;
        codes.push(b["code"].as_str().unwrap().to_string());
    }
    c.goto(&app.url("/staff/rules")).await.unwrap();
    let max = c.find(Locator::Id("max-3")).await.unwrap();
    max.clear().await.unwrap();
    max.send_keys("1").await.unwrap();
    type_in(&c, "#reason-3", "uji").await;
    click_to_next_page(&c, Locator::Css("#rule-3 button[type=submit]")).await;
    let listed = text(&c, "#displaced tbody").await;
    assert!(
        listed.contains("ciruas")
            && codes.iter().any(|code| listed.contains(code.as_str()))
            && listed.contains("Pemohon Rule 7"),
        "the displaced are named: {listed}"
    );
    c.goto(&app.url("/staff/rules")).await.unwrap();

    // A bad holiday file is refused with its line; a good one loads.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("libur-2027-salah.csv");
    std::fs::write(&bad, "2027-01-01,Tahun Baru\n2027-02-30,Tanggal salah\n").unwrap();
    let good = dir.path().join("libur-2027.csv");
    std::fs::write(
        &good,
        "2027-01-01,Tahun Baru Masehi\n2027-03-10,Hari Suci Nyepi\n",
    )
    .unwrap();
    type_in(&c, "#f-file", &bad.display().to_string()).await;
    click_to_next_page(&c, Locator::Id("load-holidays")).await;
    assert!(text(&c, "#rules-error").await.contains("baris 2"));
    type_in(&c, "#f-file", &good.display().to_string()).await;
    click_to_next_page(&c, Locator::Id("load-holidays")).await;
    assert!(
        c.find(Locator::Id("preview-ciruas")).await.is_ok(),
        "a preview first"
    );
    let listed: Value = app
        .staff_json("/api/v1/staff/holidays/2027", &app.admin_token)
        .await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        0,
        "nothing loaded by the preview"
    );
    click_to_next_page(&c, Locator::Id("apply")).await;
    assert!(text(&c, ".notice").await.contains("dimuat"));
    let year = text(&c, "#holidays-2027").await;
    assert!(
        year.contains("Hari Suci Nyepi") && year.contains("Libur nasional"),
        "the loaded year is listed with names and kinds: {year}"
    );
    assert!(
        text(&c, "#holidays-2026")
            .await
            .contains("Cuti bersama Idul Fitri 1447 H"),
        "this year's decree names"
    );
    let listed: Value = app
        .staff_json("/api/v1/staff/holidays/2027", &app.admin_token)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    c.close().await.unwrap();
}

/// The page fits the screen: nothing to scroll sideways.
pub(crate) async fn fits(c: &Client, page: &str) {
    let sizes = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
    // On a phone a page wider than the screen grows the layout viewport (zoomed out)
    // or scrolls sideways: either shows here.
    assert!(
        inner == 360 && scroll <= 360,
        "{page}: {scroll} px of page in a {inner} px viewport on a 360 px screen"
    );
    screenshot(c, &format!("360-{page}")).await;
}

async fn every_applicant_page_works_without_javascript_on_a_360_pixel_screen(app: TestApp) {
    let Some((_driver, c)) = browser_with(360, 740, false).await else {
        return;
    };
    // The pages' own scripts really are off in this browser.
    c.goto("data:text/html,<title>off</title><script>document.title='on'</script>")
        .await
        .unwrap();
    assert_eq!(c.title().await.unwrap(), "off", "JavaScript is disabled");
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), tiny_png()).unwrap();

    c.goto(&app.url("/")).await.unwrap();
    fits(&c, "home").await;
    click_to_next_page(&c, Locator::Css("a[href='/o/ciruas']")).await;
    fits(&c, "office").await;
    // Days fold and unfold natively (<details>); the first open day is unfolded.
    click_to_next_page(&c, Locator::Css("details[open] a.slot")).await;
    fits(&c, "book").await;
    let retype = |id: &'static str, value: String| {
        let c = c.clone();
        async move {
            let field = c.find(Locator::Id(id)).await.unwrap();
            field.clear().await.unwrap();
            field.send_keys(&value).await.unwrap();
        }
    };
    retype("f-name", "Rina Marlina".into()).await;
    retype("f-nik", nik(77)).await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    retype("f-phone", "0812".into()).await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:00").await;
    click(&c, "#f-consent").await;
    click(&c, "#f-guardian_consent").await;
    let attach = || async {
        type_in(&c, "#f-certificate", &png.path().display().to_string()).await;
    };
    attach().await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "book-error").await;
    assert!(text(&c, "#e-phone").await.contains("nomor HP"));
    retype("f-phone", "0812 3456 7890".into()).await;
    attach().await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "booked").await;
    let code = text(&c, "#booking-code").await;
    assert_eq!(code.len(), 8);
    assert!(c.find(Locator::Css(".qr svg")).await.is_ok());
    let calendar = attr(&c, "a[href*='calendar.ics']", "href").await.unwrap();
    assert!(calendar.starts_with(&format!("/b/{code}/calendar.ics?t=")));
    // A new certificate, through the folded form of the manage page.
    click(&c, "details.replace summary").await;
    fits(&c, "replace-open").await;
    click(&c, "#f-certificate_kind option[value='pcr']").await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:30").await;
    attach().await;
    click_to_next_page(&c, Locator::Css("details.replace button[type=submit]")).await;
    fits(&c, "replaced").await;
    assert!(text(&c, ".facts").await.contains("Hasil tes PCR"));
    click_to_next_page(&c, Locator::Id("reschedule-link")).await;
    fits(&c, "reschedule").await;
    click_to_next_page(&c, Locator::Css("details[open] button.slot")).await;
    fits(&c, "reschedule-confirm").await;
    click_to_next_page(&c, Locator::Id("confirm-reschedule")).await;
    fits(&c, "rescheduled").await;
    assert_eq!(notice_of(&c).await.as_deref(), Some("booking-rescheduled"));
    click_to_next_page(&c, Locator::Id("cancel-link")).await;
    fits(&c, "cancel").await;
    click_to_next_page(&c, Locator::Id("confirm-cancel")).await;
    fits(&c, "cancelled").await;
    assert_eq!(status_of_page(&c).await, "cancelled");
    click_to_next_page(&c, Locator::Css("a[hreflang='en']")).await;
    fits(&c, "cancelled-en").await;
    assert!(text(&c, ".status").await.contains("Cancelled"));
    click_to_next_page(&c, Locator::Css("a[hreflang='id']")).await;

    // The lost link, asked for again with the NIK and birth date: a typo first.
    app.book_ok(&BookingForm::new(&wib(12, 2, 9, 0), &nik(78)))
        .await;
    c.goto(&app.url("/find")).await.unwrap();
    fits(&c, "find").await;
    retype("f-nik", "36040512".into()).await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "find-error").await;
    assert!(
        text(&c, "#e-nik").await.contains("16"),
        "the NIK's error at it"
    );
    assert_eq!(
        prop(&c, "#f-nik", "value").await.as_deref(),
        Some("36040512")
    );
    retype("f-nik", nik(78)).await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "find-done").await;
    // No channel is set here: the page says the link cannot be sent, and shows none.
    assert_eq!(
        attr(&c, "#find-done", "data-notice").await.as_deref(),
        Some("find-cannot-send")
    );
    let body = c.source().await.unwrap();
    assert!(!body.contains("/b/"), "no manage link on a lookup's answer");

    // The waiting list form, and the page of someone waiting.
    c.goto(&app.url("/o/ciruas/waitlist")).await.unwrap();
    fits(&c, "waitlist").await;
    set_value(&c, "#f-from_date", "2026-12-01").await;
    set_value(&c, "#f-to_date", "2026-12-04").await;
    retype("f-name", "Dewi Lestari".into()).await;
    retype("f-nik", "3604054705090061".into()).await;
    set_value(&c, "#f-birth_date", "2009-05-07").await;
    retype("f-phone", "081234567890".into()).await;
    // A week-long certificate (the first kind, antigen, would not reach any slot).
    click(&c, "#f-certificate_kind option[value='surat_sehat']").await;
    set_value(&c, "#f-certificate_issued_at", "2026-11-30T06:00").await;
    click(&c, "#f-consent").await;
    click(&c, "#f-guardian_consent").await;
    attach().await;
    click_to_next_page(&c, Locator::Css("form button[type=submit]")).await;
    fits(&c, "waiting").await;
    assert_eq!(notice_of(&c).await.as_deref(), Some("wait-joined"));
    // Seats are free on those days: one is offered at once, and claimed with a form.
    click_to_next_page(&c, Locator::Id("claim")).await;
    fits(&c, "claimed").await;
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "a ticket now"
    );

    // Someone moved by a closure reads why on the manage page.
    let moved = app
        .book_ok(&BookingForm::new(&wib(12, 3, 8, 0), &nik(81)))
        .await;
    let r = app
        .client
        .put(app.url("/api/v1/staff/offices/ciruas/closures/2026-12-03"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"reason": "Pemadaman listrik"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c.goto(&app.url(moved["manage_url"].as_str().unwrap()))
        .await
        .unwrap();
    fits(&c, "moved").await;
    assert!(
        text(&c, "#change-notice")
            .await
            .contains("Pemadaman listrik")
    );

    // Error pages fit too.
    c.goto(&app.url("/b/NOTACODE?t=x")).await.unwrap();
    fits(&c, "not-found").await;
    c.close().await.unwrap();
}
