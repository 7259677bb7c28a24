//! "Now", from one place that tests can set (STYLE.md habit 6).

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, RwLock};

/// The source of the current instant.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock stopped at `at` until moved with [`Clock::set`] or [`Clock::advance`].
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(RwLock::new(at))),
        }
    }

    /// The current instant, truncated to whole seconds (the storage resolution).
    pub fn now(&self) -> DateTime<Utc> {
        let t = match &self.fixed {
            Some(t) => *t.read().expect("clock lock"),
            None => Utc::now(),
        };
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    }

    /// Sets a fixed clock; no effect on the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.fixed {
            *t.write().expect("clock lock") = at;
        }
    }

    /// Moves a fixed clock forward.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.fixed {
            *t.write().expect("clock lock") += by;
        }
    }
}
