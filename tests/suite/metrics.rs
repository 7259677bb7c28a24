//! `/metrics` is Prometheus' text format, parsed here by a Prometheus parser, with the
//! figures an operator needs and nothing personal in it.

use crate::both_databases;
use crate::helpers::*;

both_databases!(metrics_parse_and_hold_nothing_personal,);

async fn metrics_parse_and_hold_nothing_personal(app: TestApp) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(4321)).set("name", "Siti Rahmawati"))
        .await;
    let token = b["token"].as_str().unwrap();
    let code = b["code"].as_str().unwrap();
    // A manage page read, with its token in the URL.
    let r = app
        .client
        .get(app.url(&format!("/b/{code}?t={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A made-up method is no label of its own.
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    app.client.request(brew, app.url("/")).send().await.unwrap();
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    let names: std::collections::BTreeSet<&str> =
        scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    for wanted in [
        "http_requests_total",
        "http_request_duration_seconds",
        "bookings",
        "outbox_pending",
        "outbox_failed",
        "db_pool_connections",
        "group_commit_batch_size",
    ] {
        assert!(
            names.contains(wanted)
                || (wanted.starts_with("group_commit") && app.database_url.starts_with("postgres")),
            "{wanted} missing: {names:?}"
        );
    }
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "latency is a histogram"
    );
    // Requests are counted by route template, never by URL.
    let routes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .collect();
    assert!(
        routes.iter().any(|l| l.contains("route=\"/b/{code}\"")),
        "{routes:?}"
    );
    assert!(!text.contains("BREW"), "methods are a fixed set");
    for personal in [
        nik(4321).as_str(),
        "Siti",
        "Rahmawati",
        "81234567890",
        token,
        code,
    ] {
        assert!(!text.contains(personal), "{personal} in /metrics");
    }
}
