//! The day report and the day export: every day of the range has its row (zeros too), on
//! the API and on the page; the page's chart keeps its size for one day and for 366; the
//! people recorded are broken down by kecamatan, sex and age; the operators' export has
//! the full NIK and is audited.

use crate::browser::{browser_with, screenshot, text};
use crate::helpers::*;
use serde_json::{Value, json};

crate::both_databases!(
    the_audit_log_reads_as_sentences_and_hides_reads_unless_asked,
    the_report_has_every_day_and_the_day_export_has_the_full_nik,
    the_report_page_draws_one_day_and_a_year_and_breaks_the_recorded_down,
);

/// Books, checks in and records `n` people this morning (Monday 30 November, 08:00).
async fn record(app: &TestApp, token: &str, who: &[(u32, &str)]) -> Vec<String> {
    let mut codes = Vec::new();
    for (n, nik) in who {
        let b = app
            .book_ok(
                &BookingForm::new(&wib(11, 30, 8, 0), nik)
                    .set("guardian_consent", "true")
                    .set("birth_date", &birth_of(nik)),
            )
            .await;
        let code = b["code"].as_str().unwrap().to_string();
        for (path, body) in [
            ("certificate-review", json!({"decision": "accepted"})),
            ("check-in", json!({"temperature_c": 36.5})),
            ("outcome", json!({"outcome": "recorded"})),
        ] {
            let r = app
                .client
                .post(app.url(&format!("/api/v1/staff/bookings/{code}/{path}")))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{n}: {path}");
        }
        codes.push(code);
    }
    codes
}

/// The birth date a NIK encodes (years 2000–2099).
fn birth_of(nik: &str) -> String {
    let day: u32 = nik[6..8].parse().unwrap();
    let day = if day > 40 { day - 40 } else { day };
    format!("20{}-{}-{:02}", &nik[10..12], &nik[8..10], day)
}

async fn the_report_has_every_day_and_the_day_export_has_the_full_nik(app: TestApp) {
    let token = app
        .staff_token("loket-r", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    record(&app, &token, &[(1, &nik(1))]).await;
    // Three days, people on one of them: three rows.
    let days = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/report?from=2026-11-29&to=2026-12-01",
            &token,
        )
        .await;
    let days = days.as_array().unwrap();
    let dates: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-29", "2026-11-30", "2026-12-01"]);
    assert_eq!(days[0]["booked"], 0);
    assert_eq!(days[1]["recorded"], 1);
    assert_eq!(days[2]["cancelled"], 0);
    // A whole year: 366 rows (2028 has 29 February).
    let year = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/report?from=2027-11-30&to=2028-11-29",
            &token,
        )
        .await;
    assert_eq!(year.as_array().unwrap().len(), 366);

    // The day's export for the operators: the full NIK, in CSV, audited.
    let r = app
        .client
        .get(app.url("/api/v1/staff/offices/ciruas/days/2026-11-30/bookings"))
        .bearer_auth(&token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("queue_number,time,code,name,nik,status,certificate_status,walk_in")
    );
    let row = lines.next().unwrap();
    assert!(row.contains(&nik(1)) && row.contains("recorded"), "{row}");
    // The JSON list keeps it masked.
    let list = app
        .staff_json(
            "/api/v1/staff/offices/ciruas/days/2026-11-30/bookings",
            &token,
        )
        .await;
    assert!(!list.to_string().contains(&nik(1)));
    let audit = app
        .staff_json(
            "/api/v1/staff/audit?action=day_list.export",
            &app.admin_token,
        )
        .await;
    let rows = audit
        .as_array()
        .or(audit["rows"].as_array())
        .unwrap()
        .clone();
    assert!(
        rows.iter()
            .any(|r| r["actor"].as_str().unwrap_or_default().contains("loket-r")),
        "{audit}"
    );
}

async fn the_report_page_draws_one_day_and_a_year_and_breaks_the_recorded_down(app: TestApp) {
    let token = app
        .staff_token("spv-r", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    // A man of 17 from kecamatan 36.04.05, a woman of 17 from there too, a man of 18 from
    // Ciruas (36.04.09).
    let woman = "3604054707090002";
    let older = "3604090101080003";
    record(&app, &token, &[(1, &nik(1)), (2, woman), (3, older)]).await;
    let Some((_driver, c)) = browser_with(1366, 768, true).await else {
        return;
    };
    crate::browser::log_in(&c, &app, "spv-r").await;
    let chart_height = |c: &fantoccini::Client| {
        let c = c.clone();
        async move {
            let v: Value = c
                .execute(
                    "const s = document.querySelector('.report-chart svg').getBoundingClientRect();
                     const bars = Array.from(document.querySelectorAll('.report-chart rect'))
                       .map(r => r.getBoundingClientRect());
                     return [s.height, Math.max(...bars.map(b => b.height)), Math.max(...bars.map(b => b.width))];",
                    vec![],
                )
                .await
                .unwrap();
            let v: Vec<f64> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            v
        }
    };
    // One day: one bar, not one bar the size of the page.
    c.goto(&app.url("/staff/offices/ciruas/report?from=2026-11-30&to=2026-11-30"))
        .await
        .unwrap();
    let [svg, tallest, widest] = chart_height(&c).await[..] else {
        panic!()
    };
    assert!(svg <= 200.0 && tallest <= svg, "svg {svg}, bar {tallest}");
    assert!(widest <= 100.0, "one day's bar is {widest} px wide");
    assert_eq!(text(&c, "#report tbody").await.lines().count(), 1);
    let sex = text(&c, "#by-sex").await;
    assert!(
        sex.contains("Laki-laki 2") && sex.contains("Perempuan 1"),
        "{sex}"
    );
    let ages = text(&c, "#by-age").await;
    assert!(
        ages.contains("17 (pemilih pemula) 2") && ages.contains("18–21 1"),
        "{ages}"
    );
    let kecamatan = text(&c, "#by-kecamatan").await;
    assert!(
        kecamatan.contains("36.04.05 2") && kecamatan.contains("36.04.09 1"),
        "{kecamatan}"
    );
    screenshot(&c, "report-one-day").await;
    // A whole year: a row for every day, the chart the same size.
    c.goto(&app.url("/staff/offices/ciruas/report?from=2025-12-01&to=2026-11-30"))
        .await
        .unwrap();
    let [svg, tallest, _] = chart_height(&c).await[..] else {
        panic!()
    };
    assert!(svg <= 200.0 && tallest <= svg, "svg {svg}, bar {tallest}");
    assert_eq!(text(&c, "#report tbody").await.lines().count(), 365);
    screenshot(&c, "report-a-year").await;
    c.close().await.unwrap();
}

/// Issue 21, item 12: the audit page tells each record as a sentence ("loket-a (Petugas
/// loket) men-check-in K7QM2XPA"), leaves the records of reads out unless asked, offers
/// the actions as a list, and gives times in the office's zone (the CSV too).
async fn the_audit_log_reads_as_sentences_and_hides_reads_unless_asked(app: TestApp) {
    let token = app
        .staff_token("loket-a", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let codes = record(&app, &token, &[(1, &nik(1))]).await;
    // A read, which the page leaves out by default.
    app.staff_json(&format!("/api/v1/staff/bookings/{}", codes[0]), &token)
        .await;
    app.staff_token("spv-a", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let (_, cookie) = crate::security::log_in(&app, "spv-a").await;
    let get = |path: &'static str| {
        let (client, cookie, url) = (app.client.clone(), cookie.clone(), app.url(path));
        async move {
            client
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let page = get("/staff/audit").await;
    let said = format!("loket-a (Petugas loket) mencatat hadir {}", codes[0]);
    assert!(page.contains(&said), "{page}");
    assert!(page.contains(&format!(
        "loket-a (Petugas loket) mencatat {} sudah direkam",
        codes[0]
    )));
    let table = &page[page.find("id=\"audit\"").expect("the log")..];
    assert!(
        !table.contains("melihat data"),
        "reads are left out: {table}"
    );
    assert!(
        page.contains("<option value=\"booking.check_in\""),
        "actions as a list"
    );
    let with_reads = get("/staff/audit?reads=1").await;
    assert!(
        with_reads.contains(&format!(
            "loket-a (Petugas loket) melihat data {}",
            codes[0]
        )),
        "{with_reads}"
    );
    let csv = get("/staff/audit?format=csv").await;
    assert!(csv.lines().nth(1).unwrap().contains("+07:00"), "{csv}");
}
