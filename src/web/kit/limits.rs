//! Rate limits: the two doors that can be used to guess (the lost-link lookup — code +
//! NIK + birth date — and the staff login), and the bookings an address makes in an hour
//! (`--bookings-per-hour`; a school registering its pupils books from an exempt network).

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
    logins: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
    proxy_hops: usize,
    /// Bookings made (or being made) per address in the last hour.
    bookings: std::sync::Mutex<std::collections::HashMap<IpAddr, Vec<std::time::Instant>>>,
    bookings_per_hour: usize,
    exempt: Vec<ipnet::IpNet>,
}

/// The key of an address for the bookings limit: an IPv6 address by its /64 (one
/// subscriber's network hands out many addresses), an IPv4 address as it is.
fn per_household(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// An hour, the window of the bookings limit.
const HOUR: Duration = Duration::from_secs(3600);

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl Limits {
    /// From the settings.
    pub fn new(settings: &Settings) -> Self {
        Self {
            lookups: RateLimiter::keyed(per_minute(settings.lookups_per_minute)),
            logins: RateLimiter::keyed(per_minute(settings.logins_per_minute)),
            trust_forwarded_for: settings.trust_forwarded_for,
            proxy_hops: settings.proxy_hops.max(1) as usize,
            bookings: Default::default(),
            bookings_per_hour: settings.bookings_per_hour as usize,
            exempt: settings
                .rate_limit_exempt
                .split(',')
                .filter_map(|n| {
                    let n = n.trim();
                    n.parse::<ipnet::IpNet>()
                        .or_else(|_| n.parse::<IpAddr>().map(ipnet::IpNet::from))
                        .ok()
                })
                .collect(),
        }
    }

    /// Takes one of the address's bookings of the hour, or says how long until one is
    /// free. Unlimited with `--bookings-per-hour 0` or from an exempt network. A booking
    /// that then fails gives it back ([`Limits::unbook`]).
    pub fn book(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.bookings_per_hour == 0 || self.exempt.iter().any(|n| n.contains(&ip)) {
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
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// May this address try another lookup? Otherwise, how long until it may.
    pub fn lookup(&self, ip: IpAddr) -> Result<(), Duration> {
        Self::check(&self.lookups, ip)
    }

    /// May this address try another login?
    pub fn login(&self, ip: IpAddr) -> Result<(), Duration> {
        Self::check(&self.logins, ip)
    }

    /// Forgets addresses that have been quiet (called by the server's sweeper).
    pub fn forget_quiet(&self) {
        self.lookups.retain_recent();
        self.logins.retain_recent();
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
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').rev().nth(state.limits.proxy_hops - 1))
            .and_then(|v| v.trim().parse().ok());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(
            forwarded.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0])),
        ))
    }
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
