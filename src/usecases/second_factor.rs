//! A second factor for staff (OWASP ASVS V2.7/V2.8): TOTP (RFC 6238: six digits, 30-second
//! steps, SHA-1, as every authenticator app reads an `otpauth://` link), required for
//! admins (who can read everything; `--admin-second-factor`), optional for the others;
//! ten one-time recovery codes for a lost phone; `rekam staff reset-2fa` for a lost phone
//! and lost codes.
//!
//! A login whose password is right, for an account with a second factor (or an admin
//! without one yet), gets a pending token (five minutes) instead of a session; the code
//! (or a recovery code, or setting the factor up) turns it into a session. A code is
//! taken once: its time step is recorded.

use super::auth::{Authorized, Nationwide};
use super::{AppError, Code, Context};
use crate::domain::Role;
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::{Actor, Username};
use crate::store::StaffMember;
use chrono::Duration;

/// How long a login may wait for its second factor.
pub const PENDING_MINUTES: i64 = 5;

/// Seconds per time step.
const STEP: u64 = 30;

/// Recovery codes given at a time.
pub const RECOVERY_CODES: usize = 10;

/// Must this member give a second factor at login? One who set it up, and every admin
/// when the deployment asks for it.
pub fn required(ctx: &Context, member: &StaffMember) -> bool {
    member.second_factor || (member.role == Role::Admin && ctx.settings.admin_second_factor)
}

/// The TOTP of a base32 secret.
fn totp(secret: &str) -> Option<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .ok()?;
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, STEP, bytes).ok()
}

/// A new shared secret: 160 random bits, base32 (RFC 4226 §4 recommends 160).
pub fn new_totp_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string()
}

/// The code of `secret` at unix time `at` (for the demo and the tests).
pub fn code_at(secret: &str, at: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(at))
}

/// The time step whose code `typed` is (the step before, now, or the one after: clocks
/// differ), compared in constant time.
fn matching_step(secret: &str, typed: &str, at: u64) -> Option<i64> {
    use subtle::ConstantTimeEq;
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let now = at / STEP;
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find_map(|step| {
            let code = t.generate(step * STEP);
            bool::from(code.as_bytes().ct_eq(typed.as_bytes())).then(|| i64::try_from(step).ok())?
        })
}

/// The `otpauth://` link an authenticator app reads (from its QR code).
pub fn otpauth_link(username: &str, secret: &str) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "otpauth://totp/rekam:{}?secret={secret}&issuer=rekam&algorithm=SHA1&digits=6&period=30",
        enc(username)
    )
}

/// Recovery codes as shown: `XXXX-XXXX`, in the booking codes' alphabet (no 0/O, 1/I/L).
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let c = crate::domain::BookingCode::generate();
            let s = c.as_str();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect()
}

/// A recovery code as stored: the hash of its letters, whatever the case and dashes.
fn recovery_hash(typed: &str) -> String {
    let norm: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hash_secret(&format!("recovery:{norm}"))
}

/// A pending login for `member` (password right, second factor to come): its secret.
pub async fn start_pending(ctx: &Context, member: &StaffMember) -> Result<String, AppError> {
    let secret = new_secret();
    let now = ctx.clock.now();
    ctx.store
        .add_staff_pending_login(
            member.id,
            &hash_secret(&secret),
            now + Duration::minutes(PENDING_MINUTES),
            now,
        )
        .await?;
    Ok(secret)
}

/// The member of a pending login, while it lasts.
pub async fn pending_member(ctx: &Context, pending: &str) -> Result<Option<StaffMember>, AppError> {
    super::accounts::member(ctx, pending, "mfa").await
}

/// What the second step of a login shows: a code to enter, or a secret to set up.
pub enum Step {
    /// Enter the code of the authenticator (or a recovery code).
    Code,
    /// Set up: this secret, and its link for the QR code.
    Setup {
        /// Base32.
        secret: String,
        /// `otpauth://…`.
        link: String,
    },
}

/// The second step for `member`: the code, or setting up a proposed secret.
pub async fn step(ctx: &Context, member: &StaffMember) -> Result<Step, AppError> {
    if member.second_factor {
        return Ok(Step::Code);
    }
    let proposed = match ctx.store.staff_totp(member.id).await? {
        Some(t) if !t.secret.is_empty() => t.secret,
        _ => {
            ctx.store
                .propose_staff_totp(member.id, &new_totp_secret())
                .await?
                .secret
        }
    };
    Ok(Step::Setup {
        link: otpauth_link(&member.username, &proposed),
        secret: proposed,
    })
}

/// What a second step came to.
pub enum Done {
    /// Right: the account's new session; and, if the factor was set up just now, its
    /// recovery codes (shown once).
    Session {
        /// The session's secret.
        session: String,
        /// Recovery codes to show, once.
        recovery: Option<Vec<String>>,
    },
    /// Wrong code (counted towards the account's delays by the caller).
    Wrong,
}

/// Checks `typed` (a TOTP code, or a recovery code when the factor is set up) for the
/// pending login of `member`; right, the pending login becomes a session.
pub async fn complete(
    ctx: &Context,
    member: &StaffMember,
    pending: &str,
    typed: &str,
) -> Result<Done, AppError> {
    let now = ctx.clock.now();
    let Some(totp) = ctx.store.staff_totp(member.id).await? else {
        return Ok(Done::Wrong);
    };
    let at = u64::try_from(now.timestamp()).unwrap_or(0);
    let by_code = match matching_step(&totp.secret, typed, at) {
        Some(step) => ctx.store.take_totp_step(member.id, step).await?,
        None => false,
    };
    let by_recovery = !by_code
        && totp.enrolled
        && ctx
            .store
            .use_recovery_code(member.id, &recovery_hash(typed), now)
            .await?;
    if !by_code && !by_recovery {
        ctx.store.failed_login(&member.username, now).await?;
        return Ok(Done::Wrong);
    }
    let recovery = if totp.enrolled {
        None
    } else {
        let codes = new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        ctx.store
            .enroll_staff_totp(member.id, &member.actor(), &hashes, now)
            .await?;
        Some(codes)
    };
    ctx.store
        .end_staff_token(&hash_secret(pending), now)
        .await?;
    let session = super::accounts::open_session(ctx, member).await?;
    Ok(Done::Session { session, recovery })
}

/// Sets a second factor up for a signed-in member (optional for desk and supervisor
/// accounts): the code of the proposed secret; right, the recovery codes (shown once).
pub async fn enroll(
    ctx: &Context,
    member: &StaffMember,
    typed: &str,
) -> Result<Option<Vec<String>>, AppError> {
    let now = ctx.clock.now();
    let Some(totp) = ctx.store.staff_totp(member.id).await? else {
        return Ok(None);
    };
    if totp.enrolled {
        return Err(AppError::new(Code::Conflict, "err-second-factor-on"));
    }
    let at = u64::try_from(now.timestamp()).unwrap_or(0);
    let Some(step) = matching_step(&totp.secret, typed, at) else {
        return Ok(None);
    };
    if !ctx.store.take_totp_step(member.id, step).await? {
        return Ok(None);
    }
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    ctx.store
        .enroll_staff_totp(member.id, &member.actor(), &hashes, now)
        .await?;
    Ok(Some(codes))
}

/// New recovery codes for a signed-in member with a second factor (the old ones stop
/// working).
pub async fn renew_recovery_codes(
    ctx: &Context,
    member: &StaffMember,
) -> Result<Vec<String>, AppError> {
    if !member.second_factor {
        return Err(AppError::new(Code::Conflict, "err-second-factor-off"));
    }
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    ctx.store
        .new_recovery_codes(member.id, &member.actor(), &hashes, ctx.clock.now())
        .await?;
    Ok(codes)
}

/// Turns a member's own second factor off (not an admin's, where it is required): their
/// sessions end.
pub async fn turn_off(ctx: &Context, member: &StaffMember) -> Result<(), AppError> {
    if required(ctx, member) && member.role == Role::Admin {
        return Err(AppError::new(Code::Forbidden, "err-second-factor-required"));
    }
    ctx.store
        .reset_staff_totp(&member.username, &member.actor(), ctx.clock.now())
        .await?;
    Ok(())
}

/// An admin removes another account's second factor (its browser sessions end; one that
/// must have one sets it up again at its next login).
pub async fn reset_by_admin(
    ctx: &Context,
    who: &Authorized<Nationwide>,
    username: &str,
) -> Result<(), AppError> {
    if Username::parse(username).is_some_and(|u| who.actor().is_staff(&u)) {
        return Err(AppError::new(Code::Conflict, "err-own-account"));
    }
    if ctx
        .store
        .reset_staff_totp(username, who.actor(), ctx.clock.now())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// `rekam staff reset-2fa`: removes an account's second factor and recovery codes; its
/// browser sessions end. An admin sets it up again at the next login.
pub async fn reset(
    store: &crate::store::Store,
    username: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        store.reset_staff_totp(username, &Actor::Cli, now).await?,
        "no staff account '{username}'"
    );
    Ok(())
}

/// Sets a second factor up for an account directly, with `secret` (the demo's admin):
/// returns its recovery codes.
pub async fn enroll_with(
    store: &crate::store::Store,
    username: &str,
    secret: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<String>> {
    let member = store.staff_by_username(username).await?;
    store.propose_staff_totp(member.id, secret).await?;
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    store
        .enroll_staff_totp(member.id, &member.actor(), &hashes, now)
        .await?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_next_and_last_only() {
        let secret = new_totp_secret();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let at = 1_796_000_000;
        let code = code_at(&secret, at).unwrap();
        let step = i64::try_from(at / STEP).unwrap();
        assert_eq!(matching_step(&secret, &code, at), Some(step));
        assert_eq!(
            matching_step(&secret, &format!(" {} ", code), at),
            Some(step)
        );
        assert_eq!(matching_step(&secret, &code, at + STEP), Some(step));
        assert_eq!(matching_step(&secret, &code, at + 3 * STEP), None);
        assert_eq!(matching_step(&secret, "12345", at), None);
        assert_eq!(matching_step(&secret, "abcdef", at), None);
        // The RFC 6238 test vector (SHA-1, "12345678901234567890", T = 59 s).
        let rfc = totp_rs::Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        let t = totp_rs::TOTP::new(
            totp_rs::Algorithm::SHA1,
            8,
            1,
            30,
            b"12345678901234567890".to_vec(),
        )
        .unwrap();
        assert_eq!(t.generate(59), "94287082");
        assert_eq!(code_at(&rfc, 59).unwrap(), "287082");
    }

    #[test]
    fn recovery_codes_are_read_whatever_the_case_and_dashes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_lowercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(c), recovery_hash(&codes[1]));
    }
}
