//! An applicant's e-mail address (optional on the form), parsed by lettre, the crate that
//! sends our e-mail, within an allow-list of what a gateway can deliver.

/// The characters of an address's local part (RFC 5322 `atext`, ASCII only: an SMS or
/// mail gateway without SMTPUTF8 could not deliver to others).
const ATEXT: &str = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-";

/// An e-mail address as the form takes it (trimmed; empty is none): a dot-atom local part
/// of at most 64 characters, `@`, and a domain of at least two labels (letters, digits,
/// inner hyphens, at most 63 each) ending in a top-level domain of letters, at most 254
/// bytes in all, and one that lettre (the crate that sends our e-mail) parses as an
/// address. No quoted local parts, no domain literals, no blanks or line breaks (an
/// address with `\r\nBcc:` was stored before). Delivery, not this check, proves it.
pub fn email_ok(e: &str) -> bool {
    static SHAPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(&format!("^{}$", email_shape())).expect("the e-mail shape")
    });
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && local.len() <= 64
        && domain.split('.').all(|label| label.len() <= 63)
        && SHAPE.is_match(e)
        && e.parse::<lettre::Address>().is_ok()
}

/// The shape of an address (without anchors): local part, `@`, domain.
fn email_shape() -> String {
    format!(
        "[{ATEXT}]+(?:\\.[{ATEXT}]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{{2,}}"
    )
}

/// [`email_ok`] (or empty) as the regular expression the API documents, blanks around it
/// allowed (a test checks the two agree; the lengths are counted apart).
pub fn email_pattern() -> String {
    let blanks = super::BLANKS;
    format!("^[{blanks}]*(?:{})?[{blanks}]*$", email_shape())
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The documented e-mail pattern takes exactly what the form takes (trimmed;
        /// empty is no address).
        #[test]
        fn the_email_pattern_is_the_check(s in "[ a@.\t\u{a0}é\r\n:-]{0,14}") {
            let re = regex::Regex::new(&super::email_pattern()).unwrap();
            let t = s.trim();
            proptest::prop_assert_eq!(re.is_match(&s), t.is_empty() || super::email_ok(t), "{:?}", s);
        }
    }

    #[test]
    fn addresses_are_parsed_not_guessed() {
        for ok in [
            "budi@gmail.com",
            "siti.aminah+rekam@mail.example.co.id",
            "a_b@x-y.id",
        ] {
            assert!(super::email_ok(ok), "{ok}");
        }
        for bad in [
            "a@b.c\r\nBcc: x@evil.example",
            "a@b.c",
            "\"a b\"@example.com",
            "a@[127.0.0.1]",
            "a..b@example.com",
            ".a@example.com",
            "a@-example.com",
            "a@example",
            "Budi <budi@gmail.com>",
            "é@example.com",
        ] {
            assert!(!super::email_ok(bad), "{bad:?}");
        }
    }
}
