//! rekam: appointments for first-time e-KTP biometric recording under PPKM limits.
//!
//! Layers, lowest first: `domain` (values parsed once) and `planner` (pure capacity
//! rules) import neither `store` nor anything above; `store` (every query and
//! transaction) imports no use case and no web; `usecases` (one module per thing a person
//! does) import no web; `web` translates HTTP to use cases and back. A test reads the
//! `use crate::…` lines and fails when a lower layer imports a higher one.

#[cfg(test)]
mod checks;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod planner;
pub mod serve;
pub mod store;
pub mod usecases;
pub mod web;

use clock::Clock;
use config::Settings;
use std::net::SocketAddr;
use store::Store;
use tokio::net::TcpListener;

/// A bound, not yet serving, instance: tests bind to port 0 and read the address.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    clock: Clock,
    limits: std::sync::Arc<web::kit::limits::Limits>,
    sweeps: tokio::sync::watch::Sender<Sweep>,
    /// How long a client may take to send its request headers, or pause in its body.
    client_timeout: std::time::Duration,
    /// How many connections may be open.
    caps: serve::Caps,
    /// The sweeps' settings.
    settings: Settings,
    /// Where messages to applicants go.
    channel: usecases::outbox::Channel,
    /// The store, for tests and start-up tasks.
    pub store: Store,
}

/// The last sweep of lapsed seat offers: the clock's time it ran at, and how many holds
/// lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// The instant swept for.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Holds that lapsed in it.
    pub lapsed: usize,
    /// Bookings marked no-show in it.
    pub no_shows: usize,
    /// Bookings released because their certificate stayed rejected.
    pub released: usize,
    /// Bookings cancelled because their phone was not verified in time.
    pub unverified: usize,
}

/// How often unclaimed seat offers are looked at, in the clock's time.
const SWEEP_EVERY: chrono::Duration = chrono::Duration::minutes(1);

impl Application {
    /// Connects, migrates and binds.
    pub async fn build(
        bind: &str,
        database_url: &str,
        settings: Settings,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            settings.personal_data_retention_days >= settings.certificate_retention_days,
            "--personal-data-retention-days may not be shorter than --certificate-retention-days"
        );
        anyhow::ensure!(
            chrono::NaiveTime::parse_from_str(&settings.reminder_at, "%H:%M").is_ok(),
            "--reminder-at is HH:MM"
        );
        let absolute = |u: &str| u.starts_with("https://") || u.starts_with("http://");
        anyhow::ensure!(
            settings.notify_webhook_url.is_empty()
                || (absolute(&settings.notify_webhook_url) && absolute(&settings.public_url)),
            "--notify-webhook-url needs an http(s) URL, and --public-url an absolute http(s) URL \
             for the links in messages"
        );
        anyhow::ensure!(
            settings
                .rate_limit_exempt
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .all(|n| n.parse::<ipnet::IpNet>().is_ok() || n.parse::<std::net::IpAddr>().is_ok()),
            "--rate-limit-exempt is a list of networks (CIDR) or addresses, comma-separated"
        );
        anyhow::ensure!(
            settings.notify_webhook_url.is_empty() || settings.notify_webhook_secret.len() >= 16,
            "--notify-webhook-url needs --notify-webhook-secret (at least 16 characters)"
        );
        anyhow::ensure!(
            (1..=24 * 60).contains(&settings.verify_minutes) && settings.verify_codes_per_hour >= 1,
            "--verify-minutes is 1–1440 and --verify-codes-per-hour at least 1"
        );
        anyhow::ensure!(
            !settings.verify_phone || settings.smtp_url.is_empty(),
            "--verify-phone needs a channel that reaches phones: an e-mail does not prove a \
             phone; use --notify-webhook-url (an SMS or WhatsApp gateway)"
        );
        if settings.verify_phone && settings.notify_webhook_url.is_empty() {
            tracing::warn!(
                "--verify-phone without --notify-webhook-url: codes reach no phone, only the \
                 server log at debug level (for trying it out), and the booking page says so"
            );
        }
        let channel = message_channel(&settings)?;
        let store = Store::connect(database_url, settings.db_connections)
            .await?
            .with_offer_hold(chrono::Duration::hours(i64::from(
                settings.offer_hold_hours,
            )))
            .with_min_age(settings.min_age)
            .with_waking_hours(
                domain::office::WakingHours::parse(&settings.offer_waking_hours).ok_or_else(
                    || {
                        anyhow::anyhow!(
                            "--offer-waking-hours is HH:MM-HH:MM, the first before the second"
                        )
                    },
                )?,
            );
        serve::raise_descriptor_limit();
        let listener = TcpListener::bind(bind).await?;
        let state = web::AppState::new(store.clone(), clock.clone(), settings.clone());
        let limits = state.limits.clone();
        let client_timeout = std::time::Duration::from_secs(settings_timeout(&state.ctx.settings));
        let router = web::router(state);
        let sweeps = tokio::sync::watch::Sender::new(Sweep {
            at: clock.now(),
            lapsed: 0,
            no_shows: 0,
            released: 0,
            unverified: 0,
        });
        Ok(Self {
            listener,
            router,
            clock,
            limits,
            sweeps,
            client_timeout,
            caps: serve::Caps::from_settings(&settings),
            settings,
            channel,
            store,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Reports of the sweeps of lapsed offers, as they finish (tests wait on them).
    pub fn sweeps(&self) -> tokio::sync::watch::Receiver<Sweep> {
        self.sweeps.subscribe()
    }

    /// Serves until the process ends; once a minute of the clock's time lapses unclaimed
    /// seat offers.
    pub async fn serve(self) -> anyhow::Result<()> {
        let (store, clock, limits) = (self.store.clone(), self.clock.clone(), self.limits.clone());
        let grace = chrono::Duration::minutes(i64::from(self.settings.no_show_grace_minutes));
        let release = chrono::Duration::hours(i64::from(self.settings.release_rejected_hours));
        let reminder_at = chrono::NaiveTime::parse_from_str(&self.settings.reminder_at, "%H:%M")
            .unwrap_or_else(|_| chrono::NaiveTime::from_hms_opt(16, 0, 0).expect("16:00"));
        let reminders = usecases::Context::new(
            self.store.clone(),
            self.clock.clone(),
            self.settings.clone(),
        );
        let sweeps = self.sweeps;
        tokio::spawn(async move {
            let mut last = clock.now();
            let mut last_purge: Option<chrono::DateTime<chrono::Utc>> = None;
            loop {
                clock.sleep_until(last + SWEEP_EVERY).await;
                last = clock.now();
                let lapsed = match store.sweep_offers(last).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "sweeping seat offers failed");
                        0
                    }
                };
                let unverified = usecases::verify::cancel_unverified(&reminders)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = ?e.code, "cancelling unverified bookings failed");
                        0
                    });
                // Bookings still rejected shortly before their slot free their seat; those
                // not checked in by their slot's end plus the grace are no-shows.
                let released = store
                    .release_rejected(last, release)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "releasing rejected bookings failed");
                        0
                    });
                let no_shows = store.sweep_no_shows(last, grace).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "marking no-shows failed");
                    0
                });
                // Retention, once a day of the clock (and at start).
                if last_purge.is_none_or(|at| last - at >= chrono::Duration::days(1)) {
                    match usecases::retention::purge(&reminders, false).await {
                        Ok(done) => {
                            last_purge = Some(last);
                            tracing::info!(?done, "retention");
                        }
                        Err(e) => tracing::warn!(error = ?e.code, "retention failed"),
                    }
                }
                if let Err(e) = usecases::outbox::write_reminders(&reminders, reminder_at).await {
                    tracing::warn!(error = ?e.code, "writing reminders failed");
                }
                // Idempotency-Keys are kept a day (API.md).
                if let Err(e) = store.forget_idempotency_keys(last).await {
                    tracing::warn!(error = %e, "forgetting old idempotency keys failed");
                }
                sweeps.send_replace(Sweep {
                    at: last,
                    lapsed,
                    no_shows,
                    released,
                    unverified,
                });
                limits.forget_quiet();
            }
        });
        // Messages to applicants: looked at every second, delivered through the channel.
        let ctx = usecases::Context::new(
            self.store.clone(),
            self.clock.clone(),
            self.settings.clone(),
        );
        let delivery = usecases::outbox::Delivery::new(self.channel, &self.settings.public_url);
        let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        // On shutdown the worker finishes the message in hand and stops, before the
        // database is closed: a delivered message is always recorded as delivered.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let deliveries = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !*stop_rx.borrow() {
                tick.tick().await;
                let sent = usecases::outbox::deliver_due(&ctx, &delivery, &worker, &stop_rx);
                if let Err(e) = sent.await {
                    tracing::warn!(error = ?e.code, "delivering messages failed");
                }
            }
        });
        let store = self.store.clone();
        serve::serve_connections(
            self.listener,
            self.router,
            self.client_timeout,
            self.caps,
            stop_signal(),
        )
        .await;
        let _ = stop_tx.send(true);
        if tokio::time::timeout(std::time::Duration::from_secs(15), deliveries)
            .await
            .is_err()
        {
            tracing::warn!("the message worker did not stop in time");
        }
        // Every answered request is committed; close the pools cleanly (SQLite checkpoints).
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The channel the settings name: a webhook, SMTP (not both), or the log.
fn message_channel(settings: &Settings) -> anyhow::Result<usecases::outbox::Channel> {
    use usecases::outbox::Channel;
    let (webhook, smtp) = (&settings.notify_webhook_url, &settings.smtp_url);
    anyhow::ensure!(
        webhook.is_empty() || smtp.is_empty(),
        "--notify-webhook-url and --smtp-url: messages go through one channel, choose one"
    );
    Ok(if !webhook.is_empty() {
        Channel::Webhook {
            url: webhook.clone(),
            secret: settings.notify_webhook_secret.clone(),
        }
    } else if !smtp.is_empty() {
        anyhow::ensure!(
            settings.public_url.starts_with("http"),
            "--smtp-url needs an absolute --public-url for the links in messages"
        );
        Channel::smtp(smtp, &settings.smtp_from).map_err(|e| anyhow::anyhow!(e))?
    } else {
        Channel::Log
    })
}

/// Ctrl-C, or SIGTERM (how a service manager or a container runtime stops a process).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The client timeout of the settings, at least a second.
fn settings_timeout(settings: &Settings) -> u64 {
    settings.client_timeout_seconds.max(1)
}
