//! The use cases: one module per thing a person does, with no HTTP in them. Each takes a
//! [`Context`] (store, clock, settings), parses what it is given into domain values once,
//! asks the planner, asks the store, and returns domain values or its own [`AppError`].
//! The web handlers and the command line both call these.

pub mod accounts;
pub mod auth;
pub mod availability;
pub mod booking;
pub mod changes;
pub mod desk;
pub mod error;
pub mod form;
pub mod jobs;
pub mod lookup;
pub mod outbox;
pub mod passwords;
pub mod plan;
pub mod reports;
pub mod retention;
pub mod second_factor;
pub mod verify;
pub mod waitlist;
pub mod walk_in;

pub use error::{AppError, Code};

use crate::clock::Clock;
use crate::config::Settings;
use crate::store::Store;
use std::sync::Arc;

/// What every use case can reach.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub store: Store,
    /// "Now".
    pub clock: Clock,
    pub settings: Arc<Settings>,
}

/// Does the database answer? (`/healthz`)
pub async fn healthy(ctx: &Context) -> Result<(), AppError> {
    Ok(ctx.store.ping().await?)
}

impl Context {
    /// Bundles the parts.
    pub fn new(store: Store, clock: Clock, settings: Settings) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
        }
    }
}
