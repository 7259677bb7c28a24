//! Indonesian mobile numbers.

/// A mobile number normalised to `+628…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `08…`, `628…` and `+628…` with spaces, dots or dashes; the subscriber
    /// part after `8` has 7 to 11 digits (Indonesian mobile numbers are 10–13 digits
    /// long in the `08…` form).
    pub fn parse(input: &str) -> Option<Self> {
        let cleaned: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let rest = cleaned
            .strip_prefix("+62")
            .or_else(|| cleaned.strip_prefix("62"))
            .or_else(|| cleaned.strip_prefix('0'))?;
        let subscriber = rest.strip_prefix('8')?;
        if !(7..=11).contains(&subscriber.len()) || !subscriber.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        Some(Self(format!("+628{subscriber}")))
    }

    /// The normalised number, `+628…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_forms_normalise_alike() {
        for s in ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"] {
            assert_eq!(PhoneNumber::parse(s).unwrap().as_str(), "+6281234567890");
        }
    }

    #[test]
    fn landlines_and_garbage_are_refused() {
        for s in [
            "0254 123456",
            "021-5551234",
            "08123",
            "0812345678901234",
            "hello",
            "",
        ] {
            assert!(PhoneNumber::parse(s).is_none(), "{s}");
        }
    }
}
