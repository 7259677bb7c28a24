//! Does a PDF carry active content? Judged from its structure, not from its bytes:
//! the file is read as PDF tokens (ISO 32000-1 §7.2: comments, strings, names, numbers,
//! keywords and stream data), every name is decoded (`/J#61vaScript` is `/JavaScript`),
//! and every Flate-compressed stream is inflated (bounded) and read the same way, so that
//! an action inside a compressed object stream is seen too.
//!
//! Refused: any of [`ACTIVE_NAMES`] as a name anywhere — JavaScript, launch, URI,
//! form-submission, import, remote go-to, embedded-file, rich-media, XFA, sound, movie,
//! rendition actions and additional-action (`/AA`) triggers — and any object stream
//! (`/Type /ObjStm`) that cannot be read (another filter, damaged or encrypted data, over
//! the bounds): what cannot be judged is not taken. Not judged: what page content draws,
//! images, fonts, and anything a reader might do with an ordinary page. A photo of the
//! certificate (JPEG or PNG) is always an alternative.

use std::io::Read;

/// Names that make a PDF run something or reach out (ISO 32000-1 §12.6 actions, §12.6.3
/// trigger events, §7.11 embedded files, §12.7.8 XFA). A name is compared after its `#xx`
/// escapes are decoded, without regard to case.
pub const ACTIVE_NAMES: &[&str] = &[
    "JavaScript",
    "JS",
    "Launch",
    "URI",
    "SubmitForm",
    "ImportData",
    "GoToR",
    "GoToE",
    "RichMedia",
    "EmbeddedFile",
    "EmbeddedFiles",
    "XFA",
    "Sound",
    "Movie",
    "Rendition",
    "AA",
];

/// Largest stream inflated.
const MAX_STREAM: u64 = 8 * 1024 * 1024;

/// Largest total of inflated data read from one file.
const MAX_INFLATED: u64 = 32 * 1024 * 1024;

/// The filters a stream may carry that are read here.
const FLATE: &[&str] = &["FlateDecode", "Fl"];

/// What a PDF's structure shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing active found.
    Passive,
    /// An active name (decoded), or an object stream that could not be read.
    Active(String),
}

/// Judges a PDF's structure (see the module's documentation).
pub fn judge(bytes: &[u8]) -> Verdict {
    let mut budget = MAX_INFLATED;
    match scan(bytes, true, &mut budget) {
        Ok(()) => Verdict::Passive,
        Err(why) => Verdict::Active(why),
    }
}

/// Reads `bytes` as PDF tokens; with `streams`, also the data of its streams (an object
/// stream's content has none of its own). Iterative: a hostile nesting of strings or
/// dictionaries cannot exhaust the stack.
fn scan(bytes: &[u8], streams: bool, budget: &mut u64) -> Result<(), String> {
    let mut i = 0;
    // The names seen since the last `obj` keyword: the stream's dictionary.
    let mut dict_names: Vec<String> = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'%' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => i = skip_string(bytes, i),
            b'/' => {
                let (name, next) = read_name(bytes, i + 1);
                if ACTIVE_NAMES.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    return Err(name);
                }
                if dict_names.len() < 64 {
                    dict_names.push(name);
                }
                i = next;
            }
            c if is_regular(c) => {
                let start = i;
                while i < bytes.len() && is_regular(bytes[i]) {
                    i += 1;
                }
                match &bytes[start..i] {
                    b"obj" | b"endobj" => dict_names.clear(),
                    b"stream" if streams => {
                        i = stream(bytes, i, &dict_names, budget)?;
                        dict_names.clear();
                    }
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Past a literal string starting at `at` (balanced parentheses, `\` escapes).
fn skip_string(bytes: &[u8], at: usize) -> usize {
    let (mut i, mut depth) = (at + 1, 1usize);
    while i < bytes.len() && depth > 0 {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// A name's decoded text (`#xx` escapes, §7.3.5) and the position after it.
fn read_name(bytes: &[u8], mut i: usize) -> (String, usize) {
    let mut raw = Vec::new();
    while i < bytes.len() && is_regular(bytes[i]) {
        if bytes[i] == b'#' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                raw.push(b);
                i += 3;
                continue;
            }
        }
        raw.push(bytes[i]);
        i += 1;
    }
    (String::from_utf8_lossy(&raw).into_owned(), i)
}

/// Not white space and not a delimiter (§7.2.2).
fn is_regular(c: u8) -> bool {
    !matches!(
        c,
        0 | 9
            | 10
            | 12
            | 13
            | 32
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Reads the data of a stream whose keyword ends at `at`, judging it by its dictionary's
/// names; returns the position after `endstream`.
fn stream(bytes: &[u8], at: usize, dict: &[String], budget: &mut u64) -> Result<usize, String> {
    // The data starts after the end of line that follows the keyword.
    let mut start = at;
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    let end = find(bytes, b"endstream", start).unwrap_or(bytes.len());
    let data = &bytes[start..end];
    let object_stream = dict.iter().any(|n| n == "ObjStm");
    let flate = dict.iter().any(|n| FLATE.contains(&n.as_str()));
    let other_filter = dict
        .iter()
        .any(|n| (n.ends_with("Decode") && !FLATE.contains(&n.as_str())) || n == "Crypt");
    if object_stream {
        // Objects live inside: they must be read, or the file is not taken.
        if other_filter {
            return Err("ObjStm (a filter not read here)".into());
        }
        let content = if flate {
            inflate(data, budget).ok_or_else(|| "ObjStm (unreadable)".to_string())?
        } else {
            data.to_vec()
        };
        scan(&content, false, budget)?;
    } else if flate && !other_filter {
        // Page content and the like: read for names too; what does not inflate is not
        // an object's home, so it is left alone.
        if let Some(content) = inflate(data, budget) {
            scan(&content, false, budget)?;
        }
    }
    Ok((end + b"endstream".len()).min(bytes.len()))
}

/// Inflates zlib data within the bounds; `None` when it is not zlib, or too large.
fn inflate(data: &[u8], budget: &mut u64) -> Option<Vec<u8>> {
    let limit = MAX_STREAM.min(*budget);
    let mut out = Vec::new();
    let read = flate2::read::ZlibDecoder::new(data)
        .take(limit + 1)
        .read_to_end(&mut out);
    if read.is_err() && out.is_empty() {
        return None;
    }
    let n = out.len() as u64;
    if n > limit {
        *budget = 0;
        return None;
    }
    *budget -= n;
    Some(out)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn pdf(body: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.5\n".to_vec();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\ntrailer<</Root 1 0 R>>\n%%EOF\n");
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn object_stream(objects: &[u8]) -> Vec<u8> {
        let data = deflate(objects);
        let mut body = format!(
            "5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>stream\n",
            data.len()
        )
        .into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\nendstream endobj");
        pdf(&body)
    }

    #[test]
    fn hidden_actions_are_seen() {
        for body in [
            &b"1 0 obj<</S/J#61vaScript/JS(app.alert(1))>>endobj"[..],
            b"1 0 obj<</S/L#61unch/F(cmd.exe)>>endobj",
            b"1 0 obj<</Type/Action/S/URI/URI(http://evil.example/)>>endobj",
            b"1 0 obj<</OpenAction<</S/#4A#53/X 1>>>>endobj",
            b"1 0 obj<</AA<</O 2 0 R>>>>endobj",
        ] {
            assert!(
                matches!(judge(&pdf(body)), Verdict::Active(_)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let hidden = object_stream(b"6 0 <</S/JavaScript/JS(app.alert(1))>>");
        assert_eq!(judge(&hidden), Verdict::Active("JavaScript".into()));
    }

    #[test]
    fn ordinary_documents_pass() {
        let page = deflate(b"BT /F1 12 Tf 72 712 Td (Surat keterangan sehat /JS) Tj ET");
        let mut body = format!(
            "1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction[3 0 R/FitH null]>>endobj\n\
             4 0 obj<</Filter/FlateDecode/Length {}>>stream\n",
            page.len()
        )
        .into_bytes();
        body.extend_from_slice(&page);
        body.extend_from_slice(b"\nendstream endobj\n% a comment /JavaScript\n");
        body.extend_from_slice(b"7 0 obj(a string naming /Launch \\) in it)endobj");
        assert_eq!(judge(&pdf(&body)), Verdict::Passive);
        assert_eq!(
            judge(&object_stream(b"6 0 <</Type/Page/Parent 2 0 R>>")),
            Verdict::Passive
        );
    }

    #[test]
    fn an_object_stream_that_cannot_be_read_is_not_taken() {
        let body =
            b"5 0 obj<</Type/ObjStm/Filter/LZWDecode/Length 3>>stream\nabc\nendstream endobj";
        assert!(matches!(judge(&pdf(body)), Verdict::Active(_)));
        let body =
            b"5 0 obj<</Type/ObjStm/Filter/FlateDecode/Length 3>>stream\nabc\nendstream endobj";
        assert!(matches!(judge(&pdf(body)), Verdict::Active(_)));
    }

    #[test]
    fn hostile_nesting_and_bombs_are_bounded() {
        let deep = "(".repeat(100_000) + &"<<".repeat(100_000);
        assert_eq!(judge(&pdf(deep.as_bytes())), Verdict::Passive);
        // 64 MB of zeros in a few kilobytes, inside an object stream.
        let bomb = object_stream(&vec![b' '; 64 * 1024 * 1024]);
        assert!(bomb.len() < 200_000);
        assert!(matches!(judge(&bomb), Verdict::Active(_)));
    }
}
