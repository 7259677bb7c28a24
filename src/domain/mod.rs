//! Domain values, parsed once at the edge (STYLE.md habit 2).

pub mod actor;
pub mod booking;
pub mod certificate;
pub mod client;
pub mod code;
pub mod desk;
pub mod email;
pub mod holidays;
pub mod level;
pub mod nik;
pub mod notice;
pub mod office;
pub mod pdf;
pub mod phone;
pub mod sms;
pub mod text;

pub use actor::{Actor, Password, Username};
pub use booking::{
    Booking, BookingKind, BookingStatus, CertificateInfo, CertificateStatus, NotificationKind,
};
pub use certificate::{CertificateRules, Validity};
pub use code::BookingCode;
pub use level::{Level, LevelRule, LevelRuleInput};
pub use nik::Nik;
pub use notice::Reason;
pub use office::{OfficeSlug, OfficeSpec, Weekday};
pub use phone::PhoneNumber;

/// An applicant's name: trimmed, 1–100 characters, no control or invisible characters
/// ([`text::is_invisible`]: a right-to-left override or a name of zero-width spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantName(String);

/// The characters `str::trim` and `split_whitespace` take for blanks (Unicode White_Space),
/// as a regular-expression class body.
pub const BLANKS: &str =
    r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// What [`ApplicantName::parse`] accepts (of a form field, trimmed), as the regular
/// expression the API documents (a test checks the two agree): blanks around it, no
/// control characters inside, and something besides blanks. (Runs of blanks count as one
/// space towards the 100 characters, which a pattern cannot count.)
pub fn name_pattern() -> String {
    let control = text::NOT_IN_NAMES;
    format!("^[{BLANKS}]*[^{control}]*[^{control}{BLANKS}][^{control}]*[{BLANKS}]*$")
}

impl ApplicantName {
    /// Parses a name as typed.
    pub fn parse(input: &str) -> Option<Self> {
        if input
            .chars()
            .any(|c| c.is_control() || text::is_invisible(c))
        {
            return None;
        }
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = name.chars().count();
        ((1..=100).contains(&len) && !name.chars().any(char::is_control)).then_some(Self(name))
    }

    /// The name's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Old enough for recording on `on`: `min_age` years by that date, or married (or ever
/// married), whatever the age (UU 24/2013 art. 63). Judged for the day of every seat a
/// person is given: booked, moved to, or offered.
pub fn old_enough(
    birth_date: chrono::NaiveDate,
    married: bool,
    on: chrono::NaiveDate,
    min_age: u32,
) -> bool {
    married
        || birth_date
            .checked_add_months(chrono::Months::new(12 * min_age))
            .is_some_and(|d| d <= on)
}

/// Staff roles, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Front-desk officer of one office.
    Desk,
    /// Supervisor: levels, closures, certificate review.
    Supervisor,
    /// Administrator: offices and staff.
    Admin,
}

impl Role {
    /// Parses `desk`, `supervisor`, `admin`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "desk" => Self::Desk,
            "supervisor" => Self::Supervisor,
            "admin" => Self::Admin,
            _ => return None,
        })
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desk => "desk",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ApplicantName::parse("  Siti   Aminah ").unwrap().as_str(),
            "Siti Aminah"
        );
        assert!(ApplicantName::parse("   ").is_none());
        assert!(ApplicantName::parse(&"a".repeat(101)).is_none());
        assert!(ApplicantName::parse(&"é".repeat(100)).is_some());
        assert!(
            ApplicantName::parse("Siti\tAminah").is_none(),
            "no control characters"
        );
        assert!(
            ApplicantName::parse("Siti\u{202e}animA").is_none(),
            "no override"
        );
        assert!(
            ApplicantName::parse("\u{200b}\u{200b}").is_none(),
            "no name of zero-width spaces"
        );
    }

    proptest::proptest! {
        /// The documented pattern takes exactly the names (of up to 100 characters) the
        /// parser takes from a form field, which arrives trimmed.
        #[test]
        fn the_name_pattern_is_the_parser(s in "[ a\t\n\u{1}\u{85}\u{a0}\u{2000}\u{3000}\u{2029}\u{200b}\u{202e}\u{feff}é]{0,12}") {
            let re = regex::Regex::new(&name_pattern()).unwrap();
            proptest::prop_assert_eq!(
                re.is_match(&s),
                ApplicantName::parse(s.trim()).is_some(),
                "{:?}", s
            );
        }
    }
}
