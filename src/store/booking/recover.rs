//! The lost link: a NIK and its birth date send a new manage link to the booking's own
//! phone (and e-mail); the links sent before keep working.

use super::EXTRA_TOKENS;
use crate::domain::booking::sql;
use crate::domain::{Actor, BookingStatus, NotificationKind};
use crate::store::{Store, StoreResult, audit, ts};
use chrono::{DateTime, NaiveDate, Utc};

impl Store {
    /// Adds a manage token (its hash) to the NIK's active booking with that birth date
    /// and writes the `link_recovery` message carrying it, in one transaction. Returns the
    /// booking's code, or `None` when nothing matches (nothing is written then).
    pub async fn recover_link(
        &self,
        nik: &str,
        birth_date: NaiveDate,
        token: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.begin_write().await?;
        let found: Option<(i64, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT id, code, office_id, slot_start FROM bookings \
             WHERE nik = $1 AND birth_date = $2 AND status IN {} ORDER BY id DESC LIMIT 1",
            sql::list(BookingStatus::is_active)
        ))
        .bind(nik)
        .bind(birth_date.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, code, office_id, slot_start)) = found else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO booking_tokens (booking_id, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(token_hash)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM booking_tokens WHERE booking_id = $1 AND id NOT IN \
             (SELECT id FROM booking_tokens WHERE booking_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(id)
        .bind(EXTRA_TOKENS)
        .execute(&mut *tx)
        .await?;
        let kind = NotificationKind::LinkRecovery;
        crate::store::outbox::notify(&mut tx, id, kind, slot_start, None, None, Some(token), now)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::Applicant,
            "booking.link_recovered",
            Some(office_id),
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(Some(code))
    }
}
