//! The front desk's rules: temperature screening at the door and how a visit ends.

use super::BookingStatus;

/// A body temperature in tenths of a degree Celsius (36.6 °C is 366), as read at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Temperature(i64);

impl Temperature {
    /// A reading a thermometer can give a living person: 30.0–45.0 °C, to a tenth.
    pub fn from_celsius(c: f64) -> Option<Self> {
        (c.is_finite() && Self::READABLE.contains(&c)).then(|| Self((c * 10.0).round() as i64))
    }

    /// What a thermometer at the door reads, °C; anything else is a typing error.
    pub const READABLE: std::ops::RangeInclusive<f64> = 30.0..=45.0;

    /// From the stored tenths.
    pub fn from_tenths(t: i64) -> Self {
        Self(t)
    }

    /// The stored tenths.
    pub fn tenths(self) -> i64 {
        self.0
    }

    /// Degrees Celsius.
    pub fn celsius(self) -> f64 {
        self.0 as f64 / 10.0
    }
}

impl std::fmt::Display for Temperature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// What the door decides from the readings (KMK 382/2020; DOMAIN.md): above the limit, the
/// person rests about five minutes and is measured again; only a second reading above
/// the limit bars entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    /// In: check in.
    Pass,
    /// The first reading is above the limit and there is no second one yet.
    RetestRequired,
    /// The second reading is above the limit too: turned away.
    TurnAway,
}

/// How long a person with a first reading above the limit rests before the second one.
pub const REST: chrono::Duration = chrono::Duration::minutes(5);

/// Judges the readings against the limit: the latest reading decides.
pub fn screen(first: Temperature, retest: Option<Temperature>, limit: Temperature) -> Screening {
    match retest {
        None if first <= limit => Screening::Pass,
        None => Screening::RetestRequired,
        Some(second) if second <= limit => Screening::Pass,
        Some(_) => Screening::TurnAway,
    }
}

/// How a visit ends, as the desk records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Photo, fingerprints, iris and signature taken.
    Recorded,
    /// Did not come.
    NoShow,
    /// Sent away (a reason is required).
    TurnedAway,
}

impl Outcome {
    /// Reads the API's spelling (the statuses' own).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.status().as_str() == s)
    }

    /// Every outcome.
    pub const ALL: [Self; 3] = [Self::Recorded, Self::NoShow, Self::TurnedAway];

    /// The status it leaves the booking in.
    pub fn status(self) -> BookingStatus {
        match self {
            Self::Recorded => BookingStatus::Recorded,
            Self::NoShow => BookingStatus::NoShow,
            Self::TurnedAway => BookingStatus::TurnedAway,
        }
    }

    /// The statuses it may follow: recorded after check-in; no-show before it; turned
    /// away at the door or from the queue.
    pub fn follows(self, from: BookingStatus) -> bool {
        match self {
            Self::Recorded => from == BookingStatus::CheckedIn,
            Self::NoShow => from == BookingStatus::Confirmed,
            Self::TurnedAway => {
                matches!(from, BookingStatus::Confirmed | BookingStatus::CheckedIn)
            }
        }
    }

    /// Whether a reason must be given.
    pub fn needs_reason(self) -> bool {
        self == Self::TurnedAway
    }
}

/// A queue number as the person is told it and the screen shows it: three digits at
/// least (`017`), so that numbers shown side by side never run together.
pub fn queue_label(number: i64) -> String {
    format!("{number:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(c: f64) -> Temperature {
        Temperature::from_celsius(c).unwrap()
    }

    #[test]
    fn a_second_reading_above_the_limit_turns_away() {
        let limit = t(37.3);
        assert_eq!(screen(t(36.6), None, limit), Screening::Pass);
        assert_eq!(
            screen(t(37.3), None, limit),
            Screening::Pass,
            "at the limit is in"
        );
        assert_eq!(screen(t(38.0), None, limit), Screening::RetestRequired);
        assert_eq!(screen(t(38.0), Some(t(37.1)), limit), Screening::Pass);
        assert_eq!(screen(t(38.0), Some(t(37.9)), limit), Screening::TurnAway);
        // A second reading above the limit decides, whatever the first was.
        assert_eq!(screen(t(36.5), Some(t(39.0)), limit), Screening::TurnAway);
        assert_eq!(t(36.6).to_string(), "36.6");
        assert_eq!(Temperature::from_celsius(29.9), None);
        assert_eq!(Temperature::from_celsius(f64::NAN), None);
        assert_eq!(Temperature::from_celsius(45.1), None);
    }

    #[test]
    fn outcomes_follow_only_what_they_may() {
        use BookingStatus::*;
        assert!(Outcome::Recorded.follows(CheckedIn));
        assert!(!Outcome::Recorded.follows(Confirmed));
        assert!(Outcome::NoShow.follows(Confirmed));
        assert!(!Outcome::NoShow.follows(CheckedIn));
        assert!(Outcome::TurnedAway.follows(CheckedIn));
        assert!(!Outcome::TurnedAway.follows(Cancelled));
        assert_eq!(Outcome::parse(NoShow.as_str()), Some(Outcome::NoShow));
        assert_eq!(Outcome::parse(Cancelled.as_str()), None);
    }
}
