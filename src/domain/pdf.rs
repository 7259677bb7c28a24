//! Does a PDF carry active content? Judged from its structure, not from its bytes:
//! the file is read as PDF tokens (ISO 32000-1 §7.2: comments, strings, names, numbers,
//! keywords and stream data), every name is decoded (`/J#61vaScript` is `/JavaScript`),
//! and every object stream (`/Type /ObjStm`, where objects hide compressed) is inflated
//! (bounded; a zlib stream ends itself, so an `endstream` inside its data cuts nothing)
//! and read the same way. Stream data is skipped by its `/Length` (direct, or the object it
//! names). Only object streams are inflated: actions, scripts and attachments are
//! dictionaries (or named by one), never page content, and inflating every image of a
//! scan would cost a core for nothing.
//!
//! Refused: any of [`ACTIVE_NAMES`] as a name anywhere — JavaScript, launch, URI,
//! form-submission, import, remote go-to, embedded-file and file-attachment, rich-media,
//! XFA, sound, movie, rendition actions and additional-action (`/AA`) triggers; any stream
//! with a filter that is not read here and that certificates do not use (ASCIIHex,
//! ASCII85, LZW, RunLength, Crypt, in full or abbreviated) or with an indirect `/Filter`;
//! and any object stream that cannot be read (damaged or encrypted data, over the
//! bounds): what cannot be judged is not taken. Not judged: what page content draws,
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
    "EF",
    "FileAttachment",
];

/// Filters refused wherever they are: not read here, and not used by the generators and
/// scanners that make certificates (full and abbreviated names, §7.4 and §8.9.7).
const REFUSED_FILTERS: &[&str] = &[
    "ASCIIHexDecode",
    "AHx",
    "ASCII85Decode",
    "A85",
    "LZWDecode",
    "LZW",
    "RunLengthDecode",
    "RL",
    "Crypt",
];

/// Largest stream inflated.
const MAX_STREAM: u64 = 8 * 1024 * 1024;

/// Largest total of inflated data read from one file (object streams only: they hold
/// the file's objects, a few kilobytes in a certificate).
const MAX_INFLATED: u64 = 16 * 1024 * 1024;

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

/// What the dictionary of the stream being read said (since the last `obj`).
#[derive(Default)]
struct StreamDict {
    object_stream: bool,
    flate: bool,
    /// Its `/Length`: the number, or the object `(n, generation)` holding it.
    length: Option<Length>,
}

#[derive(Clone, Copy)]
enum Length {
    Direct(usize),
    Indirect(u64, u64),
}

/// Reads `bytes` as PDF tokens; with `streams`, also the data of its streams (an object
/// stream's content has none of its own). Iterative: a hostile nesting of strings or
/// dictionaries cannot exhaust the stack.
fn scan(bytes: &[u8], streams: bool, budget: &mut u64) -> Result<(), String> {
    let mut i = 0;
    let mut dict = StreamDict::default();
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
                i = next;
                if ACTIVE_NAMES.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    return Err(name);
                }
                if REFUSED_FILTERS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&name))
                {
                    return Err(format!("filter {name}"));
                }
                match name.as_str() {
                    "ObjStm" => dict.object_stream = true,
                    "FlateDecode" | "Fl" => dict.flate = true,
                    "Filter" => {
                        // A filter named directly, or an array of them; anything else (an
                        // object reference) hides which filter applies.
                        let j = skip_blanks(bytes, i);
                        if !matches!(bytes.get(j), Some(b'/' | b'[')) {
                            return Err("an indirect /Filter".into());
                        }
                    }
                    "Length" => dict.length = read_length(bytes, i),
                    _ => {}
                }
            }
            c if is_regular(c) => {
                let start = i;
                while i < bytes.len() && is_regular(bytes[i]) {
                    i += 1;
                }
                match &bytes[start..i] {
                    b"obj" | b"endobj" => dict = StreamDict::default(),
                    b"stream" if streams => {
                        i = stream(bytes, i, &dict, budget)?;
                        dict = StreamDict::default();
                    }
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Past white space.
fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|c| matches!(c, 0 | 9 | 10 | 12 | 13 | 32))
    {
        i += 1;
    }
    i
}

/// An unsigned integer token at `i` (after blanks): its value and the position after it.
fn read_uint(bytes: &[u8], i: usize) -> Option<(u64, usize)> {
    let start = skip_blanks(bytes, i);
    let mut end = start;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    if end == start || end - start > 12 || bytes.get(end).is_some_and(|c| is_regular(*c)) {
        return None;
    }
    let n = std::str::from_utf8(&bytes[start..end]).ok()?.parse().ok()?;
    Some((n, end))
}

/// The value of a `/Length` key whose name ended at `i`: `n` or `n g R`.
fn read_length(bytes: &[u8], i: usize) -> Option<Length> {
    let (n, after) = read_uint(bytes, i)?;
    if let Some((g, after_g)) = read_uint(bytes, after) {
        let r = skip_blanks(bytes, after_g);
        if bytes.get(r) == Some(&b'R') && !bytes.get(r + 1).is_some_and(|c| is_regular(*c)) {
            return Some(Length::Indirect(n, g));
        }
    }
    usize::try_from(n).ok().map(Length::Direct)
}

/// The number held by object `n g` (`n g obj 123 endobj`), searched for in the file.
fn resolve_length(bytes: &[u8], n: u64, g: u64) -> Option<usize> {
    let head = format!("{n} {g} obj");
    let mut from = 0;
    while let Some(at) = find(bytes, head.as_bytes(), from) {
        let starts_token = at == 0 || !is_regular(bytes[at - 1]);
        if starts_token {
            if let Some((value, _)) = read_uint(bytes, at + head.len()) {
                return usize::try_from(value).ok();
            }
        }
        from = at + head.len();
    }
    None
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

/// Reads the data of a stream whose keyword ends at `at`, judging it by its dictionary;
/// returns the position after the data.
fn stream(bytes: &[u8], at: usize, dict: &StreamDict, budget: &mut u64) -> Result<usize, String> {
    // The data starts after the end of line that follows the keyword.
    let mut start = at;
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    // Its end: by its length where that holds, else at the next `endstream`.
    let length = match dict.length {
        Some(Length::Direct(n)) => Some(n),
        Some(Length::Indirect(n, g)) => resolve_length(bytes, n, g),
        None => None,
    };
    let by_length = length
        .and_then(|n| start.checked_add(n))
        .filter(|end| *end <= bytes.len())
        .filter(|end| {
            let rest = skip_blanks(bytes, *end);
            bytes.get(rest..rest + 9) == Some(b"endstream")
        });
    let end = by_length
        .or_else(|| find(bytes, b"endstream", start))
        .unwrap_or(bytes.len());
    if !dict.object_stream {
        return Ok(end);
    }
    // An object stream: its objects must be read, or the file is not taken.
    if !dict.flate {
        scan(&bytes[start..end], false, budget)?;
        return Ok(end);
    }
    // zlib data ends itself: read from the start, whatever `endstream` its bytes hold.
    let (content, used) =
        inflate(&bytes[start..], budget).ok_or_else(|| "ObjStm (unreadable)".to_string())?;
    scan(&content, false, budget)?;
    Ok(end.max(start + used))
}

/// Inflates one zlib stream at the start of `data` within the bounds: its content and
/// how many bytes of `data` it took; `None` when it is not a complete zlib stream, or is
/// too large.
fn inflate(data: &[u8], budget: &mut u64) -> Option<(Vec<u8>, usize)> {
    let limit = MAX_STREAM.min(*budget);
    let mut out = Vec::new();
    let mut decoder = flate2::bufread::ZlibDecoder::new(data);
    (&mut decoder).take(limit + 1).read_to_end(&mut out).ok()?;
    let n = out.len() as u64;
    if n > limit {
        *budget = 0;
        return None;
    }
    *budget -= n;
    let used = usize::try_from(decoder.total_in()).ok()?;
    Some((out, used))
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

    /// Ways around the first version, found by an attacker (issue 19's review).
    #[test]
    fn the_dictionary_is_read_whole_and_the_data_by_its_length() {
        // Seventy keys before the object stream's type and filter.
        let junk: String = (0..70).map(|k| format!("/K{k} 0 ")).collect();
        let data = deflate(b"6 0 <</S/JavaScript/JS(app.alert(1))>>");
        let mut body = format!(
            "5 0 obj<<{junk}/Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>stream\n",
            data.len()
        )
        .into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\nendstream endobj");
        assert!(matches!(judge(&pdf(&body)), Verdict::Active(_)));
        // A stored (uncompressed) deflate block that says `endstream`, then the script in
        // a compressed block of the same zlib stream.
        let first = b"xx endstream yy ";
        let second = b"<</S/JavaScript/JS(app.alert(1))>>";
        let mut z = vec![0x78, 0x01, 0x00];
        z.extend_from_slice(&(first.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(first.len() as u16)).to_le_bytes());
        z.extend_from_slice(first);
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        raw.write_all(second).unwrap();
        z.extend_from_slice(&raw.finish().unwrap());
        let whole = [&first[..], &second[..]].concat();
        let (mut a, mut b) = (1u32, 0u32);
        for byte in &whole {
            a = (a + u32::from(*byte)) % 65521;
            b = (b + a) % 65521;
        }
        z.extend_from_slice(&((b << 16) | a).to_be_bytes());
        let mut body = format!(
            "5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>stream\n",
            z.len()
        )
        .into_bytes();
        body.extend_from_slice(&z);
        body.extend_from_slice(b"\nendstream endobj");
        assert!(
            matches!(judge(&pdf(&body)), Verdict::Active(_)),
            "fake endstream"
        );
        // Abbreviated filters, an indirect filter, an attachment without its type.
        for body in [
            &b"5 0 obj<</Type/ObjStm/Filter/AHx/Length 4>>stream\nabcd\nendstream endobj"[..],
            b"5 0 obj<</Type/ObjStm/Filter/A85/Length 4>>stream\nabcd\nendstream endobj",
            b"5 0 obj<</Type/ObjStm/Filter 7 0 R/Length 4>>stream\nabcd\nendstream endobj",
            b"3 0 obj<</Type/Annot/Subtype/FileAttachment/FS<</EF<</F 9 0 R>>>>>>endobj",
        ] {
            assert!(
                matches!(judge(&pdf(body)), Verdict::Active(_)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // An image's data that happens to say `endstream` is skipped by its length.
        let mut body =
            b"4 0 obj<</Type/XObject/Subtype/Image/Filter/DCTDecode/Length 5 0 R>>stream\n"
                .to_vec();
        body.extend_from_slice(b"\xff\xd8 endstream /JS \xff\xd9");
        body.extend_from_slice(b"\nendstream endobj\n5 0 obj 19 endobj");
        assert_eq!(judge(&pdf(&body)), Verdict::Passive);
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
