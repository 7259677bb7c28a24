//! A 201 survives the process being killed in the middle of a burst of bookings (on
//! SQLite, in the middle of a group commit); the CLI of API.md sets up staff and tokens.

use crate::helpers::*;
use chrono::{Duration, Utc};
use chrono_tz::Asia::Jakarta;
use serde_json::{Value, json};
use std::process::Stdio;

async fn bookings_answered_201_survive_a_kill_mid_batch(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database_url(db, &dir).await else {
        return;
    };
    // An admin through the CLI (the password on standard input), an office open every
    // day, and the seats of the coming days.
    let (server, seats, issued) = open_office(&url, 240).await;
    assert!(
        seats.len() >= 200,
        "enough open seats in the coming days: {}",
        seats.len()
    );
    let dup = rekam(&url)
        .args(["staff", "add", "--username", "cli-admin", "--role", "admin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !dup.status.success(),
        "a taken username or short password is refused"
    );
    let base = server.base.clone();
    let client = reqwest::Client::new();

    // 240 bookings at once; once 20 have been answered 201, kill -9 the server while
    // the rest are queued or being written (on SQLite, in the middle of a group commit).
    let (acks, mut acked) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let unanswered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut sent = tokio::task::JoinSet::new();
    for (i, slot) in seats.iter().enumerate() {
        let form = BookingForm::new(slot, &nik(1 + i as u32)).set("certificate_issued_at", &issued);
        let (client, base, acks) = (client.clone(), base.clone(), acks.clone());
        let unanswered = unanswered.clone();
        sent.spawn(async move {
            let Ok(r) = client
                .post(format!("{base}/api/v1/bookings"))
                .multipart(form.multipart())
                .send()
                .await
            else {
                unanswered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                return;
            };
            if r.status() == 201 {
                // Acknowledged only once the whole answer has arrived.
                if let Ok(body) = r.json::<Value>().await {
                    let _ = acks.send(body);
                }
            }
        });
    }
    drop(acks);
    let mut answered = Vec::new();
    while answered.len() < 20 {
        answered.push(acked.recv().await.expect("bookings are answered"));
    }
    server.kill9();
    while sent.join_next().await.is_some() {}
    while let Ok(b) = acked.try_recv() {
        answered.push(b);
    }
    eprintln!(
        "{} of {} bookings were answered 201 before the kill",
        answered.len(),
        seats.len()
    );
    let unanswered = unanswered.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("{unanswered} requests got no answer at all");
    assert!(
        unanswered > 0 && answered.len() < seats.len(),
        "the kill came while bookings were still in flight"
    );

    let server = Server::start(&url, &[]);
    let base = server.base.clone();
    for b in &answered {
        let got = client
            .get(format!(
                "{base}/api/v1/bookings/{}",
                b["code"].as_str().unwrap()
            ))
            .header("X-Booking-Token", b["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "an acknowledged booking survives: {b}");
        let got: Value = got.json().await.unwrap();
        assert_eq!(got["status"], "confirmed");
        assert_eq!(got["slot_start"], b["slot_start"]);
    }
    // Whatever else was written before the kill is whole: each booking has its
    // certificate, and the seat counters agree with the bookings.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&url).await.unwrap();
    let (orphans,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM bookings b WHERE NOT EXISTS \
         (SELECT 1 FROM certificates c WHERE c.booking_id = b.id)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no booking without its certificate");
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM bookings")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(rows >= answered.len() as i64);
    assert_counters_agree(&db, "ciruas").await;
    db.close().await;
    server.kill9();
}

crate::both_databases!(engine; bookings_answered_201_survive_a_kill_mid_batch);

/// A server on `url` with an office open every day, an admin token through the CLI, and
/// up to `n` open seats (slot starts) in the coming days within a certificate's week.
pub(crate) async fn open_office(url: &str, n: usize) -> (Server, Vec<String>, String) {
    let token = crate::multiprocess::cli_admin(url);
    let server = Server::start(url, &[]);
    let client = reqwest::Client::new();
    let mut office = demo_office();
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        office["hours"][d] = json!(["00:00", "23:30"]);
    }
    let r = client
        .put(format!("{}/api/v1/admin/offices/ciruas", server.base))
        .bearer_auth(&token)
        .json(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let now = Utc::now();
    let today = now.with_timezone(&Jakarta).date_naive();
    let a: Value = client
        .get(format!(
            "{}/api/v1/offices/ciruas/availability?from={today}&to={}",
            server.base,
            today + Duration::days(5)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seats = a["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .filter(|s| {
            chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap()
                > now + Duration::minutes(30)
        })
        .flat_map(|s| {
            let n = s["remaining"].as_u64().unwrap() as usize;
            std::iter::repeat_n(s["start"].as_str().unwrap().to_string(), n)
        })
        .take(n)
        .collect();
    (server, seats, (now - Duration::hours(1)).to_rfc3339())
}

/// `rekam backup` in the middle of a 30-second booking load: the copy opens, passes
/// SQLite's integrity check, and holds every booking acknowledged before the backup
/// started.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_during_a_booking_load_holds_every_acknowledged_booking() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(Db::Sqlite, &dir).await.unwrap();
    let (server, seats, issued) = open_office(&url, 1200).await;
    assert!(seats.len() >= 1000, "open seats: {}", seats.len());
    let load_for = std::time::Duration::from_secs(30);
    let started = std::time::Instant::now();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let client = reqwest::Client::new();
    // Eight clients booking one after another for the whole test.
    let mut load = tokio::task::JoinSet::new();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..8 {
        let (client, base, acked, next, seats, issued) = (
            client.clone(),
            server.base.clone(),
            acked.clone(),
            next.clone(),
            seats.clone(),
            issued.clone(),
        );
        load.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= seats.len() || started.elapsed() >= load_for {
                    return;
                }
                let form = BookingForm::new(&seats[i], &nik(1 + i as u32))
                    .set("certificate_issued_at", &issued);
                let r = client
                    .post(format!("{base}/api/v1/bookings"))
                    .multipart(form.multipart())
                    .send()
                    .await
                    .unwrap();
                if r.status() == 201 {
                    let b: Value = r.json().await.unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push(b["code"].as_str().unwrap().to_string());
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        });
    }
    // The backup halfway through.
    tokio::time::sleep(load_for / 2).await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    assert!(
        before.len() >= 20,
        "bookings before the backup: {}",
        before.len()
    );
    let copy = dir.path().join("copy.db");
    let out = rekam(&url)
        .args(["backup", "--to", copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let during = acked.lock().unwrap().len();
    while load.join_next().await.is_some() {}
    assert!(
        acked.lock().unwrap().len() > during,
        "bookings went on after the backup"
    );
    assert!(
        started.elapsed() >= load_for,
        "the load lasted {:?}",
        started.elapsed()
    );
    eprintln!(
        "backup: {} bookings acknowledged before it, {} in all over {:?}",
        before.len(),
        acked.lock().unwrap().len(),
        started.elapsed()
    );
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    for code in &before {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM bookings WHERE code = ?")
            .bind(code)
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{code} acknowledged before the backup is in the copy");
    }
    // Into an existing file: refused, nothing overwritten.
    let again = rekam(&url)
        .args(["backup", "--to", copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    // A mistyped database is no database: nothing is created, the backup fails.
    let nowhere = dir.path().join("nothere.db");
    let wrong = rekam(&format!("sqlite://{}", nowhere.display()))
        .args(["backup", "--to", dir.path().join("x.db").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(!nowhere.exists(), "no empty database was made");
    drop(server);
}
