//! Domain values, parsed once at the edge (STYLE.md habit 2).

pub mod certificate;
pub mod code;
pub mod holidays;
pub mod level;
pub mod nik;
pub mod office;
pub mod phone;

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

/// Booking states of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    /// Holds a seat in its slot.
    Confirmed,
    /// Lost its seat to a capacity change; must pick a new slot.
    NeedsRebooking,
    /// On the waiting list: no seat yet, offered one when capacity frees up.
    Waitlisted,
    /// Cancelled by its owner.
    Cancelled,
    /// At the office, in the queue.
    CheckedIn,
    /// Biometrics recorded.
    Recorded,
    /// Did not come.
    NoShow,
    /// Sent away at the door (e.g. temperature).
    TurnedAway,
}

impl BookingStatus {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::NeedsRebooking => "needs_rebooking",
            Self::Waitlisted => "waitlisted",
            Self::Cancelled => "cancelled",
            Self::CheckedIn => "checked_in",
            Self::Recorded => "recorded",
            Self::NoShow => "no_show",
            Self::TurnedAway => "turned_away",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "confirmed" => Self::Confirmed,
            "needs_rebooking" => Self::NeedsRebooking,
            "waitlisted" => Self::Waitlisted,
            "cancelled" => Self::Cancelled,
            "checked_in" => Self::CheckedIn,
            "recorded" => Self::Recorded,
            "no_show" => Self::NoShow,
            "turned_away" => Self::TurnedAway,
            _ => return None,
        })
    }

    /// Can the applicant still cancel or move it?
    pub fn is_changeable(self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::NeedsRebooking | Self::Waitlisted
        )
    }

    /// Waiting for a seat (displaced, or on the waiting list): offers go to these.
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::NeedsRebooking | Self::Waitlisted)
    }
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
