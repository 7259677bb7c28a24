//! rekam: appointments for first-time e-KTP biometric recording under PPKM limits.
//!
//! Layers, lowest first: `domain` (values parsed once) and `planner` (pure capacity
//! rules) import neither `store` nor anything above; `store` (every query and
//! transaction) imports no use case and no web; `usecases` (one module per thing a person
//! does) import no web; `web` translates HTTP to use cases and back. A test reads the
//! `use crate::…` lines and fails when a lower layer imports a higher one.

pub mod background;
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

pub use background::Tick;

/// A bound, not yet serving, instance: tests bind to port 0 and read the address.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    ctx: usecases::Context,
    limits: std::sync::Arc<web::kit::limits::Limits>,
    ticks: tokio::sync::watch::Sender<Tick>,
    caps: serve::Caps,
    channel: usecases::outbox::Channel,
    /// The store, for tests and start-up tasks.
    pub store: Store,
}

impl Application {
    /// Checks the settings, connects, migrates and binds.
    pub async fn build(
        bind: &str,
        database_url: &str,
        settings: Settings,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        settings.check()?;
        let channel = usecases::outbox::Channel::from_settings(&settings)?;
        let store = Store::connect(database_url, settings.db_connections)
            .await?
            .with_offer_hold(chrono::Duration::hours(i64::from(
                settings.offer_hold_hours,
            )))
            .with_min_age(settings.min_age)
            .with_waking_hours(settings.offer_waking_hours);
        serve::raise_descriptor_limit();
        let listener = TcpListener::bind(bind).await?;
        let caps = serve::Caps::from_settings(&settings);
        let state = web::AppState::new(store.clone(), clock.clone(), settings);
        let (ctx, limits) = (state.ctx.clone(), state.limits.clone());
        let router = web::router(state);
        let ticks = tokio::sync::watch::Sender::new(Tick {
            at: clock.now(),
            done: Vec::new(),
        });
        Ok(Self {
            listener,
            router,
            ctx,
            limits,
            ticks,
            caps,
            channel,
            store,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Reports of the scheduler's ticks, as they finish (tests wait on them).
    pub fn ticks(&self) -> tokio::sync::watch::Receiver<Tick> {
        self.ticks.subscribe()
    }

    /// Serves until the process is told to stop (SIGTERM, Ctrl-C), with the scheduler of
    /// periodic jobs and the message worker beside it; then lets the worker finish the
    /// message in hand and closes the database.
    pub async fn serve(self) -> anyhow::Result<()> {
        let limits = self.limits.clone();
        background::start_scheduler(self.ctx.clone(), self.ticks, move || limits.forget_quiet());
        let delivery =
            usecases::outbox::Delivery::new(self.channel, self.ctx.settings.public_base())
                .with_sender(&self.ctx.settings.sender_name);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let deliveries = background::start_deliveries(self.ctx.clone(), delivery, stop_rx);
        let timeout = self.ctx.settings.client_timeout();
        serve::serve_connections(
            self.listener,
            self.router,
            timeout,
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
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
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
