//! rekam: appointments for first-time e-KTP biometric recording under PPKM limits.
//!
//! `web` parses requests into `domain` values, asks `planner` what is allowed, asks
//! `store` to take the seat in one transaction and renders the answer. `planner` and
//! `domain` import nothing from `web` or `store`.

pub mod booking;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod planner;
pub mod staff;
pub mod store;
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
    /// The store, for tests and start-up tasks.
    pub store: Store,
}

impl Application {
    /// Connects, migrates and binds.
    pub async fn build(
        bind: &str,
        database_url: &str,
        settings: Settings,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let store = Store::connect(database_url, settings.db_connections).await?;
        let listener = TcpListener::bind(bind).await?;
        let router = web::router(web::AppState::new(store.clone(), clock, settings));
        Ok(Self {
            listener,
            router,
            store,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Serves until the process ends.
    pub async fn serve(self) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    }
}
