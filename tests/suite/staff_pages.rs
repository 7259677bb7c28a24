//! Every staff page, as the supervisor and the admin find them on a laptop (1366×768):
//! reachable from the landing page by links alone, and clean under axe-core (WCAG 2 A and
//! AA rules). A screenshot of each is kept for the README's staff section.

use crate::browser::{
    browser_with, click_to_next_page, log_in, screenshot, set_value, text, type_in,
};
use crate::helpers::*;
use fantoccini::Client;
use fantoccini::Locator;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

crate::both_databases!(
    every_staff_page_is_reached_by_links_and_axe_finds_nothing,
    a_supervisor_undoes_a_closure_and_a_level_from_the_page,
);

/// axe-core's script, from `REKAM_AXE` (scripts/test installs it from the npm registry).
pub(crate) fn axe_source() -> Option<String> {
    let path = std::env::var("REKAM_AXE").ok()?;
    std::fs::read_to_string(path).ok()
}

/// What axe-core finds on the page now: "rule: elements".
pub(crate) async fn axe(c: &Client, source: &str) -> Vec<String> {
    c.execute(source, vec![]).await.expect("axe-core loads");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done(r.violations.map(v => v.id + ': ' +
                     v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// The staff pages reached from where the browser stands by following links alone (one
/// booking's page at most), each checked by axe-core when it is there, with what it found.
async fn crawl(
    c: &Client,
    app: &TestApp,
    who: &str,
    axe_js: Option<&str>,
) -> BTreeMap<String, Vec<String>> {
    let start = c.current_url().await.unwrap().path().to_string();
    let mut found = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut booking_seen = false;
    while let Some(path) = queue.pop_front() {
        if found.contains_key(&path) || found.len() >= 40 {
            continue;
        }
        c.goto(&app.url(&path)).await.unwrap();
        let problems = match axe_js {
            Some(js) => axe(c, js).await,
            None => Vec::new(),
        };
        let name = if path.starts_with("/staff/bookings/") {
            "booking".to_string()
        } else {
            path.trim_start_matches('/').replace('/', "-")
        };
        screenshot(c, &format!("staff-{who}-{name}")).await;
        found.insert(path, problems);
        let hrefs = c
            .execute(
                "return Array.from(document.querySelectorAll('a[href]:not([download])')).map(a => a.getAttribute('href'))",
                vec![],
            )
            .await
            .unwrap();
        for href in hrefs.as_array().unwrap() {
            let href = href.as_str().unwrap_or_default();
            let path = href
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string();
            if !(path.starts_with("/staff") || path.starts_with("/o/")) {
                continue;
            }
            if let Some(rest) = path.strip_prefix("/staff/bookings/") {
                // One booking's page; its file and its other views are not pages.
                if rest.contains('/') || booking_seen {
                    continue;
                }
                booking_seen = true;
            }
            queue.push_back(path);
        }
    }
    found
}

async fn every_staff_page_is_reached_by_links_and_axe_finds_nothing(app: TestApp) {
    let axe_js = axe_source();
    if axe_js.is_none() {
        skip("axe-core is not installed (REKAM_AXE): staff pages were crawled without it");
    }
    // A morning with someone booked, checked in and waiting for a review.
    let b = app
        .book_ok(&BookingForm::new(&wib(11, 30, 9, 0), &nik(71)).set("guardian_consent", "true"))
        .await;
    assert!(b["code"].is_string());
    app.staff_token("spv-1", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let Some((_driver, c)) = browser_with(1366, 768, true).await else {
        return;
    };
    let mut problems = Vec::new();
    for (who, must) in [
        (
            "spv-1",
            vec![
                "/staff/offices/ciruas",
                "/staff/offices/ciruas/desk",
                "/staff/offices/ciruas/review",
                "/staff/offices/ciruas/call",
                "/staff/offices/ciruas/walk-in",
                "/staff/offices/ciruas/report",
                "/staff/audit",
                "/staff/rules",
                "/staff/account",
                "/o/ciruas/antrean",
            ],
        ),
        (
            "test-admin",
            vec![
                "/staff",
                "/staff/offices/ciruas",
                "/staff/offices/ciruas/desk",
                "/staff/offices/ciruas/review",
                "/staff/offices/ciruas/call",
                "/staff/offices/ciruas/walk-in",
                "/staff/offices/ciruas/report",
                "/staff/audit",
                "/staff/rules",
                "/staff/accounts",
                "/staff/account",
            ],
        ),
    ] {
        c.delete_all_cookies().await.unwrap();
        log_in(&c, &app, who).await;
        let found = crawl(&c, &app, who, axe_js.as_deref()).await;
        let reached: BTreeSet<&str> = found.keys().map(String::as_str).collect();
        let missing: Vec<&&str> = must.iter().filter(|p| !reached.contains(**p)).collect();
        assert!(
            missing.is_empty(),
            "{who}: not reached by links from the landing page: {missing:?} (reached {reached:?})"
        );
        assert!(
            reached.iter().any(|p| p.starts_with("/staff/bookings/")),
            "{who}: a booking's page is reached from the lists: {reached:?}"
        );
        for (page, found) in found {
            for f in found {
                problems.push(format!("{who} {page}: {f}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
    c.close().await.unwrap();
}

/// Seats left on a day, from the public availability.
async fn open_slots(app: &TestApp, day: &str) -> u64 {
    let a = app.availability("ciruas", day, day).await;
    a["days"][0]["slots"].as_array().map_or(0, |s| {
        s.iter().map(|s| s["remaining"].as_u64().unwrap_or(0)).sum()
    })
}

/// Issue 21, item 9: a closure is reopened and a level period ended or deleted from the
/// plan page, each through the same preview as the change it undoes.
async fn a_supervisor_undoes_a_closure_and_a_level_from_the_page(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(81)).set("guardian_consent", "true"))
        .await;
    let code = b["code"].as_str().unwrap().to_string();
    app.staff_token("spv-u", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let open_before = open_slots(&app, "2026-12-01").await;
    assert!(open_before > 0);
    let Some((_driver, c)) = browser_with(1366, 768, true).await else {
        return;
    };
    log_in(&c, &app, "spv-u").await;
    // Close Tuesday: the preview names the booking it displaces; apply.
    set_value(&c, "#f-date", "2026-12-01").await;
    type_in(&c, "#f-closure-reason", "Disinfeksi").await;
    click_to_next_page(&c, Locator::Css("form[action$='/closure'] button")).await;
    // The preview says who (code and name), where they go, and what they are told, by
    // which channel (none is set here).
    let who = text(&c, "#displaced").await;
    assert!(who.contains(&code) && who.contains("Budi Santoso"), "{who}");
    let told = text(&c, "#told").await;
    assert!(
        told.contains(&code) && told.contains("Disinfeksi"),
        "{told}"
    );
    assert!(
        text(&c, "#channel")
            .await
            .contains("Tidak ada saluran pesan")
    );
    screenshot(&c, "plan-close-preview").await;
    click_to_next_page(&c, Locator::Id("apply")).await;
    assert_eq!(open_slots(&app, "2026-12-01").await, 0, "closed");
    // Reopen it from its row: the same preview, then open again.
    click_to_next_page(&c, Locator::Id("reopen-2026-12-01")).await;
    assert!(text(&c, "main").await.contains("2026-12-01"));
    screenshot(&c, "plan-reopen-preview").await;
    click_to_next_page(&c, Locator::Id("apply")).await;
    // Open again, with the seat of the booking the closure moved away free too.
    assert_eq!(
        open_slots(&app, "2026-12-01").await,
        open_before + 1,
        "open again"
    );

    // A joint leave day (Christmas Eve) is opened from its row too.
    click_to_next_page(&c, Locator::Id("reopen-2026-12-24")).await;
    click_to_next_page(&c, Locator::Id("apply")).await;
    let a = app.availability("ciruas", "2026-12-24", "2026-12-24").await;
    assert_eq!(a["days"][0]["closed"], false, "open on a joint leave day");

    // A level 4 period from Wednesday: set, then ended on Thursday, then deleted.
    let wednesday = open_slots(&app, "2026-12-02").await;
    c.find(Locator::Css("#f-level option[value='4']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_value(&c, "#f-effective_from", "2026-12-02").await;
    type_in(&c, "#f-reason", "Inmendagri 99/2026").await;
    click_to_next_page(&c, Locator::Id("level-preview")).await;
    click_to_next_page(&c, Locator::Id("apply")).await;
    let periods = text(&c, "#level-periods").await;
    assert!(periods.contains("Inmendagri 99/2026"), "{periods}");
    let friday_cut = open_slots(&app, "2026-12-04").await;
    let end = c
        .find(Locator::Css("#level-periods button[id^='end-']"))
        .await
        .unwrap();
    let id = end.attr("id").await.unwrap().unwrap()[4..].to_string();
    set_value(&c, &format!("#f-last-{id}"), "2026-12-03").await;
    click_to_next_page(&c, Locator::Id(&format!("end-{id}"))).await;
    assert!(text(&c, "main").await.contains("2026-12-03"));
    click_to_next_page(&c, Locator::Id("apply")).await;
    assert!(text(&c, "#level-periods").await.contains("2026-12-03"));
    assert!(
        open_slots(&app, "2026-12-04").await > friday_cut,
        "Friday is no longer under level 4"
    );
    click_to_next_page(&c, Locator::Id(&format!("delete-{id}"))).await;
    click_to_next_page(&c, Locator::Id("apply")).await;
    assert!(
        !text(&c, "#level-periods")
            .await
            .contains("Inmendagri 99/2026")
    );
    assert_eq!(
        open_slots(&app, "2026-12-02").await,
        wednesday,
        "as before the level"
    );
    c.close().await.unwrap();
}
