//! What a text field of ours may hold. Every field refuses control characters (NUL above
//! all, which PostgreSQL refuses in text and which ended requests with a 500) other than
//! tab and line breaks, and the bidirectional controls that make text display other than
//! it reads (U+202E turns "gpj.exe" around); a name also refuses invisible characters, so
//! that a name of zero-width spaces is no name (OWASP ASVS 5.1.4: input is checked
//! against an allow-list of what the field may hold).

/// Bidirectional embedding, override and isolate controls, and the marks (U+200E/F,
/// U+061C): invisible, and they reorder what follows them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Does no text field take `c`? Control characters other than `\t`, `\n` and `\r`, and
/// bidirectional controls.
pub fn is_refused(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_bidi_control(c)
}

/// May a text field (a reason, a note, a username) hold `s`? See [`is_refused`].
pub fn text_ok(s: &str) -> bool {
    !s.chars().any(is_refused)
}

/// Characters that take no room on the screen (Unicode format characters that are not
/// needed in a name written in Indonesia): the soft hyphen, zero-width spaces and joiners,
/// word joiners and invisible operators, deprecated format controls, the byte-order mark,
/// interlinear annotation controls, the Mongolian vowel separator, and every
/// bidirectional control; and the noncharacters of the basic plane (U+FDD0–U+FDEF,
/// U+FFFE, U+FFFF), which stand for nothing.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{fdd0}'..='\u{fdef}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{fffe}'
            | '\u{ffff}'
    ) || is_bidi_control(c)
}

/// [`is_invisible`] and control characters as the body of a regular-expression class.
pub const NOT_IN_NAMES: &str = r"\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_refused_tabs_and_newlines_are_not() {
        assert!(!text_ok("adm\0in"));
        assert!(!text_ok("gpj\u{202e}.exe"));
        assert!(!text_ok("a\u{7f}"));
        assert!(!text_ok("a\u{85}"));
        assert!(text_ok("suhu 38,0\r\nistirahat\tlalu ulang"));
        assert!(text_ok("Siti Aminah é 名"));
    }

    #[test]
    fn the_class_says_what_is_invisible() {
        let re = regex::Regex::new(&format!("[{NOT_IN_NAMES}]")).unwrap();
        for c in (0..0x3_0000u32).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(
                re.is_match(&s),
                c.is_control() || is_invisible(c),
                "U+{:04X}",
                c as u32
            );
        }
    }
}
