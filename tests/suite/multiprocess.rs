//! Several processes on one database — two servers during a restart, a CLI beside the
//! server, many servers on PostgreSQL — never make a request fail: three `rekam serve`
//! processes on one SQLite file (and on one PostgreSQL database) take bursts for one
//! slot, one NIK at a time, and bookings racing a level change, with `rekam plan` run
//! beside them. No answer is a 5xx, and the caps are exact.

use crate::helpers::*;
use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Asia::Jakarta;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;

/// The starts of the free slots of the open days from the day after tomorrow, for four
/// days (within a week-long certificate; the servers run on the real clock).
pub(crate) async fn open_slots(client: &reqwest::Client, base: &str) -> Vec<String> {
    let from = Utc::now().with_timezone(&Jakarta).date_naive() + Duration::days(2);
    let v: Value = client
        .get(format!(
            "{base}/api/v1/offices/ciruas/availability?from={from}&to={}",
            from + Duration::days(3)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["bookable"] == true)
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .filter(|s| s["remaining"].as_u64().unwrap_or(0) > 0)
        .map(|s| s["start"].as_str().unwrap().to_string())
        .collect()
}

/// An admin token made through the CLI.
pub(crate) fn cli_admin(url: &str) -> String {
    let mut add = rekam(url)
        .args(["staff", "add", "--username", "cli-admin", "--role", "admin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    let token = rekam(url)
        .args(["staff", "token", "--username", "cli-admin"])
        .output()
        .unwrap();
    assert!(token.status.success());
    String::from_utf8(token.stdout).unwrap().trim().to_string()
}

/// Counts the answers by status, and fails on any 5xx or a request with no answer.
#[derive(Default, Debug)]
struct Tally(BTreeMap<u16, usize>, Vec<String>);

impl Tally {
    fn add(&mut self, status: u16, body: String) {
        *self.0.entry(status).or_default() += 1;
        if status >= 500 {
            self.1.push(body);
        }
    }

    fn get(&self, status: u16) -> usize {
        self.0.get(&status).copied().unwrap_or(0)
    }

    fn assert_no_failures(&self, what: &str) {
        assert!(
            self.0.keys().all(|s| *s < 500) && self.1.is_empty(),
            "{what}: {:?}, e.g. {:?}",
            self.0,
            self.1.first()
        );
    }
}

/// Sends every request of `forms` at once, round-robin over the servers.
async fn burst(servers: &[String], forms: Vec<BookingForm>) -> (Tally, Vec<Value>) {
    let client = reqwest::Client::new();
    let mut sent = tokio::task::JoinSet::new();
    for (i, form) in forms.into_iter().enumerate() {
        let base = servers[i % servers.len()].clone();
        let client = client.clone();
        sent.spawn(async move {
            match client
                .post(format!("{base}/api/v1/bookings"))
                .multipart(form.multipart())
                .send()
                .await
            {
                Ok(r) => {
                    let status = r.status().as_u16();
                    (status, r.text().await.unwrap_or_default())
                }
                Err(e) => (599, format!("no answer: {e}")),
            }
        });
    }
    let mut tally = Tally::default();
    let mut bodies = Vec::new();
    while let Some(done) = sent.join_next().await {
        let (status, body) = done.unwrap();
        if let Ok(v) = serde_json::from_str::<Value>(&body) {
            bodies.push(v);
        }
        tally.add(status, body);
    }
    (tally, bodies)
}

/// Three servers on one database (the first migrates; the other two start on the
/// migrated database, as in a rolling restart), an office open every day, an admin's
/// token, and the open days two days ahead (a holiday is skipped: the servers run on the
/// real clock).
struct Cluster {
    _dir: tempfile::TempDir,
    url: TestDb,
    token: String,
    servers: Vec<Server>,
    bases: Vec<String>,
    client: reqwest::Client,
    open: Vec<Value>,
    issued: String,
}

impl Cluster {
    async fn start(db: Db) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(db, &dir).await?;
        let token = cli_admin(&url);
        let servers: Vec<Server> = (0..3).map(|_| Server::start(&url, &[])).collect();
        let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
        let client = reqwest::Client::new();
        let mut office = demo_office();
        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            office["hours"][d] = json!(["08:00", "15:00"]);
        }
        let r = client
            .put(format!("{}/api/v1/admin/offices/ciruas", bases[0]))
            .bearer_auth(&token)
            .json(&office)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let mut cluster = Self {
            _dir: dir,
            url,
            token,
            servers,
            bases,
            client,
            open: Vec::new(),
            issued: (Utc::now() - Duration::hours(1)).to_rfc3339(),
        };
        let today = Utc::now().with_timezone(&Jakarta).date_naive();
        let days = cluster.availability(today + Duration::days(2)).await;
        cluster.open = days["days"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["bookable"] == true && d["slots"].as_array().unwrap().len() >= 10)
            .cloned()
            .collect();
        assert!(cluster.open.len() >= 2, "two open days ahead: {days}");
        Some(cluster)
    }

    /// A week of availability from `from`, through the second server.
    async fn availability(&self, from: NaiveDate) -> Value {
        self.client
            .get(format!(
                "{}/api/v1/offices/ciruas/availability?from={from}&to={}",
                self.bases[1],
                from + Duration::days(6)
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn form(&self, slot: &str, n: u32) -> BookingForm {
        BookingForm::new(slot, &nik(n)).set("certificate_issued_at", &self.issued)
    }

    fn stop(self) {
        for s in self.servers {
            s.kill9();
        }
    }
}

/// 120 bookings for one slot through three processes: exactly its capacity.
async fn three_processes_fill_one_slot_exactly(db: Db) {
    let Some(c) = Cluster::start(db).await else {
        return;
    };
    let (bases, open, form) = (&c.bases, &c.open, |s: &str, n: u32| c.form(s, n));
    let slot = open[0]["slots"][0].clone();
    let capacity = slot["capacity"].as_u64().unwrap() as usize;
    let start = slot["start"].as_str().unwrap().to_string();
    let (tally, _) = burst(bases, (0..120).map(|i| form(&start, 1 + i)).collect()).await;
    tally.assert_no_failures("one slot, three processes");
    assert_eq!(tally.get(201), capacity, "{tally:?}");
    assert_eq!(tally.get(409), 120 - capacity, "{tally:?}");
    c.stop();
}

/// One NIK, 30 slots at once through three processes: one booking.
async fn three_processes_give_one_nik_one_booking(db: Db) {
    let Some(c) = Cluster::start(db).await else {
        return;
    };
    let (bases, open, form) = (&c.bases, &c.open, |s: &str, n: u32| c.form(s, n));
    let slots: Vec<String> = open[0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|s| s["start"].as_str().unwrap().to_string())
        .collect();
    let (tally, bodies) = burst(
        bases,
        (0..30)
            .map(|i| form(&slots[i % slots.len()], 9_000))
            .collect(),
    )
    .await;
    tally.assert_no_failures("one NIK, three processes");
    assert_eq!(tally.get(201), 1, "{tally:?}");
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b["error"] == "active_booking_exists")
            .count(),
        29
    );
    c.stop();
}

/// Bookings for the second day race a level change that lowers its caps, with
/// `rekam plan` run beside them; afterwards no slot holds more than its capacity.
async fn three_processes_racing_a_level_change_never_overfill_a_slot(db: Db) {
    let Some(c) = Cluster::start(db).await else {
        return;
    };
    let (bases, open, form) = (&c.bases, &c.open, |s: &str, n: u32| c.form(s, n));
    let (client, token, url) = (&c.client, &c.token, c.url.to_string());
    let availability = |from: NaiveDate| c.availability(from);
    let day = open[1]["date"].as_str().unwrap().to_string();
    let day_slots: Vec<String> = open[1]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_string())
        .collect();
    let forms: Vec<BookingForm> = (0..150)
        .map(|i| form(&day_slots[i % day_slots.len()], 200 + i as u32))
        .collect();
    let level = {
        let (client, base, token, day) =
            (client.clone(), bases[2].clone(), token.clone(), day.clone());
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            let r = client
                .put(format!("{base}/api/v1/staff/offices/ciruas/levels"))
                .bearer_auth(&token)
                .json(
                    &json!({"level": "4", "effective_from": day, "effective_to": null,
                              "reason": "Inmendagri 22/2021"}),
                )
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        })
    };
    let plan = {
        let url = url.to_string();
        tokio::task::spawn_blocking(move || {
            rekam(&url)
                .args(["plan", "--office", "ciruas", "--days", "5"])
                .output()
                .unwrap()
        })
    };
    let (tally, bodies) = burst(bases, forms).await;
    tally.assert_no_failures("bookings racing a level change");
    eprintln!(
        "racing a level change: {tally:?}, e.g. {:?}",
        bodies.iter().find(|b| b.get("error").is_some())
    );
    assert_eq!(level.await.unwrap(), 200, "the level change applies");
    let plan = plan.await.unwrap();
    assert!(
        plan.status.success(),
        "rekam plan beside three servers: {}",
        String::from_utf8_lossy(&plan.stderr)
    );
    // What each slot of the day holds, against its capacity now.
    let after = availability(NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap()).await;
    let capacities: BTreeMap<String, u64> = after["days"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_string(),
                s["capacity"].as_u64().unwrap(),
            )
        })
        .collect();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let held: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT slot_start, COUNT(*) FROM bookings WHERE status = 'confirmed' \
         AND local_date = $1 GROUP BY slot_start",
    )
    .bind(&day)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!held.is_empty(), "bookings were taken on {day}");
    for (start, n) in held {
        let start = chrono::DateTime::from_timestamp(start, 0)
            .unwrap()
            .with_timezone(&Jakarta)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
        let cap = capacities.get(&start).copied().unwrap_or(0);
        assert!(n as u64 <= cap, "{start} holds {n}, capacity {cap}");
    }
    assert_counters_agree(&pool, "ciruas").await;
    pool.close().await;
    c.stop();
}

crate::both_databases!(
    engine;
    three_processes_fill_one_slot_exactly,
    three_processes_give_one_nik_one_booking,
    three_processes_racing_a_level_change_never_overfill_a_slot,
);
