//! Idempotency-Keys (IETF draft `httpapi-idempotency-key-header`): what a key's first
//! request created or answered, given again to a retry of the same request for a day.

use super::booking::Receipt;
use super::{IdempotencyKey, Store, StoreError, StoreResult, from_ts, ts};
use chrono::{DateTime, Utc};

/// The `kind` of an `idempotency_keys` row holding an answer as it was sent (a desk
/// write's); a booking's is [`Receipt::KIND`].
const ANSWER: &str = "answer";

/// What a used Idempotency-Key answers again.
#[derive(Debug)]
pub enum Replayed {
    /// What it created.
    Receipt(Box<Receipt>),
    /// A stored answer (a desk write's, or the receipt-less answers of old versions):
    /// replayed as it is.
    Stored {
        /// HTTP status.
        status: u16,
        /// JSON body.
        body: String,
    },
}

/// A used key as stored.
#[derive(sqlx::FromRow)]
struct KeyRow {
    status: i64,
    body: String,
    request_hash: Option<String>,
    created_at: i64,
    kind: Option<String>,
}

impl Store {
    /// What an Idempotency-Key created before, if it was used (and not yet forgotten)
    /// for this same request; `KeyReused` when it was used for another.
    pub async fn idempotent_receipt(
        &self,
        key: IdempotencyKey<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Replayed>> {
        let row: Option<KeyRow> = sqlx::query_as(
            "SELECT status, body, request_hash, created_at, kind FROM idempotency_keys \
             WHERE key = $1 AND scope = $2",
        )
        .bind(key.key)
        .bind(key.scope)
        .fetch_optional(&self.read)
        .await?;
        let Some(KeyRow {
            status,
            body,
            request_hash: request,
            created_at,
            kind,
        }) = row
        else {
            return Ok(None);
        };
        if from_ts(created_at) <= now - super::IDEMPOTENCY_KEPT {
            return Ok(None);
        }
        if request.as_deref() != Some(key.request) {
            return Err(StoreError::KeyReused);
        }
        let stored = |body| Replayed::Stored {
            status: u16::try_from(status).unwrap_or(200),
            body,
        };
        Ok(Some(match kind.as_deref() {
            Some(Receipt::KIND) => {
                Replayed::Receipt(Box::new(serde_json::from_str(&body).map_err(|e| {
                    StoreError::Db(sqlx::Error::Decode(
                        format!("stored receipt does not read: {e}").into(),
                    ))
                })?))
            }
            Some(ANSWER) => stored(body),
            // Written by a version before kinds (a process not yet restarted): a receipt
            // if it reads as one, as those versions decided.
            None => match serde_json::from_str(&body) {
                Ok(receipt) => Replayed::Receipt(Box::new(receipt)),
                Err(_) => stored(body),
            },
            Some(other) => {
                return Err(StoreError::Db(sqlx::Error::Decode(
                    format!("stored Idempotency-Key kind is not one of ours: {other:?}").into(),
                )));
            }
        }))
    }

    /// Keeps the answer to a request made with an Idempotency-Key (a desk write), so that a
    /// retry gets it again. A key taken meanwhile by another request keeps its own.
    pub async fn remember_answer(
        &self,
        key: IdempotencyKey<'_>,
        status: u16,
        body: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND created_at <= $2")
            .bind(key.key)
            .bind(ts(now - super::IDEMPOTENCY_KEPT))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (key, scope, status, body, created_at, request_hash, \
             kind) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key.key)
        .bind(key.scope)
        .bind(i64::from(status))
        .bind(body)
        .bind(ts(now))
        .bind(key.request)
        .bind(ANSWER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets Idempotency-Keys older than a day, and the record of verification codes
    /// sent (a phone number and an address) older than a day (run by the server's
    /// sweeper).
    pub async fn forget_idempotency_keys(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
            .bind(ts(now - super::IDEMPOTENCY_KEPT))
            .execute(&self.write)
            .await?;
        sqlx::query("DELETE FROM verification_codes WHERE sent_at <= $1")
            .bind(ts(now - chrono::Duration::days(1)))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
