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

/// A six-digit phone verification code, uniform over 000000–999999.
pub fn verification_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// What is stored of a verification code: a random salt and the SHA-256 of salt and code,
/// `salt$digest`. A six-digit code cannot resist someone holding the database for long,
/// but it lives for minutes, and the stored form does not show it to anyone reading rows,
/// backups or logs meanwhile.
pub fn hash_verification_code(code: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    format!("{salt}${}", salted_digest(&salt, code))
}

fn salted_digest(salt: &str, code: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(b"$")
        .chain_update(code.trim().as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Does `typed` match the stored code? The digests are compared in constant time.
pub fn verification_code_matches(stored: &str, typed: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Some((salt, digest)) = stored.split_once('$') else {
        return false;
    };
    salted_digest(salt, typed)
        .as_bytes()
        .ct_eq(digest.as_bytes())
        .into()
}

/// `/b/CODE?t=TOKEN`: the manage page of a booking.
pub fn manage_path(code: &str, token: &str) -> String {
    format!("/b/{code}?t={token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_codes_are_six_digits_and_only_their_own_hash_matches() {
        for _ in 0..200 {
            let code = verification_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            let stored = hash_verification_code(&code);
            assert!(!stored.contains(&code[..]) || stored.len() > 60);
            assert!(verification_code_matches(&stored, &code));
            let other = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
            assert!(!verification_code_matches(&stored, &other));
        }
        // Two hashes of one code differ (salted), and a malformed row matches nothing.
        assert_ne!(
            hash_verification_code("123456"),
            hash_verification_code("123456")
        );
        assert!(!verification_code_matches("nodollar", "123456"));
    }

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
