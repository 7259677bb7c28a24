//! Group commit for SQLite's single writer: bookings written together, each in a
//! savepoint, committed (and fsynced) once. What one booking writes is
//! [`super::booking::insert`]'s.

use super::booking::insert::{BookingJob, steps_with_origin};
use super::{StoreError, StoreResult};
use crate::domain::Booking;
use sqlx::{AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

/// Most bookings committed together.
const MAX_GROUP: usize = 128;

type Reply = oneshot::Sender<StoreResult<Booking>>;

/// Group commit for SQLite's single writer: bookings that arrive while a commit is under
/// way are written together, each inside its own savepoint (so one that is full or a
/// duplicate is rolled back alone), then committed — and fsynced — once. Every caller is
/// answered only after that commit, so a 201 is as durable as with a transaction of its
/// own; the writer just turns over far fewer transactions under load. No request waits
/// for company: a lone booking is committed at once.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<(BookingJob, Reply)>,
}

impl GroupCommit {
    /// Starts the writer task on `pool` (the single writer connection).
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run_group_commits(pool, rx));
        Self { queue }
    }

    /// Queues a booking and waits for its commit.
    pub(crate) async fn submit(&self, job: BookingJob) -> StoreResult<Booking> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((job, reply))
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?
    }
}

async fn run_group_commits(pool: AnyPool, mut rx: mpsc::Receiver<(BookingJob, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        metrics::histogram!("group_commit_batch_size").record(group.len() as f64);
        match commit_group(&pool, &group).await {
            Ok(results) => {
                for ((_, reply), result) in group.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            // The group's transaction failed as a whole (nothing of it was kept): write
            // each booking in a transaction of its own, so only the guilty one fails.
            Err(e) => {
                tracing::warn!(error = %e, size = group.len(), "group commit failed; writing one by one");
                for (job, reply) in group {
                    let result = async {
                        let mut tx = super::begin_write(&pool, super::Backend::Sqlite).await?;
                        let b = steps_with_origin(&mut tx, &job).await?;
                        tx.commit().await?;
                        Ok(b)
                    }
                    .await;
                    let _ = reply.send(result);
                }
            }
        }
    }
}

async fn commit_group(
    pool: &AnyPool,
    group: &[(BookingJob, Reply)],
) -> Result<Vec<StoreResult<Booking>>, sqlx::Error> {
    let mut tx = super::begin_write(pool, super::Backend::Sqlite).await?;
    let mut results = Vec::with_capacity(group.len());
    for (job, _) in group {
        let mut savepoint = tx.begin().await?;
        match steps_with_origin(&mut savepoint, job).await {
            Ok(b) => {
                savepoint.commit().await?;
                results.push(Ok(b));
            }
            Err(StoreError::Db(e)) => return Err(e),
            Err(e) => {
                savepoint.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}
