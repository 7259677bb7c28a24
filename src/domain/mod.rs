//! Domain values, parsed once at the edge (STYLE.md habit 2).

pub mod booking;
pub mod certificate;
pub mod code;
pub mod desk;
pub mod holidays;
pub mod level;
pub mod nik;
pub mod office;
pub mod phone;

pub use booking::{Booking, BookingStatus, CertificateInfo, CertificateStatus, NotificationKind};
pub use certificate::{CertificateRules, Validity};
pub use code::BookingCode;
pub use level::{Level, LevelRule};
pub use nik::Nik;
pub use office::{OfficeSlug, OfficeSpec, Weekday};
pub use phone::PhoneNumber;

/// An applicant's name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantName(String);

impl ApplicantName {
    /// Parses a name as typed.
    pub fn parse(input: &str) -> Option<Self> {
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
    }
}
