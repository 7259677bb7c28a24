//! Settings from flags and environment (STYLE.md habit 10), parsed once into typed
//! values: a value that does not parse stops the program with the flag named, and the
//! checks that involve several settings are [`Settings::check`].

use crate::domain::office::WakingHours;
use chrono::NaiveTime;
use clap::Args;
use ipnet::IpNet;

/// Settings of a running service.
#[derive(Clone, Args)]
pub struct Settings {
    /// Minimum age on the appointment date; married applicants are exempt
    /// (UU 24/2013 art. 63; recording at 16 is allowed, so offices may lower it).
    #[arg(long, env = "REKAM_MIN_AGE", default_value_t = 17)]
    pub min_age: u32,
    /// Temperature above which the door turns people away, °C (KMK 382/2020).
    #[arg(long, env = "REKAM_MAX_TEMPERATURE", default_value_t = 37.3)]
    pub max_temperature_c: f64,
    /// Connections in the database pool (readers, for SQLite).
    #[arg(long, env = "REKAM_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
    /// Hours a seat offered to someone waiting for a new slot is held for them.
    #[arg(long, env = "REKAM_OFFER_HOLD_HOURS", default_value_t = 12)]
    pub offer_hold_hours: u32,
    /// Lost-link lookups (code + NIK + birth date) allowed per client address a minute.
    #[arg(long, env = "REKAM_LOOKUPS_PER_MINUTE", default_value_t = 10)]
    pub lookups_per_minute: u32,
    /// Lost-link lookups naming one booking code in an hour, from all addresses together
    /// (guesses at one code's NIK and birth date from many addresses).
    #[arg(long, env = "REKAM_LOOKUPS_PER_CODE_HOUR", default_value_t = 10)]
    pub lookups_per_code_hour: u32,
    /// Staff login attempts allowed per client address a minute.
    #[arg(long, env = "REKAM_LOGINS_PER_MINUTE", default_value_t = 10)]
    pub logins_per_minute: u32,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For.
    #[arg(long, env = "REKAM_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Behind how many reverse proxies (each appends to X-Forwarded-For) the service runs.
    #[arg(long, env = "REKAM_PROXY_HOPS", default_value_t = 1)]
    pub proxy_hops: u32,
    /// Public base URL used in calendar files, e.g. https://rekam.example.go.id.
    #[arg(long, env = "REKAM_PUBLIC_URL", default_value = "")]
    pub public_url: String,
    /// Slowest average upload accepted once the grace (the client timeout, at least 10 s)
    /// has passed, in bytes a second: a client trickling its body is cut off.
    #[arg(
        long,
        env = "REKAM_MIN_UPLOAD_BYTES_PER_SECOND",
        default_value_t = 1024
    )]
    pub min_upload_bytes_per_second: u32,
    /// New certificates an applicant may upload for one booking in a day.
    #[arg(
        long,
        env = "REKAM_CERTIFICATE_REPLACEMENTS_PER_DAY",
        default_value_t = 5
    )]
    pub certificate_replacements_per_day: u32,
    /// Seconds a client may take to send a request's headers, or pause while sending its
    /// body, before the connection is closed (slow clients holding connections open).
    #[arg(long, env = "REKAM_CLIENT_TIMEOUT", default_value_t = 30)]
    pub client_timeout_seconds: u64,
    /// Bookings (and waiting-list entries) one client address may make in an hour; 0 = no
    /// limit. Past it: 429 with Retry-After.
    #[arg(long, env = "REKAM_BOOKINGS_PER_HOUR", default_value_t = 30)]
    pub bookings_per_hour: u32,
    /// Networks not limited (a school booking for its pupils): `CIDR,…`.
    #[arg(long, env = "REKAM_RATE_LIMIT_EXEMPT", default_value = "", value_parser = networks)]
    pub rate_limit_exempt: Networks,
    /// Days after the visit (or the cancellation) at which a health certificate's file
    /// is deleted.
    #[arg(long, env = "REKAM_CERTIFICATE_RETENTION_DAYS", default_value_t = 30)]
    pub certificate_retention_days: u32,
    /// Days after the visit (or the cancellation) at which a booking's personal data is
    /// anonymised (the code, office, day and outcome stay for statistics).
    #[arg(
        long,
        env = "REKAM_PERSONAL_DATA_RETENTION_DAYS",
        default_value_t = 180
    )]
    pub personal_data_retention_days: u32,
    /// When the day-before reminders go out, office time (`HH:MM`).
    #[arg(long, env = "REKAM_REMINDER_AT", default_value = "16:00", value_parser = clock_time)]
    pub reminder_at: NaiveTime,
    /// The waking hours (office time) an offered seat's hold counts: `HH:MM-HH:MM`.
    #[arg(
        long,
        env = "REKAM_OFFER_WAKING_HOURS",
        default_value = "06:00-21:00",
        value_parser = waking_hours
    )]
    pub offer_waking_hours: WakingHours,
    /// Minutes after a slot's end before a booking not checked in becomes a no-show.
    #[arg(long, env = "REKAM_NO_SHOW_GRACE_MINUTES", default_value_t = 30)]
    pub no_show_grace_minutes: u32,
    /// Hours before its slot at which a booking whose certificate is still rejected is
    /// released (its seat offered to the people waiting).
    #[arg(long, env = "REKAM_RELEASE_REJECTED_HOURS", default_value_t = 24)]
    pub release_rejected_hours: u32,
    /// Deliver messages to applicants by POSTing signed JSON to this URL (an SMS or
    /// WhatsApp gateway); without it they go to the server log.
    #[arg(long, env = "REKAM_NOTIFY_WEBHOOK_URL", default_value = "")]
    pub notify_webhook_url: String,
    /// The HMAC-SHA256 key of the webhook's `X-Rekam-Signature`.
    #[arg(
        long,
        env = "REKAM_NOTIFY_WEBHOOK_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub notify_webhook_secret: String,
    /// Deliver messages by e-mail through this SMTP server instead (to the applicants who
    /// gave an address): `smtp://user:pass@host:587?tls=required`, `smtps://…:465`.
    #[arg(
        long,
        env = "REKAM_SMTP_URL",
        default_value = "",
        hide_env_values = true
    )]
    pub smtp_url: String,
    /// The sender of those e-mails, e.g. `rekam <noreply@disdukcapil.example.go.id>`.
    #[arg(long, env = "REKAM_SMTP_FROM", default_value = "")]
    pub smtp_from: String,
    /// Who every message to an applicant says it is from, at its start (DOMAIN.md,
    /// "Language": a message names its sender), e.g. `DISDUKCAPIL KAB SERANG`.
    #[arg(long, env = "REKAM_SENDER_NAME", default_value = "DISDUKCAPIL")]
    pub sender_name: String,
    /// Phone verification: a new booking holds its seat for `--verify-minutes` until the
    /// six-digit code sent to the phone is entered (API.md, "Phone verification").
    #[arg(long, env = "REKAM_VERIFY_PHONE")]
    pub verify_phone: bool,
    /// Minutes a booking waits for its phone's code before it is cancelled.
    #[arg(long, env = "REKAM_VERIFY_MINUTES", default_value_t = 15)]
    pub verify_minutes: u32,
    /// Verification codes one phone number may be sent in an hour.
    #[arg(long, env = "REKAM_VERIFY_CODES_PER_HOUR", default_value_t = 5)]
    pub verify_codes_per_hour: u32,
    /// Connections open at once; 0 = as many as the file descriptors allow (after the
    /// database's and a reserve), at most 4096. At the cap the oldest idle connection is
    /// closed for a new one.
    #[arg(long, env = "REKAM_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: u32,
    /// Connections open at once from one client address (an IPv6 address by its /64);
    /// 0 = no such cap. Not applied with --trust-forwarded-for (every connection then
    /// comes from the proxy, which must cap its clients itself).
    #[arg(long, env = "REKAM_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64)]
    pub max_connections_per_address: u32,
    /// Host names served besides --public-url's (comma-separated, a port allowed); any
    /// other Host is 421. With neither set, any host is served (for a first try).
    /// Loopback addresses and `localhost` are always served.
    #[arg(long, env = "REKAM_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// A staff browser session ends after this many minutes without use (and always 12
    /// hours after signing in).
    #[arg(long, env = "REKAM_STAFF_IDLE_MINUTES", default_value_t = 30)]
    pub staff_idle_minutes: u32,
    /// Admins sign in with a second factor (TOTP, set up at their first login); `false`
    /// only where the staff pages are reached through a sign-on that asks for one.
    #[arg(
        long,
        env = "REKAM_ADMIN_SECOND_FACTOR",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub admin_second_factor: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            min_age: 17,
            max_temperature_c: 37.3,
            db_connections: 16,
            offer_hold_hours: 12,
            lookups_per_minute: 10,
            lookups_per_code_hour: 10,
            logins_per_minute: 10,
            trust_forwarded_for: false,
            public_url: String::new(),
            client_timeout_seconds: 30,
            certificate_replacements_per_day: 5,
            proxy_hops: 1,
            min_upload_bytes_per_second: 1024,
            offer_waking_hours: WakingHours::default(),
            reminder_at: NaiveTime::from_hms_opt(16, 0, 0).expect("16:00"),
            bookings_per_hour: 30,
            certificate_retention_days: 30,
            personal_data_retention_days: 180,
            rate_limit_exempt: Networks::default(),
            no_show_grace_minutes: 30,
            release_rejected_hours: 24,
            notify_webhook_url: String::new(),
            notify_webhook_secret: String::new(),
            smtp_url: String::new(),
            smtp_from: String::new(),
            sender_name: "DISDUKCAPIL".to_string(),
            verify_phone: false,
            verify_minutes: 15,
            verify_codes_per_hour: 5,
            max_connections: 0,
            max_connections_per_address: 64,
            allowed_hosts: Vec::new(),
            staff_idle_minutes: 30,
            admin_second_factor: true,
        }
    }
}

/// `HH:MM`.
fn clock_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| "a time is HH:MM".to_string())
}

/// `HH:MM-HH:MM`, the first before the second.
fn waking_hours(s: &str) -> Result<WakingHours, String> {
    WakingHours::parse(s).ok_or_else(|| "HH:MM-HH:MM, the first before the second".to_string())
}

/// Networks, such as those exempt from the rate limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(pub Vec<IpNet>);

impl Networks {
    /// Is `ip` in one of them?
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }
}

/// Networks (`10.0.0.0/8`, `2001:db8::/32`) or single addresses, comma-separated; empty
/// for none.
fn networks(s: &str) -> Result<Networks, String> {
    s.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            n.parse::<IpNet>()
                .or_else(|_| n.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{n:?} is not a network (CIDR) or an address"))
        })
        .collect::<Result<_, _>>()
        .map(Networks)
}

impl Settings {
    /// The checks that involve several settings (each one alone was parsed by its flag).
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.personal_data_retention_days >= self.certificate_retention_days,
            "--personal-data-retention-days may not be shorter than --certificate-retention-days"
        );
        let absolute = |u: &str| u.starts_with("https://") || u.starts_with("http://");
        anyhow::ensure!(
            self.notify_webhook_url.is_empty()
                || (absolute(&self.notify_webhook_url) && absolute(&self.public_url)),
            "--notify-webhook-url needs an http(s) URL, and --public-url an absolute http(s) URL \
             for the links in messages"
        );
        anyhow::ensure!(
            self.notify_webhook_url.is_empty() || self.notify_webhook_secret.len() >= 16,
            "--notify-webhook-url needs --notify-webhook-secret (at least 16 characters)"
        );
        anyhow::ensure!(
            self.notify_webhook_url.is_empty() || self.smtp_url.is_empty(),
            "--notify-webhook-url and --smtp-url: messages go through one channel, choose one"
        );
        anyhow::ensure!(
            self.smtp_url.is_empty() || absolute(&self.public_url),
            "--smtp-url needs an absolute --public-url for the links in messages"
        );
        anyhow::ensure!(
            (1..=24 * 60).contains(&self.verify_minutes) && self.verify_codes_per_hour >= 1,
            "--verify-minutes is 1–1440 and --verify-codes-per-hour at least 1"
        );
        anyhow::ensure!(
            !self.verify_phone || self.smtp_url.is_empty(),
            "--verify-phone needs a channel that reaches phones: an e-mail does not prove a \
             phone; use --notify-webhook-url (an SMS or WhatsApp gateway)"
        );
        if self.verify_phone && self.notify_webhook_url.is_empty() {
            tracing::warn!(
                "--verify-phone without --notify-webhook-url: codes reach no phone, only the \
                 server log at debug level (for trying it out), and the booking page says so"
            );
        }
        Ok(())
    }

    /// How long a client may take to send its request headers, or pause in its body.
    pub fn client_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.client_timeout_seconds.max(1))
    }

    /// Is the service published over HTTPS (secure cookies, HSTS)?
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The public base URL without a trailing slash (empty: links relative to the host).
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// Hides credentials in a database URL for printing.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_print() {
        assert_eq!(
            super::redact_url("postgres://rekam:s3cret@db:5432/rekam"),
            "postgres://***@db:5432/rekam"
        );
        assert_eq!(super::redact_url("sqlite://rekam.db"), "sqlite://rekam.db");
    }
}
