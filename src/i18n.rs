//! Texts in Bahasa Indonesia (the default) and English, from the Fluent files under
//! `locales/` (one folder per language, compiled into the binary by `fluent-templates`),
//! and dates from the locale data of `chrono` (`pure-rust-locales`). Whole sentences
//! carry their placeholders, so each language orders its own words. A test checks that
//! every key used in code or templates exists in both languages and that none is unused.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, langid};
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        // No Unicode isolation marks around placeholders: every text is left-to-right,
        // and the marks would end up in SMS, calendar files and copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ID: LanguageIdentifier = langid!("id");
static EN: LanguageIdentifier = langid!("en");

/// The language of a page or a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` / `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// From `id` / `en`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "id" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Self {
        match self {
            Self::Id => Self::En,
            Self::En => Self::Id,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Id => &ID,
            Self::En => &EN,
        }
    }

    fn locale(self) -> chrono::Locale {
        match self {
            Self::Id => chrono::Locale::id_ID,
            Self::En => chrono::Locale::en_US,
        }
    }

    /// The text of `key`, filled in with `args`. A key missing from this language's file
    /// (which the test of the files rules out) shows the key itself and is logged.
    pub fn format(self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<String, FluentValue> = args
            .iter()
            .map(|(k, v)| (k.to_string(), FluentValue::from(v.clone())))
            .collect();
        self.format_values(key, args)
    }

    fn format_values(self, key: &str, args: HashMap<String, FluentValue>) -> String {
        let args = (!args.is_empty()).then_some(&args);
        match LOCALES.lookup_single_language(self.id(), key, args) {
            Ok(text) => text,
            Err(e) => {
                tracing::error!(key, error = %e, "missing text");
                key.to_string()
            }
        }
    }

    /// The text of `key`.
    pub fn text(self, key: &str) -> String {
        self.format(key, &[])
    }

    /// The text of `key` with its one placeholder `$n`.
    /// The count is a number to the text, so that a plural (`{ $n -> [one] … }`) chooses
    /// by it.
    pub fn n(self, key: &str, n: impl std::fmt::Display) -> String {
        let n = n.to_string();
        let value = match n.parse::<i64>() {
            Ok(i) => FluentValue::from(i),
            Err(_) => FluentValue::from(n),
        };
        self.format_values(key, HashMap::from([("n".to_string(), value)]))
    }

    /// "Senin" / "Monday".
    pub fn weekday(self, day: chrono::Weekday) -> String {
        // A Monday-based week of 2026: the date only carries the weekday.
        NaiveDate::from_isoywd_opt(2026, 2, day)
            .map(|d| d.format_localized("%A", self.locale()).to_string())
            .unwrap_or_default()
    }

    /// "Selasa, 1 Desember 2026" / "Tuesday, 1 December 2026".
    pub fn long_date(self, d: NaiveDate) -> String {
        d.format_localized("%A, %-d %B %Y", self.locale())
            .to_string()
    }

    /// "Sel, 1 Des" — for compact lists.
    pub fn short_date(self, d: NaiveDate) -> String {
        d.format_localized("%a, %-d %b", self.locale()).to_string()
    }
}

/// A time of day as each language writes it: "08.00" in Indonesian (KBBI/EYD), "08:00"
/// in English.
pub fn hm(lang: Lang, t: DateTime<Utc>, tz: Tz) -> String {
    let format = match lang {
        Lang::Id => "%H.%M",
        Lang::En => "%H:%M",
    };
    t.with_timezone(&tz).format(format).to_string()
}

/// Every key of a language's file.
#[cfg(test)]
fn keys_of(lang: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang)
        .join("main.ftl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.starts_with('#') && !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources that look texts up: templates, the web layer, the use cases (error
    /// messages) and the domain (status names).
    fn sources() -> Vec<String> {
        let mut sources = Vec::new();
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut stack: Vec<_> = ["templates", "src"].iter().map(|d| root.join(d)).collect();
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p.file_name().is_some_and(|n| n != "i18n.rs") {
                sources.push(std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
        sources
    }

    #[test]
    fn both_languages_have_the_same_keys_and_every_key_is_used() {
        let id = keys_of("id");
        let en = keys_of("en");
        assert!(
            id.len() > 100,
            "the Indonesian file is read: {} keys",
            id.len()
        );
        let missing_en: Vec<_> = id.iter().filter(|k| !en.contains(k)).collect();
        let missing_id: Vec<_> = en.iter().filter(|k| !id.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(
            missing_id.is_empty(),
            "missing in Indonesian: {missing_id:?}"
        );
        let sources = sources();
        let unused: Vec<_> = id
            .iter()
            .filter(|k| !sources.iter().any(|s| s.contains(&format!("\"{k}\""))))
            .collect();
        assert!(
            unused.is_empty(),
            "keys no code or template uses: {unused:?}"
        );
        // Every message loads in both languages, its placeholders filled.
        let file = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/id/main.ftl"),
        )
        .unwrap();
        for k in &id {
            // The message's first line and its continuation lines (a select's variants).
            let start = format!("{k} = ");
            let message: String = file
                .lines()
                .skip_while(|l| !l.starts_with(&start))
                .enumerate()
                .take_while(|(i, l)| *i == 0 || l.starts_with([' ', '}', '*', '[']))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            assert!(!message.is_empty(), "{k} is not in the Indonesian file");
            let args: HashMap<String, FluentValue> = message
                .split("{ $")
                .skip(1)
                .filter_map(|rest| rest.split_once(' '))
                .map(|(name, _)| (name.to_string(), FluentValue::from("x")))
                .collect();
            for lang in [Lang::Id, Lang::En] {
                let text = LOCALES.lookup_single_language(lang.id(), k, Some(&args));
                assert!(
                    text.as_ref().is_ok_and(|t| !t.is_empty()),
                    "{k} does not load in {lang:?}: {text:?}"
                );
            }
        }
    }

    /// Every string literal that looks like a key (`"err-…"`, `"status-…"`) is one.
    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let id = keys_of("id");
        let groups: std::collections::BTreeSet<String> = id
            .iter()
            .map(|k| format!("\"{}-", k.split('-').next().unwrap()))
            .collect();
        for src in sources() {
            for prefix in &groups {
                for (i, _) in src.match_indices(prefix.as_str()) {
                    let key: String = src[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    // (An HTML attribute such as `id="cancel-link"` is not a text.)
                    let attribute = src[..i].ends_with('=');
                    if !attribute && src[i + 1 + key.len()..].starts_with('"') {
                        assert!(id.contains(&key), "missing text: {key}");
                    }
                }
            }
        }
    }

    /// Features the texts may promise, once they are built (issue 10 builds delivery of
    /// messages and deletion after the visit: add them here with the feature).
    const BUILT: &[&str] = &["retention"];

    /// Phrases that promise a feature, and the feature each needs.
    const PROMISES: &[(&str, &str)] = &[
        ("dihapus", "retention"),
        ("deleted", "retention"),
        ("diberi tahu", "delivery"),
        ("diberitahu", "delivery"),
        ("notified", "delivery"),
        ("you are told", "delivery"),
        ("akan dikirim", "delivery"),
        ("will be sent", "delivery"),
    ];

    /// A text never promises what the code does not do yet.
    #[test]
    fn texts_promise_only_what_is_built() {
        for lang in ["id", "en"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(lang)
                .join("main.ftl");
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let text = line.to_lowercase();
                for (phrase, feature) in PROMISES {
                    assert!(
                        !text.contains(phrase) || BUILT.contains(feature),
                        "{lang}: \"{line}\" promises {feature}, which is not built"
                    );
                }
            }
        }
    }

    #[test]
    fn placeholders_fill_whole_sentences() {
        let args = [
            (
                "slot",
                "Selasa, 1 Desember 2026, 08:00–08:30 WIB".to_string(),
            ),
            ("until", "Senin, 30 November 2026, 20:00 WIB".to_string()),
        ];
        assert_eq!(
            Lang::Id.format("offer-text", &args),
            "Ada jadwal untuk Anda: Selasa, 1 Desember 2026, 08:00–08:30 WIB. \
             Ambil sebelum Senin, 30 November 2026, 20:00 WIB."
        );
        assert_eq!(Lang::En.n("office-slot-left", 3), "3 left");
    }

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(Lang::Id.long_date(d), "Selasa, 1 Desember 2026");
        assert_eq!(Lang::En.long_date(d), "Tuesday, 1 December 2026");
        assert_eq!(Lang::Id.short_date(d), "Sel, 1 Des");
        assert_eq!(Lang::En.short_date(d), "Tue, 1 Dec");
        let aug = NaiveDate::from_ymd_opt(2026, 8, 17).unwrap();
        assert_eq!(Lang::Id.short_date(aug), "Sen, 17 Agu");
    }
}
