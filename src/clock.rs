//! "Now", from one place that tests can set (STYLE.md habit 6).

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tokio::sync::watch;

/// The source of the current instant.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// A stopped clock: its time, and a channel that wakes whoever waits on it.
    fixed: Option<Arc<watch::Sender<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock stopped at `at` until moved with [`Clock::set`] or [`Clock::advance`].
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(watch::Sender::new(at))),
        }
    }

    /// The current instant, truncated to whole seconds (the storage resolution).
    pub fn now(&self) -> DateTime<Utc> {
        let t = match &self.fixed {
            Some(t) => *t.borrow(),
            None => Utc::now(),
        };
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    }

    /// Sets a fixed clock; no effect on the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.fixed {
            t.send_replace(at);
        }
    }

    /// Moves a fixed clock forward.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.fixed {
            t.send_modify(|t| *t += by);
        }
    }

    /// Waits until this clock reads `at` or later: the system clock sleeps; a fixed
    /// clock waits for the test to move it there, so background work (the sweep of
    /// lapsed offers) runs on the test's time, never on its own.
    pub async fn sleep_until(&self, at: DateTime<Utc>) {
        match &self.fixed {
            None => {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
            }
            Some(t) => {
                let mut rx = t.subscribe();
                // The sender lives as long as this clock does.
                let _ = rx.wait_for(|now| *now >= at).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn a_fixed_clock_wakes_sleepers_only_when_moved_far_enough() {
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let clock = Clock::fixed(start);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(start + Duration::minutes(1)).await })
        };
        tokio::task::yield_now().await;
        clock.advance(Duration::seconds(59));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!sleeper.is_finished(), "59 s is not a minute");
        clock.advance(Duration::seconds(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("woken once the minute has passed")
            .unwrap();
    }
}
