//! Rate limits: the two doors that can be used to guess (the lost-link lookup — code +
//! NIK + birth date — and the staff login), and the bookings an address makes in an hour
//! (`--bookings-per-hour`; a school registering its pupils books from an exempt network).
//!
//! Every per-address limit counts an IPv6 address by its /64 and an IPv4-mapped address
//! as IPv4. Guesses at one staff account from many addresses meet growing delays per
//! account ([`AccountDelays`]); a lookup's booking code has its own allowance. All of it
//! is counted per server process.

use crate::config::Settings;
use crate::web::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

/// The limiters of a running service, keyed by client address.
pub struct Limits {
    lookups: DefaultKeyedRateLimiter<IpAddr>,
    /// Lookups per booking code, from every address together.
    lookups_by_code: DefaultKeyedRateLimiter<String>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
    /// Forms per address that may keep or use a draft's certificate (a few a minute: each
    /// moves up to 5 MB through the database).
    drafts: DefaultKeyedRateLimiter<IpAddr>,
    /// Lost-link requests per NIK (its hash), from every address together.
    recoveries: DefaultKeyedRateLimiter<String>,
    /// Failed logins per account (and per trusted browser of an account).
    pub accounts: AccountDelays,
    trust_forwarded_for: bool,
    proxy_hops: usize,
    /// Bookings made (or being made) per address in the last hour.
    bookings: std::sync::Mutex<std::collections::HashMap<IpAddr, Vec<std::time::Instant>>>,
    bookings_per_hour: usize,
    exempt: crate::config::Networks,
}

pub use crate::domain::client::household as per_household;

/// An hour, the window of the bookings limit.
const HOUR: Duration = Duration::from_secs(3600);

/// Failed logins at an account before delays begin.
pub const FREE_FAILURES: u32 = 5;

/// The longest delay between two tries at one account: a staff member waits at most
/// this on a browser that never signed in before, however long the guessing goes on.
pub const MAX_ACCOUNT_DELAY: Duration = Duration::from_secs(5 * 60);

/// Failures are forgotten after this long without one.
const FAILURES_KEPT: Duration = Duration::from_secs(60 * 60);

/// Accounts (and trusted browsers of accounts) whose failures are remembered; the least
/// recently failed are forgotten first, so memory stays bounded.
const ACCOUNTS_REMEMBERED: usize = 10_000;

/// Failed logins at one account: after [`FREE_FAILURES`], each further try must wait a
/// delay that doubles with every failure, up to [`MAX_ACCOUNT_DELAY`] (OWASP's
/// "exponential back-off", not a lockout). Tries refused for the delay check no password
/// and add no failure. The key is the username as typed (an unknown name is treated
/// alike, so the delays tell nobody which names exist), or the username and a browser
/// that signed in to it before: such a browser is held back only by its own failures,
/// never by guesses from elsewhere.
pub struct AccountDelays {
    failures: quick_cache::sync::Cache<String, Failures>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: std::time::Instant,
}

impl Failures {
    /// When the next try may be made.
    fn next_try(&self) -> std::time::Instant {
        if self.count < FREE_FAILURES {
            return self.last;
        }
        let doublings = (self.count - FREE_FAILURES).min(16);
        let delay = Duration::from_secs(1u64 << doublings).min(MAX_ACCOUNT_DELAY);
        self.last + delay
    }
}

impl AccountDelays {
    fn new() -> Self {
        Self {
            failures: quick_cache::sync::Cache::new(ACCOUNTS_REMEMBERED),
        }
    }

    /// The key of an account (`device`: the hash of a trusted browser's cookie).
    pub fn key(username: &str, device: Option<&str>) -> String {
        let name = username.trim().to_lowercase();
        match device {
            Some(d) => format!("{name}\u{0}{d}"),
            None => name,
        }
    }

    /// May `key` try now? Otherwise how long until it may.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = std::time::Instant::now();
        match self.failures.get(key) {
            Some(f) if now.duration_since(f.last) < FAILURES_KEPT => {
                let next = f.next_try();
                if next > now {
                    // Whole seconds, rounded up: a client told to wait 1 s for 1.9 s
                    // would come back too early.
                    Err(
                        Duration::from_secs((next - now).as_secs_f64().ceil() as u64)
                            .max(Duration::from_secs(1)),
                    )
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// A wrong password (or second factor) for `key`.
    pub fn failed(&self, key: &str) {
        let now = std::time::Instant::now();
        let count = match self.failures.get(key) {
            Some(f) if now.duration_since(f.last) < FAILURES_KEPT => f.count + 1,
            _ => 1,
        };
        self.failures
            .insert(key.to_string(), Failures { count, last: now });
    }

    /// A successful login: the account's failures are forgotten.
    pub fn succeeded(&self, key: &str) {
        self.failures.remove(key);
    }

    fn forget_quiet(&self) {
        let now = std::time::Instant::now();
        self.failures
            .retain(|_, f| now.duration_since(f.last) < FAILURES_KEPT);
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl Limits {
    /// From the settings.
    pub fn new(settings: &Settings) -> Self {
        Self {
            lookups: RateLimiter::keyed(per_minute(settings.lookups_per_minute)),
            lookups_by_code: {
                let n = NonZeroU32::new(settings.lookups_per_code_hour.max(1)).expect("positive");
                RateLimiter::keyed(Quota::per_hour(n).allow_burst(n))
            },
            logins: RateLimiter::keyed(per_minute(settings.logins_per_minute)),
            drafts: RateLimiter::keyed(per_minute(6)),
            recoveries: {
                // Each request that matches adds a link and sends a message: a few an
                // hour, so that nobody who knows a NIK floods its phone or pushes the
                // earlier links out.
                let n =
                    NonZeroU32::new(settings.lookups_per_code_hour.clamp(1, 3)).expect("positive");
                RateLimiter::keyed(Quota::per_hour(n).allow_burst(n))
            },
            accounts: AccountDelays::new(),
            trust_forwarded_for: settings.trust_forwarded_for,
            proxy_hops: settings.proxy_hops.max(1) as usize,
            bookings: Default::default(),
            bookings_per_hour: settings.bookings_per_hour as usize,
            exempt: settings.rate_limit_exempt.clone(),
        }
    }

    /// Takes one of the address's bookings of the hour, or says how long until one is
    /// free. Unlimited with `--bookings-per-hour 0` or from an exempt network. A booking
    /// that then fails gives it back ([`Limits::unbook`]).
    pub fn book(&self, ip: IpAddr) -> Result<(), Duration> {
        let ip = canonical(ip);
        if self.bookings_per_hour == 0 || self.exempt.contains(&ip) {
            return Ok(());
        }
        let ip = per_household(ip);
        let now = std::time::Instant::now();
        let mut all = self.bookings.lock().unwrap_or_else(|e| e.into_inner());
        let made = all.entry(ip).or_default();
        made.retain(|t| now.duration_since(*t) < HOUR);
        if made.len() >= self.bookings_per_hour {
            let oldest = made.iter().min().copied().unwrap_or(now);
            return Err(HOUR
                .saturating_sub(now.duration_since(oldest))
                .max(Duration::from_secs(1)));
        }
        made.push(now);
        Ok(())
    }

    /// Has the address bookings of the hour left? Takes none: a form from an address
    /// that has used them all is refused before its file is judged (judging a PDF takes
    /// work).
    pub fn bookings_left(&self, ip: IpAddr) -> Result<(), Duration> {
        let ip = canonical(ip);
        if self.bookings_per_hour == 0 || self.exempt.contains(&ip) {
            return Ok(());
        }
        let now = std::time::Instant::now();
        let all = self.bookings.lock().unwrap_or_else(|e| e.into_inner());
        let Some(made) = all.get(&per_household(ip)) else {
            return Ok(());
        };
        let recent: Vec<_> = made
            .iter()
            .filter(|t| now.duration_since(**t) < HOUR)
            .collect();
        if recent.len() < self.bookings_per_hour {
            return Ok(());
        }
        let oldest = recent.into_iter().min().copied().unwrap_or(now);
        Err(HOUR
            .saturating_sub(now.duration_since(oldest))
            .max(Duration::from_secs(1)))
    }

    /// A form refused for its file (too large, not a certificate's type, damaged, or with
    /// active content) counts as one of the address's bookings of the hour: each took
    /// work to judge, and only files can make that work large.
    pub fn refused_upload(&self, ip: IpAddr, errors: &[crate::usecases::AppError]) {
        if errors
            .iter()
            .any(|e| e.field.as_deref() == Some("certificate"))
        {
            let _ = self.book(ip);
        }
    }

    /// Gives back the booking taken by [`Limits::book`] when the booking was not made.
    pub fn unbook(&self, ip: IpAddr) {
        let ip = per_household(ip);
        let mut all = self.bookings.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(made) = all.get_mut(&ip) {
            made.pop();
        }
    }

    fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), Duration> {
        limiter
            .check_key(&per_household(ip))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// May this address try another lookup? Otherwise, how long until it may.
    pub fn lookup(&self, ip: IpAddr) -> Result<(), Duration> {
        Self::check(&self.lookups, ip)
    }

    /// May a lookup name this booking code again? Guesses at one code's NIK and birth date
    /// from many addresses are held back by this, whatever each address has left.
    pub fn lookup_code(&self, code: &str) -> Result<(), Duration> {
        // The code as the lookup reads it: `abcd-efgh` and `ABCDEFGH` are one code.
        let key = crate::domain::BookingCode::parse(code).map_or_else(
            || code.trim().to_ascii_uppercase(),
            |c| c.as_str().to_string(),
        );
        self.lookups_by_code
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// May a new link be asked for this NIK again? A few an hour (at most 3, fewer with
    /// `--lookups-per-code-hour`), keyed by the NIK's hash (no NIK is kept in memory).
    pub fn recover_nik(&self, nik: &str) -> Result<(), Duration> {
        let key = crate::domain::code::hash_secret(nik);
        self.recoveries
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// May a form from this address keep (or use) a draft's certificate now? Otherwise the
    /// form simply asks for its file again.
    pub fn draft(&self, ip: IpAddr) -> bool {
        Self::check(&self.drafts, ip).is_ok()
    }

    /// May this address try another login?
    pub fn login(&self, ip: IpAddr) -> Result<(), Duration> {
        Self::check(&self.logins, ip)
    }

    /// Forgets addresses that have been quiet (called by the server's sweeper).
    pub fn forget_quiet(&self) {
        self.lookups.retain_recent();
        self.lookups_by_code.retain_recent();
        self.logins.retain_recent();
        self.accounts.forget_quiet();
        let now = std::time::Instant::now();
        let mut all = self.bookings.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, made| {
            made.retain(|t| now.duration_since(*t) < HOUR);
            !made.is_empty()
        });
    }
}

/// The client's address: the peer, or with `--trust-forwarded-for` (behind reverse
/// proxies) the address the outermost trusted proxy saw: the `--proxy-hops`-th entry of
/// `X-Forwarded-For` from its end (each proxy appends the address it saw; entries before
/// are whatever the client wrote).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let forwarded = state
            .limits
            .trust_forwarded_for
            .then(|| forwarded_client(&parts.headers, state.limits.proxy_hops))
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(canonical(
            forwarded.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0])),
        )))
    }
}

/// An address as every limit, exemption and audit record sees it: an IPv4 client of a
/// dual-stack socket (`--bind [::]:8080`) arrives as `::ffff:a.b.c.d` and is that IPv4
/// address, not one of the IPv6 addresses of a single /64.
pub fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The client address the outermost trusted proxy saw: the `hops`-th entry from the end
/// of `X-Forwarded-For`, with every line of the header read as one list (RFC 9110 §5.3: a
/// proxy such as HAProxy's `option forwardfor` adds a line of its own rather than
/// appending to the client's). `None` when there is no such entry or it is no address.
pub fn forwarded_client(headers: &axum::http::HeaderMap, hops: usize) -> Option<IpAddr> {
    let mut entries = Vec::new();
    for line in headers.get_all("x-forwarded-for") {
        // A line that is not text is a list nobody can read: trust none of it.
        let line = line.to_str().ok()?;
        entries.extend(line.split(',').map(str::trim));
    }
    let entry = entries.iter().rev().nth(hops.max(1) - 1)?;
    // `[2001:db8::1]:443` and `192.0.2.1:443` carry a port some proxies append.
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// A request body that must keep coming at a minimum average rate once a grace period
/// has passed: a client trickling a byte now and then (never pausing long enough for the
/// pause timeout) is cut off instead of holding a connection for ever. A slow phone on
/// 2G uploads far faster than the rate.
pub struct MinRate {
    inner: axum::body::Body,
    start: std::time::Instant,
    received: u64,
    grace: Duration,
    bytes_per_second: u64,
}

impl MinRate {
    /// Wraps a body.
    pub fn new(inner: axum::body::Body, grace: Duration, bytes_per_second: u64) -> Self {
        Self {
            inner,
            start: std::time::Instant::now(),
            received: 0,
            grace,
            bytes_per_second,
        }
    }
}

impl http_body::Body for MinRate {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                let late = this.start.elapsed().saturating_sub(this.grace);
                let due = this.bytes_per_second.saturating_mul(late.as_secs());
                if this.received < due {
                    return Poll::Ready(Some(Err("the upload is too slow".into())));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
