//! What a server does besides answering requests: the scheduler that runs the periodic
//! jobs of [`usecases::jobs::ALL`] on the clock's time, and the worker that delivers the
//! outbox's messages.

use crate::usecases::{self, Context};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How often the scheduler ticks, in the clock's time.
pub const TICK: chrono::Duration = chrono::Duration::minutes(1);

/// What one tick of the scheduler did: the clock's time it ran at, and what each job that
/// ran did (tests wait on these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// The instant it ran for.
    pub at: DateTime<Utc>,
    /// Each job that ran and succeeded, with how many things it did.
    pub done: Vec<(&'static str, u64)>,
}

impl Tick {
    /// How many things the job `name` did in this tick (0 when it did not run).
    pub fn count(&self, name: &str) -> u64 {
        self.done
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, c)| *c)
    }
}

/// Runs every job that is due at each tick, for as long as the process lives: a job
/// that fails is logged and tried again at the next tick; `after_tick` runs after each
/// (forgetting quiet rate-limit entries). Reports each tick on `ticks`.
pub fn start_scheduler(
    ctx: Context,
    ticks: tokio::sync::watch::Sender<Tick>,
    after_tick: impl Fn() + Send + 'static,
) {
    tokio::spawn(async move {
        let mut last_run: HashMap<&'static str, DateTime<Utc>> = HashMap::new();
        let mut last = ctx.clock.now();
        loop {
            ctx.clock.sleep_until(last + TICK).await;
            last = ctx.clock.now();
            let mut done = Vec::new();
            for job in usecases::jobs::ALL {
                if last_run
                    .get(job.name)
                    .is_some_and(|at| last - *at < job.every)
                {
                    continue;
                }
                match (job.run)(&ctx, last).await {
                    Ok(n) => {
                        last_run.insert(job.name, last);
                        done.push((job.name, n));
                    }
                    Err(e) => tracing::warn!(job = job.name, error = ?e.code, "a job failed"),
                }
            }
            ticks.send_replace(Tick { at: last, done });
            after_tick();
        }
    });
}

/// Starts the worker that delivers the outbox every second (real time) through
/// `delivery`. It stops when `stop` turns true, after the message in hand: a delivered
/// message is always recorded as delivered.
pub fn start_deliveries(
    ctx: Context,
    delivery: usecases::outbox::Delivery,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !*stop.borrow() {
            tick.tick().await;
            let sent = usecases::outbox::deliver_due(&ctx, &delivery, &worker, &stop);
            if let Err(e) = sent.await {
                tracing::warn!(error = ?e.code, "delivering messages failed");
            }
        }
    })
}
