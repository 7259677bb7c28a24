//! Staff accounts: the use cases behind `rekam staff …`, the demo and the staff login.

use super::auth::{Authorized, Nationwide};
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::{Actor, Password, Role, Username};
use crate::store::{StaffChange, StaffMember, Store, StoreError};
use chrono::{DateTime, Utc};

pub use super::passwords::{hash_password, hashing, verify_nothing, verify_password};

/// Adds a staff account. Desk officers and supervisors belong to an office.
pub async fn add(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    office: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    Ok(add_as(store, username, password, role, office, &Actor::Cli, now).await?)
}

/// Adds a staff account on behalf of `actor`.
async fn add_as(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    office: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, AddError> {
    let username = Username::parse(username).ok_or(AddError::Username)?;
    let password = Password::parse(password).ok_or(AddError::Password)?;
    let office_id = match office {
        Some(slug) => Some(
            store
                .office(slug)
                .await
                .map_err(|_| AddError::Office(slug.to_string()))?
                .id,
        ),
        None => None,
    };
    if role != Role::Admin && office_id.is_none() {
        return Err(AddError::OfficeNeeded);
    }
    let hash = hashing(move || hash_password(password.expose()))
        .await
        .map_err(|e| AddError::Other(anyhow::anyhow!("{}", e.code.as_str())))?
        .map_err(AddError::Other)?;
    match store
        .add_staff(username.as_str(), &hash, role, office_id, actor, now)
        .await
    {
        Err(StoreError::Duplicate) => Err(AddError::Taken(username)),
        other => other.map_err(|e| AddError::Other(e.into())),
    }
}

/// Why an account was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// Not a username.
    #[error("a username has 3–40 letters, digits, '.', '_' or '-'")]
    Username,
    /// Too short.
    #[error("a password has at least 10 characters")]
    Password,
    /// No such office.
    #[error("no office '{0}'")]
    Office(String),
    /// A desk or supervisor account without an office.
    #[error("desk and supervisor accounts need --office")]
    OfficeNeeded,
    /// The username is taken.
    #[error("the username '{0}' is taken")]
    Taken(Username),
    /// Anything else.
    #[error(transparent)]
    Other(anyhow::Error),
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
    Ok(store
        .revoke_staff_tokens(member.id, &Actor::Cli, now)
        .await?)
}

/// A browser session lasts one working day.
pub const SESSION_HOURS: i64 = 12;

/// What a login attempt came to.
pub enum Login {
    /// The password is right: the member, and the secret of the new browser session.
    Session(StaffMember, String),
    /// The password is right and a second factor is to come (or to be set up): the
    /// member, and the secret of the pending login.
    SecondFactor(StaffMember, String),
    /// A wrong username or password (they take equally long).
    Refused,
}

/// Checks a login and starts a browser session. The password is checked within the
/// process's hashing slots ([`hashing`]).
pub async fn login(
    ctx: &super::Context,
    username: &str,
    password: &str,
) -> Result<Login, super::AppError> {
    let now = ctx.clock.now();
    let found = match ctx.store.staff_login(username.trim()).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // Argon2 is slow on purpose; run it off the async workers, a few at a time.
    let password = password.to_string();
    let verified = match found {
        Some((member, hash)) => {
            hashing(move || verify_password(&password, &hash).then_some(member)).await?
        }
        None => {
            hashing(move || verify_nothing(&password)).await?;
            None
        }
    };
    let Some(member) = verified else {
        // Every failed attempt is in the audit log, by the username tried.
        ctx.store.failed_login(username.trim(), now).await?;
        return Ok(Login::Refused);
    };
    if super::second_factor::required(ctx, &member) {
        let pending = super::second_factor::start_pending(ctx, &member).await?;
        return Ok(Login::SecondFactor(member, pending));
    }
    let token = open_session(ctx, &member).await?;
    Ok(Login::Session(member, token))
}

/// Starts a browser session for `member` (its secret): 12 hours at most, and ended by
/// `--staff-idle-minutes` without use.
pub async fn open_session(
    ctx: &super::Context,
    member: &StaffMember,
) -> Result<String, super::AppError> {
    let now = ctx.clock.now();
    let token = new_secret();
    ctx.store
        .add_staff_session(
            member.id,
            &member.actor(),
            &hash_secret(&token),
            now + chrono::Duration::hours(SESSION_HOURS),
            now,
        )
        .await?;
    Ok(token)
}

/// Is `device` (the secret of a browser's device cookie) one that signed in to the
/// account `username` before? Such a browser is not held back by guesses from elsewhere.
pub async fn trusted_device(
    ctx: &super::Context,
    username: &str,
    device: &str,
) -> Result<bool, super::AppError> {
    Ok(ctx
        .store
        .staff_device_known(username.trim(), &hash_secret(device), ctx.clock.now())
        .await?)
}

/// Remembers the browser of a successful login (a new device cookie's secret, returned)
/// or refreshes the one it has.
pub async fn remember_device(
    ctx: &super::Context,
    member: &StaffMember,
    device: Option<&str>,
) -> Result<String, super::AppError> {
    let now = ctx.clock.now();
    if let Some(d) = device {
        if ctx
            .store
            .staff_device_known(&member.username, &hash_secret(d), now)
            .await?
        {
            return Ok(d.to_string());
        }
    }
    let secret = new_secret();
    ctx.store
        .add_staff_device(member.id, &hash_secret(&secret), now)
        .await?;
    Ok(secret)
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
    // A browser session also ends after --staff-idle-minutes without use.
    let idle = (kind == "session")
        .then(|| chrono::Duration::minutes(i64::from(ctx.settings.staff_idle_minutes.max(1))));
    match ctx
        .store
        .staff_by_token(&hash_secret(secret), kind, idle, ctx.clock.now())
        .await
    {
        Ok(member) => Ok(Some(member)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
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
    who: &Authorized<Nationwide>,
    username: &str,
    change: AccountChange,
    now: DateTime<Utc>,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    // One's own account is changed by another admin (or the CLI): nobody locks
    // themselves out by a slip; one's own password on one's account page, which asks
    // for the current one.
    if Username::parse(username).is_some_and(|u| who.actor().is_staff(&u)) {
        return Err(match change {
            AccountChange::Password(_) => AppError::new(Code::Conflict, "err-own-password"),
            _ => AppError::new(Code::Conflict, "err-own-account"),
        });
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
        AccountChange::Password(p) => {
            let p = Password::parse(&p)
                .ok_or_else(|| AppError::field(Code::Invalid, "password", "err-password"))?;
            StaffChange::Password {
                hash: hashing(move || hash_password(p.expose()))
                    .await?
                    .map_err(AppError::internal)?,
            }
        }
        AccountChange::Disabled(d) => StaffChange::Disabled(d),
    };
    Ok(store
        .change_staff(username, &change, who.actor(), now)
        .await?)
}

/// Checks a signed-in member's own password (before changing it, or turning the second
/// factor off): 422 on `current_password` when it is wrong.
pub async fn check_own_password(
    ctx: &super::Context,
    member: &StaffMember,
    current: &str,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    let hash = match ctx.store.staff_login(&member.username).await {
        Ok((_, hash)) => hash,
        Err(StoreError::NotFound) => return Err(AppError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let current = current.to_string();
    if hashing(move || verify_password(&current, &hash)).await? {
        Ok(())
    } else {
        ctx.store
            .failed_login(&member.username, ctx.clock.now())
            .await?;
        Err(AppError::field(
            Code::Invalid,
            "current_password",
            "err-current-password",
        ))
    }
}

/// A member changes their own password: the current one first (OWASP ASVS 2.1.5). Every
/// session and token of the account ends, this one too.
pub async fn change_own_password(
    ctx: &super::Context,
    member: &StaffMember,
    current: &str,
    new: &str,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    let new = Password::parse(new)
        .ok_or_else(|| AppError::field(Code::Invalid, "password", "err-password"))?;
    check_own_password(ctx, member, current).await?;
    let hash = hashing(move || hash_password(new.expose()))
        .await?
        .map_err(AppError::internal)?;
    Ok(ctx
        .store
        .change_staff(
            &member.username,
            &StaffChange::Password { hash },
            &member.actor(),
            ctx.clock.now(),
        )
        .await?)
}

/// Every staff account (admins).
pub async fn list(
    ctx: &super::Context,
    _who: &Authorized<Nationwide>,
) -> Result<Vec<crate::store::StaffAccount>, super::AppError> {
    Ok(ctx.store.list_staff().await?)
}

/// Adds an account from the admin page: its problems named by field.
pub async fn add_by_admin(
    ctx: &super::Context,
    who: &Authorized<Nationwide>,
    username: &str,
    password: &str,
    role: Option<Role>,
    office: Option<&str>,
) -> Result<(), super::AppError> {
    use super::{AppError, Code};
    if Username::parse(username).is_none() {
        return Err(AppError::field(Code::Invalid, "username", "err-username"));
    }
    if Password::parse(password).is_none() {
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
        who.actor(),
        ctx.clock.now(),
    )
    .await;
    match added {
        Ok(_) => Ok(()),
        Err(AddError::Taken(_)) => Err(AppError::field(
            Code::Conflict,
            "username",
            "err-username-taken",
        )),
        Err(e) => Err(AppError::internal(anyhow::anyhow!(e))),
    }
}
