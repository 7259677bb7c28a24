//! What the benchmarks share: a certificate file, the client loops and the report.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// A valid PNG of about `size` bytes: a 1×1 image with a private chunk of random bytes,
/// which, like the compressed pixels of a photographed certificate, do not compress
/// (PostgreSQL would store a run of one letter in a few bytes and flatter the figures,
/// and would spend time compressing text).
pub fn certificate_png(size: usize) -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489";
    let tail = "0000000d4944415478da63f8cfc0f01f0005000201a5d8a8e80000000049454e44ae426082";
    let unhex = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let mut png = unhex(hex);
    // An ancillary, private, safe-to-copy chunk ("prVt"): viewers skip it.
    let mut chunk = b"prVt".to_vec();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    chunk.extend((0..size.saturating_sub(100)).map(|_| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 32) as u8
    }));
    png.extend(((chunk.len() - 4) as u32).to_be_bytes());
    png.extend(&chunk);
    png.extend(crc32(&chunk).to_be_bytes());
    png.extend(unhex(tail));
    png
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// What a run measured. Latency percentiles are of the successful answers only (201 for
/// bookings, 200 for reads): a fast refusal must not flatter them.
pub struct Outcome {
    pub ok: u64,
    pub other: u64,
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

pub fn report(label: &str, o: &mut Outcome) {
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
pub async fn drive<F, Fut>(clients: usize, seconds: u64, request: F) -> Outcome
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
