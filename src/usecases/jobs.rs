//! The periodic jobs: each use case that has work to do on the clock declares it here
//! with its name and cadence, and the server's scheduler (`crate::background`) runs every
//! job of [`ALL`] in turn, on the clock's time.

use super::{AppError, Context};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::pin::Pin;

/// What a job's run returns: how many things it did.
pub type Run<'a> = Pin<Box<dyn Future<Output = Result<u64, AppError>> + Send + 'a>>;

/// A periodic job.
#[derive(Clone, Copy)]
pub struct Job {
    /// Its name, in the log and in the scheduler's report.
    pub name: &'static str,
    /// How often it runs, in the clock's time (at most once per scheduler tick, a minute).
    pub every: Duration,
    /// The work, at the instant given.
    pub run: for<'a> fn(&'a Context, DateTime<Utc>) -> Run<'a>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every job, in the order a tick runs them: seats come free first (lapsed offers,
/// unverified holds, rejected certificates), then the day's bookkeeping.
pub const ALL: &[Job] = &[
    super::waitlist::LAPSE_OFFERS,
    super::verify::EXPIRE_HOLDS,
    super::desk::RELEASE_REJECTED,
    super::desk::MARK_NO_SHOWS,
    super::retention::PURGE,
    super::outbox::WRITE_REMINDERS,
    super::booking::FORGET_IDEMPOTENCY_KEYS,
];

/// The cadence of most jobs: every tick.
pub const EVERY_TICK: Duration = Duration::minutes(1);

/// Converts a count into a job's result.
pub(crate) fn count<N: TryInto<u64>>(n: N) -> u64 {
    n.try_into().unwrap_or(u64::MAX)
}
