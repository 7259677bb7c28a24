//! Staff accounts: the use cases behind `rekam staff …`, the demo and the staff login.

use crate::domain::Role;
use crate::domain::code::{hash_secret, new_secret};
use crate::store::{StaffChange, StaffMember, Store, StoreError};
use argon2::PasswordHash;
use argon2::password_hash::{SaltString, rand_core::OsRng};
use chrono::{DateTime, Utc};

/// Hashes a password with Argon2id (the crate's default parameters follow OWASP's
/// minimum), in the PHC string format.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{Output, ParamsString, PasswordHash};
    let salt = SaltString::generate(&mut OsRng);
    let params = argon2::Params::default();
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = vec![
        0u8;
        params
            .output_len()
            .unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN)
    ];
    argon2_into(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
        password.as_bytes(),
        salt_raw,
        &mut out,
    )
    .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

/// Argon2 into `out`, with the working memory of this thread kept between hashes: the
/// ~19 MiB a hash needs is allocated once per hashing thread instead of once per hash
/// (with malloc's arenas, a fresh 19 MiB for every login left the process hundreds of
/// megabytes larger after a burst of logins, though only two hashes ran at a time).
fn argon2_into(
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    params: argon2::Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    thread_local! {
        static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    /// Largest working memory kept by a thread: stored hashes of ours use 19 MiB; one
    /// with more (from elsewhere) is refused rather than let it grow memory.
    const MAX_BLOCKS: usize = 64 * 1024;
    let need = params.block_count();
    if need > MAX_BLOCKS {
        return Err(argon2::Error::MemoryTooMuch);
    }
    let hasher = argon2::Argon2::new(algorithm, version, params);
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < need {
            blocks.resize(need, argon2::Block::default());
        }
        hasher.hash_password_into_with_memory(password, salt, out, &mut blocks[..need])
    })
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

/// Checks a password against a stored hash (PHC string), in constant time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(phc) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Some(Ok(version)), Ok(params), Some(salt), Some(expected)) = (
        argon2::Algorithm::try_from(phc.algorithm),
        phc.version.map(argon2::Version::try_from),
        argon2::Params::try_from(&phc),
        phc.salt,
        phc.hash,
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        algorithm,
        version,
        params,
        password.as_bytes(),
        salt,
        &mut out,
    )
    .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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
    let password = password.to_string();
    let hash = hashing(move || hash_password(&password))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.code.as_str()))??;
    match store
        .add_staff(username, &hash, role, office_id, actor, now)
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

/// Password hashing: a few threads of its own, one per core (at most 8), and a
/// semaphore in front of them. Argon2id takes about 19 MiB for each hash, and nothing
/// bounded how many ran (150 logins at once took the server from 78 MB to 3.9 GB); on
/// tokio's blocking pool a hash may also run on any of hundreds of threads, each keeping
/// its own malloc arena with the memory of its last hash, so the threads are few and
/// always the same.
struct Hashers {
    /// Hashing slots: a job holds one from its queueing to its end.
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// The jobs, to the threads.
    jobs: std::sync::mpsc::SyncSender<Box<dyn FnOnce() + Send>>,
}

static HASHERS: std::sync::LazyLock<Hashers> = std::sync::LazyLock::new(|| {
    let n = std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .clamp(1, 8);
    let (jobs, queue) = std::sync::mpsc::sync_channel::<Box<dyn FnOnce() + Send>>(n);
    let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
    for i in 0..n {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        // A job that panics loses its answer, not the thread.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => break,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "starting a hashing thread failed");
        }
    }
    Hashers {
        slots: std::sync::Arc::new(tokio::sync::Semaphore::new(n)),
        jobs,
    }
});

/// How long a login waits for its turn at hashing before it is answered 429.
pub const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `f` (a password hash or check) on a hashing thread once a slot is free; 429
/// `rate_limited` (retry after a few seconds) when none frees up within
/// [`HASHING_WAIT`]. The slot is held until `f` ends, even if the request is dropped
/// meanwhile, so memory stays bounded.
pub async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, super::AppError> {
    let hashers = &*HASHERS;
    let permit = tokio::time::timeout(HASHING_WAIT, hashers.slots.clone().acquire_owned())
        .await
        .map_err(|_| super::AppError {
            retry_after: Some(5),
            ..super::AppError::new(super::Code::RateLimited, "err-rate-limited")
        })?
        .map_err(super::AppError::internal)?;
    let (done, result) = tokio::sync::oneshot::channel();
    let job = Box::new(move || {
        let _ = done.send(f());
        drop(permit);
    });
    hashers
        .jobs
        .send(job)
        .map_err(|_| super::AppError::internal("the hashing threads are gone"))?;
    result
        .await
        .map_err(|_| super::AppError::internal("a hashing thread failed"))
}

/// What a login attempt came to.
pub enum Login {
    /// The password is right: the member, and the secret of the new browser session.
    Session(StaffMember, String),
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
    Ok(Login::Session(member, token))
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
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(super::verify_password("correct horse battery", &h));
        assert!(!super::verify_password("wrong horse battery", &h));
    }

    /// Hashes made by the crate's own `PasswordHasher` (every account made before the
    /// working memory was kept per thread) still verify.
    #[test]
    fn hashes_made_by_the_crate_still_verify() {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        let h = argon2::Argon2::default()
            .hash_password(b"an older password", &salt)
            .unwrap()
            .to_string();
        assert!(super::verify_password("an older password", &h));
        assert!(!super::verify_password("another password", &h));
        assert!(!super::verify_password("an older password", "not a hash"));
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
            hash: hashing(move || hash_password(&p))
                .await?
                .map_err(AppError::internal)?,
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
