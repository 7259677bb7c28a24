//! Staff accounts and API tokens.

use super::{Store, StoreError, StoreResult, audit, is_unique_violation, ts};
use crate::domain::Actor;
use crate::domain::Role;
use chrono::{DateTime, Utc};

/// How long a browser that signed in stays known without signing in again.
pub const DEVICE_DAYS: i64 = 180;

/// A staff member as seen by authorisation.
// Not `#[non_exhaustive]`: that seals the type from other crates only; the private field
// seals it from the rest of this crate too (only the store makes one).
#[allow(clippy::manual_non_exhaustive)]
#[derive(Debug, Clone)]
pub struct StaffMember {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    pub role: Role,
    /// The office a desk officer or supervisor belongs to; admins have none.
    pub office_id: Option<i64>,
    /// A second factor (TOTP) is set up for the account.
    pub second_factor: bool,
    /// Only the store makes a member (from the account's row): a value of this type is
    /// who signed in, never one made up by a caller.
    _sealed: (),
}

impl StaffMember {
    /// A member for the unit tests of authorization.
    #[cfg(test)]
    pub(crate) fn for_tests(role: Role, office_id: Option<i64>) -> Self {
        Self {
            id: 7,
            username: "petugas".into(),
            role,
            office_id,
            second_factor: false,
            _sealed: (),
        }
    }

    /// This person as the actor of a change.
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id,
            username: crate::domain::Username::stored(self.username.clone()),
            role: self.role,
            office_id: self.office_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    username: String,
    role: String,
    office_id: Option<i64>,
}

impl TryFrom<StaffRow> for StaffMember {
    type Error = sqlx::Error;

    /// An unknown role is an error, never a guess.
    fn try_from(r: StaffRow) -> Result<Self, sqlx::Error> {
        Ok(StaffMember {
            role: Role::parse(&r.role).ok_or_else(|| {
                sqlx::Error::Decode(format!("stored role is not one of ours: {:?}", r.role).into())
            })?,
            id: r.id,
            username: r.username,
            office_id: r.office_id,
            second_factor: false,
            _sealed: (),
        })
    }
}

impl Store {
    /// Adds a staff account; `Duplicate` when the username is taken.
    pub async fn add_staff(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        office_id: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO staff (username, password_hash, role, office_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(office_id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "username") {
                StoreError::Duplicate
            } else {
                e.into()
            }
        })?;
        audit(&mut tx, now, actor, "staff.add", office_id, None, username).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A staff member by username.
    pub async fn staff_by_username(&self, username: &str) -> StoreResult<StaffMember> {
        let row: Option<StaffRow> =
            sqlx::query_as("SELECT id, username, role, office_id FROM staff WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.ok_or(StoreError::NotFound)?.try_into()?)
    }

    /// Stores the hash of a new API token for a staff member.
    pub async fn add_staff_token(
        &self,
        staff_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO staff_tokens (staff_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(staff_id)
        .bind(token_hash)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Ends every API token and browser session of an account; how many were live.
    pub async fn revoke_staff_tokens(
        &self,
        staff_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE staff_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL",
        )
        .bind(staff_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "staff.revoke",
            None,
            None,
            &staff_id.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// The staff member a token of `kind` (`api`, `session`, or `mfa`: a login awaiting
    /// its second factor) belongs to, unless revoked or expired; a token not used for
    /// `idle` (browser sessions) has ended too. A use is recorded at most once a minute.
    pub async fn staff_by_token(
        &self,
        token_hash: &str,
        kind: &str,
        idle: Option<chrono::Duration>,
        now: DateTime<Utc>,
    ) -> StoreResult<StaffMember> {
        /// id, username, role, office, last used, created, second factor on.
        type TokenRow = (i64, String, String, Option<i64>, Option<i64>, i64, i64);
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT s.id, s.username, s.role, s.office_id, t.last_used_at, t.created_at, \
                 CASE WHEN s.totp_enrolled_at IS NULL THEN 0 ELSE 1 END \
                 FROM staff_tokens t \
                 JOIN staff s ON s.id = t.staff_id WHERE t.token_hash = $1 AND t.kind = $2 \
                 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $3) \
                 AND s.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(kind)
        .bind(ts(now))
        .fetch_optional(&self.read)
        .await?;
        let (id, username, role, office_id, last_used, created, second) =
            row.ok_or(StoreError::NotFound)?;
        let last = last_used.unwrap_or(created);
        if let Some(idle) = idle {
            if last <= ts(now - idle) {
                return Err(StoreError::NotFound);
            }
            if last < ts(now) - 60 {
                sqlx::query("UPDATE staff_tokens SET last_used_at = $2 WHERE token_hash = $1")
                    .bind(token_hash)
                    .bind(ts(now))
                    .execute(&self.write)
                    .await?;
            }
        }
        let mut member: StaffMember = StaffRow {
            id,
            username,
            role,
            office_id,
        }
        .try_into()?;
        member.second_factor = second != 0;
        Ok(member)
    }

    /// The member and password hash for a login attempt.
    pub async fn staff_login(&self, username: &str) -> StoreResult<(StaffMember, String)> {
        let row: Option<(i64, String, String, Option<i64>, String, i64)> = sqlx::query_as(
            "SELECT id, username, role, office_id, password_hash, \
             CASE WHEN totp_enrolled_at IS NULL THEN 0 ELSE 1 END FROM staff \
             WHERE username = $1 AND disabled_at IS NULL",
        )
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        let (id, username, role, office_id, hash, second) = row.ok_or(StoreError::NotFound)?;
        let mut member: StaffMember = StaffRow {
            id,
            username,
            role,
            office_id,
        }
        .try_into()?;
        member.second_factor = second != 0;
        Ok((member, hash))
    }

    /// Starts a browser session for a staff member.
    pub async fn add_staff_session(
        &self,
        staff_id: i64,
        actor: &Actor,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff_tokens (staff_id, token_hash, created_at, kind, expires_at) \
             VALUES ($1, $2, $3, 'session', $4)",
        )
        .bind(staff_id)
        .bind(token_hash)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, now, actor, "staff.login", None, None, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Is `token_hash` the device cookie of a browser that signed in to `username` before
    /// (and was used within [`DEVICE_DAYS`])?
    pub async fn staff_device_known(
        &self,
        username: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT d.id FROM staff_devices d JOIN staff s ON s.id = d.staff_id \
             WHERE d.token_hash = $1 AND s.username = $2 AND d.last_used_at > $3",
        )
        .bind(token_hash)
        .bind(username)
        .bind(ts(now - chrono::Duration::days(DEVICE_DAYS)))
        .fetch_optional(&self.read)
        .await?;
        if let Some((id,)) = row {
            sqlx::query("UPDATE staff_devices SET last_used_at = $2 WHERE id = $1")
                .bind(id)
                .bind(ts(now))
                .execute(&self.write)
                .await?;
        }
        Ok(row.is_some())
    }

    /// Remembers the browser of a successful login by its device cookie's hash.
    pub async fn add_staff_device(
        &self,
        staff_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO staff_devices (staff_id, token_hash, created_at, last_used_at) \
             VALUES ($1, $2, $3, $3)",
        )
        .bind(staff_id)
        .bind(token_hash)
        .bind(ts(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records a failed login for `username` (as typed, cut to 64 characters).
    pub async fn failed_login(&self, username: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let name: String = username
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let mut conn = self.write.acquire().await?;
        audit(
            &mut conn,
            now,
            &Actor::Anonymous,
            "staff.login_failed",
            None,
            None,
            &name,
        )
        .await
    }

    /// Ends a browser session.
    pub async fn end_staff_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE staff_tokens SET revoked_at = $2 WHERE token_hash = $1 AND kind = 'session'",
        )
        .bind(token_hash)
        .bind(ts(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Every account, by username.
    pub async fn list_staff(&self) -> StoreResult<Vec<StaffAccount>> {
        Ok(sqlx::query_as(
            "SELECT s.username, s.role, o.slug AS office, \
             CASE WHEN s.disabled_at IS NULL THEN 0 ELSE 1 END AS disabled \
             FROM staff s LEFT JOIN offices o ON o.id = s.office_id ORDER BY s.username",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// Changes an account: its role and office, its password hash, or whether it is
    /// disabled. Disabling, and a new password, end its sessions and tokens at once, in
    /// the same transaction. `NotFound` for an unknown username.
    pub async fn change_staff(
        &self,
        username: &str,
        change: &StaffChange,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let (id, office_id): (i64, Option<i64>) =
            sqlx::query_as("SELECT id, office_id FROM staff WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let (action, end_sessions) = match change {
            StaffChange::Role { role, office_id } => {
                sqlx::query("UPDATE staff SET role = $2, office_id = $3 WHERE id = $1")
                    .bind(id)
                    .bind(role.as_str())
                    .bind(*office_id)
                    .execute(&mut *tx)
                    .await?;
                // A narrower role or another office: sessions opened under the old one end.
                ("staff.role", true)
            }
            StaffChange::Password { hash } => {
                sqlx::query("UPDATE staff SET password_hash = $2 WHERE id = $1")
                    .bind(id)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                ("staff.password", true)
            }
            StaffChange::Disabled(true) => {
                sqlx::query(
                    "UPDATE staff SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
                )
                .bind(id)
                .bind(ts(now))
                .execute(&mut *tx)
                .await?;
                ("staff.disable", true)
            }
            StaffChange::Disabled(false) => {
                sqlx::query("UPDATE staff SET disabled_at = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                ("staff.enable", false)
            }
        };
        // Somebody must still be able to manage accounts: never the last active admin.
        let (admins,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled_at IS NULL",
        )
        .fetch_one(&mut *tx)
        .await?;
        if admins == 0 {
            return Err(StoreError::LastAdmin);
        }
        if end_sessions {
            sqlx::query(
                "UPDATE staff_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        let detail = match change {
            StaffChange::Role { role, office_id } => format!(
                "{username}: {} office {}",
                role.as_str(),
                office_id.map_or_else(|| "-".to_string(), |o| o.to_string())
            ),
            _ => username.to_string(),
        };
        audit(&mut tx, now, actor, action, office_id, None, &detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An account as the admin page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffAccount {
    /// Login name.
    pub username: String,
    /// Role spelling.
    pub role: String,
    /// Office slug.
    pub office: Option<String>,
    /// Disabled (1) or active (0).
    pub disabled: i64,
}

/// A change to a staff account.
#[derive(Debug, Clone)]
pub enum StaffChange {
    /// New role and office.
    Role {
        role: Role,
        /// Office (none for admins).
        office_id: Option<i64>,
    },
    /// New password (its hash).
    Password {
        /// Argon2 hash.
        hash: String,
    },
    /// Disabled or enabled again.
    Disabled(bool),
}
