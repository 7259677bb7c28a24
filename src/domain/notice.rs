//! Why the office or the system changed a booking, as stored: a kind with its parameters,
//! rendered in the reader's language when it is shown or sent — or, for the words a
//! staff member typed (a closure's reason, a rejected certificate), those words as typed.

use super::Level;
use serde::{Deserialize, Serialize};

/// A reason, as stored (JSON in `notifications.notice` and `bookings.outcome_notice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A staff member's words, shown as typed (and rows written before reasons had kinds).
    Typed {
        /// The words.
        text: String,
    },
    /// A PPKM level set (or lifted: level `none`) by an instruction.
    Level {
        /// The level's spelling (`none`, `1`–`4`, `darurat`).
        level: String,
        /// The instruction, as the supervisor typed it.
        instruction: String,
    },
    /// A level's rule changed, by an instruction.
    Rule {
        /// The level's spelling.
        level: String,
        /// The instruction.
        instruction: String,
    },
    /// A year's public holidays were replaced.
    Holidays {
        /// The year.
        year: i32,
    },
    /// The office's settings (resources, hours, limits) changed.
    OfficeSettings,
    /// A seat offered was not claimed in time.
    OfferLapsed,
    /// Turned away at the door: the second reading was above the limit.
    Fever {
        /// The reading, °C as shown (`37.9`).
        reading: String,
        /// The limit, °C as shown.
        limit: String,
    },
    /// Not checked in by the end of the slot.
    NoCheckIn,
    /// The certificate was still rejected shortly before the slot: the seat was released.
    Released,
    /// The phone was not verified in time.
    VerifyLate,
    /// Too many wrong verification codes.
    VerifyWrong,
    /// Replaced by a new booking with the same NIK.
    VerifyReplaced,
    /// Another booking of the same NIK was verified first.
    VerifyOutranked,
}

impl Reason {
    /// A staff member's words.
    pub fn typed(text: impl Into<String>) -> Self {
        Self::Typed { text: text.into() }
    }

    /// The reason a change of capacity gives: a level with its instruction, or the words
    /// typed for a closure.
    pub fn level(level: Level, instruction: &str) -> Self {
        Self::Level {
            level: level.as_str().to_string(),
            instruction: instruction.to_string(),
        }
    }

    /// As stored: its JSON.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("a reason serialises")
    }

    /// From what is stored: the JSON of a reason, or (rows written before reasons had
    /// kinds) the text alone, as typed. `None` when neither is there.
    pub fn from_stored(notice: Option<&str>, text: Option<&str>) -> Option<Self> {
        match notice.and_then(|n| serde_json::from_str(n).ok()) {
            Some(reason) => Some(reason),
            None => text.filter(|t| !t.is_empty()).map(Self::typed),
        }
    }

    /// The words of a typed reason; empty for the others.
    pub fn typed_text(&self) -> &str {
        match self {
            Self::Typed { text } => text,
            _ => "",
        }
    }

    /// The reason in the office's language, as the audit log has always recorded it and
    /// as the text columns keep it for a process of the version before kinds (two
    /// servers share a database during a restart). Readers are never shown this: pages
    /// and messages render [`Self::message`] in their reader's language.
    pub fn office_text(&self) -> String {
        let ppkm = |level: &str| match level {
            "darurat" => "PPKM Darurat".to_string(),
            other => format!("PPKM level {other}"),
        };
        match self {
            Self::Typed { text } => text.clone(),
            Self::Level { level, instruction } if level == Level::None.as_str() => {
                format!("PPKM dicabut ({instruction})")
            }
            Self::Level { level, instruction } | Self::Rule { level, instruction } => {
                format!("{} ({instruction})", ppkm(level))
            }
            Self::Holidays { year } => format!("Hari libur {year} diperbarui"),
            Self::OfficeSettings => "office settings changed".to_string(),
            Self::OfferLapsed => "offer not claimed in time".to_string(),
            Self::Fever { reading, limit } => {
                format!("Suhu tubuh {reading} °C pada pengukuran kedua, di atas batas {limit} °C")
            }
            Self::NoCheckIn => "tidak check-in sampai jadwal selesai".to_string(),
            Self::Released => "surat keterangan sehat masih ditolak menjelang jadwal".to_string(),
            Self::VerifyLate => "nomor HP tidak diverifikasi tepat waktu".to_string(),
            Self::VerifyWrong => "kode verifikasi salah terlalu sering".to_string(),
            Self::VerifyReplaced => "diganti pemesanan baru dengan NIK yang sama".to_string(),
            Self::VerifyOutranked => {
                "pemesanan lain dengan NIK yang sama sudah diverifikasi".to_string()
            }
        }
    }

    /// The key of its text in the translation files and the text's parameters; a typed
    /// reason has none (it is shown as it is).
    pub fn message(&self) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        // The level's spelling: the translation files name it (`darurat` is a word).
        let level_name = |level: &str| level.to_string();
        Some(match self {
            Self::Typed { .. } => return None,
            Self::Level { level, instruction } if level == Level::None.as_str() => (
                "reason-level-lifted",
                vec![("instruction", instruction.clone())],
            ),
            Self::Level { level, instruction } => (
                "reason-level",
                vec![
                    ("level", level_name(level)),
                    ("instruction", instruction.clone()),
                ],
            ),
            Self::Rule { level, instruction } => (
                "reason-rule",
                vec![
                    ("level", level_name(level)),
                    ("instruction", instruction.clone()),
                ],
            ),
            Self::Holidays { year } => ("reason-holidays", vec![("year", year.to_string())]),
            Self::OfficeSettings => ("reason-office-settings", vec![]),
            Self::OfferLapsed => ("reason-offer-lapsed", vec![]),
            Self::Fever { reading, limit } => (
                "reason-fever",
                vec![("reading", reading.clone()), ("limit", limit.clone())],
            ),
            Self::NoCheckIn => ("reason-no-check-in", vec![]),
            Self::Released => ("reason-released", vec![]),
            Self::VerifyLate => ("reason-verify-late", vec![]),
            Self::VerifyWrong => ("reason-verify-wrong", vec![]),
            Self::VerifyReplaced => ("reason-verify-replaced", vec![]),
            Self::VerifyOutranked => ("reason-verify-outranked", vec![]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_stored_with_its_kind_and_read_back() {
        let r = Reason::level(Level::L3, "Inmendagri 22/2021");
        let stored = r.to_stored();
        assert!(stored.contains("\"kind\":\"level\""), "{stored}");
        assert_eq!(Reason::from_stored(Some(&stored), Some("")), Some(r));
    }

    #[test]
    fn text_without_a_kind_reads_as_typed() {
        // A row written before kinds, or a staff member's words.
        assert_eq!(
            Reason::from_stored(None, Some("Disinfeksi")),
            Some(Reason::typed("Disinfeksi"))
        );
        assert_eq!(Reason::from_stored(None, Some("")), None);
        assert_eq!(Reason::from_stored(None, None), None);
        // A kind this version does not know is not guessed: the text stands.
        assert_eq!(
            Reason::from_stored(Some(r#"{"kind":"later"}"#), Some("kata")),
            Some(Reason::typed("kata"))
        );
    }

    /// The audit log and the text columns keep what they always said.
    #[test]
    fn the_office_text_is_what_the_version_before_kinds_wrote() {
        assert_eq!(
            Reason::level(Level::L3, "Inmendagri 22/2021").office_text(),
            "PPKM level 3 (Inmendagri 22/2021)"
        );
        assert_eq!(
            Reason::level(Level::None, "x").office_text(),
            "PPKM dicabut (x)"
        );
        assert_eq!(
            Reason::Fever {
                reading: "37.9".into(),
                limit: "37.5".into()
            }
            .office_text(),
            "Suhu tubuh 37.9 °C pada pengukuran kedua, di atas batas 37.5 °C"
        );
        assert_eq!(Reason::typed("Disinfeksi").office_text(), "Disinfeksi");
    }

    #[test]
    fn every_kind_but_typed_has_a_text_key() {
        assert!(Reason::typed("x").message().is_none());
        let (key, args) = Reason::level(Level::None, "Inmendagri 53/2022")
            .message()
            .unwrap();
        assert_eq!(key, "reason-level-lifted");
        assert_eq!(args[0].1, "Inmendagri 53/2022");
        let (_, args) = Reason::level(Level::Darurat, "x").message().unwrap();
        assert_eq!(args[0].1, "darurat");
    }
}
