//! Booking codes and their secret tokens.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be confused when read aloud or typed from paper:
/// no 0/O, 1/I/L.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LEN: usize = 8;

/// The short code an applicant shows at the door, e.g. `K7QM2XPA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookingCode(String);

impl BookingCode {
    /// A fresh random code (about 40 bits; access needs the token or NIK + birth date).
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let code = (0..LEN)
            .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
            .collect();
        Self(code)
    }

    /// Parses a code as typed: case-insensitive, spaces and dashes ignored.
    pub fn parse(input: &str) -> Option<Self> {
        let code: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(Self(code))
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fresh secret: 192 random bits, URL-safe base64 (32 characters).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a secret: its SHA-256, hex. Secrets are high-entropy, so a fast
/// hash is enough (a stolen database does not reveal working links or API tokens).
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `/b/CODE?t=TOKEN`: the manage page of a booking.
pub fn manage_path(code: &str, token: &str) -> String {
    format!("/b/{code}?t={token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_and_avoid_confusable_characters() {
        for _ in 0..1000 {
            let code = BookingCode::generate();
            assert_eq!(BookingCode::parse(code.as_str()), Some(code.clone()));
            assert!(!code.as_str().contains(['0', 'O', '1', 'I', 'L']));
        }
    }

    #[test]
    fn codes_are_read_case_insensitively() {
        assert_eq!(
            BookingCode::parse("k7qm-2xpa").unwrap().as_str(),
            "K7QM2XPA"
        );
        assert!(BookingCode::parse("K7QM2XP0").is_none());
        assert!(BookingCode::parse("K7QM2XP").is_none());
    }

    #[test]
    fn secrets_are_long_and_distinct() {
        let a = new_secret();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_secret());
        assert_eq!(hash_secret(&a).len(), 64);
    }
}
