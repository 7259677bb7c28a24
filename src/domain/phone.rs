//! Indonesian mobile numbers.

/// A mobile number normalised to `+628…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// What [`PhoneNumber::parse`] accepts, as the regular expression the API documents
/// (a test checks the two agree): a prefix `+62`, `62` or `0`, then `8` and 7–11 digits,
/// with spaces, dots, dashes and brackets anywhere, and blanks around it.
pub const PATTERN: &str =
    r"^\s*[ .()-]*(\+[ .()-]*6[ .()-]*2|6[ .()-]*2|0)[ .()-]*8([ .()-]*[0-9]){7,11}[ .()-]*\s*$";

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

    /// The number as a page shows it to whoever holds the booking's link: `+6281••••••890`
    /// (the prefix and the last three digits).
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        self.0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 5 || i + 3 >= n { c } else { '•' })
            .collect()
    }

    /// A number read back from the store: it was parsed when the booking was made, and
    /// is empty once the booking's personal data are anonymised (retention).
    pub fn stored(number: String) -> Self {
        Self(number)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_number_is_shown_masked_but_its_ends() {
        let p = PhoneNumber::parse("0812 3456 7890").unwrap();
        assert_eq!(p.masked(), "+6281••••••890");
        assert_eq!(PhoneNumber::stored(String::new()).masked(), "");
    }

    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The documented pattern accepts exactly what the parser accepts.
        #[test]
        fn the_pattern_is_the_parser(s in "[ +.()0-9-]{0,20}", prefix in "(|0|62|\\+62)8") {
            let re = regex::Regex::new(PATTERN).unwrap();
            for input in [s.clone(), format!("{prefix}{s}")] {
                let trimmed = input.trim();
                prop_assert_eq!(re.is_match(&input), PhoneNumber::parse(trimmed).is_some(), "{:?}", input);
            }
        }
    }

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
