//! Staff passwords: Argon2id hashes in the PHC format, checked on a few threads of their
//! own with their working memory kept, so that a burst of logins cannot exhaust memory.

use argon2::PasswordHash;
use argon2::password_hash::{SaltString, rand_core::OsRng};

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
            args: Vec::new(),
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
