//! A national data set: offices across Indonesia's three time zones and a year of
//! bookings in every status, written into an empty database with the engine's bulk path
//! (`COPY` on PostgreSQL, long multi-row inserts on SQLite). This is the only place that
//! writes rows without the store; what it writes keeps the store's invariants (seat
//! counters equal the seat-holding bookings, no slot or day over its capacity, one active
//! booking per NIK), and `--verify` checks them afterwards.
//!
//! ```text
//! cargo run --release --example national -- --database postgres://…/empty --offices 1500 --bookings 4500000
//! cargo run --release --example national -- --database sqlite:///tmp/national.db
//! cargo run --release --example national -- --database URL --verify      # invariants only
//! ```
//!
//! Offices get a province (weighted roughly by population), its zone (WIB, WITA, WIT),
//! hours, 1–6 recording sets and a PPKM level schedule per province that changes every
//! two weeks. Bookings fill each open day to a share of its cap (the share that makes
//! `--bookings` in all); days before today are recorded, no-show or turned away, today's
//! are split around the clock, coming ones are confirmed (a few pending verification);
//! about one in twelve is cancelled, and some wait (needs rebooking, waiting list).
//! Certificates are small PNGs (a few KB) while retention keeps them; older ones are
//! deleted and older personal data anonymised, as the purge would have done.

#[path = "common/mod.rs"]
mod common;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rekam::domain::BookingStatus;
use rekam::store::{Office, Store};
use sqlx::Connection;
use std::fmt::Write as _;

/// (NIK province code, slug prefix, zone, weight).
const PROVINCES: &[(u32, &str, &str, u32)] = &[
    (11, "aceh", "Asia/Jakarta", 5),
    (12, "sumut", "Asia/Jakarta", 15),
    (13, "sumbar", "Asia/Jakarta", 6),
    (14, "riau", "Asia/Jakarta", 6),
    (15, "jambi", "Asia/Jakarta", 4),
    (16, "sumsel", "Asia/Jakarta", 8),
    (17, "bengkulu", "Asia/Jakarta", 2),
    (18, "lampung", "Asia/Jakarta", 9),
    (19, "babel", "Asia/Jakarta", 2),
    (21, "kepri", "Asia/Jakarta", 2),
    (31, "dki", "Asia/Jakarta", 10),
    (32, "jabar", "Asia/Jakarta", 48),
    (33, "jateng", "Asia/Jakarta", 37),
    (34, "diy", "Asia/Jakarta", 4),
    (35, "jatim", "Asia/Jakarta", 40),
    (36, "banten", "Asia/Jakarta", 12),
    (51, "bali", "Asia/Makassar", 4),
    (52, "ntb", "Asia/Makassar", 5),
    (53, "ntt", "Asia/Makassar", 5),
    (61, "kalbar", "Asia/Pontianak", 5),
    (62, "kalteng", "Asia/Pontianak", 3),
    (63, "kalsel", "Asia/Makassar", 4),
    (64, "kaltim", "Asia/Makassar", 4),
    (65, "kaltara", "Asia/Makassar", 1),
    (71, "sulut", "Asia/Makassar", 3),
    (72, "sulteng", "Asia/Makassar", 3),
    (73, "sulsel", "Asia/Makassar", 9),
    (74, "sultra", "Asia/Makassar", 3),
    (75, "gorontalo", "Asia/Makassar", 1),
    (76, "sulbar", "Asia/Makassar", 1),
    (81, "maluku", "Asia/Jayapura", 2),
    (82, "malut", "Asia/Jayapura", 1),
    (91, "papua", "Asia/Jayapura", 1),
    (92, "papbar", "Asia/Jayapura", 1),
    (93, "papsel", "Asia/Jayapura", 1),
    (94, "papteng", "Asia/Jayapura", 1),
    (95, "pappeg", "Asia/Jayapura", 1),
    (96, "papbd", "Asia/Jayapura", 1),
];

const GIVEN: &[&str] = &[
    "Siti", "Dewi", "Putri", "Ayu", "Nur", "Rizki", "Budi", "Agus", "Eko", "Fajar", "Intan",
    "Rahmat", "Wahyu", "Dimas", "Aditya", "Nabila", "Aisyah", "Yusuf", "Fitri", "Bayu",
];
const FAMILY: &[&str] = &[
    "Rahmawati",
    "Saputra",
    "Hidayat",
    "Nugroho",
    "Lestari",
    "Pratama",
    "Wulandari",
    "Setiawan",
    "Kurniawan",
    "Permata",
    "Siregar",
    "Nasution",
    "Manurung",
    "Tanjung",
    "Wijaya",
    "Santoso",
    "Halim",
    "Sitompul",
    "Pattimura",
    "Rumbiak",
];

/// The booking code alphabet (as `rekam::domain::BookingCode`; checked at start).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

struct Args {
    database: String,
    offices: usize,
    bookings: u64,
    seed: u64,
    verify: bool,
}

fn args() -> Args {
    let mut a = Args {
        database: String::new(),
        offices: 1500,
        bookings: 4_500_000,
        seed: 17,
        verify: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--verify" => a.verify = true,
            "--database" => a.database = it.next().expect("--database URL"),
            "--offices" => a.offices = it.next().and_then(|v| v.parse().ok()).expect("--offices N"),
            "--bookings" => {
                a.bookings = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--bookings N")
            }
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!a.database.is_empty(), "--database URL is required");
    a
}

/// One value of a row, written as `COPY` text or as an SQL literal.
enum Cell {
    Int(i64),
    Text(String),
    Null,
    Bytes(&'static [u8]),
}

fn int(v: i64) -> Cell {
    Cell::Int(v)
}
fn text(v: impl Into<String>) -> Cell {
    Cell::Text(v.into())
}
fn opt(v: Option<i64>) -> Cell {
    v.map_or(Cell::Null, Cell::Int)
}

/// Rows of one table waiting to be written.
struct Batch {
    table: &'static str,
    columns: &'static str,
    rows: Vec<Vec<Cell>>,
    bytes: usize,
}

impl Batch {
    fn new(table: &'static str, columns: &'static str) -> Self {
        Self {
            table,
            columns,
            rows: Vec::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        self.bytes += row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.len() + 2,
                Cell::Bytes(b) => 2 * b.len() + 4,
                _ => 8,
            })
            .sum::<usize>();
        self.rows.push(row);
    }
}

/// The bulk path of each engine.
enum Sink {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl Sink {
    async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(url).await?;
            // A bulk load that is redone from scratch if it fails: no fsync per batch.
            sqlx::raw_sql("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")
                .execute(&mut c)
                .await?;
            Ok(Self::Sqlite(c))
        } else {
            Ok(Self::Postgres(sqlx::PgConnection::connect(url).await?))
        }
    }

    /// Writes `batch` (and empties it).
    async fn write(&mut self, batch: &mut Batch) -> anyhow::Result<()> {
        if batch.rows.is_empty() {
            return Ok(());
        }
        match self {
            Self::Postgres(c) => {
                let mut copy = c
                    .copy_in_raw(&format!(
                        "COPY {} ({}) FROM STDIN",
                        batch.table, batch.columns
                    ))
                    .await?;
                let mut buf = String::with_capacity(batch.bytes + 1024);
                for row in &batch.rows {
                    for (i, cell) in row.iter().enumerate() {
                        if i > 0 {
                            buf.push('\t');
                        }
                        match cell {
                            Cell::Int(v) => write!(buf, "{v}").expect("string"),
                            Cell::Null => buf.push_str("\\N"),
                            Cell::Text(s) => {
                                for ch in s.chars() {
                                    match ch {
                                        '\\' => buf.push_str("\\\\"),
                                        '\t' => buf.push_str("\\t"),
                                        '\n' => buf.push_str("\\n"),
                                        '\r' => buf.push_str("\\r"),
                                        c => buf.push(c),
                                    }
                                }
                            }
                            Cell::Bytes(b) => {
                                buf.push_str("\\\\x");
                                for byte in b.iter() {
                                    write!(buf, "{byte:02x}").expect("string");
                                }
                            }
                        }
                    }
                    buf.push('\n');
                    if buf.len() > (1 << 20) {
                        copy.send(std::mem::take(&mut buf).into_bytes()).await?;
                    }
                }
                copy.send(buf.into_bytes()).await?;
                copy.finish().await?;
            }
            Self::Sqlite(c) => {
                let mut tx = c.begin().await?;
                for chunk in batch.rows.chunks(500) {
                    let mut sql =
                        format!("INSERT INTO {} ({}) VALUES ", batch.table, batch.columns);
                    for (r, row) in chunk.iter().enumerate() {
                        sql.push_str(if r == 0 { "(" } else { ",(" });
                        for (i, cell) in row.iter().enumerate() {
                            if i > 0 {
                                sql.push(',');
                            }
                            match cell {
                                Cell::Int(v) => write!(sql, "{v}").expect("string"),
                                Cell::Null => sql.push_str("NULL"),
                                Cell::Text(s) => {
                                    sql.push('\'');
                                    sql.push_str(&s.replace('\'', "''"));
                                    sql.push('\'');
                                }
                                Cell::Bytes(b) => {
                                    sql.push_str("X'");
                                    for byte in b.iter() {
                                        write!(sql, "{byte:02x}").expect("string");
                                    }
                                    sql.push('\'');
                                }
                            }
                        }
                        sql.push(')');
                    }
                    sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        batch.rows.clear();
        batch.bytes = 0;
        Ok(())
    }

    async fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            Self::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ())?,
            Self::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ())?,
        }
        Ok(())
    }
}

/// A small valid PNG (about 3 KB), made once.
fn small_png() -> &'static [u8] {
    static PNG: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| common::certificate_png(3 * 1024));
    &PNG
}

/// The `n`-th booking code: a bijection of `n` onto 31^8 codes, so codes never collide
/// and do not run in order.
fn code(n: u64) -> String {
    const SPACE: u64 = 852_891_037_441; // 31^8
    let mut v = (n.wrapping_mul(2_654_435_761) + 123_456_789) % SPACE;
    let mut s = [0u8; 8];
    for c in s.iter_mut().rev() {
        *c = ALPHABET[(v % 31) as usize];
        v /= 31;
    }
    String::from_utf8(s.to_vec()).expect("ascii")
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

const LEVELS: &[&str] = &["none", "1", "2", "3", "3", "4", "2", "1"];

fn province_of(i: usize) -> usize {
    let total: u32 = PROVINCES.iter().map(|p| p.3).sum();
    // Spread offices over provinces by weight, deterministically.
    let mut target = (i as u64 * 7919 % u64::from(total)) as u32;
    for (p, prov) in PROVINCES.iter().enumerate() {
        if target < prov.3 {
            return p;
        }
        target -= prov.3;
    }
    0
}

async fn create_offices(
    store: &Store,
    n: usize,
    rng: &mut StdRng,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for i in 0..n {
        let p = province_of(i);
        let (_, name, zone, _) = PROVINCES[p];
        let slug = format!("{name}-{i:04}");
        let mut input = rekam::demo::demo_office();
        input.name = format!("Disdukcapil {} unit {i:04}", name.to_uppercase());
        input.timezone = zone.to_string();
        input.address = format!("Jl. Pelayanan No. {}", 1 + i % 200);
        input.recording_sets = rng.random_range(1..=6);
        input.waiting_room_seats = rng.random_range(8..=40);
        input.slot_minutes = [15, 30, 30, 60][i % 4];
        if i % 5 == 0 {
            // Some offices open on Saturday mornings too.
            let mut hours = serde_json::to_value(&input.hours)?;
            hours["sat"] = serde_json::json!(["08:00", "12:00"]);
            input.hours = serde_json::from_value(hours)?;
        }
        let spec = input
            .parse()
            .map_err(|e| anyhow::anyhow!("office {slug}: {e:?}"))?;
        let slug = rekam::domain::OfficeSlug::parse(&slug).expect("slug");
        store
            .put_office(&slug, &spec, &rekam::domain::Actor::Cli, now, false)
            .await?;
    }
    Ok(())
}

/// Level periods: per province, a level for every two weeks from `first` to `last`.
fn level_rows(offices: &[Office], first: NaiveDate, last: NaiveDate, now: DateTime<Utc>) -> Batch {
    let mut b = Batch::new(
        "office_levels",
        "office_id, level, effective_from, effective_to, reason, set_by, set_at",
    );
    for o in offices {
        let p = province_of(slug_index(&o.slug));
        let mut from = first;
        let mut k = 0usize;
        while from <= last {
            let to = from + Duration::days(13);
            let level = LEVELS[(p * 3 + k * 5 + p * k) % LEVELS.len()];
            b.push(vec![
                int(o.id),
                text(level),
                text(from.to_string()),
                text(to.to_string()),
                text(format!("PPKM {} minggu {}", PROVINCES[p].1, k + 1)),
                text("national"),
                int(ts(now)),
            ]);
            from = to + Duration::days(1);
            k += 1;
        }
    }
    b
}

fn slug_index(slug: &str) -> usize {
    slug.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct Tables {
    bookings: Batch,
    certificates: Batch,
    audit: Batch,
    notifications: Batch,
    slot_loads: Batch,
    day_loads: Batch,
    queue_counters: Batch,
}

impl Tables {
    fn new() -> Self {
        Self {
            bookings: Batch::new(
                "bookings",
                "id, code, token_hash, office_id, slot_start, slot_end, local_date, status, nik, \
                 name, birth_date, phone, email, married, lang, version, created_at, updated_at, \
                 hold_until, queued_at, wait_from, wait_to, guardian_consent, temperature_dc, \
                 checked_in_at, queue_number, outcome_reason, outcome_by, outcome_at, walk_in, \
                 anonymised_at, verify_by, verify_hash",
            ),
            certificates: Batch::new(
                "certificates",
                "booking_id, kind, issued_at, content_type, size_bytes, content, status, \
                 review_reason, uploaded_at, reviewed_by, reviewed_at, deleted_at",
            ),
            audit: Batch::new(
                "audit_log",
                "at, actor, action, office_id, booking_id, detail, origin",
            ),
            notifications: Batch::new(
                "notifications",
                "booking_id, kind, from_slot, reason, created_at, sent_at, language, attempts",
            ),
            slot_loads: Batch::new("slot_loads", "office_id, slot_start, booked"),
            day_loads: Batch::new("day_loads", "office_id, local_date, booked"),
            queue_counters: Batch::new("queue_counters", "office_id, local_date, last_number"),
        }
    }

    fn all(&mut self) -> [&mut Batch; 7] {
        [
            &mut self.bookings,
            &mut self.certificates,
            &mut self.audit,
            &mut self.notifications,
            &mut self.slot_loads,
            &mut self.day_loads,
            &mut self.queue_counters,
        ]
    }

    fn size(&self) -> usize {
        self.bookings.bytes + self.certificates.bytes + self.audit.bytes + self.notifications.bytes
    }
}

/// What one booking is, before it becomes rows.
struct Plan {
    status: BookingStatus,
    slot: (DateTime<Utc>, DateTime<Utc>),
}

/// Writes the bookings of one office, day by day. `share` of each open day's cap is
/// taken (coming days at most 60 %, so benchmarks find seats).
#[allow(clippy::too_many_arguments)]
fn office_bookings(
    o: &Office,
    days: &[NaiveDate],
    share: f64,
    now: DateTime<Utc>,
    next_id: &mut i64,
    rng: &mut StdRng,
    t: &mut Tables,
    kind: &str,
) -> u64 {
    let spec = &o.spec;
    let today = rekam::planner::local_date(spec, now);
    let prov = PROVINCES[province_of(slug_index(&o.slug))].0;
    let cert_cutoff = now - Duration::days(30);
    let personal_cutoff = now - Duration::days(180);
    let png = small_png();
    let mut written = 0;
    for &date in days {
        let plan = rekam::planner::plan_day(spec, &o.calendar, date);
        if plan.slots.is_empty() || plan.cap == 0 {
            continue;
        }
        let limit = if date >= today { share.min(0.6) } else { share };
        let exact = f64::from(plan.cap) * limit;
        let mut holders = exact.floor() as u32 + u32::from(rng.random_bool(exact.fract()));
        holders = holders.min(plan.cap);
        // Seat holders spread over the slots, each within its capacity.
        let mut per_slot = vec![0u32; plan.slots.len()];
        let mut j = 0;
        let mut placed = 0;
        while placed < holders {
            if per_slot[j] < plan.slots[j].capacity {
                per_slot[j] += 1;
                placed += 1;
            }
            j = (j + 1) % plan.slots.len();
        }
        let mut plans = Vec::new();
        for (s, n) in plan.slots.iter().zip(&per_slot) {
            for _ in 0..*n {
                let status = if s.end <= now {
                    match rng.random_range(0..100) {
                        0..88 => BookingStatus::Recorded,
                        88..99 => BookingStatus::NoShow,
                        _ => BookingStatus::TurnedAway,
                    }
                } else if s.start <= now {
                    BookingStatus::CheckedIn
                } else if rng.random_range(0..100) == 0 {
                    BookingStatus::PendingVerification
                } else {
                    BookingStatus::Confirmed
                };
                plans.push(Plan {
                    status,
                    slot: (s.start, s.end),
                });
            }
            // Besides the seats: cancellations, and on coming days some waiting.
            for _ in 0..*n / 12 + u32::from(rng.random_bool(f64::from(*n % 12) / 12.0)) {
                let status = if s.start > now && rng.random_range(0..4) == 0 {
                    if rng.random_bool(0.5) {
                        BookingStatus::NeedsRebooking
                    } else {
                        BookingStatus::Waitlisted
                    }
                } else {
                    BookingStatus::Cancelled
                };
                plans.push(Plan {
                    status,
                    slot: (s.start, s.end),
                });
            }
        }
        let mut day_holders = 0;
        let mut queue = 0;
        for (s, n) in plan.slots.iter().zip(&per_slot) {
            if *n > 0 {
                t.slot_loads
                    .push(vec![int(o.id), int(ts(s.start)), int(i64::from(*n))]);
            }
            day_holders += n;
        }
        if day_holders > 0 {
            t.day_loads.push(vec![
                int(o.id),
                text(date.to_string()),
                int(i64::from(day_holders)),
            ]);
        }
        for p in plans {
            let id = *next_id;
            *next_id += 1;
            written += 1;
            let (start, end) = p.slot;
            let created = start - Duration::hours(rng.random_range(2..24 * 14));
            let ended = !p.status.is_active() && p.status != BookingStatus::PendingVerification;
            let end_at = if p.status == BookingStatus::Cancelled {
                created + Duration::hours(1)
            } else {
                end
            };
            let anonymised = ended && end_at <= personal_cutoff;
            let cert_gone = ended && end_at <= cert_cutoff;
            // A person born 17 years and some days before the visit.
            let birth = date - Duration::days(17 * 365 + 5 + rng.random_range(0..300));
            let female = rng.random_bool(0.5);
            let nik = format!(
                "{prov:02}{:02}{:02}{:02}{:02}{:02}{:04}",
                1 + (id / 9999) % 99,
                1 + (id / (9999 * 99)) % 99,
                birth.day() + if female { 40 } else { 0 },
                birth.month(),
                birth.year() % 100,
                1 + id % 9999
            );
            let name = format!(
                "{} {}",
                GIVEN[rng.random_range(0..GIVEN.len())],
                FAMILY[rng.random_range(0..FAMILY.len())]
            );
            let phone = format!("+62812{:08}", id % 100_000_000);
            let visited = matches!(
                p.status,
                BookingStatus::Recorded | BookingStatus::TurnedAway | BookingStatus::CheckedIn
            );
            let queue_number = visited.then(|| {
                queue += 1;
                queue
            });
            let outcome_at = matches!(
                p.status,
                BookingStatus::Recorded | BookingStatus::TurnedAway | BookingStatus::NoShow
            )
            .then(|| ts(end));
            let updated = outcome_at.unwrap_or(if p.status == BookingStatus::Cancelled {
                ts(end_at)
            } else {
                ts(created)
            });
            let (wait_from, wait_to, queued) = if p.status == BookingStatus::Waitlisted {
                (
                    Cell::Text(date.to_string()),
                    Cell::Text((date + Duration::days(3)).to_string()),
                    int(ts(created)),
                )
            } else if p.status == BookingStatus::NeedsRebooking {
                (Cell::Null, Cell::Null, int(ts(created) + 600))
            } else {
                (Cell::Null, Cell::Null, Cell::Null)
            };
            let pending = p.status == BookingStatus::PendingVerification;
            let verify_by = if pending { Some(ts(now) + 600) } else { None };
            let (nik, name, birth_s, phone, token) = if anonymised {
                (
                    String::new(),
                    String::new(),
                    "1900-01-01".to_string(),
                    String::new(),
                    String::new(),
                )
            } else {
                (
                    nik,
                    name,
                    birth.to_string(),
                    phone,
                    rekam::domain::code::hash_secret(&format!("national-{id}")),
                )
            };
            t.bookings.push(vec![
                int(id),
                text(code(id as u64)),
                text(token),
                int(o.id),
                int(ts(start)),
                int(ts(end)),
                text(date.to_string()),
                text(p.status.as_str()),
                text(nik),
                text(name),
                text(birth_s),
                text(phone),
                Cell::Null,
                int(0),
                text(if id % 10 == 0 { "en" } else { "id" }),
                int(if outcome_at.is_some() { 3 } else { 1 }),
                int(ts(created)),
                int(updated),
                Cell::Null,
                queued,
                wait_from,
                wait_to,
                int(i64::from(birth > date - Duration::days(18 * 365))),
                opt(visited.then_some(365 + id % 6)),
                opt(visited.then(|| ts(start) + 300)),
                opt(queue_number),
                if p.status == BookingStatus::TurnedAway {
                    text("Suhu tubuh di atas batas")
                } else {
                    Cell::Null
                },
                if outcome_at.is_some() {
                    text("staff:petugas")
                } else {
                    Cell::Null
                },
                opt(outcome_at),
                int(0),
                opt(anonymised.then(|| ts(end_at) + 180 * 86_400)),
                opt(verify_by),
                if pending {
                    text(rekam::domain::code::hash_verification_code("123456"))
                } else {
                    Cell::Null
                },
            ]);
            let accepted = outcome_at.is_some() || p.status == BookingStatus::CheckedIn;
            let issued = created - Duration::hours(3);
            t.certificates.push(vec![
                int(id),
                text(kind),
                int(ts(issued)),
                text("image/png"),
                int(if cert_gone { 0 } else { png.len() as i64 }),
                if cert_gone {
                    Cell::Bytes(&[])
                } else {
                    Cell::Bytes(png)
                },
                text(if accepted { "accepted" } else { "submitted" }),
                Cell::Null,
                int(ts(created)),
                if accepted {
                    text("staff:petugas")
                } else {
                    Cell::Null
                },
                opt(accepted.then(|| ts(start))),
                opt(cert_gone.then(|| ts(end_at) + 30 * 86_400)),
            ]);
            let audit = |t: &mut Tables, at: i64, actor: &str, action: &str, detail: &str| {
                t.audit.push(vec![
                    int(at),
                    text(actor),
                    text(action),
                    int(o.id),
                    int(id),
                    text(detail),
                    text(if actor == "applicant" { "api" } else { "page" }),
                ]);
            };
            audit(t, ts(created), "applicant", "booking.create", "");
            if p.status == BookingStatus::Cancelled {
                audit(t, ts(end_at), "applicant", "booking.cancel", "");
            }
            if visited {
                audit(t, ts(start) + 300, "staff:petugas", "booking.check_in", "");
            }
            if let Some(at) = outcome_at {
                let action = format!("booking.{}", p.status.as_str());
                audit(t, at, "staff:petugas", &action, "");
            }
            if cert_gone {
                audit(
                    t,
                    ts(end_at) + 30 * 86_400,
                    "system",
                    "retention.certificate_deleted",
                    "30 days after the visit",
                );
            }
            if anonymised {
                audit(
                    t,
                    ts(end_at) + 180 * 86_400,
                    "system",
                    "retention.anonymised",
                    "180 days after the visit",
                );
            }
            if !pending {
                t.notifications.push(vec![
                    int(id),
                    text("confirmed"),
                    int(ts(start)),
                    text(""),
                    int(ts(created)),
                    int(ts(created) + 2),
                    text("id"),
                    int(1),
                ]);
            }
        }
        if queue > 0 {
            t.queue_counters
                .push(vec![int(o.id), text(date.to_string()), int(queue)]);
        }
    }
    written
}

/// Checks the invariants the service relies on over the whole database.
async fn verify(url: &str) -> anyhow::Result<()> {
    let store = Store::connect(url, 2).await?;
    let checks: &[(&str, &str)] = &[
        (
            "slot counters equal the seat-holding bookings",
            // Both ways round, with EXCEPT (a join of the two groupings has no index to
            // use and is quadratic on SQLite).
            "SELECT COUNT(*) FROM (SELECT * FROM (SELECT office_id, slot_start, COUNT(*) AS n \
             FROM bookings WHERE status IN ('confirmed','checked_in','recorded','no_show',\
             'turned_away','pending_verification') OR (status IN ('needs_rebooking','waitlisted') \
             AND hold_until IS NOT NULL) GROUP BY office_id, slot_start \
             EXCEPT SELECT office_id, slot_start, booked FROM slot_loads WHERE booked > 0) x \
             UNION ALL SELECT * FROM (SELECT office_id, slot_start, booked FROM slot_loads \
             WHERE booked > 0 EXCEPT SELECT office_id, slot_start, COUNT(*) FROM bookings \
             WHERE status IN ('confirmed','checked_in','recorded','no_show','turned_away',\
             'pending_verification') OR (status IN ('needs_rebooking','waitlisted') \
             AND hold_until IS NOT NULL) GROUP BY office_id, slot_start) y) d",
        ),
        (
            "day counters equal the seat-holding bookings",
            "SELECT COUNT(*) FROM (SELECT * FROM (SELECT office_id, local_date, COUNT(*) AS n \
             FROM bookings WHERE status IN ('confirmed','checked_in','recorded','no_show',\
             'turned_away','pending_verification') OR (status IN ('needs_rebooking','waitlisted') \
             AND hold_until IS NOT NULL) GROUP BY office_id, local_date \
             EXCEPT SELECT office_id, local_date, booked FROM day_loads WHERE booked > 0) x \
             UNION ALL SELECT * FROM (SELECT office_id, local_date, booked FROM day_loads \
             WHERE booked > 0 EXCEPT SELECT office_id, local_date, COUNT(*) FROM bookings \
             WHERE status IN ('confirmed','checked_in','recorded','no_show','turned_away',\
             'pending_verification') OR (status IN ('needs_rebooking','waitlisted') \
             AND hold_until IS NOT NULL) GROUP BY office_id, local_date) y) d",
        ),
        (
            "one active booking per NIK",
            "SELECT COUNT(*) FROM (SELECT nik FROM bookings WHERE status IN \
             ('confirmed','needs_rebooking','waitlisted','checked_in','pending_verification') \
             GROUP BY nik HAVING COUNT(*) > 1) d",
        ),
        (
            "every booking has one current certificate",
            "SELECT COUNT(*) FROM bookings b WHERE (SELECT COUNT(*) FROM certificates c \
             WHERE c.booking_id = b.id AND c.superseded_at IS NULL) <> 1",
        ),
    ];
    let _ = store;
    let mut failed = false;
    let mut conn = Sink::open(url).await?;
    for (what, sql) in checks {
        let n: i64 = match &mut conn {
            Sink::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await?,
            Sink::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await?,
        };
        println!(
            "{:<50} {}",
            what,
            if n == 0 {
                "ok".to_string()
            } else {
                format!("{n} violations")
            }
        );
        failed |= n != 0;
    }
    // No slot or day over the capacity the planner gives it today.
    let mut over = 0;
    let now = Utc::now();
    for o in store.list_offices().await? {
        let today = rekam::planner::local_date(&o.spec, now);
        let loads = store
            .slot_loads(o.id, now - Duration::days(1), now + Duration::days(20))
            .await?;
        for d in today
            .iter_days()
            .take(o.spec.booking_horizon_days as usize + 1)
        {
            let plan = rekam::planner::plan_day(&o.spec, &o.calendar, d);
            let mut day = 0;
            for s in &plan.slots {
                let n = loads.get(&s.start.timestamp()).copied().unwrap_or(0);
                day += n;
                over += u32::from(n > s.capacity);
            }
            over += u32::from(day > plan.cap);
        }
    }
    println!(
        "{:<50} {}",
        "no coming slot or day over its capacity",
        if over == 0 {
            "ok".to_string()
        } else {
            format!("{over} violations")
        }
    );
    anyhow::ensure!(!failed && over == 0, "the data set breaks an invariant");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let a = args();
    assert!(
        rekam::domain::BookingCode::parse(&code(1)).is_some(),
        "the code alphabet changed"
    );
    if a.verify {
        return verify(&a.database).await;
    }
    let started = std::time::Instant::now();
    let now = Utc::now();
    let store = Store::connect(&a.database, 4).await?;
    anyhow::ensure!(
        store.list_offices().await?.is_empty(),
        "the database already has offices: the national set fills an empty one"
    );
    let mut rng = StdRng::seed_from_u64(a.seed);
    create_offices(&store, a.offices, &mut rng, now).await?;
    let mut sink = Sink::open(&a.database).await?;
    let today = now.date_naive();
    let first = today - Duration::days(364);
    let last = today + Duration::days(28);
    let offices = store.list_offices().await?;
    sink.write(&mut level_rows(&offices, first, last, now))
        .await?;
    // Levels were written beside the store: a fresh store reads them.
    drop(store);
    let store = Store::connect(&a.database, 4).await?;
    let offices = store.list_offices().await?;
    println!("{} offices ({:.0?})", offices.len(), started.elapsed());
    let days: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= today + Duration::days(14))
        .collect();
    // The share of every open day's cap that gives the bookings asked for (seat holders
    // are about 12/13 of all bookings).
    let mut capacity = 0f64;
    for o in &offices {
        for &d in &days {
            capacity += f64::from(rekam::planner::plan_day(&o.spec, &o.calendar, d).cap);
        }
    }
    let share = (a.bookings as f64 * 12.0 / 13.0 / capacity).min(0.95);
    println!(
        "capacity over the year {capacity:.0} seats; filling {:.1} % of each day",
        share * 100.0
    );
    let kind = offices[0]
        .spec
        .certificates
        .0
        .keys()
        .next()
        .cloned()
        .unwrap_or_else(|| "surat_sehat".into());
    let mut t = Tables::new();
    let mut next_id = 1i64;
    let mut written = 0u64;
    for (i, o) in offices.iter().enumerate() {
        written += office_bookings(o, &days, share, now, &mut next_id, &mut rng, &mut t, &kind);
        if t.size() > 64 << 20 || i + 1 == offices.len() {
            for b in t.all() {
                sink.write(b).await?;
            }
            println!(
                "{written:>9} bookings, {:>4} offices ({:.0?})",
                i + 1,
                started.elapsed()
            );
        }
    }
    if let Sink::Postgres(_) = sink {
        sink.execute(
            "SELECT setval(pg_get_serial_sequence('bookings', 'id'), (SELECT MAX(id) FROM bookings)); \
             ANALYZE",
        )
        .await?;
    } else {
        sink.execute("ANALYZE").await?;
    }
    println!("done: {written} bookings in {:.0?}", started.elapsed());
    Ok(())
}
