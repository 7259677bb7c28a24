//! The national benchmark: a running rekam server with the national data set
//! (`examples/national.rs`) is driven over HTTP, as applicants and desks across the
//! country would: availability of one office (15 days), a desk's day list, and bookings
//! with a 100 KB and a 3 KB certificate spread over the offices' free seats. With
//! `--invariants` it then checks, on the same data: a burst at one slot books exactly its
//! free seats, concurrent bookings of one NIK make exactly one, and a level change for
//! every office of one province re-plans without losing a booking.
//!
//! ```text
//! bench/national postgres://…/national        # loads the set, starts the server, runs this
//! cargo run --release --example nationalbench -- --url http://127.0.0.1:8080 --token T
//! ```

#[path = "common/mod.rs"]
mod common;

use chrono::{Duration as Days, NaiveDate, Utc};
use common::{Outcome, certificate_png, drive, report};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Args {
    url: String,
    token: String,
    seconds: u64,
    clients: Vec<usize>,
    invariants: bool,
    bookings_only: bool,
    province: String,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        token: String::new(),
        seconds: 10,
        clients: vec![16, 64],
        invariants: false,
        bookings_only: false,
        province: "banten".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--invariants" {
            a.invariants = true;
            continue;
        }
        if flag == "--bookings-only" {
            a.bookings_only = true;
            continue;
        }
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--url" => a.url = value,
            "--token" => a.token = value,
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--province" => a.province = value,
            "--clients" => {
                a.clients = value
                    .split(',')
                    .map(|c| c.parse().expect("--clients 16,64"))
                    .collect()
            }
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(
        !a.token.is_empty(),
        "--token (an admin's API token) is required"
    );
    a
}

/// A valid NIK for a person born on 2009-05-07, unique per `n` (< 99 × 99 × 9999),
/// and different in every run (the first one starts at a place set by the clock to the
/// nanosecond, so that runs on one database do not meet).
fn nik(n: u64) -> String {
    static BASE: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        let t = Utc::now();
        (t.timestamp() as u64 * 1_000_003 + u64::from(t.timestamp_subsec_nanos()))
            % (99 * 99 * 9999)
    });
    let n = (n + *BASE) % (99 * 99 * 9999);
    format!(
        "36{:02}{:02}070509{:04}",
        1 + (n / 9999) % 99,
        1 + (n / (9999 * 99)) % 99,
        1 + n % 9999
    )
}

fn booking_form(office: &str, slot: &str, nik: &str, cert: &[u8], issued: &str) -> Form {
    Form::new()
        .text("office", office.to_string())
        .text("slot_start", slot.to_string())
        .text("nik", nik.to_string())
        .text("name", "Bench Applicant")
        .text("birth_date", "2009-05-07")
        .text("phone", "081234567890")
        .text("certificate_kind", "surat_sehat")
        .text("certificate_issued_at", issued.to_string())
        .text("consent", "true")
        .part(
            "certificate",
            Part::bytes(cert.to_vec())
                .file_name("c.png")
                .mime_str("image/png")
                .expect("mime"),
        )
}

async fn json(client: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    let mut req = client.get(&url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("server answers");
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.expect("JSON")
}

/// Every free seat of `offices` in the next five days (the certificate the benchmark
/// sends covers them), one entry per seat, in a shuffled order.
async fn free_seats(
    client: &reqwest::Client,
    base: &str,
    offices: &[String],
) -> Vec<(String, String)> {
    let mut seats = Vec::new();
    let last = Utc::now().date_naive() + Days::days(5);
    for slug in offices {
        let a = json(
            client,
            format!("{base}/api/v1/offices/{slug}/availability"),
            None,
        )
        .await;
        for day in a["days"].as_array().into_iter().flatten() {
            if day["date"]
                .as_str()
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .is_none_or(|d| d > last)
            {
                continue;
            }
            for s in day["slots"].as_array().into_iter().flatten() {
                // Not the first hour ahead: those may pass during the run.
                for _ in 0..s["remaining"].as_u64().unwrap_or(0) {
                    seats.push((slug.clone(), s["start"].as_str().unwrap_or("").to_string()));
                }
            }
        }
    }
    // A fixed shuffle, so that concurrent clients rarely meet in one slot.
    let n = seats.len();
    for i in (1..n).rev() {
        let j = (i as u64).wrapping_mul(2_654_435_761) as usize % (i + 1);
        seats.swap(i, j);
    }
    seats
}

async fn benchmarks(a: &Args, client: reqwest::Client, slugs: Arc<Vec<String>>) {
    let base = a.url.clone();
    let today = Utc::now().date_naive();
    if !a.bookings_only {
        // Availability of one office over 15 days.
        let (c, b, s) = (client.clone(), base.clone(), slugs.clone());
        let mut out = drive(16, a.seconds, move |n| {
            let slug = &s[(n as usize).wrapping_mul(7919) % s.len()];
            let url = format!(
                "{b}/api/v1/offices/{slug}/availability?from={today}&to={}",
                today + Days::days(14)
            );
            let req = c.get(url).send();
            async move {
                match req.await {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        })
        .await;
        report("availability (15 days), 16 clients", &mut out);
        // The desk's day list of an office, a day in the last or the coming week.
        let (c, b, s, t) = (client.clone(), base.clone(), slugs.clone(), a.token.clone());
        let mut out = drive(16, a.seconds, move |n| {
            let slug = &s[(n as usize).wrapping_mul(104_729) % s.len()];
            let day = today + Days::days((n % 15) as i64 - 7);
            let req = c
                .get(format!(
                    "{b}/api/v1/staff/offices/{slug}/days/{day}/bookings"
                ))
                .bearer_auth(&t)
                .send();
            async move {
                match req.await {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        })
        .await;
        report("day list, 16 clients", &mut out);
    }
    // Bookings: every office's free seats, each taken once.
    let sample: Vec<String> = slugs.to_vec();
    let seats = Arc::new(free_seats(&client, &base, &sample).await);
    println!("free seats in {} offices: {}", sample.len(), seats.len());
    let next = Arc::new(AtomicUsize::new(0));
    let issued = (Utc::now() - Days::hours(1)).to_rfc3339();
    let mut nik_base = 0u64;
    for (kb, clients) in [(100, 16), (100, 64), (3, 16), (3, 64)] {
        if !a.clients.contains(&clients) {
            continue;
        }
        let cert = Arc::new(certificate_png(kb * 1024));
        let (c, b, free, taken, issued) = (
            client.clone(),
            base.clone(),
            seats.clone(),
            next.clone(),
            issued.clone(),
        );
        let offset = nik_base;
        let mut out: Outcome = drive(clients, a.seconds, move |n| {
            let i = taken.fetch_add(1, Ordering::Relaxed);
            let (office, slot) = free[i % free.len()].clone();
            let form = booking_form(&office, &slot, &nik(n + offset), &cert, &issued);
            let req = c
                .post(format!("{b}/api/v1/bookings"))
                .multipart(form)
                .send();
            async move { matches!(req.await, Ok(r) if r.status() == 201) }
        })
        .await;
        nik_base += out.ok + out.other + clients as u64;
        report(
            &format!("bookings, {kb} KB certificate, {clients} clients"),
            &mut out,
        );
        if next.load(Ordering::Relaxed) >= seats.len() {
            println!("  (!) the free seats ran out during the run");
        }
    }
}

/// The checks a black-box tester would make, on the national data.
async fn invariants(a: &Args, client: reqwest::Client, slugs: Arc<Vec<String>>) -> bool {
    let base = &a.url;
    let mut ok = true;
    let issued = (Utc::now() - Days::hours(1)).to_rfc3339();
    let cert = Arc::new(certificate_png(3 * 1024));
    // 1. A burst of 150 at one slot books exactly its free seats.
    // The first office from the middle of the list with a free seat, at its freest slot.
    let mut found = None;
    for slug in slugs[slugs.len() / 2..]
        .iter()
        .chain(&slugs[..slugs.len() / 2])
    {
        let seats = free_seats(&client, base, std::slice::from_ref(slug)).await;
        let mut per_slot: std::collections::HashMap<&str, usize> = Default::default();
        for s in &seats {
            *per_slot.entry(s.1.as_str()).or_default() += 1;
        }
        if let Some((slot, n)) = per_slot.into_iter().max_by_key(|(s, n)| (*n, *s)) {
            // A slot with several free seats, so that the burst has a count to get right.
            if n >= 3 {
                found = Some((slug.clone(), slot.to_string(), n));
                break;
            }
        }
    }
    let (slug, slot, free) = found.expect("a free seat somewhere");
    let slug = &slug;
    let tasks: Vec<_> = (0..150u64)
        .map(|n| {
            let form = booking_form(slug, &slot, &nik(900_000 + n), &cert, &issued);
            let req = client
                .post(format!("{base}/api/v1/bookings"))
                .multipart(form)
                .send();
            tokio::spawn(async move { req.await.map(|r| r.status().as_u16()).unwrap_or(0) })
        })
        .collect();
    let mut made = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap_or(0) {
            201 => made += 1,
            409 => refused += 1,
            _ => {}
        }
    }
    let left = free_seats(&client, base, std::slice::from_ref(slug)).await;
    let still = left.iter().filter(|s| s.1 == slot).count();
    let burst = made == free && refused == 150 - free && still == 0;
    println!(
        "burst of 150 at {slug} {slot} with {free} free seats: {made} booked, {refused} refused, {still} left  {}",
        if burst { "ok" } else { "FAILED" }
    );
    ok &= burst;
    // 2. One NIK, 60 concurrent bookings at 60 seats of different offices: one is made.
    let spread = free_seats(&client, base, &slugs[..slugs.len().min(30)]).await;
    let tasks: Vec<_> = (0..60usize)
        .map(|i| {
            let (office, slot) = spread[(i * 997) % spread.len()].clone();
            let form = booking_form(&office, &slot, &nik(950_000), &cert, &issued);
            let req = client
                .post(format!("{base}/api/v1/bookings"))
                .multipart(form)
                .send();
            tokio::spawn(async move { req.await.map(|r| r.status().as_u16()).unwrap_or(0) })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap_or(0));
    }
    let one = codes.iter().filter(|c| **c == 201).count() == 1
        && codes.iter().filter(|c| **c == 409).count() == 59;
    println!(
        "60 concurrent bookings of one NIK: {} made, {} refused  {}",
        codes.iter().filter(|c| **c == 201).count(),
        codes.iter().filter(|c| **c == 409).count(),
        if one { "ok" } else { "FAILED" }
    );
    ok &= one;
    // 3. Level "darurat" for a week from tomorrow at every office of one province: every
    //    booking that held a seat and was not displaced still holds it, every displaced
    //    one was moved (and holds its new seat) or marked to rebook, and no day is over
    //    its new cap. (Seats may also go to people waiting: a re-plan offers what is free.)
    let prefix = format!("{}-", a.province);
    let offices: Vec<&String> = slugs.iter().filter(|s| s.starts_with(&prefix)).collect();
    let today = Utc::now().date_naive();
    let tomorrow = today + Days::days(1);
    let (mut held_before, mut kept, mut moved, mut unplaced, mut within) = (0, 0, 0, 0, true);
    let mut lost = Vec::new();
    let started = std::time::Instant::now();
    for slug in &offices {
        let before = holders(&client, base, &a.token, slug, today).await;
        let r = client
            .put(format!("{base}/api/v1/staff/offices/{slug}/levels"))
            .bearer_auth(&a.token)
            .json(
                &json!({"level": "darurat", "effective_from": tomorrow.to_string(),
                "effective_to": (tomorrow + Days::days(6)).to_string(),
                "reason": "Uji skala nasional", "dry_run": false}),
            )
            .send()
            .await
            .expect("server answers");
        let status = r.status();
        let body: Value = r.json().await.unwrap_or_default();
        if !status.is_success() {
            println!("level change at {slug}: {status} {body}");
            ok = false;
            continue;
        }
        let after = holders(&client, base, &a.token, slug, today).await;
        let mut displaced = std::collections::HashSet::new();
        for d in body["displaced"].as_array().into_iter().flatten() {
            let code = d["code"].as_str().unwrap_or("").to_string();
            if d["to_slot_start"].is_null() {
                unplaced += 1;
            } else {
                moved += 1;
                if !after.contains(&code) {
                    lost.push(format!("{slug} {code} (moved)"));
                }
            }
            displaced.insert(code);
        }
        held_before += before.len();
        for code in before.difference(&displaced) {
            if after.contains(code) {
                kept += 1;
            } else {
                lost.push(format!("{slug} {code}"));
            }
        }
        let v = json(
            &client,
            format!(
                "{base}/api/v1/offices/{slug}/availability?from={today}&to={}",
                today + Days::days(20)
            ),
            None,
        )
        .await;
        for d in v["days"].as_array().into_iter().flatten() {
            within &= d["booked"].as_u64().unwrap_or(0) <= d["cap"].as_u64().unwrap_or(0);
        }
    }
    let fine = lost.is_empty() && within && held_before > 0;
    println!(
        "level darurat for {} offices of {} ({:.1?}): {held_before} seats held, {kept} kept, {moved} moved, {unplaced} to rebook, {} lost, every day within its cap: {within}  {}",
        offices.len(),
        a.province,
        started.elapsed(),
        lost.len(),
        if fine { "ok" } else { "FAILED" }
    );
    for l in lost.iter().take(10) {
        println!("  lost: {l}");
    }
    ok & fine
}

/// The codes of an office's bookings that hold a seat from `today` to the horizon, from
/// the desk's day lists.
async fn holders(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    slug: &str,
    today: NaiveDate,
) -> std::collections::HashSet<String> {
    let mut codes = std::collections::HashSet::new();
    for d in 0..=15 {
        let day = today + Days::days(d);
        let list = json(
            client,
            format!("{base}/api/v1/staff/offices/{slug}/days/{day}/bookings"),
            Some(token),
        )
        .await;
        for b in list.as_array().into_iter().flatten() {
            if matches!(
                b["status"].as_str(),
                Some("confirmed" | "checked_in" | "pending_verification")
            ) {
                codes.insert(b["code"].as_str().unwrap_or("").to_string());
            }
        }
    }
    codes
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let list = json(&client, format!("{}/api/v1/offices", a.url), None).await;
    let slugs: Arc<Vec<String>> = Arc::new(
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["slug"].as_str().map(str::to_string))
            .collect(),
    );
    println!(
        "machine: {} cores; {} offices; {} s per run",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        slugs.len(),
        a.seconds
    );
    if a.invariants {
        if !invariants(&a, client, slugs).await {
            std::process::exit(1);
        }
    } else {
        benchmarks(&a, client, slugs).await;
    }
}
