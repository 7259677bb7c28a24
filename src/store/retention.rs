//! Retention (UU 27/2022): certificates' files deleted a set time after the visit or the
//! cancellation, the personal data of ended bookings anonymised later (the code, office,
//! day and outcome stay, so reports still count the visit), expired or ended staff
//! sessions and tokens removed. Each deletion is in the audit log.

use super::{Store, StoreResult, audit, ts};
use crate::domain::BookingStatus;
use crate::domain::booking::sql;
use chrono::{DateTime, Duration, Utc};

/// What a purge did (or, dry, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Certificate files deleted.
    pub certificates: u64,
    /// Bookings whose personal data was anonymised.
    pub anonymised: u64,
    /// Staff sessions and tokens removed.
    pub tokens: u64,
}

/// Ended bookings (a visit that happened or did not, or a cancellation): when they ended.
fn ended(alias: &str) -> String {
    let list = sql::list(|s| !s.is_active() && !s.is_waiting() && s != BookingStatus::Confirmed);
    format!(
        "{alias}.status IN {list} AND \
         (CASE WHEN {alias}.slot_end > {alias}.updated_at THEN {alias}.slot_end \
          ELSE {alias}.updated_at END) <= $1"
    )
}

impl Store {
    /// Deletes and anonymises what is due at `now`: certificate files of bookings ended
    /// `certificates_after` ago, personal data of bookings ended `personal_after` ago,
    /// and staff tokens and sessions that expired or were revoked. With `dry_run`, only
    /// counts.
    pub async fn purge(
        &self,
        now: DateTime<Utc>,
        certificates_after: Duration,
        personal_after: Duration,
        dry_run: bool,
    ) -> StoreResult<PurgeReport> {
        let mut tx = self.begin_write().await?;
        let files: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT b.id, b.office_id FROM bookings b WHERE {} AND EXISTS \
             (SELECT 1 FROM certificates c WHERE c.booking_id = b.id AND c.deleted_at IS NULL)",
            ended("b")
        ))
        .bind(ts(now - certificates_after))
        .fetch_all(&mut *tx)
        .await?;
        let people: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT b.id, b.office_id FROM bookings b WHERE {} AND b.anonymised_at IS NULL",
            ended("b")
        ))
        .bind(ts(now - personal_after))
        .fetch_all(&mut *tx)
        .await?;
        let (tokens,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM staff_tokens WHERE revoked_at IS NOT NULL \
             OR (expires_at IS NOT NULL AND expires_at <= $1)",
        )
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let report = PurgeReport {
            certificates: files.len() as u64,
            anonymised: people.len() as u64,
            tokens: tokens as u64,
        };
        if dry_run {
            tx.rollback().await?;
            return Ok(report);
        }
        for (id, office) in &files {
            sqlx::query(
                "UPDATE certificates SET content = $2, size_bytes = 0, deleted_at = $3 \
                 WHERE booking_id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(Vec::<u8>::new())
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let detail = format!("{} days after the visit", certificates_after.num_days());
            audit(
                &mut tx,
                now,
                "system",
                "retention.certificate_deleted",
                Some(*office),
                Some(*id),
                &detail,
            )
            .await?;
        }
        for (id, office) in &people {
            // The code, office, day, slot and outcome stay for statistics; who it was goes.
            sqlx::query(
                "UPDATE bookings SET nik = '', name = '', phone = '', email = NULL, \
                 birth_date = '1900-01-01', token_hash = '', outcome_reason = NULL, \
                 anonymised_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE notifications SET reason = '', secret = NULL WHERE booking_id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let detail = format!("{} days after the visit", personal_after.num_days());
            audit(
                &mut tx,
                now,
                "system",
                "retention.anonymised",
                Some(*office),
                Some(*id),
                &detail,
            )
            .await?;
        }
        if tokens > 0 {
            sqlx::query(
                "DELETE FROM staff_tokens WHERE revoked_at IS NOT NULL \
                 OR (expires_at IS NOT NULL AND expires_at <= $1)",
            )
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let detail = format!("{tokens} ended sessions and tokens");
            audit(
                &mut tx,
                now,
                "system",
                "retention.tokens_removed",
                None,
                None,
                &detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}
