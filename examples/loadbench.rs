//! Load benchmark: booking throughput and latency over HTTP with a ~100 KB certificate,
//! and availability reads per second.
//!
//! ```text
//! cargo run --release --example loadbench                       # SQLite file in a temp dir
//! cargo run --release --example loadbench -- --seconds 20 --clients 16,64
//! cargo run --release --example loadbench -- --database postgres://…/empty_db
//! ```
//!
//! The server runs in this process on its own Tokio runtime; the clients run on another
//! and reach it through loopback HTTP, so requests go through the whole stack (hyper,
//! multipart parsing, content sniffing, the database transaction and its fsync).

#[path = "common/mod.rs"]
mod common;

use common::{certificate_png, drive, report};
use rekam::clock::Clock;
use rekam::config::Settings;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

struct Args {
    database: Option<String>,
    seconds: u64,
    clients: Vec<usize>,
}

fn args() -> Args {
    let mut a = Args {
        database: None,
        seconds: 10,
        clients: vec![16, 64],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--database" => a.database = Some(value),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--clients" => {
                a.clients = value
                    .split(',')
                    .map(|c| c.parse().expect("--clients 16,64"))
                    .collect()
            }
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn main() -> anyhow::Result<()> {
    let args = args();
    let dir = tempfile::tempdir()?;
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));

    // The server: its own runtime, as `rekam serve` would have.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (base, store) = server_rt.block_on(async {
        let app = rekam::Application::build(
            "127.0.0.1:0",
            &database,
            // All the load comes from one address: no per-address booking limit.
            Settings {
                bookings_per_hour: 0,
                ..Settings::default()
            },
            Clock::system(),
        )
        .await
        .expect("app starts");
        let base = format!("http://{}", app.addr());
        let store = app.store.clone();
        tokio::spawn(app.serve());
        (base, store)
    });
    let admin = server_rt.block_on(async {
        rekam::usecases::accounts::add(
            &store,
            "bench-admin",
            "bench password 123",
            rekam::domain::Role::Admin,
            None,
            chrono::Utc::now(),
        )
        .await
        .expect("admin");
        rekam::usecases::accounts::issue_token(&store, "bench-admin", chrono::Utc::now())
            .await
            .expect("token")
    });

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    client_rt.block_on(async move {
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
        // A large office open around the clock, so capacity never runs out mid-run:
        // the benchmark measures the booking path, not 409s.
        let every_day = json!(["00:00", "23:55"]);
        let mut hours = serde_json::Map::new();
        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            hours.insert(d.into(), every_day.clone());
        }
        let big = json!({"name": "Bench", "timezone": "Asia/Jakarta", "address": "-",
            "recording_sets": 1000, "minutes_per_recording": 1, "waiting_room_seats": 5000,
            "slot_minutes": 5, "max_visitors_per_day": null, "booking_horizon_days": 5, "hours": hours});
        let r = client.put(format!("{base}/api/v1/admin/offices/bench")).bearer_auth(&admin).json(&big).send().await.unwrap();
        assert!(r.status().is_success(), "office");
        let demo = serde_json::to_value(rekam::demo::demo_office()).unwrap();
        client.put(format!("{base}/api/v1/admin/offices/ciruas")).bearer_auth(&admin).json(&demo).send().await.unwrap();
        let avail: serde_json::Value = client
            .get(format!("{base}/api/v1/offices/bench/availability"))
            .send().await.unwrap().json().await.unwrap();
        let slots: Arc<Vec<String>> = Arc::new(
            avail["days"].as_array().unwrap().iter().skip(1).take(3)
                .flat_map(|d| d["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_string()))
                .collect(),
        );
        let demo_avail: serde_json::Value = client
            .get(format!("{base}/api/v1/offices/ciruas/availability"))
            .send().await.unwrap().json().await.unwrap();
        let demo_days = demo_avail["days"].as_array().unwrap();
        let demo_slots: usize = demo_days.iter().map(|d| d["slots"].as_array().unwrap().len()).sum();
        let cert = Arc::new(certificate_png(100 * 1024));
        let issued = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        println!("machine: {} cores; database {}; certificate {} KB; {} s per run",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            rekam::config::redact_url(&database).split('?').next().unwrap_or(""),
            cert.len() / 1024, args.seconds);
        println!("availability reads: the demo office, {} days, {demo_slots} slots today", demo_days.len());
        let mut next_nik = 0u64;
        for &clients in &args.clients {
            let offset = next_nik;
            let (client, base, slots, cert, issued) = (client.clone(), base.clone(), slots.clone(), cert.clone(), issued.clone());
            let mut out = drive(clients, args.seconds, move |n| {
                let n = n + offset;
                let nik = format!("3604{:02}070509{:04}", 1 + (n / 9999) % 99, 1 + n % 9999);
                let form = Form::new()
                    .text("office", "bench")
                    .text("slot_start", slots[n as usize % slots.len()].clone())
                    .text("nik", nik)
                    .text("name", "Bench Applicant")
                    .text("birth_date", "2009-05-07")
                    .text("phone", "081234567890")
                    .text("certificate_kind", "surat_sehat")
                    .text("certificate_issued_at", issued.clone())
                    .text("consent", "true")
                    .part("certificate", Part::bytes(cert.to_vec()).file_name("c.png").mime_str("image/png").unwrap());
                let req = client.post(format!("{base}/api/v1/bookings")).multipart(form).send();
                async move { matches!(req.await, Ok(r) if r.status() == 201) }
            })
            .await;
            next_nik += out.ok + out.other + clients as u64;
            report(&format!("bookings, {clients} clients"), &mut out);
        }
        for &clients in &args.clients {
            let (client, base) = (client.clone(), base.clone());
            let mut out = drive(clients, args.seconds, move |_| {
                let req = client.get(format!("{base}/api/v1/offices/ciruas/availability")).send();
                async move {
                    match req.await {
                        Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                        _ => false,
                    }
                }
            })
            .await;
            report(&format!("availability reads, {clients} clients"), &mut out);
        }
    });
    server_rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
