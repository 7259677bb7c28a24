//! A staff account's second factor (TOTP, RFC 6238) and its one-time recovery codes, and
//! the short-lived token of a login whose password was right and whose second factor is
//! still to come.

use super::{Store, StoreError, StoreResult, audit, ts};
use crate::domain::Actor;
use chrono::{DateTime, Utc};

/// An account's TOTP as stored.
#[derive(Debug, Clone)]
pub struct Totp {
    /// The shared secret, base32.
    pub secret: String,
    /// Set up (a first code was entered); until then the secret is only proposed.
    pub enrolled: bool,
}

impl Store {
    /// The account's TOTP secret, if one was proposed or set up.
    pub async fn staff_totp(&self, staff_id: i64) -> StoreResult<Option<Totp>> {
        let row: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT totp_secret, totp_enrolled_at FROM staff WHERE id = $1")
                .bind(staff_id)
                .fetch_optional(&self.read)
                .await?;
        let (secret, enrolled_at) = row.ok_or(StoreError::NotFound)?;
        Ok(secret.map(|secret| Totp {
            secret,
            enrolled: enrolled_at.is_some(),
        }))
    }

    /// Proposes a secret for an account without a second factor (shown for setting up);
    /// an account that has one keeps it. Returns the secret in force.
    pub async fn propose_staff_totp(&self, staff_id: i64, secret: &str) -> StoreResult<Totp> {
        sqlx::query(
            "UPDATE staff SET totp_secret = $2, totp_last_step = NULL \
             WHERE id = $1 AND totp_enrolled_at IS NULL",
        )
        .bind(staff_id)
        .bind(secret)
        .execute(&self.write)
        .await?;
        // Read from the writer: the proposal is seen at once.
        let (secret, enrolled): (Option<String>, Option<i64>) =
            sqlx::query_as("SELECT totp_secret, totp_enrolled_at FROM staff WHERE id = $1")
                .bind(staff_id)
                .fetch_one(&self.write)
                .await?;
        Ok(Totp {
            secret: secret.unwrap_or_default(),
            enrolled: enrolled.is_some(),
        })
    }

    /// Takes the time step of a code just checked: `false` when that step (or a later
    /// one) was taken already, so that a code is taken once.
    pub async fn take_totp_step(&self, staff_id: i64, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE staff SET totp_last_step = $2 WHERE id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(staff_id)
        .bind(step)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the proposed secret up (its first code was right), with new recovery codes
    /// (their hashes) in place of any old ones.
    pub async fn enroll_staff_totp(
        &self,
        staff_id: i64,
        actor: &Actor,
        recovery_hashes: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE staff SET totp_enrolled_at = $2 WHERE id = $1")
            .bind(staff_id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        replace_recovery_codes(&mut tx, staff_id, recovery_hashes, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "staff.second_factor_on",
            None,
            None,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// New recovery codes (their hashes) in place of the account's old ones.
    pub async fn new_recovery_codes(
        &self,
        staff_id: i64,
        actor: &Actor,
        recovery_hashes: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        replace_recovery_codes(&mut tx, staff_id, recovery_hashes, now).await?;
        audit(&mut tx, now, actor, "staff.recovery_codes", None, None, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a recovery code (its hash): `false` when it is not one of the account's, or
    /// was used.
    pub async fn use_recovery_code(
        &self,
        staff_id: i64,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE staff_recovery_codes SET used_at = $3 \
             WHERE staff_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(staff_id)
        .bind(code_hash)
        .bind(ts(now))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Recovery codes of the account not yet used.
    pub async fn recovery_codes_left(&self, staff_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM staff_recovery_codes WHERE staff_id = $1 AND used_at IS NULL",
        )
        .bind(staff_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n)
    }

    /// Removes an account's second factor and recovery codes (`rekam staff reset-2fa`, or
    /// its owner turning it off); its browser sessions end (API tokens, made on the
    /// command line, stay). `Ok(false)`: no such account.
    pub async fn reset_staff_totp(
        &self,
        username: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE staff SET totp_secret = NULL, totp_enrolled_at = NULL, \
             totp_last_step = NULL WHERE username = $1 RETURNING id",
        )
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = row else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM staff_recovery_codes WHERE staff_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE staff_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL \
             AND kind <> 'api'",
        )
        .bind(id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "staff.second_factor_off",
            None,
            None,
            username,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Starts a login whose password was right and whose second factor is to come: a
    /// token of kind `mfa` that ends at `expires_at`.
    pub async fn add_staff_pending_login(
        &self,
        staff_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO staff_tokens (staff_id, token_hash, created_at, kind, expires_at) \
             VALUES ($1, $2, $3, 'mfa', $4)",
        )
        .bind(staff_id)
        .bind(token_hash)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Ends a token of any kind (a pending login once completed).
    pub async fn end_staff_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE staff_tokens SET revoked_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(ts(now))
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    staff_id: i64,
    hashes: &[String],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM staff_recovery_codes WHERE staff_id = $1")
        .bind(staff_id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query(
            "INSERT INTO staff_recovery_codes (staff_id, code_hash, created_at) \
             VALUES ($1, $2, $3)",
        )
        .bind(staff_id)
        .bind(h)
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
