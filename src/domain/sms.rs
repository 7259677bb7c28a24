//! SMS text: the GSM 03.38 7-bit alphabet, and how many segments a text takes.
//!
//! A text entirely in GSM-7 takes 160 septets in one segment and 153 per segment when
//! split; the characters of the extension table (`^{}\[~]|€`) count twice. One character
//! outside the alphabet switches the whole text to UCS-2: 70 characters in one segment,
//! 67 per segment when split (DOMAIN.md, "Language").

/// The basic GSM-7 alphabet.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each takes two septets.
const EXTENDED: &str = "^{}\\[~]|€";

/// Is every character of `text` in GSM-7?
pub fn is_gsm7(text: &str) -> bool {
    text.chars()
        .all(|c| BASIC.contains(c) || EXTENDED.contains(c))
}

/// The text with the look-alikes people and keyboards type (dashes, curly quotes, the
/// ellipsis, non-breaking spaces, ×, °) replaced by their GSM-7 equivalents, so that one
/// of them does not make the message UCS-2.
pub fn to_gsm7(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '–' | '—' | '‒' | '−' | '‐' => out.push('-'),
            '‘' | '’' | '‚' | '′' | '`' => out.push('\''),
            '“' | '”' | '„' | '″' => out.push('"'),
            '…' => out.push_str("..."),
            '\u{a0}' | '\u{2009}' | '\u{202f}' | '\t' => out.push(' '),
            '×' => out.push('x'),
            '°' => out.push_str(" derajat"),
            _ => out.push(c),
        }
    }
    out
}

/// How many segments an SMS of `text` takes.
pub fn segments(text: &str) -> usize {
    if is_gsm7(text) {
        let septets: usize = text
            .chars()
            .map(|c| if EXTENDED.contains(c) { 2 } else { 1 })
            .sum();
        if septets <= 160 {
            1
        } else {
            septets.div_ceil(153)
        }
    } else {
        let units: usize = text.chars().map(char::len_utf16).sum();
        if units <= 70 { 1 } else { units.div_ceil(67) }
    }
}

/// `text` cut to at most `max` characters, ending with "..." when it was longer.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_gsm_and_ucs2_sizes() {
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        // The extension table counts twice.
        assert_eq!(segments(&"€".repeat(80)), 1);
        assert_eq!(segments(&"€".repeat(81)), 2);
        // One en dash: UCS-2.
        let dash = format!("{}–", "a".repeat(70));
        assert_eq!(segments(&dash), 2);
        assert_eq!(segments(&to_gsm7(&dash)), 1);
    }

    #[test]
    fn look_alikes_become_gsm7_and_long_reasons_are_cut() {
        let typed = "Gedung “A” ditutup – disinfeksi… 08.00–12.00";
        assert!(!is_gsm7(typed));
        let sms = to_gsm7(typed);
        assert!(is_gsm7(&sms), "{sms}");
        assert_eq!(sms, "Gedung \"A\" ditutup - disinfeksi... 08.00-12.00");
        assert_eq!(shorten("abcdefghij", 8), "abcde...");
        assert_eq!(shorten("abc", 8), "abc");
    }
}
