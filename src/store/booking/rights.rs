//! The applicant's rights over their data (UU 27/2022): correcting the contact details,
//! and erasing the booking's personal data at once.

use crate::domain::Actor;
use crate::store::retention::{Forget, anonymise};
use crate::store::{Store, StoreError, StoreResult, audit, ts};
use chrono::{DateTime, Utc};

impl Store {
    /// Corrects a booking's phone and e-mail (the applicant's own), audited.
    pub async fn change_contact(
        &self,
        booking_id: i64,
        office_id: i64,
        phone: &str,
        email: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE bookings SET phone = $2, email = $3, updated_at = $4 \
             WHERE id = $1 AND anonymised_at IS NULL",
        )
        .bind(booking_id)
        .bind(phone)
        .bind(email)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit(
            &mut tx,
            now,
            &Actor::Applicant,
            "booking.contact_changed",
            Some(office_id),
            Some(booking_id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Erases a cancelled booking's personal data now, its certificate file too: what a
    /// report counts (office, day, slot, status) stays, anonymous.
    pub async fn erase_booking(
        &self,
        booking_id: i64,
        code: &str,
        office_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE certificates SET content = $2, size_bytes = 0, deleted_at = $3 \
             WHERE booking_id = $1 AND deleted_at IS NULL",
        )
        .bind(booking_id)
        .bind(Vec::<u8>::new())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        // The staff's words on the certificate are health data too.
        sqlx::query("UPDATE certificates SET review_reason = NULL WHERE booking_id = $1")
            .bind(booking_id)
            .execute(&mut *tx)
            .await?;
        // Messages not yet sent are not sent any more.
        sqlx::query(
            "UPDATE notifications SET next_attempt_at = NULL, secret = NULL \
             WHERE booking_id = $1 AND sent_at IS NULL",
        )
        .bind(booking_id)
        .execute(&mut *tx)
        .await?;
        // An Idempotency-Key's receipt repeats the booking's answer (name, birth date):
        // it goes, so that no replay brings the person back.
        sqlx::query("DELETE FROM idempotency_keys WHERE body LIKE $1")
            .bind(format!("%\"code\":\"{code}\"%"))
            .execute(&mut *tx)
            .await?;
        let who = Forget {
            actor: &Actor::Applicant,
            action: "booking.erased",
            detail: "asked by the applicant",
        };
        anonymise(&mut tx, booking_id, office_id, now, &who).await?;
        tx.commit().await?;
        Ok(())
    }
}
