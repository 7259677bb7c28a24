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
pub mod drafts;
pub mod error;
pub mod form;
pub mod jobs;
pub mod lookup;
pub mod outbox;
pub mod passwords;
pub mod plan;
pub mod queue;
pub mod reports;
pub mod retention;
pub mod rights;
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

/// A reason in the reader's language: its kind's text from the translation files, or the
/// words a staff member typed, as typed.
pub fn say(lang: crate::i18n::Lang, reason: &crate::domain::Reason) -> String {
    match reason.message() {
        Some((key, mut args)) => {
            // Temperatures as the language writes decimals: "37,9" in Indonesian.
            if lang == crate::i18n::Lang::Id {
                for (name, value) in args.iter_mut() {
                    if matches!(*name, "reading" | "limit") {
                        *value = value.replace('.', ",");
                    }
                }
            }
            lang.format(key, &args)
        }
        None => reason.typed_text().to_string(),
    }
}

#[cfg(test)]
mod reason_tests {
    use super::say;
    use crate::domain::{Level, Reason};
    use crate::i18n::Lang;

    /// Each reader gets the reason in their language; a staff member's words stay as typed.
    #[test]
    fn reasons_are_said_in_the_readers_language() {
        let level = Reason::level(Level::L3, "Inmendagri 22/2021");
        assert_eq!(say(Lang::Id, &level), "PPKM level 3 (Inmendagri 22/2021)");
        assert_eq!(say(Lang::En, &level), "PPKM level 3 (Inmendagri 22/2021)");
        let lifted = Reason::level(Level::None, "Inmendagri 53/2022");
        assert_eq!(say(Lang::Id, &lifted), "PPKM dicabut (Inmendagri 53/2022)");
        assert_eq!(say(Lang::En, &lifted), "PPKM lifted (Inmendagri 53/2022)");
        let darurat = Reason::level(Level::Darurat, "Inmendagri 15/2021");
        assert!(say(Lang::Id, &darurat).starts_with("PPKM Darurat ("));
        assert!(say(Lang::En, &darurat).starts_with("Emergency PPKM"));
        let holidays = Reason::Holidays { year: 2026 };
        assert_eq!(say(Lang::Id, &holidays), "Hari libur 2026 diperbarui");
        assert_eq!(say(Lang::En, &holidays), "public holidays of 2026 updated");
        let fever = Reason::Fever {
            reading: "37.9".into(),
            limit: "37.5".into(),
        };
        assert!(say(Lang::En, &fever).contains("37.9 °C"));
        assert!(say(Lang::Id, &fever).starts_with("Suhu tubuh 37,9 °C"));
        assert_eq!(say(Lang::En, &Reason::typed("Disinfeksi")), "Disinfeksi");
    }
}
