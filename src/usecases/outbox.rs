//! Delivering the outbox: a worker claims due messages, renders each in its applicant's
//! language from the translation files, and sends it through the configured channel —
//! the server log, a webhook (JSON signed with HMAC-SHA256) for an SMS or WhatsApp
//! gateway, or e-mail through an SMTP server. A failed attempt is retried with growing delays; after a day the message is
//! marked failed, and supervisors see it.

use super::{AppError, Context};
use crate::domain::NotificationKind;
use crate::i18n::{Lang, hm};
use crate::store::OutboxRow;
use chrono::{DateTime, Duration};

/// Where messages go.
#[derive(Clone)]
pub enum Channel {
    /// One line in the server log per message (the text at debug level).
    Log,
    /// `POST` JSON to a gateway, signed with the shared secret.
    Webhook {
        /// The gateway's URL.
        url: String,
        /// The HMAC-SHA256 key.
        secret: String,
    },
    /// E-mail through an SMTP server, to the applicants who gave an address.
    Smtp {
        /// The server connection (TLS as the URL says).
        transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
        /// The sender.
        from: lettre::message::Mailbox,
    },
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Log => "log",
            Self::Webhook { .. } => "webhook",
            Self::Smtp { .. } => "smtp",
        })
    }
}

impl Channel {
    /// The channel the settings name: a webhook, SMTP (checked: not both), or the log.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        Ok(if !settings.notify_webhook_url.is_empty() {
            Self::Webhook {
                url: settings.notify_webhook_url.clone(),
                secret: settings.notify_webhook_secret.clone(),
            }
        } else if !settings.smtp_url.is_empty() {
            Self::smtp(&settings.smtp_url, &settings.smtp_from).map_err(|e| anyhow::anyhow!(e))?
        } else {
            Self::Log
        })
    }

    /// An SMTP channel from `--smtp-url` (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://…`, or plain `smtp://host:25` for a relay on the same machine) and
    /// `--smtp-from`; `Err` says which is wrong.
    pub fn smtp(url: &str, from: &str) -> Result<Self, String> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|_| "--smtp-url is not an smtp:// or smtps:// URL".to_string())?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|_| "--smtp-from is not an address such as rekam <noreply@example.go.id>")?;
        Ok(Self::Smtp { transport, from })
    }
}

/// The delivery set-up of a server.
#[derive(Clone)]
pub struct Delivery {
    /// The channel.
    pub channel: Channel,
    /// Public base URL for the links in messages.
    pub public_url: String,
    /// Who the messages say they are from (`--sender-name`).
    pub sender: String,
    client: reqwest::Client,
}

impl Delivery {
    /// The same delivery, its messages naming `sender`.
    pub fn with_sender(mut self, sender: &str) -> Self {
        self.sender = crate::domain::sms::to_gsm7(sender.trim());
        self
    }

    /// A delivery through `channel`, with links under `public_url`.
    pub fn new(channel: Channel, public_url: &str) -> Self {
        Self {
            channel,
            sender: "DISDUKCAPIL".to_string(),
            public_url: public_url.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
        }
    }
}

/// How long a worker holds the messages it claimed before another may try them: longer
/// than a batch of gateway requests that all time out (10 × 10 s).
const LEASE: Duration = Duration::minutes(5);

/// The wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, …
/// at most an hour.
pub fn retry_delay(attempts: i64) -> Duration {
    let doubled = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20));
    Duration::seconds(doubled.min(3600))
}

/// The hex HMAC-SHA256 of `body` with `secret` (the `X-Rekam-Signature` value after
/// `sha256=`).
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A message's text in its applicant's language, short enough for one SMS where it can
/// be, with the link to the booking.
pub fn render(d: &Delivery, office: &crate::store::Office, row: &OutboxRow) -> String {
    let lang = Lang::parse(&row.language).unwrap_or(Lang::Id);
    let tz = office.spec.timezone;
    let zone = crate::domain::office::zone_abbreviation(tz);
    let when = |t: i64| {
        let t = DateTime::from_timestamp(t, 0).unwrap_or_default();
        format!(
            "{} {} {zone}",
            lang.short_date(t.with_timezone(&tz).date_naive()),
            hm(lang, t, tz)
        )
    };
    let link = match &row.secret {
        Some(token) => format!(
            "{}{}",
            d.public_url,
            crate::domain::code::manage_path(&row.code, token)
        ),
        None => format!("{}/find?code={}", d.public_url, row.code),
    };
    let kind = row.kind().unwrap_or(NotificationKind::Confirmed);
    // A verification message carries the code (and its deadline), not a link.
    let (link, otp, until) = match kind {
        NotificationKind::VerificationCode => {
            let until = row.verify_by.and_then(|t| DateTime::from_timestamp(t, 0));
            let until = until.map(|t| format!("{} {zone}", hm(lang, t, tz)));
            let otp = row.secret.clone().unwrap_or_default();
            (String::new(), otp, until.unwrap_or_default())
        }
        _ => (
            link,
            String::new(),
            row.hold_until.map(when).unwrap_or_default(),
        ),
    };
    let key = match kind {
        NotificationKind::Confirmed => "msg-confirmed",
        NotificationKind::Moved => "msg-moved",
        NotificationKind::NeedsRebooking => "msg-needs-rebooking",
        NotificationKind::Offered => "msg-offered",
        NotificationKind::OfferExpired => "msg-offer-expired",
        NotificationKind::CertificateRejected => "msg-certificate-rejected",
        NotificationKind::Released => "msg-released",
        NotificationKind::Reminder => "msg-reminder",
        NotificationKind::VerificationCode => "msg-verification-code",
        NotificationKind::LinkRecovery => "msg-link-recovery",
    };
    let text = lang.format(
        key,
        &[
            ("sender", d.sender.clone()),
            ("code", row.code.clone()),
            ("office", office.spec.name.clone()),
            ("when", when(row.from_slot)),
            ("to", row.to_slot.map(when).unwrap_or_default()),
            ("until", until),
            (
                "reason",
                row.why()
                    .map(|r| crate::domain::sms::shorten(&super::say(lang, &r), REASON_CHARS))
                    .unwrap_or_default(),
            ),
            ("link", link),
            ("otp", otp),
        ],
    );
    // One character outside GSM-7 (a dash, a curly quote) would make the whole SMS cost
    // two to three times as much.
    crate::domain::sms::to_gsm7(&text)
}

/// A reason (a staff member's words above all) in a message is cut to this many
/// characters, with "..."; the page shows it whole.
pub const REASON_CHARS: usize = 60;

/// Sends one message; `Err` with what went wrong (no personal data in it).
async fn send(d: &Delivery, row: &OutboxRow, text: &str) -> Result<(), String> {
    let kind = row.kind().map_or("unknown", NotificationKind::wire);
    match &d.channel {
        Channel::Log => {
            tracing::info!(id = row.id, kind, code = %row.code, "message");
            tracing::debug!(id = row.id, text, "message text");
            Ok(())
        }
        Channel::Webhook { url, secret } => {
            let created = DateTime::from_timestamp(row.created_at, 0).unwrap_or_default();
            let body = serde_json::json!({
                "id": row.id.to_string(),
                "kind": kind,
                "booking_code": row.code,
                "to": {"phone": row.phone, "email": row.email},
                "language": row.language,
                "text": text,
                "created_at": created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
            .to_string();
            let answer = d
                .client
                .post(url)
                .header("Content-Type", "application/json")
                .header("X-Rekam-Delivery", row.id.to_string())
                .header(
                    "X-Rekam-Signature",
                    format!("sha256={}", signature(secret, body.as_bytes())),
                )
                .body(body)
                .send()
                .await
                .map_err(|e| {
                    if e.is_timeout() {
                        "no answer within 10 s".to_string()
                    } else {
                        format!("no answer: {}", e.without_url())
                    }
                })?;
            if answer.status().is_success() {
                Ok(())
            } else {
                Err(format!("answered {}", answer.status().as_u16()))
            }
        }
        Channel::Smtp { transport, from } => {
            use lettre::AsyncTransport;
            // Nobody to write to: nothing is sent (the message counts as handled).
            let Some(to) = row.email.as_deref() else {
                tracing::info!(id = row.id, kind, code = %row.code, "no e-mail address; not sent");
                return Ok(());
            };
            let to = to
                .parse::<lettre::message::Mailbox>()
                .map_err(|_| "the stored e-mail address is not valid".to_string())?;
            let mail = lettre::Message::builder()
                .from(from.clone())
                .to(to)
                .subject(format!("rekam {}", row.code))
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(text.to_string())
                .map_err(|e| format!("the message could not be built: {e}"))?;
            // The server's answer may quote the address: only its code is kept.
            transport
                .send(mail)
                .await
                .map(|_| ())
                .map_err(|e| match e.status() {
                    Some(code) => format!("the SMTP server answered {code}"),
                    None if e.is_timeout() => "no answer within 10 s".to_string(),
                    None => "the SMTP server could not be reached".to_string(),
                })
        }
    }
}

/// How many messages a worker claims at a time: many for the log (recorded together),
/// few for a gateway (each recorded as soon as it is sent, and a batch must end well
/// within its lease even when every request times out).
fn batch(d: &Delivery) -> i64 {
    match d.channel {
        Channel::Log => 200,
        Channel::Webhook { .. } | Channel::Smtp { .. } => 10,
    }
}

/// Delivers the messages due now, as `worker`, batch after batch until none is left or
/// `stop` is set; returns how many were delivered.
pub async fn deliver_due(
    ctx: &Context,
    d: &Delivery,
    worker: &str,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<u64, AppError> {
    let mut delivered = 0;
    while !*stop.borrow() {
        let rows = ctx
            .store
            .claim_messages(worker, ctx.clock.now(), LEASE, batch(d))
            .await?;
        let full = rows.len() as i64 == batch(d);
        delivered += deliver(ctx, d, worker, rows, stop).await?;
        if !full {
            break;
        }
    }
    Ok(delivered)
}

/// Delivers claimed messages; the successes are recorded together.
async fn deliver(
    ctx: &Context,
    d: &Delivery,
    worker: &str,
    rows: Vec<OutboxRow>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<u64, AppError> {
    let one_by_one = !matches!(d.channel, Channel::Log);
    let mut recorded = 0;
    let mut done = Vec::with_capacity(rows.len());
    let mut offices: std::collections::HashMap<String, crate::store::Office> = Default::default();
    for row in rows {
        // Stopping: the rest stay claimed until their lease ends, then go out again.
        if *stop.borrow() {
            break;
        }
        if !offices.contains_key(&row.office) {
            offices.insert(row.office.clone(), ctx.store.office(&row.office).await?);
        }
        let text = render(d, &offices[&row.office], &row);
        let sent = send(d, &row, &text).await;
        match sent {
            Ok(()) if one_by_one => {
                recorded += ctx
                    .store
                    .messages_delivered(&[row.id], worker, ctx.clock.now())
                    .await?;
            }
            Ok(()) => done.push(row.id),
            Err(error) => {
                let now = ctx.clock.now();
                tracing::warn!(id = row.id, attempts = row.attempts + 1, %error, "delivery failed");
                let next = now + retry_delay(row.attempts);
                ctx.store
                    .message_failed(&row, worker, &error, next, now)
                    .await?;
            }
        }
    }
    Ok(recorded
        + ctx
            .store
            .messages_delivered(&done, worker, ctx.clock.now())
            .await?)
}

/// Writes the reminders due now in every office: once local time has passed
/// `reminder_at` (default 16:00), each confirmed booking of tomorrow made before then
/// gets one. Returns how many were written.
pub async fn write_reminders(ctx: &Context, now: DateTime<chrono::Utc>) -> Result<u64, AppError> {
    use chrono::TimeZone;
    let reminder_at = ctx.settings.reminder_at;
    let mut written = 0;
    for office in ctx.store.list_offices().await? {
        let tz = office.spec.timezone;
        let local = now.with_timezone(&tz);
        let Some(at) = tz
            .from_local_datetime(&local.date_naive().and_time(reminder_at))
            .earliest()
        else {
            continue;
        };
        let at = at.with_timezone(&chrono::Utc);
        if now < at {
            continue;
        }
        let tomorrow = local.date_naive() + Duration::days(1);
        written += ctx
            .store
            .write_reminders(office.id, tomorrow, at, now)
            .await?;
    }
    Ok(written)
}

/// The job that writes the day-before reminders.
pub const WRITE_REMINDERS: super::jobs::Job = super::jobs::Job {
    name: "reminders.write",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| Box::pin(write_reminders(ctx, now)),
};

/// Messages given up on at an office (supervisors), newest first.
pub async fn failed(
    ctx: &Context,
    who: &super::auth::Authorized<super::auth::AtOffice<super::auth::Supervisor>>,
) -> Result<Vec<crate::store::FailedMessage>, AppError> {
    let office = who.scope().office();
    let rows = ctx.store.failed_messages(Some(office.id)).await?;
    if !rows.is_empty() {
        // They carry the applicants' phones and e-mail addresses: the read is audited.
        ctx.store
            .audit_read(
                who.actor(),
                "failed_messages.view",
                Some(office.id),
                None,
                ctx.clock.now(),
            )
            .await?;
    }
    Ok(rows)
}

/// Why a message could not be delivered, as the supervisor reads it: the key of a text
/// and its arguments, from the error the delivery recorded (written by this module).
pub fn failure_reason(last_error: Option<&str>) -> (&'static str, Vec<(&'static str, String)>) {
    let e = last_error.unwrap_or_default();
    let code = |prefix: &str| e.strip_prefix(prefix).map(|c| c.trim().to_string());
    if e.starts_with("no answer within") {
        ("outbox-fail-timeout", Vec::new())
    } else if e.starts_with("no answer") {
        ("outbox-fail-unreachable", Vec::new())
    } else if let Some(status) = code("answered") {
        ("outbox-fail-refused", vec![("status", status)])
    } else if let Some(status) = code("the SMTP server answered") {
        ("outbox-fail-smtp-refused", vec![("status", status)])
    } else if e == "the SMTP server could not be reached" {
        ("outbox-fail-smtp-unreachable", Vec::new())
    } else if e == "the stored e-mail address is not valid" {
        ("outbox-fail-address", Vec::new())
    } else {
        ("outbox-fail-other", vec![("error", e.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_what_went_wrong() {
        assert_eq!(
            failure_reason(Some("no answer within 10 s")).0,
            "outbox-fail-timeout"
        );
        assert_eq!(
            failure_reason(Some("no answer: error sending request")).0,
            "outbox-fail-unreachable"
        );
        let (key, args) = failure_reason(Some("answered 503"));
        assert_eq!((key, args[0].1.as_str()), ("outbox-fail-refused", "503"));
        assert_eq!(failure_reason(None).0, "outbox-fail-other");
    }

    /// Every message, in each language, with the longest values it carries in practice
    /// (Kabupaten Serang's sender, a long office name, a manage link with its token, a
    /// staff reason cut to its length), is GSM-7 and fits two SMS segments; the code
    /// message one (DOMAIN.md, "Language").
    #[test]
    fn every_message_fits_its_sms_segments() {
        use crate::domain::sms::{is_gsm7, segments, shorten, to_gsm7};
        let link = format!(
            "https://rekam.serangkab.go.id/b/K7QM2XPA?t={}",
            "x".repeat(32)
        );
        let typed =
            "Gedung ditutup – disinfeksi “menyeluruh” setelah kasus positif di ruang tunggu";
        for lang in [Lang::Id, Lang::En] {
            let when = format!(
                "{} 08.00 WIB",
                lang.short_date(chrono::NaiveDate::from_ymd_opt(2026, 12, 30).unwrap())
            );
            for kind in NotificationKind::ALL {
                let key = match kind {
                    NotificationKind::Confirmed => "msg-confirmed",
                    NotificationKind::Moved => "msg-moved",
                    NotificationKind::NeedsRebooking => "msg-needs-rebooking",
                    NotificationKind::Offered => "msg-offered",
                    NotificationKind::OfferExpired => "msg-offer-expired",
                    NotificationKind::CertificateRejected => "msg-certificate-rejected",
                    NotificationKind::Released => "msg-released",
                    NotificationKind::Reminder => "msg-reminder",
                    NotificationKind::VerificationCode => "msg-verification-code",
                    NotificationKind::LinkRecovery => "msg-link-recovery",
                };
                let text = to_gsm7(&lang.format(
                    key,
                    &[
                        ("sender", "DISDUKCAPIL KAB SERANG".to_string()),
                        ("code", "K7QM2XPA".to_string()),
                        ("office", "UPT Disdukcapil Kecamatan Ciruas".to_string()),
                        ("when", when.clone()),
                        ("to", when.clone()),
                        ("until", when.clone()),
                        ("reason", shorten(typed, REASON_CHARS)),
                        ("link", link.clone()),
                        ("otp", "123456".to_string()),
                    ],
                ));
                assert!(is_gsm7(&text), "{lang:?} {key} is not GSM-7: {text}");
                let budget = if kind == NotificationKind::VerificationCode {
                    1
                } else {
                    2
                };
                assert!(
                    segments(&text) <= budget,
                    "{lang:?} {key}: {} segments ({} characters): {text}",
                    segments(&text),
                    text.chars().count()
                );
                assert!(text.starts_with("DISDUKCAPIL KAB SERANG: "), "{text}");
            }
        }
    }

    #[test]
    fn delays_grow_to_an_hour() {
        assert_eq!(retry_delay(0), Duration::seconds(30));
        assert_eq!(retry_delay(1), Duration::seconds(60));
        assert_eq!(retry_delay(3), Duration::seconds(240));
        assert_eq!(retry_delay(30), Duration::hours(1));
    }

    #[test]
    fn the_signature_is_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
