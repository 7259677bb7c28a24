//! Certificates kept for a form's correction: a form refused for another field keeps its
//! accepted file here under a random reference (only its hash is stored), so the fix
//! does not send megabytes again on slow data. A draft lives an hour at most, and goes
//! as soon as the booking is made.

use super::{Store, StoreResult, ts};
use chrono::{DateTime, Duration, Utc};

/// How long a draft's file is kept.
pub const DRAFT_KEPT: Duration = Duration::hours(1);

/// All drafts' files together, at most: past it a refused form asks for its file again
/// (as it did before drafts), so that refused forms cannot fill the disk.
pub const DRAFTS_AT_MOST: i64 = 256 * 1024 * 1024;

impl Store {
    /// Keeps a file under `ref_hash` (drafts older than [`DRAFT_KEPT`] go at the same
    /// time). `false` when all drafts together would pass [`DRAFTS_AT_MOST`]: nothing is
    /// kept then.
    pub async fn keep_draft_upload(
        &self,
        ref_hash: &str,
        file_name: &str,
        content: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM draft_uploads WHERE created_at < $1 OR ref_hash = $2")
            .bind(ts(now - DRAFT_KEPT))
            .bind(ref_hash)
            .execute(&mut *tx)
            .await?;
        let (held,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM draft_uploads",
        )
        .fetch_one(&mut *tx)
        .await?;
        if held + content.len() as i64 > DRAFTS_AT_MOST {
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO draft_uploads (ref_hash, file_name, content, size_bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ref_hash)
        .bind(file_name)
        .bind(content)
        .bind(content.len() as i64)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The file kept under `ref_hash` (its name and bytes), if it is still there.
    pub async fn draft_upload(
        &self,
        ref_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT file_name, content FROM draft_uploads \
             WHERE ref_hash = $1 AND created_at >= $2",
        )
        .bind(ref_hash)
        .bind(ts(now - DRAFT_KEPT))
        .fetch_optional(&self.read)
        .await?)
    }

    /// Forgets a draft's file (its booking is made), and any that are too old.
    pub async fn drop_draft_upload(&self, ref_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM draft_uploads WHERE ref_hash = $1 OR created_at < $2")
            .bind(ref_hash)
            .bind(ts(now - DRAFT_KEPT))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
