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

use rekam::clock::Clock;
use rekam::config::Settings;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG of about 100 KB: a 1×1 image with a 100 KB text chunk.
fn certificate_png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489";
    let tail = "0000000d4944415478da63f8cfc0f01f0005000201a5d8a8e80000000049454e44ae426082";
    let unhex = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let mut png = unhex(hex);
    let mut chunk = b"tEXt".to_vec();
    chunk.extend(b"Comment\0");
    chunk.extend(std::iter::repeat_n(b'x', 100 * 1024));
    png.extend(((chunk.len() - 4) as u32).to_be_bytes());
    png.extend(&chunk);
    png.extend(crc32(&chunk).to_be_bytes());
    png.extend(unhex(tail));
    png
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// What a run measured. Latency percentiles are of the successful answers only (201 for
/// bookings, 200 for reads): a fast refusal must not flatter them.
struct Outcome {
    ok: u64,
    other: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

fn report(label: &str, o: &mut Outcome) {
    o.latencies.sort();
    println!(
        "{label:<38} {:>8.0}/s  p50 {:>6.1} ms  p99 {:>6.1} ms  ({} ok, {} other)",
        o.ok as f64 / o.elapsed.as_secs_f64(),
        percentile(&o.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&o.latencies, 0.99).as_secs_f64() * 1e3,
        o.ok,
        o.other
    );
    if o.other > 0 {
        println!(
            "  (!) {} answers were not successful and are left out of the figures",
            o.other
        );
    }
}

/// Runs `clients` loops of `request` for `seconds`.
async fn drive<F, Fut>(clients: usize, seconds: u64, request: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let request = request.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let (mut ok, mut other, mut lat) = (0, 0, Vec::new());
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    if request(n).await {
                        ok += 1;
                        lat.push(t.elapsed());
                    } else {
                        other += 1;
                    }
                }
                (ok, other, lat)
            })
        })
        .collect();
    let mut out = Outcome {
        ok: 0,
        other: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (ok, other, lat) = t.await.unwrap();
        out.ok += ok;
        out.other += other;
        out.latencies.extend(lat);
    }
    out.elapsed = start.elapsed();
    out
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
        let cert = Arc::new(certificate_png());
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
