//! Nomor Induk Kependudukan: the 16-digit national identity number.
//!
//! Layout `PP KK CC DDMMYY SSSS`: province, regency/city, kecamatan, birth date with 40
//! added to the day for women, and a serial from 0001 (DOMAIN.md, "NIK").

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The shape [`Nik::parse`] takes before it checks the region, date and serial, as the
/// regular expression the API documents (a test checks the two agree): 16 digits, with
/// spaces, dots or dashes anywhere, and blanks around it.
pub const SHAPE_PATTERN: &str = r"^\s*[ .-]*([0-9][ .-]*){16}\s*$";

/// A NIK whose shape and embedded birth date have been checked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

/// Why a string is not a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    /// Not exactly sixteen ASCII digits.
    #[error("a NIK has exactly 16 digits")]
    Shape,
    /// The province code does not exist, or the regency or kecamatan code is 00.
    #[error("the region code in the NIK is not valid")]
    Region,
    /// The day is neither 01–31 nor 41–71.
    #[error("the birth day in the NIK is not valid")]
    Day,
    /// The month is not 01–12.
    #[error("the birth month in the NIK is not valid")]
    Month,
    /// Day and month do not form a real date (e.g. 31 February).
    #[error("the birth date in the NIK is not a real date")]
    NotADate,
    /// The serial number is 0000.
    #[error("the serial number in the NIK is not valid")]
    Serial,
}

impl Nik {
    /// Parses a NIK, accepting spaces and dots as separators people type.
    pub fn parse(input: &str) -> Result<Self, NikError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::Shape);
        }
        let num = |range: std::ops::Range<usize>| -> u32 {
            digits[range].parse().expect("checked to be digits")
        };
        if !is_province(num(0..2)) || num(2..4) == 0 || num(4..6) == 0 {
            return Err(NikError::Region);
        }
        let day = num(6..8);
        let month = num(8..10);
        if !(1..=31).contains(&day) && !(41..=71).contains(&day) {
            return Err(NikError::Day);
        }
        if !(1..=12).contains(&month) {
            return Err(NikError::Month);
        }
        let real_day = if day > 40 { day - 40 } else { day };
        // A leap year (2000) so that 29 February is accepted here; the full date is
        // checked against the birth date the applicant enters.
        if NaiveDate::from_ymd_opt(2000, month, real_day).is_none() {
            return Err(NikError::NotADate);
        }
        if num(12..16) == 0 {
            return Err(NikError::Serial);
        }
        Ok(Self(digits))
    }

    /// The sixteen digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A NIK read back from the store: it was parsed when the booking was made, and is
    /// empty once the booking's personal data are anonymised (retention).
    pub fn stored(digits: String) -> Self {
        Self(digits)
    }

    /// Two digits of the NIK as a number (none in an anonymised one).
    fn field(&self, at: std::ops::Range<usize>) -> Option<u32> {
        self.0.get(at)?.parse().ok()
    }

    /// The kecamatan where the NIK was first issued, as Kemendagri writes it: `36.04.09`.
    pub fn kecamatan(&self) -> String {
        let d = &self.0;
        format!("{}.{}.{}", &d[0..2], &d[2..4], &d[4..6])
    }

    /// True when the NIK encodes a woman (day + 40).
    pub fn is_female(&self) -> bool {
        self.field(6..8).is_some_and(|day| day > 40)
    }

    /// Does the birth date embedded in the NIK agree with `birth_date`?
    pub fn agrees_with(&self, birth_date: NaiveDate) -> bool {
        let (Some(day), Some(month), Some(yy)) =
            (self.field(6..8), self.field(8..10), self.field(10..12))
        else {
            return false;
        };
        let day = if day > 40 { day - 40 } else { day };
        birth_date.day() == day
            && birth_date.month() == month
            && birth_date.year().rem_euclid(100) == yy as i32
    }

    /// The NIK as shown in lists: all but the last four digits hidden.
    pub fn masked(&self) -> String {
        mask_nik(&self.0)
    }
}

/// Masks a stored NIK for lists: `************1234`.
pub fn mask_nik(nik: &str) -> String {
    let tail = nik.get(nik.len().saturating_sub(4)..).unwrap_or("");
    format!("{}{}", "*".repeat(nik.len().saturating_sub(4)), tail)
}

// Never print a whole NIK by accident (logs, panics).
impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// Province codes that exist (DOMAIN.md): Sumatra 11–19, Jakarta and Java and Banten
/// 31–36, Riau Islands 21, Bali and Nusa Tenggara 51–53, Kalimantan 61–65, Sulawesi 71–76,
/// Maluku 81–82, Papua 91–96 (the Papua provinces created in 2022 use the 9x range).
fn is_province(code: u32) -> bool {
    matches!(code, 11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81..=82 | 91..=96)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The documented shape is what the parser takes before its other checks.
        #[test]
        fn the_shape_pattern_is_the_parsers_shape(
            s in "[ 0-9.a-]{0,24}",
            digits in "[0-9]{14,17}",
        ) {
            let re = regex::Regex::new(SHAPE_PATTERN).unwrap();
            for input in [s.clone(), digits.clone(), format!(" {digits} ")] {
                let shaped = !matches!(Nik::parse(input.trim()), Err(NikError::Shape));
                prop_assert_eq!(re.is_match(&input), shaped, "{:?}", input);
            }
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_man_born_on_the_seventh_of_may_2009_agrees() {
        let nik = Nik::parse("3604050705090001").unwrap();
        assert!(!nik.is_female());
        assert!(nik.agrees_with(d(2009, 5, 7)));
        assert!(!nik.agrees_with(d(2009, 5, 8)));
        assert!(!nik.agrees_with(d(1909, 5, 8)));
    }

    #[test]
    fn a_woman_has_forty_added_to_the_day() {
        let nik = Nik::parse("3604054705090002").unwrap();
        assert!(nik.is_female());
        assert!(nik.agrees_with(d(2009, 5, 7)));
    }

    #[test]
    fn separators_people_type_are_accepted() {
        assert_eq!(
            Nik::parse("3604.05 070509-0001").unwrap().as_str(),
            "3604050705090001"
        );
    }

    #[test]
    fn each_rule_has_its_error() {
        assert_eq!(Nik::parse("360405070509001"), Err(NikError::Shape));
        assert_eq!(Nik::parse("36040507050900011"), Err(NikError::Shape));
        assert_eq!(Nik::parse("36040507050900a1"), Err(NikError::Shape));
        assert_eq!(Nik::parse("0004050705090001"), Err(NikError::Region));
        // Codes no province has (issue 8: only 00 was refused).
        for province in [
            "10", "20", "22", "30", "37", "50", "54", "60", "66", "77", "83", "90", "97", "99",
        ] {
            let nik = format!("{province}04050705090001");
            assert_eq!(Nik::parse(&nik), Err(NikError::Region), "{nik}");
        }
        for province in [
            "11", "19", "21", "31", "36", "51", "53", "61", "65", "71", "76", "81", "82", "91",
            "96",
        ] {
            let nik = format!("{province}04050705090001");
            assert!(Nik::parse(&nik).is_ok(), "{nik}");
        }
        assert_eq!(Nik::parse("3604053505090001"), Err(NikError::Day));
        assert_eq!(Nik::parse("3604057205090001"), Err(NikError::Day));
        assert_eq!(Nik::parse("3604050000090001"), Err(NikError::Day));
        assert_eq!(Nik::parse("3604050713090001"), Err(NikError::Month));
        assert_eq!(Nik::parse("3604053102090001"), Err(NikError::NotADate));
        assert_eq!(Nik::parse("3604057102090001"), Err(NikError::NotADate));
        assert_eq!(Nik::parse("3604050705090000"), Err(NikError::Serial));
    }

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        let nik = Nik::parse("3604050705090123").unwrap();
        assert_eq!(nik.masked(), "************0123");
        assert!(!format!("{nik:?}").contains("36040507"));
    }

    proptest! {
        #[test]
        fn a_nik_built_from_a_birth_date_parses_and_agrees(
            days in 0i64..40_000, female in any::<bool>(), serial in 1u32..10_000,
            kec in 1u32..100
        ) {
            let birth = d(1920, 1, 1) + chrono::Duration::days(days);
            let day = birth.day() + if female { 40 } else { 0 };
            let s = format!("3604{kec:02}{day:02}{:02}{:02}{serial:04}",
                birth.month(), birth.year() % 100);
            let nik = Nik::parse(&s).unwrap();
            prop_assert!(nik.agrees_with(birth));
            prop_assert_eq!(nik.is_female(), female);
            prop_assert!(!nik.agrees_with(birth + chrono::Duration::days(1)));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = Nik::parse(&s);
        }
    }
}
