//! Records of staff reading personal data (a day list, a booking, the audit log), written
//! in groups: each request's row is committed, and so durable, before its answer goes
//! out, but rows that arrive together share one transaction and one sync of the log, as
//! bookings do on SQLite. Without this every read of a list was a write transaction of
//! its own, and on SQLite's single writer the reads queued behind each other's syncs.

use super::{Backend, StoreError, StoreResult, ts};
use chrono::{DateTime, Utc};
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// Most records committed together.
const MAX_GROUP: usize = 256;

/// One record to write.
pub(crate) struct AccessRecord {
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) office_id: Option<i64>,
    pub(crate) booking_id: Option<i64>,
    /// The client's address, taken in the request's task.
    pub(crate) origin: Option<String>,
}

type Reply = oneshot::Sender<Result<(), String>>;

/// The queue of the writer task.
#[derive(Clone)]
pub(crate) struct AccessLog {
    queue: mpsc::Sender<(AccessRecord, Reply)>,
}

impl AccessLog {
    /// Starts the writer on `pool`.
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run(pool, backend, rx));
        Self { queue }
    }

    /// Queues a record and waits for its commit.
    pub(crate) async fn record(&self, record: AccessRecord) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Db(sqlx::Error::PoolClosed);
        self.queue
            .send((record, reply))
            .await
            .map_err(|_| closed())?;
        answer
            .await
            .map_err(|_| closed())?
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(e)))
    }
}

async fn run(pool: AnyPool, backend: Backend, mut rx: mpsc::Receiver<(AccessRecord, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        match write(&pool, backend, &group).await {
            Ok(()) => {
                for (_, reply) in group {
                    let _ = reply.send(Ok(()));
                }
            }
            // The group failed as a whole (nothing of it was kept): each record on its
            // own, so that one bad moment does not fail every read that shared it.
            Err(e) => {
                tracing::warn!(error = %e, size = group.len(), "access records: group failed; writing one by one");
                for (record, reply) in group {
                    let one = [(record, reply)];
                    let result = write(&pool, backend, &one).await.map_err(|e| e.to_string());
                    let [(_, reply)] = one;
                    let _ = reply.send(result);
                }
            }
        }
    }
}

async fn write(
    pool: &AnyPool,
    backend: Backend,
    group: &[(AccessRecord, Reply)],
) -> Result<(), sqlx::Error> {
    let mut tx = super::begin_write(pool, backend).await?;
    for (r, _) in group {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, office_id, booking_id, detail, origin) \
             VALUES ($1, $2, $3, $4, $5, '', $6)",
        )
        .bind(ts(r.at))
        .bind(&r.actor)
        .bind(&r.action)
        .bind(r.office_id)
        .bind(r.booking_id)
        .bind(&r.origin)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
