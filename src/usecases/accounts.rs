//! Staff accounts: the use cases behind `rekam staff …`, the demo and the staff login.

use crate::domain::Role;
use crate::domain::code::{hash_secret, new_secret};
use crate::store::{StaffChange, StaffMember, Store, StoreError};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use chrono::{DateTime, Utc};

/// Hashes a password with Argon2id (the crate's defaults follow OWASP's minimum).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string())
}

/// Spends the time of a password check when there is no account: a login for a name that
/// does not exist must not answer faster than one for a name that does (which would tell
/// a guesser which usernames exist).
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash =
        DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A username: 3–40 letters, digits, '.', '_' or '-'.
fn valid_username(username: &str) -> bool {
    (3..=40).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// A password: at least 10 characters.
fn valid_password(password: &str) -> bool {
    password.chars().count() >= 10
}

/// Adds a staff account. Desk officers and supervisors belong to an office.
pub async fn add(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    office: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    add_as(store, username, password, role, office, "cli", now).await
}

/// Adds a staff account on behalf of `actor`.
async fn add_as(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    office: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    anyhow::ensure!(
        valid_username(username),
        "a username has 3–40 letters, digits, '.', '_' or '-'"
    );
    anyhow::ensure!(
        valid_password(password),
        "a password has at least 10 characters"
    );
    let office_id = match office {
        Some(slug) => Some(
            store
                .office(slug)
                .await
                .map_err(|_| anyhow::anyhow!("no office '{slug}'"))?
                .id,
        ),
        None => None,
    };
    anyhow::ensure!(
        role == Role::Admin || office_id.is_some(),
        "desk and supervisor accounts need --office"
    );
    match store
        .add_staff(
            username,
            &hash_password(password)?,
            role,
            office_id,
            actor,
            now,
        )
        .await
    {
        Err(StoreError::Duplicate) => anyhow::bail!("the username '{username}' is taken"),
        other => Ok(other?),
    }
}

/// Issues a new API token for a staff member and returns it (shown once).
pub async fn issue_token(
    store: &Store,
    username: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let member = store
        .staff_by_username(username)
        .await
        .map_err(|_| anyhow::anyhow!("no staff account '{username}'"))?;
    let token = new_secret();
    store
        .add_staff_token(
            member.id,
            &hash_secret(&token),
            now,
            now + chrono::Duration::days(API_TOKEN_DAYS),
        )
        .await?;
    Ok(token)
}

/// How long an API token lasts (API.md: 90 days).
pub const API_TOKEN_DAYS: i64 = 90;

/// Ends every API token and browser session of an account at once; how many were live.
pub async fn revoke(store: &Store, username: &str, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let member = store
        .staff_by_username(username)
        .await
        .map_err(|_| anyhow::anyhow!("no staff account '{username}'"))?;
    Ok(store.revoke_staff_tokens(member.id, "cli", now).await?)
}

/// A browser session lasts one working day.
pub const SESSION_HOURS: i64 = 12;

/// Checks a login and starts a browser session: the member and the session's secret, or
/// `None` for a wrong username or password (which take equally long).
pub async fn login(
    ctx: &super::Context,
    username: &str,
    password: &str,
) -> Result<Option<(StaffMember, String)>, super::AppError> {
    let now = ctx.clock.now();
    let found = match ctx.store.staff_login(username.trim()).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // Argon2 is slow on purpose; run it off the async workers.
    let password = password.to_string();
    let verified = match found {
        Some((member, hash)) => {
            tokio::task::spawn_blocking(move || verify_password(&password, &hash).then_some(member))
                .await
                .ok()
                .flatten()
        }
        None => {
            let _ = tokio::task::spawn_blocking(move || verify_nothing(&password)).await;
            None
        }
    };
    let Some(member) = verified else {
        // Every failed attempt is in the audit log, by the username tried.
        ctx.store.failed_login(username.trim(), now).await?;
        return Ok(None);
    };
    let token = new_secret();
    ctx.store
        .add_staff_session(
            member.id,
            &member.username,
            &hash_secret(&token),
            now + chrono::Duration::hours(SESSION_HOURS),
            now,
        )
        .await?;
    Ok(Some((member, token)))
}

/// Ends a browser session.
pub async fn logout(ctx: &super::Context, session: &str) -> Result<(), super::AppError> {
    Ok(ctx
        .store
        .end_staff_session(&hash_secret(session), ctx.clock.now())
        .await?)
}

/// The member a secret of `kind` (`api` token or browser `session`) belongs to, or
/// `None` when it is unknown, revoked or expired.
pub async fn member(
    ctx: &super::Context,
    secret: &str,
    kind: &str,
) -> Result<Option<StaffMember>, super::AppError> {
    match ctx
        .store
        .staff_by_token(&hash_secret(secret), kind, ctx.clock.now())
        .await
    {
        Ok(member) => Ok(Some(member)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_verify_only_themselves() {
        let h = super::hash_password("correct horse battery").unwrap();
        assert!(super::verify_password("correct horse battery", &h));
        assert!(!super::verify_password("wrong horse battery", &h));
    }
}

/// What an admin may change about an account, as typed.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// Role and office (an office slug for desk and supervisor accounts).
    Role(Role, Option<String>),
    /// A new password.
    Password(String),
    /// Disable (true) or enable again.
    Disabled(bool),
}

/// Changes an account (admins): a new role or office, a new password, disabled or enabled.
/// Disabling or a new password ends the account's sessions and tokens at once.
pub async fn change(
    store: &Store,
    actor: &str,
    username: &str,
    change: AccountChange,
    now: DateTime<Utc>,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    // One's own account is changed by another admin (or the CLI): nobody locks
    // themselves out by a slip.
    if actor == format!("staff:{username}") && !matches!(change, AccountChange::Password(_)) {
        return Err(AppError::new(Code::Conflict, "err-own-account"));
    }
    let change = match change {
        AccountChange::Role(role, office) => {
            let office_id = match office.as_deref().filter(|s| !s.is_empty()) {
                Some(slug) => Some(
                    store
                        .office(slug)
                        .await
                        .map_err(|_| {
                            AppError::field(Code::Invalid, "office", "err-office-unknown")
                        })?
                        .id,
                ),
                None => None,
            };
            if role != Role::Admin && office_id.is_none() {
                return Err(AppError::field(
                    Code::Invalid,
                    "office",
                    "err-office-needed",
                ));
            }
            StaffChange::Role {
                role,
                office_id: office_id.filter(|_| role != Role::Admin),
            }
        }
        AccountChange::Password(p) if !valid_password(&p) => {
            return Err(AppError::field(Code::Invalid, "password", "err-password"));
        }
        AccountChange::Password(p) => StaffChange::Password {
            hash: hash_password(&p).map_err(AppError::internal)?,
        },
        AccountChange::Disabled(d) => StaffChange::Disabled(d),
    };
    Ok(store.change_staff(username, &change, actor, now).await?)
}

/// Every staff account (admins).
pub async fn list(
    ctx: &super::Context,
    member: &StaffMember,
) -> Result<Vec<crate::store::StaffAccount>, super::AppError> {
    super::changes::require(member, Role::Admin)?;
    Ok(ctx.store.list_staff().await?)
}

/// Adds an account from the admin page: its problems named by field.
pub async fn add_by_admin(
    ctx: &super::Context,
    member: &StaffMember,
    username: &str,
    password: &str,
    role: Option<Role>,
    office: Option<&str>,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    super::changes::require(member, Role::Admin)?;
    if !valid_username(username) {
        return Err(AppError::field(Code::Invalid, "username", "err-username"));
    }
    if !valid_password(password) {
        return Err(AppError::field(Code::Invalid, "password", "err-password"));
    }
    let role = role.ok_or_else(|| AppError::field(Code::Invalid, "role", "err-role"))?;
    let office = office.filter(|s| !s.is_empty() && role != Role::Admin);
    if role != Role::Admin && office.is_none() {
        return Err(AppError::field(
            Code::Invalid,
            "office",
            "err-office-needed",
        ));
    }
    if let Some(slug) = office {
        ctx.store
            .office(slug)
            .await
            .map_err(|_| AppError::field(Code::Invalid, "office", "err-office-unknown"))?;
    }
    let added = add_as(
        &ctx.store,
        username,
        password,
        role,
        office,
        &member.actor(),
        ctx.clock.now(),
    )
    .await;
    match added {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("taken") => Err(AppError::field(
            Code::Conflict,
            "username",
            "err-username-taken",
        )),
        Err(e) => Err(AppError::internal(e)),
    }
}
