//! A 201 survives the process being killed right after the answer; the CLI of API.md
//! sets up staff and tokens.

use crate::helpers::*;
use chrono::{Duration, Utc};
use chrono_tz::Asia::Jakarta;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

fn rekam(database: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.env("DATABASE_URL", database).env("RUST_LOG", "warn");
    c
}

/// Starts `rekam serve` on a free port and returns it with its base URL.
fn serve(database: &str) -> (Child, String) {
    let mut child = rekam(database)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("rekam serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(url) = line.strip_prefix("rekam listening on ") {
            break url.to_string();
        }
    };
    (child, base)
}

async fn a_booking_answered_201_survives_a_kill(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database_url(db, &dir).await else {
        return;
    };
    // Staff set-up through the CLI, the password on standard input.
    let mut add = rekam(&url)
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
    let token = rekam(&url)
        .args(["staff", "token", "--username", "cli-admin"])
        .output()
        .unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let dup = rekam(&url)
        .args(["staff", "add", "--username", "cli-admin", "--role", "admin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !dup.status.success(),
        "a taken username or short password is refused"
    );

    let (mut child, base) = serve(&url);
    let client = reqwest::Client::new();
    let mut office = demo_office();
    let every_day = json!(["00:00", "23:30"]);
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        office["hours"][d] = every_day.clone();
    }
    let r = client
        .put(format!("{base}/api/v1/admin/offices/ciruas"))
        .bearer_auth(&token)
        .json(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let tomorrow = (Utc::now().with_timezone(&Jakarta) + Duration::days(1)).date_naive();
    let slot = format!("{tomorrow}T10:00:00+07:00");
    let issued = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let form = BookingForm::new(&slot, &nik(1)).set("certificate_issued_at", &issued);
    let r = client
        .post(format!("{base}/api/v1/bookings"))
        .multipart(form.multipart())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Kill -9 the moment the answer is in: no graceful shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();
    let b: Value = r.json().await.unwrap();

    let (mut child, base) = serve(&url);
    let got = client
        .get(format!(
            "{base}/api/v1/bookings/{}",
            b["code"].as_str().unwrap()
        ))
        .header("X-Booking-Token", b["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.json::<Value>().await.unwrap()["status"], "confirmed");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_booking_answered_201_survives_a_kill_sqlite() {
    a_booking_answered_201_survives_a_kill(Db::Sqlite).await;
}

#[tokio::test]
async fn a_booking_answered_201_survives_a_kill_postgres() {
    a_booking_answered_201_survives_a_kill(Db::Postgres).await;
}
