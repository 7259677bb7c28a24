//! Every query and transaction boundary (STYLE.md habit 5).
//!
//! One set of SQL serves SQLite and PostgreSQL through sqlx's `Any` driver: instants are
//! stored as UTC epoch seconds and local dates as `YYYY-MM-DD`, placeholders are `$n`.
//! Capacity is taken inside the writing transaction with conditional updates on
//! `slot_loads`/`day_loads` (`booked < capacity`), which PostgreSQL re-checks after
//! waiting for a concurrent writer's row lock and SQLite serialises with its single
//! writer, so the caps hold for any number of processes.

mod access_log;
mod booking;
mod calendar;
mod calls;
pub(crate) mod desk;
mod drafts;
mod group_commit;
mod idempotency;
pub(crate) mod offers;
mod offices;
pub(crate) mod outbox;
mod plans;
mod replan;
mod reports;
mod retention;
pub(crate) mod seats;
mod second_factor;
mod staff;
pub(crate) mod verify;

pub use booking::{
    Inserted, NewBooking, NewCertificate, NewVerification, Receipt, ReceiptBooking, SeatRequest,
};
pub use idempotency::Replayed;
// (IdempotencyKey is defined below.)
pub use calendar::{LevelScheduleRow, RuleVersion};
pub use calls::{Call, Called, QueueBoard};
pub use desk::{CertificateFile, DeskRow, Readings, ReviewRow, TakenReading};
pub use offices::Office;
pub use outbox::{DELIVERY_TRIED_FOR, FailedMessage, OutboxRow};
pub use plans::{GROWING, HotQuery, Param, hot_queries};
pub use replan::{
    DayImpact, DisplacedBooking, NationalChange, Notice, OfficeReplan, PlanChange, ReplanReport,
};
pub use reports::{AuditFilter, AuditRow, DayReport};
pub use retention::PurgeReport;
pub use second_factor::Totp;
pub use staff::{DEVICE_DAYS, StaffAccount, StaffChange, StaffMember};
pub use verify::Verified;

use crate::domain::Actor;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;

/// An Idempotency-Key with what it is bound to.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyKey<'a> {
    /// The key as sent.
    pub key: &'a str,
    /// The operation it belongs to (`bookings.create`).
    pub scope: &'a str,
    /// A hash of the request (its fields and file): a repeat must send the same.
    pub request: &'a str,
}

/// How long an Idempotency-Key is kept (API.md: 24 hours).
pub const IDEMPOTENCY_KEPT: chrono::Duration = chrono::Duration::hours(24);

pub(crate) use crate::planner::OfferRules;

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// For deployments that outgrow one machine.
    Postgres,
}

/// Errors at the store boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row.
    #[error("not found")]
    NotFound,
    /// The slot holds as many bookings as its capacity.
    #[error("the slot is full")]
    SlotFull,
    /// The day holds as many bookings as its cap.
    #[error("the day is full")]
    DayFull,
    /// The NIK already has an active booking.
    #[error("this NIK already has an active booking")]
    ActiveBookingExists,
    /// Lost a race with another change of the same row.
    #[error("changed by someone else meanwhile")]
    Conflict,
    /// The office's capacity changed after the caller planned: plan again.
    #[error("the office's plan changed meanwhile")]
    PlanChanged,
    /// A unique value (username, slug) is taken.
    #[error("already exists")]
    Duplicate,
    /// A limit per booking and day was reached.
    #[error("too many changes today")]
    TooMany,
    /// An Idempotency-Key used before with another request.
    #[error("the idempotency key was used for another request")]
    KeyReused,
    /// An Idempotency-Key taken by a request of the same key that committed first: the
    /// caller replays what it created.
    #[error("the idempotency key was just used")]
    KeyTaken,
    /// The change would leave no active admin.
    #[error("the last active admin")]
    LastAdmin,
    /// The phone was sent its hourly number of verification codes; retry after so many
    /// seconds.
    #[error("too many verification codes for this phone")]
    CodesPerHour(i64),
    /// Anything else from the database: a bug or an outage.
    #[error(transparent)]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// A deadlock or serialisation failure means this transaction lost a race and was
    /// rolled back whole: a 409 `conflict` to retry, not a 500. (Counter rows are locked
    /// in one order, so deadlocks should not happen; this is the safety net.)
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01" | "40001")) =>
            {
                tracing::warn!(error = %e, "transaction lost a race");
                StoreError::Conflict
            }
            _ => StoreError::Db(e),
        }
    }
}

/// `INDEXED BY index` on SQLite, nothing on PostgreSQL: for the few queries whose right
/// index SQLite's planner cannot tell from the others without statistics (a new database
/// has none), while on millions of rows the wrong one walks the whole history. On
/// PostgreSQL the statistics decide (bench/national and `rekam explain` show the plans).
pub(crate) fn indexed_by(backend: Backend, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!(" INDEXED BY {index}"),
        Backend::Postgres => String::new(),
    }
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Office calendars by office id, each with the plan version it was loaded at: at most
/// [`CALENDARS_CACHED`] offices (the least used go first), so memory stays bounded
/// however many offices a deployment has.
type CalendarCache = Arc<quick_cache::sync::Cache<i64, (i64, Arc<crate::planner::Calendar>)>>;

/// Office calendars kept in memory (each a few KB: levels, closures, holidays): the
/// 1,500 offices of a national deployment fit, with room.
pub const CALENDARS_CACHED: usize = 4096;

/// Handles to the database.
#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// SQLite only: new bookings go through the group-commit writer.
    group_commit: Option<group_commit::GroupCommit>,
    /// Records of staff reading personal data, committed in groups.
    access_log: access_log::AccessLog,
    /// Office calendars by office id, with the plan version they were loaded at.
    calendars: CalendarCache,
    /// How seats are offered to waiting bookings.
    offers: OfferRules,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Turns a user-facing `sqlite://rekam.db` into a URL that creates the file if missing.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Store {
    /// Connects and runs the migrations of the engine named by `url`.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("the database URL must start with sqlite: or postgres:");
        };
        let store = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let options = || {
                    AnyPoolOptions::new()
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                // WAL: readers never wait for the writer. synchronous=FULL
                                // syncs the log at every commit, so a 201 survives even a
                                // power cut, not just a crash of the process.
                                // busy_timeout lets other processes' writers queue.
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                };
                // One writer connection: SQLite admits one writer at a time anyway, and
                // queuing in the pool is cheaper than spinning on SQLITE_BUSY.
                migrate_sqlite(&url).await?;
                let write = options().max_connections(1).connect(&url).await?;
                let read = options()
                    .max_connections(max_connections.max(2))
                    .connect(&url)
                    .await?;
                Store {
                    group_commit: Some(group_commit::GroupCommit::start(write.clone())),
                    access_log: access_log::AccessLog::start(write.clone(), backend),
                    read,
                    write,
                    backend,
                    calendars: Arc::new(quick_cache::sync::Cache::new(CALENDARS_CACHED)),
                    offers: OfferRules::default(),
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                // PostgreSQL commits concurrent transactions in parallel (and groups
                // their WAL flushes itself): one transaction per booking.
                Store {
                    access_log: access_log::AccessLog::start(pool.clone(), backend),
                    read: pool.clone(),
                    write: pool,
                    backend,
                    group_commit: None,
                    calendars: Arc::new(quick_cache::sync::Cache::new(CALENDARS_CACHED)),
                    offers: OfferRules::default(),
                }
            }
        };
        Ok(store)
    }

    /// Sets how long an offered seat is held (default 12 hours).
    pub fn with_offer_hold(mut self, hold: chrono::Duration) -> Self {
        self.offers.hold = hold;
        self
    }

    /// Sets the hours of the day an offered seat's hold counts (default 06:00–21:00).
    pub fn with_waking_hours(mut self, waking: crate::domain::office::WakingHours) -> Self {
        self.offers.waking = waking;
        self
    }

    /// Sets the minimum age judged for every seat offered (default 17).
    pub fn with_min_age(mut self, min_age: u32) -> Self {
        self.offers.min_age = min_age;
        self
    }

    /// Starts a write transaction. On SQLite it takes the database's write lock at once
    /// (`BEGIN IMMEDIATE`), waiting for another process's writer up to the busy timeout:
    /// a transaction that began as a reader and upgrades later cannot wait (SQLite
    /// answers "database is locked" at once, to avoid a deadlock), which failed requests
    /// whenever a second process — a CLI, a second server during a restart — wrote.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(begin_write(&self.write, self.backend).await?)
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Does the database answer?
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` while others keep writing
    /// (`VACUUM INTO` reads one snapshot); the file must not exist yet. PostgreSQL has its
    /// own tools (`pg_dump`): `Ok(false)`.
    pub async fn backup_to(&self, path: &std::path::Path) -> StoreResult<bool> {
        if self.backend != Backend::Sqlite {
            return Ok(false);
        }
        let target = path.to_string_lossy().replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{target}'"))
            .execute(&self.read)
            .await?;
        Ok(true)
    }

    /// Closes the pools (tests, shutdown).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// A write transaction on `pool` (see [`Store::begin_write`]).
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// First statement of every transaction that takes or moves seats: confirms that the
/// caller planned with the office's current plan version. On PostgreSQL the row is read
/// `FOR SHARE`: seat-takers do not block each other, but a re-plan (which updates the row)
/// waits for them and holds new ones back until it commits; SQLite has one writer.
pub(crate) async fn check_plan_version(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    office_id: i64,
    planned_with: i64,
) -> StoreResult<()> {
    let sql = match backend {
        Backend::Sqlite => "SELECT plan_version FROM offices WHERE id = $1",
        Backend::Postgres => "SELECT plan_version FROM offices WHERE id = $1 FOR SHARE",
    };
    let (current,): (i64,) = sqlx::query_as(sql).bind(office_id).fetch_one(conn).await?;
    if current == planned_with {
        Ok(())
    } else {
        Err(StoreError::PlanChanged)
    }
}

/// Takes the office row's shared lock on PostgreSQL (see [`check_plan_version`]).
pub(crate) async fn lock_office_shared(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    office_id: i64,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM offices WHERE id = $1 FOR SHARE")
            .bind(office_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Seconds since the epoch, as stored.
pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Back from stored seconds.
pub(crate) fn from_ts(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

/// Is this a unique violation whose constraint or message mentions `needle`?
pub(crate) fn is_unique_violation(err: &sqlx::Error, needle: &str) -> bool {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            db.constraint().is_some_and(|c| c.contains(needle)) || db.message().contains(needle)
        }
        _ => false,
    }
}

tokio::task_local! {
    /// The client address of the request being served, for the audit log.
    static ORIGIN: String;
}

/// The client address of the request being served, if any.
pub(crate) fn origin() -> Option<String> {
    ORIGIN.try_with(Clone::clone).ok()
}

/// Runs `f` with `origin` (a client address) recorded on every audit row it writes.
pub async fn with_origin<F: std::future::Future>(origin: String, f: F) -> F::Output {
    ORIGIN.scope(origin, f).await
}

/// Appends an audit record inside a transaction. The audit log is append-only: this is the only statement that writes to it, and no
/// code updates or deletes its rows (a test in `checks.rs` looks).
pub(crate) async fn audit(
    conn: &mut sqlx::AnyConnection,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    office_id: Option<i64>,
    booking_id: Option<i64>,
    detail: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, office_id, booking_id, detail, origin) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ts(at))
    .bind(actor.audit_name())
    .bind(action)
    .bind(office_id)
    .bind(booking_id)
    .bind(detail)
    .bind(ORIGIN.try_with(Clone::clone).ok())
    .execute(conn)
    .await?;
    Ok(())
}

/// Runs SQLite's migrations on a connection of their own with foreign keys off (SQLite's
/// default): SQLite changes a table by creating the new one, copying, dropping the old and
/// renaming, and with foreign keys on, dropping the old table would check (or rewrite) the
/// tables that refer to it. Afterwards every reference must still hold.
async fn migrate_sqlite(url: &str) -> StoreResult<()> {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = OFF;")
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    let applied = || async {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .map_or(-1, |(n,)| n)
    };
    let before = applied().await;
    sqlx::migrate!("migrations/sqlite")
        .run(&pool)
        .await
        .map_err(sqlx::Error::from)?;
    // The check reads every row that refers to another (seconds on a national table):
    // only after a migration ran.
    let broken: Vec<(String,)> = if applied().await != before {
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&pool)
            .await?
    } else {
        Vec::new()
    };
    pool.close().await;
    if let Some((table,)) = broken.first() {
        return Err(StoreError::Db(sqlx::Error::Protocol(format!(
            "after the migrations, {} rows refer to rows that do not exist (first in {table})",
            broken.len()
        ))));
    }
    Ok(())
}
