//! Offices: identity, time zone, opening hours and recording resources.

use super::CertificateRules;
use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An office's URL name: lowercase letters, digits and dashes, 2–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfficeSlug(String);

impl OfficeSlug {
    /// Parses a slug.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (2..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Self(s.to_string()))
    }

    /// The slug's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A slug read back from the store (it was parsed when the office was made).
    pub fn stored(slug: String) -> Self {
        Self(slug)
    }
}

impl std::fmt::Display for OfficeSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Days of the week as keys of `hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday
    Mon,
    /// Tuesday
    Tue,
    /// Wednesday
    Wed,
    /// Thursday
    Thu,
    /// Friday
    Fri,
    /// Saturday
    Sat,
    /// Sunday
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Self::Mon => "mon",
            Self::Tue => "tue",
            Self::Wed => "wed",
            Self::Thu => "thu",
            Self::Fri => "fri",
            Self::Sat => "sat",
            Self::Sun => "sun",
        }
    }

    /// From chrono's weekday.
    pub fn from_chrono(d: chrono::Weekday) -> Self {
        Self::ALL[d.num_days_from_monday() as usize]
    }
}

/// Opening hours of one day, local time, `open < close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    /// Counter opens.
    pub open: NaiveTime,
    /// Counter closes; the last slot ends no later.
    pub close: NaiveTime,
}

/// Everything the planner needs to know of an office, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeSpec {
    /// Display name.
    pub name: String,
    /// IANA zone; one of Indonesia's three in practice.
    pub timezone: Tz,
    /// Street address shown on confirmations.
    pub address: String,
    /// Recording sets (PC, camera, pads, scanners) that can run at once.
    pub recording_sets: u32,
    /// Operators on duty who can run a set (the level's WFO % limits these).
    pub operators: u32,
    /// Minutes one recording takes (about 10 in practice; reports range 2–20).
    pub minutes_per_recording: u32,
    /// Seats in the waiting room.
    pub waiting_room_seats: u32,
    /// Length of a booking slot.
    pub slot_minutes: u32,
    /// Absolute daily maximum set by the supervisor, if any.
    pub max_visitors_per_day: Option<u32>,
    /// How many days ahead applicants may book.
    pub booking_horizon_days: u32,
    /// Opening hours by weekday; a missing day is closed.
    pub hours: BTreeMap<Weekday, Hours>,
    /// Accepted certificate kinds and their validity.
    pub certificates: CertificateRules,
}

/// The office as integrators send it (API.md, "Offices").
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OfficeInput {
    /// Display name.
    pub name: String,
    /// IANA time zone, e.g. `Asia/Jakarta`.
    pub timezone: String,
    /// Street address.
    pub address: String,
    pub recording_sets: i64,
    /// Operators on duty who can run a set; default one per set. A level's WFO % limits
    /// the operators present; the sets in use are those they can run.
    #[serde(default)]
    pub operators: Option<i64>,
    pub minutes_per_recording: i64,
    /// Waiting-room seats.
    pub waiting_room_seats: i64,
    /// Slot length in minutes.
    pub slot_minutes: i64,
    /// Daily maximum, or null.
    pub max_visitors_per_day: Option<i64>,
    /// Booking horizon in days.
    pub booking_horizon_days: i64,
    /// `{"mon": ["08:00", "15:00"], …}`; missing days are closed.
    pub hours: BTreeMap<String, Vec<String>>,
    /// Optional: accepted certificate kinds with validity in hours; defaults to
    /// antigen 24, pcr 72, surat_sehat 168.
    #[serde(default)]
    pub certificate_kinds: Option<BTreeMap<String, u32>>,
}

/// A field that failed validation, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the client sent it (`hours.mon`).
    pub field: String,
    /// Human text.
    pub message: String,
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// The ranges of an office's numbers, by field (the API documents them from here).
pub const BOUNDS: [(&str, i64, i64); 7] = [
    ("recording_sets", 1, 1000),
    ("operators", 1, 10_000),
    ("minutes_per_recording", 1, 240),
    ("waiting_room_seats", 1, 10_000),
    ("slot_minutes", 5, 240),
    ("max_visitors_per_day", 0, 100_000),
    ("booking_horizon_days", 1, 366),
];

fn bounded(field: &str, v: i64) -> Result<u32, FieldError> {
    let (_, lo, hi) = BOUNDS
        .into_iter()
        .find(|(f, _, _)| *f == field)
        .expect("every bounded field is in BOUNDS");
    if (lo..=hi).contains(&v) {
        Ok(v as u32)
    } else {
        Err(field_err(field, format!("must be between {lo} and {hi}")))
    }
}

impl OfficeInput {
    /// Validates the input into a spec, naming the first bad field.
    pub fn parse(&self) -> Result<OfficeSpec, FieldError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(field_err(
                "name",
                "must be 1–200 characters, no control characters",
            ));
        }
        let timezone: Tz = self
            .timezone
            .parse()
            .map_err(|_| field_err("timezone", "not an IANA time zone, e.g. Asia/Jakarta"))?;
        if self.address.chars().count() > 500 || self.address.chars().any(char::is_control) {
            return Err(field_err(
                "address",
                "at most 500 characters, no control characters",
            ));
        }
        let mut hours = BTreeMap::new();
        for (key, pair) in &self.hours {
            let field = format!("hours.{key}");
            let day = Weekday::ALL
                .into_iter()
                .find(|d| d.key() == key)
                .ok_or_else(|| field_err(&field, "unknown weekday; use mon … sun"))?;
            let [open, close] = pair.as_slice() else {
                return Err(field_err(&field, "give [\"HH:MM\", \"HH:MM\"]"));
            };
            let parse = |s: &str| NaiveTime::parse_from_str(s, "%H:%M");
            let (Ok(open), Ok(close)) = (parse(open), parse(close)) else {
                return Err(field_err(&field, "times are HH:MM"));
            };
            if open >= close {
                return Err(field_err(&field, "opening must be before closing"));
            }
            hours.insert(day, Hours { open, close });
        }
        let certificates = match &self.certificate_kinds {
            None => CertificateRules::default(),
            Some(kinds) => {
                if kinds.is_empty()
                    || kinds.iter().any(|(k, h)| {
                        k.is_empty()
                            || k.len() > 40
                            || !k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                            || *h == 0
                            || *h > 24 * 60
                    })
                {
                    return Err(field_err(
                        "certificate_kinds",
                        "kinds are lowercase words with 1–1440 hours of validity",
                    ));
                }
                CertificateRules(kinds.clone())
            }
        };
        let recording_sets = bounded("recording_sets", self.recording_sets)?;
        let operators = match self.operators {
            None => recording_sets,
            Some(n) => bounded("operators", n)?,
        };
        Ok(OfficeSpec {
            name: name.to_string(),
            timezone,
            address: self.address.trim().to_string(),
            recording_sets,
            operators,
            minutes_per_recording: bounded("minutes_per_recording", self.minutes_per_recording)?,
            waiting_room_seats: bounded("waiting_room_seats", self.waiting_room_seats)?,
            slot_minutes: bounded("slot_minutes", self.slot_minutes)?,
            max_visitors_per_day: self
                .max_visitors_per_day
                .map(|v| bounded("max_visitors_per_day", v))
                .transpose()?,
            booking_horizon_days: bounded("booking_horizon_days", self.booking_horizon_days)?,
            hours,
            certificates,
        })
    }
}

impl OfficeSpec {
    /// Back to the wire shape (for storage and GET answers).
    pub fn to_input(&self) -> OfficeInput {
        OfficeInput {
            name: self.name.clone(),
            timezone: self.timezone.name().to_string(),
            address: self.address.clone(),
            recording_sets: self.recording_sets.into(),
            operators: Some(self.operators.into()),
            minutes_per_recording: self.minutes_per_recording.into(),
            waiting_room_seats: self.waiting_room_seats.into(),
            slot_minutes: self.slot_minutes.into(),
            max_visitors_per_day: self.max_visitors_per_day.map(Into::into),
            booking_horizon_days: self.booking_horizon_days.into(),
            hours: self
                .hours
                .iter()
                .map(|(d, h)| {
                    (
                        d.key().to_string(),
                        vec![
                            h.open.format("%H:%M").to_string(),
                            h.close.format("%H:%M").to_string(),
                        ],
                    )
                })
                .collect(),
            certificate_kinds: Some(self.certificates.0.clone()),
        }
    }

    /// The zone's Indonesian abbreviation (WIB/WITA/WIT) or the zone name.
    pub fn zone_abbreviation(&self) -> &'static str {
        zone_abbreviation(self.timezone)
    }
}

/// WIB/WITA/WIT for Indonesia's zones (no daylight saving); otherwise the IANA name.
pub fn zone_abbreviation(tz: Tz) -> &'static str {
    match tz.name() {
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        other => other,
    }
}

/// RFC 3339 in a zone: `2026-12-01T08:00:00+07:00`.
pub fn local_rfc3339(t: chrono::DateTime<chrono::Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The demo office: 2 recording sets, 10 minutes per recording, 10 waiting-room seats,
/// Monday–Thursday 08:00–15:00, Friday 08:00–11:00 WIB.
pub fn demo_office() -> OfficeInput {
    serde_json::from_value(serde_json::json!({
        "name": "UPT Disdukcapil Ciruas (demo)",
        "timezone": "Asia/Jakarta",
        "address": "Jl. Raya Serang km 8, Ciruas, Kabupaten Serang, Banten",
        "recording_sets": 2,
        "minutes_per_recording": 10,
        "waiting_room_seats": 10,
        "slot_minutes": 30,
        "max_visitors_per_day": null,
        "booking_horizon_days": 14,
        "hours": {"mon": ["08:00", "15:00"], "tue": ["08:00", "15:00"], "wed": ["08:00", "15:00"],
                  "thu": ["08:00", "15:00"], "fri": ["08:00", "11:00"]}
    }))
    .expect("demo office is valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn ciruas() -> OfficeInput {
        serde_json::from_str(
            r#"{"name": "UPT Disdukcapil Ciruas", "timezone": "Asia/Jakarta",
                "address": "Jl. Raya Serang km 8", "recording_sets": 2,
                "minutes_per_recording": 10, "waiting_room_seats": 10, "slot_minutes": 30,
                "max_visitors_per_day": null, "booking_horizon_days": 14,
                "hours": {"mon": ["08:00", "15:00"], "fri": ["08:00", "11:00"]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_contract_example_parses_and_round_trips() {
        let spec = ciruas().parse().unwrap();
        assert_eq!(spec.zone_abbreviation(), "WIB");
        assert_eq!(spec.hours.len(), 2);
        assert_eq!(spec.to_input().parse().unwrap(), spec);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut o = ciruas();
        o.timezone = "Mars/Olympus".into();
        assert_eq!(o.parse().unwrap_err().field, "timezone");
        let mut o = ciruas();
        o.hours
            .insert("mon".into(), vec!["15:00".into(), "08:00".into()]);
        assert_eq!(o.parse().unwrap_err().field, "hours.mon");
        let mut o = ciruas();
        o.slot_minutes = 0;
        assert_eq!(o.parse().unwrap_err().field, "slot_minutes");
        assert!(OfficeSlug::parse("Ciruas").is_none());
        assert!(OfficeSlug::parse("ciruas-2").is_some());
    }
}

/// Waking hours of an office's applicants, in office time: an offered seat's hold counts
/// only these, so an offer made in the evening does not lapse while people sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WakingHours {
    /// From, e.g. 06:00.
    pub from: chrono::NaiveTime,
    /// To, e.g. 21:00.
    pub to: chrono::NaiveTime,
}

impl Default for WakingHours {
    fn default() -> Self {
        Self {
            from: chrono::NaiveTime::from_hms_opt(6, 0, 0).expect("06:00"),
            to: chrono::NaiveTime::from_hms_opt(21, 0, 0).expect("21:00"),
        }
    }
}

impl WakingHours {
    /// Reads `HH:MM-HH:MM` (the first before the second).
    pub fn parse(s: &str) -> Option<Self> {
        let (from, to) = s.split_once('-')?;
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        let (from, to) = (time(from)?, time(to)?);
        (from < to).then_some(Self { from, to })
    }

    /// The instant at which `hold` of waking time has passed since `start`, in `tz`.
    pub fn after(
        self,
        start: chrono::DateTime<chrono::Utc>,
        hold: chrono::Duration,
        tz: chrono_tz::Tz,
    ) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        let mut left = hold;
        let mut at = start.with_timezone(&tz).naive_local();
        // At most a year of days, whatever the settings.
        for _ in 0..400 {
            let day = at.date();
            let (open, close) = (day.and_time(self.from), day.and_time(self.to));
            if at < open {
                at = open;
            }
            if at < close {
                let today = close - at;
                if left <= today {
                    at += left;
                    return tz
                        .from_local_datetime(&at)
                        .earliest()
                        .map_or(start + hold, |t| t.with_timezone(&chrono::Utc));
                }
                left -= today;
            }
            at = (day + chrono::Duration::days(1)).and_time(self.from);
        }
        start + hold
    }
}

#[cfg(test)]
mod waking_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_evening_offer_is_held_through_the_night() {
        let tz = chrono_tz::Asia::Jakarta;
        let at = |d: u32, h: u32, m: u32| {
            tz.with_ymd_and_hms(2026, 12, d, h, m, 0)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let hours = WakingHours::default();
        // 19:48 + 12 waking hours: 1 h 12 min tonight, 10 h 48 min tomorrow → 16:48.
        assert_eq!(
            hours.after(at(1, 19, 48), chrono::Duration::hours(12), tz),
            at(2, 16, 48)
        );
        // Made at night: counted from 06:00.
        assert_eq!(
            hours.after(at(1, 23, 0), chrono::Duration::hours(2), tz),
            at(2, 8, 0)
        );
        // Within the day.
        assert_eq!(
            hours.after(at(1, 9, 0), chrono::Duration::hours(3), tz),
            at(1, 12, 0)
        );
        // Exactly to the evening's end.
        assert_eq!(
            hours.after(at(1, 20, 0), chrono::Duration::hours(1), tz),
            at(1, 21, 0)
        );
    }
}
