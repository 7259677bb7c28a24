//! Spawning the real application on port 0 over a fresh database, and talking HTTP to it.

use chrono::{DateTime, TimeZone, Utc};
use rekam::clock::Clock;
use rekam::config::Settings;
use rekam::store::Store;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The `rekam` binary with a database.
pub fn rekam(database: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rekam"));
    // The tests send all their bookings from one address: no per-address limit unless a
    // test asks for one.
    c.env("DATABASE_URL", database)
        .env("RUST_LOG", "warn")
        .env("REKAM_BOOKINGS_PER_HOUR", "0")
        .env("REKAM_ADMIN_SECOND_FACTOR", "false");
    c
}

/// `rekam serve` as a child process on a free port; killed (-9) when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What it printed before its address (`--demo` prints the logins).
    pub banner: Vec<String>,
    /// Everything it printed on standard output (its log goes there), read as it comes
    /// so that a chatty log never fills the pipe.
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The thread reading it; it ends at end of file, once the process is gone.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `rekam serve --bind 127.0.0.1:0 ARGS…` and waits for its address.
    pub fn start(database: &str, args: &[&str]) -> Self {
        Self::start_with(rekam(database), args)
    }

    /// Starts with a prepared command (environment, standard error).
    pub fn start_with(command: std::process::Command, args: &[&str]) -> Self {
        Self::start_on(command, "127.0.0.1:0", args)
    }

    /// Starts with a prepared command, listening on `bind`.
    pub fn start_on(mut command: std::process::Command, bind: &str, args: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = command
            .args(["serve", "--bind", bind])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("rekam serve starts");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = stdout.next().expect("serve prints its address").unwrap();
            if let Some(url) = line.strip_prefix("rekam listening on ") {
                break url.to_string();
            }
            banner.push(line);
        };
        let output = std::sync::Arc::new(std::sync::Mutex::new(banner.clone()));
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            for line in stdout.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            base,
            banner,
            output,
            reader: Some(reader),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (how a service manager stops it): a graceful shutdown.
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let done = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(done.success(), "SIGTERM sent");
    }

    /// Waits (real time, at most `limit`) for the process to exit; its status.
    pub fn wait_for_exit(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit in {limit:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Kills the process with SIGKILL: no graceful shutdown, no flush.
    pub fn kill9(mut self) {
        self.stop();
    }

    /// Kills it and returns all it printed on standard output.
    pub fn kill9_and_output(mut self) -> String {
        self.stop();
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the output reader");
        }
        self.output.lock().unwrap().join("\n")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// True when CI demands every test run (a skip becomes a failure).
pub fn require_all() -> bool {
    std::env::var("REKAM_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Skips loudly, or fails under REKAM_REQUIRE_ALL=1.
pub fn skip(what: &str) {
    assert!(!require_all(), "REKAM_REQUIRE_ALL=1 but {what}");
    eprintln!("\n!!!!! SKIPPED: {what} !!!!!\n");
}

/// The settings of the tests: the defaults, without the per-address booking limit (all
/// their bookings come from one address); a test of the limit sets it.
pub fn test_settings() -> Settings {
    Settings {
        bookings_per_hour: 0,
        // The tests sign in as an admin through the form; the second factor has tests of
        // its own.
        admin_second_factor: false,
        ..Settings::default()
    }
}

/// Monday 30 November 2026, 07:00 WIB: the tests' "now".
pub fn monday_7am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
}

/// A slot start on a date of December 2026 (or 30 Nov with day 30), local WIB time.
pub fn wib(month: u32, day: u32, hour: u32, minute: u32) -> String {
    format!("2026-{month:02}-{day:02}T{hour:02}:{minute:02}:00+07:00")
}

/// A test's own database: a SQLite file in the test's folder, or a PostgreSQL database
/// made for it and dropped when this is dropped (tests clean up what they make). Reads as
/// its URL.
pub struct TestDb {
    url: String,
    /// PostgreSQL: the server's URL and the database's name, to drop it.
    drop: Option<(String, String)>,
}

impl std::ops::Deref for TestDb {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Display for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, name)) = self.drop.take() else {
            return;
        };
        // On a thread of its own: this may run inside the test's runtime. FORCE ends the
        // connections of a server still running.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                let mut admin = sqlx::PgConnection::connect(&base).await?;
                sqlx::Executor::execute(
                    &mut admin,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                )
                .await?;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}

/// A fresh database for one test, or None (skipped).
pub async fn database_url(db: Db, dir: &tempfile::TempDir) -> Option<TestDb> {
    match db {
        Db::Sqlite => Some(TestDb {
            url: format!("sqlite://{}", dir.path().join("rekam.db").display()),
            drop: None,
        }),
        Db::Postgres => {
            let Ok(base) = std::env::var("REKAM_TEST_POSTGRES_URL") else {
                skip("REKAM_TEST_POSTGRES_URL is not set: PostgreSQL tests did not run");
                return None;
            };
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("connect to REKAM_TEST_POSTGRES_URL");
            let name = format!("rekam_t_{}", uuid::Uuid::new_v4().simple());
            sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
            Some(TestDb {
                url: format!("{prefix}/{name}"),
                drop: Some((base.clone(), name)),
            })
        }
    }
}

/// A booking's answer without its secret (`token`, `manage_url`): a replayed answer
/// carries a fresh token for the same booking.
pub fn without_token(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("token");
        o.remove("manage_url");
    }
    v
}

/// The messages that report a change to a booking (not the confirmation every booking
/// gets), for `TestApp::count`.
pub const CHANGE_NOTICES: &str = "notifications WHERE kind <> 'confirmed'";

/// A running instance.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub store: Store,
    pub admin_token: String,
    pub database_url: String,
    /// A pool of its own on the test's database, for test-only queries.
    db: tokio::sync::OnceCell<sqlx::AnyPool>,
    /// Reports of the server's scheduler ticks.
    ticks: tokio::sync::watch::Receiver<rekam::Tick>,
    /// Dropped (a PostgreSQL database) when the test ends.
    _db: TestDb,
    _dir: tempfile::TempDir,
}

/// Starts the app with settings and the demo office `ciruas` loaded through the admin API.
pub async fn spawn_with(db: Db, settings: Settings) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let test_db = database_url(db, &dir).await?;
    let database_url = test_db.to_string();
    let clock = Clock::fixed(monday_7am());
    let settings = Settings {
        db_connections: 20,
        ..settings
    };
    let app = rekam::Application::build("127.0.0.1:0", &database_url, settings, clock.clone())
        .await
        .expect("application starts");
    let base = format!("http://{}", app.addr());
    let store = app.store.clone();
    let ticks = app.ticks();
    tokio::spawn(app.serve());
    rekam::usecases::accounts::add(
        &store,
        "test-admin",
        "a long test password",
        rekam::domain::Role::Admin,
        None,
        clock.now(),
    )
    .await
    .unwrap();
    let admin_token = rekam::usecases::accounts::issue_token(&store, "test-admin", clock.now())
        .await
        .unwrap();
    let app = TestApp {
        base: base.clone(),
        // Staff forms are taken only from this site: the client says where it is, as a
        // browser does (an Origin header on every request; the API ignores it).
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(reqwest::header::HeaderMap::from_iter([(
                reqwest::header::ORIGIN,
                reqwest::header::HeaderValue::from_str(&base).unwrap(),
            )]))
            .build()
            .unwrap(),
        clock,
        store,
        admin_token,
        database_url,
        db: tokio::sync::OnceCell::new(),
        ticks,
        _db: test_db,
        _dir: dir,
    };
    let r = app.put_office("ciruas", demo_office()).await;
    assert_eq!(r.status(), 201, "creating the demo office");
    Some(app)
}

/// The demo office of the issue: 2 sets × 10 min, 10 seats, 30-min slots → 6 per slot.
pub fn demo_office() -> Value {
    json!({
        "name": "UPT Disdukcapil Ciruas", "timezone": "Asia/Jakarta",
        "address": "Jl. Raya Serang km 8, Ciruas", "recording_sets": 2,
        "minutes_per_recording": 10, "waiting_room_seats": 10, "slot_minutes": 30,
        "max_visitors_per_day": null, "booking_horizon_days": 14,
        "hours": {"mon": ["08:00", "15:00"], "tue": ["08:00", "15:00"], "wed": ["08:00", "15:00"],
                  "thu": ["08:00", "15:00"], "fri": ["08:00", "11:00"]}
    })
}

/// A 1×1 PNG.
pub fn tiny_png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d8a8e80000000049454e44ae426082";
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A valid NIK for a man born 7 May 2009, serial `n` (1–9999).
pub fn nik(n: u32) -> String {
    format!("3604050705 09{n:04}").replace(' ', "")
}

/// A booking form with valid defaults; override fields by name, `None` removes one.
pub struct BookingForm {
    pub fields: HashMap<&'static str, Option<String>>,
    pub file: Option<(Vec<u8>, &'static str, &'static str)>,
}

impl BookingForm {
    pub fn new(slot_start: &str, nik: &str) -> Self {
        let mut fields = HashMap::new();
        for (k, v) in [
            ("office", "ciruas"),
            ("slot_start", slot_start),
            ("nik", nik),
            ("name", "Budi Santoso"),
            ("birth_date", "2009-05-07"),
            ("phone", "0812-3456-7890"),
            ("certificate_kind", "surat_sehat"),
            ("certificate_issued_at", "2026-11-29T09:00:00+07:00"),
            ("consent", "true"),
        ] {
            fields.insert(k, Some(v.to_string()));
        }
        Self {
            fields,
            file: Some((tiny_png(), "surat.png", "image/png")),
        }
    }

    pub fn set(mut self, k: &'static str, v: &str) -> Self {
        self.fields.insert(k, Some(v.to_string()));
        self
    }

    pub fn without(mut self, k: &'static str) -> Self {
        self.fields.insert(k, None);
        self
    }

    pub fn file(mut self, bytes: Vec<u8>, name: &'static str, mime: &'static str) -> Self {
        self.file = Some((bytes, name, mime));
        self
    }

    pub fn no_file(mut self) -> Self {
        self.file = None;
        self
    }

    pub fn multipart(&self) -> Form {
        let mut form = Form::new();
        for (k, v) in &self.fields {
            if let Some(v) = v {
                form = form.text(*k, v.clone());
            }
        }
        if let Some((bytes, name, mime)) = &self.file {
            form = form.part(
                "certificate",
                Part::bytes(bytes.clone())
                    .file_name(*name)
                    .mime_str(mime)
                    .unwrap(),
            );
        }
        form
    }
}

impl TestApp {
    /// Moves the clock forward and waits for the server's own sweep of lapsed offers at
    /// the new time (it runs on the clock's time, so only when the test moves it);
    /// returns how many holds lapsed in it. Tests move the clock only through this, so
    /// that no sweep runs unawaited.
    pub async fn advance_and_sweep(&self, by: chrono::Duration) -> usize {
        let target = self.clock.now() + by;
        let mut ticks = self.ticks.clone();
        // The server ticks a minute of clock time after its last tick: before that no
        // sweep is due, and none runs.
        let due = ticks.borrow().at + rekam::background::TICK;
        self.clock.advance(by);
        if target < due {
            return 0;
        }
        let report = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            ticks.wait_for(|s| s.at >= target),
        )
        .await
        .expect("the sweep runs once the clock has moved")
        .expect("the server is running");
        report.count("offers.lapse") as usize
    }

    /// Adds a staff account (password "a long test password") and returns an API token.
    pub async fn staff_token(
        &self,
        username: &str,
        role: rekam::domain::Role,
        office: Option<&str>,
    ) -> String {
        rekam::usecases::accounts::add(
            &self.store,
            username,
            "a long test password",
            role,
            office,
            self.clock.now(),
        )
        .await
        .unwrap();
        rekam::usecases::accounts::issue_token(&self.store, username, self.clock.now())
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn put_office(&self, slug: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(&format!("/api/v1/admin/offices/{slug}")))
            .bearer_auth(&self.admin_token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn book(&self, form: &BookingForm) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/bookings"))
            .multipart(form.multipart())
            .send()
            .await
            .unwrap()
    }

    /// Books and returns the 201 body.
    pub async fn book_ok(&self, form: &BookingForm) -> Value {
        let r = self.book(form).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn availability(&self, office: &str, from: &str, to: &str) -> Value {
        let r = self
            .client
            .get(self.url(&format!(
                "/api/v1/offices/{office}/availability?from={from}&to={to}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The `remaining` of the slot starting at `start`.
    pub async fn remaining(&self, office: &str, start: &str) -> u64 {
        let date = &start[..10];
        let a = self.availability(office, date, date).await;
        a["days"][0]["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["start"] == start)
            .unwrap_or_else(|| panic!("slot {start} in {a}"))["remaining"]
            .as_u64()
            .unwrap()
    }

    pub async fn get_booking(&self, code: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/api/v1/bookings/{code}")))
            .header("X-Booking-Token", token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_booking_action(
        &self,
        code: &str,
        token: &str,
        action: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(&format!("/api/v1/bookings/{code}/{action}")))
            .header("X-Booking-Token", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// GET a staff or admin route with a bearer token: must answer 200; its JSON.
    pub async fn staff_json(&self, path: &str, token: &str) -> Value {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// The test's own pool on the database (test-only queries, never the app's pools).
    pub async fn db(&self) -> &sqlx::AnyPool {
        self.db
            .get_or_init(|| async {
                sqlx::any::install_default_drivers();
                sqlx::pool::PoolOptions::new()
                    .max_connections(2)
                    .connect(&self.database_url)
                    .await
                    .expect("test pool")
            })
            .await
    }

    /// Number of rows in a table (to prove nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.db().await)
            .await
            .unwrap();
        n
    }

    /// Rows in every table a request could write to, the seats counted, and a digest
    /// of every booking's changeable columns: equal before and after a refused request
    /// means it wrote nothing (no row added, no counter or booking updated).
    pub async fn written(&self) -> BTreeMap<&'static str, i64> {
        use std::hash::{Hash, Hasher};
        let mut out = BTreeMap::new();
        for table in WRITABLE_TABLES {
            out.insert(*table, self.count(table).await);
        }
        for (name, sql) in [
            (
                "slot_loads.booked",
                "SELECT CAST(COALESCE(SUM(booked), 0) AS BIGINT) FROM slot_loads",
            ),
            (
                "day_loads.booked",
                "SELECT CAST(COALESCE(SUM(booked), 0) AS BIGINT) FROM day_loads",
            ),
        ] {
            let (n,): (i64,) = sqlx::query_as(sql)
                .fetch_one(self.db().await)
                .await
                .unwrap();
            out.insert(name, n);
        }
        type Row = (i64, String, i64, String, i64, Option<i64>, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, status, version, token_hash, slot_start, hold_until, updated_at \
             FROM bookings ORDER BY id",
        )
        .fetch_all(self.db().await)
        .await
        .unwrap();
        let mut digest = std::collections::hash_map::DefaultHasher::new();
        rows.hash(&mut digest);
        out.insert("bookings.digest", digest.finish() as i64);
        out
    }

    /// Sets the clock forward to `at` and waits for the server's sweep there (see
    /// [`TestApp::advance_and_sweep`]).
    pub async fn set_and_sweep(&self, at: DateTime<Utc>) -> usize {
        let by = at - self.clock.now();
        assert!(
            by >= chrono::Duration::zero(),
            "the clock only moves forward"
        );
        self.advance_and_sweep(by).await
    }

    /// Seat-holding bookings of an office per slot start (see [`held_per_slot`]).
    pub async fn held_per_slot(&self, office: &str) -> BTreeMap<i64, (String, i64)> {
        held_per_slot(self.db().await, office).await
    }

    /// The seat counters agree with the bookings table (see [`assert_counters_agree`]).
    pub async fn assert_counters_agree(&self, office: &str) {
        assert_counters_agree(self.db().await, office).await;
    }

    /// No slot and no day holds more than its capacity, counted from the bookings
    /// themselves (availability clamps `remaining` at zero, so an overfull slot would not
    /// show there), on every day from `from` to `to`. Seats that cannot move (slots that
    /// have started, people checked in) may exceed a capacity lowered after them, never
    /// more. Also checks that availability shows the same capacities and counts, and the
    /// counters.
    pub async fn assert_within_caps(&self, office: &str, from: &str, to: &str) {
        let now = self.clock.now().timestamp();
        let o = self.store.office(office).await.unwrap();
        let a = self.availability(office, from, to).await;
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT b.slot_start, b.status FROM bookings b JOIN offices o ON o.id = b.office_id \
             WHERE o.slug = $1 AND {TEST_HOLDS_SEAT}"
        ))
        .bind(office)
        .fetch_all(self.db().await)
        .await
        .unwrap();
        // Per slot: (held, of which cannot move).
        let mut held: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for (start, status) in rows {
            let fixed = start <= now
                || ["checked_in", "recorded", "no_show", "turned_away"].contains(&status.as_str());
            let e = held.entry(start).or_default();
            e.0 += 1;
            e.1 += i64::from(fixed);
        }
        let tz = o.spec.timezone;
        let date_of = |start: i64| {
            DateTime::from_timestamp(start, 0)
                .unwrap()
                .with_timezone(&tz)
                .date_naive()
        };
        for d in a["days"].as_array().unwrap() {
            let date: chrono::NaiveDate = d["date"].as_str().unwrap().parse().unwrap();
            let plan = rekam::planner::plan_day(&o.spec, &o.calendar, date);
            assert_eq!(d["cap"].as_u64(), Some(u64::from(plan.cap)), "{date}: cap");
            let in_day: Vec<(i64, (i64, i64))> = held
                .iter()
                .filter(|(s, _)| date_of(**s) == date)
                .map(|(s, n)| (*s, *n))
                .collect();
            let total: i64 = in_day.iter().map(|(_, (n, _))| n).sum();
            let fixed: i64 = in_day.iter().map(|(_, (_, f))| f).sum();
            let cap = i64::from(plan.cap);
            assert!(
                total <= cap.max(fixed),
                "{date} holds {total} bookings, cap {cap} ({fixed} cannot move): {d}"
            );
            assert_eq!(
                d["booked"].as_i64(),
                Some(total),
                "{date}: availability's count"
            );
            for (start, (n, fixed)) in in_day {
                let capacity = plan
                    .slots
                    .iter()
                    .find(|s| s.start.timestamp() == start)
                    .map_or(0, |s| i64::from(s.capacity));
                assert!(
                    n <= capacity.max(fixed),
                    "slot {start} on {date} holds {n} bookings, capacity {capacity} \
                     ({fixed} cannot move): {d}"
                );
            }
            for s in d["slots"].as_array().unwrap() {
                let start = chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap())
                    .unwrap()
                    .timestamp();
                let planned = plan.slots.iter().find(|p| p.start.timestamp() == start);
                assert_eq!(
                    planned.map(|p| u64::from(p.capacity)),
                    s["capacity"].as_u64(),
                    "availability shows the planned capacity: {s}"
                );
            }
        }
        self.assert_counters_agree(office).await;
    }
}

/// Seat-holding bookings of an office, counted from the bookings table with the test's
/// own statement of who holds a seat (not the application's constant): per slot start
/// (epoch seconds), with the slot's local date.
pub async fn held_per_slot(db: &sqlx::AnyPool, office: &str) -> BTreeMap<i64, (String, i64)> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT b.slot_start, b.local_date, COUNT(*) FROM bookings b \
         JOIN offices o ON o.id = b.office_id WHERE o.slug = $1 AND {TEST_HOLDS_SEAT} \
         GROUP BY b.slot_start, b.local_date"
    ))
    .bind(office)
    .fetch_all(db)
    .await
    .unwrap();
    rows.into_iter().map(|(s, d, n)| (s, (d, n))).collect()
}

/// The seat counters (`slot_loads`, `day_loads`) agree with the bookings table.
pub async fn assert_counters_agree(db: &sqlx::AnyPool, office: &str) {
    let slots: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.slot_start, l.booked FROM slot_loads l JOIN offices o ON o.id = l.office_id \
         WHERE o.slug = $1 AND l.booked <> 0 ORDER BY l.slot_start",
    )
    .bind(office)
    .fetch_all(db)
    .await
    .unwrap();
    let days: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.local_date, l.booked FROM day_loads l JOIN offices o ON o.id = l.office_id \
         WHERE o.slug = $1 AND l.booked <> 0 ORDER BY l.local_date",
    )
    .bind(office)
    .fetch_all(db)
    .await
    .unwrap();
    let held = held_per_slot(db, office).await;
    let truth_slots: Vec<(i64, i64)> = held.iter().map(|(s, (_, n))| (*s, *n)).collect();
    let mut truth_days: BTreeMap<String, i64> = BTreeMap::new();
    for (date, n) in held.values() {
        *truth_days.entry(date.clone()).or_default() += n;
    }
    let truth_days: Vec<(String, i64)> = truth_days.into_iter().collect();
    assert_eq!(slots, truth_slots, "slot counters agree with the bookings");
    assert_eq!(days, truth_days, "day counters agree with the bookings");
}

/// Who holds a seat, as the tests understand the rules (README "Seats"): the day
/// happened or will happen, or an offered seat is held, or a booking (not a waiting-list
/// entry) waits for its phone's code.
pub const TEST_HOLDS_SEAT: &str = "(b.status IN ('confirmed', 'checked_in', 'recorded', \
    'no_show', 'turned_away') OR (b.status IN ('needs_rebooking', 'waitlisted') \
    AND b.hold_until IS NOT NULL) OR (b.status = 'pending_verification' \
    AND b.wait_from IS NULL))";

/// Tables a request may write to.
pub const WRITABLE_TABLES: &[&str] = &[
    "bookings",
    "certificates",
    "slot_loads",
    "day_loads",
    "audit_log",
    "idempotency_keys",
    "notifications",
    "office_levels",
    "office_days",
    "staff_tokens",
];

/// Runs a test body on SQLite and on PostgreSQL, as two tests (`name::sqlite`,
/// `name::postgres`). The body takes what `setup = |db| …` makes for the engine (an
/// `Option`: `None` skips, as a missing PostgreSQL does); by default the app with the
/// test settings, or with `settings = …`; `engine` hands the body the engine itself.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        $crate::both_databases!(settings = $crate::helpers::test_settings(); $($name),*);
    };
    (settings = $settings:expr; $($name:ident),* $(,)?) => {
        $crate::both_databases!(
            setup = |db| $crate::helpers::spawn_with(db, $settings); $($name),*
        );
    };
    (engine; $($name:ident),* $(,)?) => {
        $crate::both_databases!(setup = |db| std::future::ready(Some(db)); $($name),*);
    };
    (setup = |$db:ident| $setup:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let $db = $crate::helpers::Db::Sqlite;
                    if let Some(given) = $setup.await {
                        super::$name(given).await;
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let $db = $crate::helpers::Db::Postgres;
                    if let Some(given) = $setup.await {
                        super::$name(given).await;
                    }
                }
            }
        )*
    };
}
