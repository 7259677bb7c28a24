//! Does a PDF carry active content? Judged from its structure, not from its bytes alone,
//! and read the way a reader could read it rather than the way it says it should be read:
//!
//! - The file is read as PDF tokens (ISO 32000-1 §7.2: comments, literal and hex strings,
//!   names, numbers, keywords) outside stream data; every name is decoded (`/J#61vaScript`
//!   is `/JavaScript`) and checked.
//! - Stream data runs to the first `endstream` (never past its true end). Its raw bytes
//!   are searched for names as well (a reader that follows an offset into them reads
//!   objects there); in binary data only names of three letters or more are checked,
//!   where a chance match is below one in a million files.
//! - Every stream whose data is zlib is inflated, whatever its dictionary says (an object
//!   stream's `/Type` may be indirect), again while the result is zlib, with the PNG or
//!   TIFF predictor of its dictionary undone; a result that reads as PDF objects (an object
//!   stream's header, or text) is read like the file. A zlib stream ends itself, so an
//!   `endstream` inside its data cuts nothing. Bounded: 16 MB a stream, 64 MB a file.
//!
//! Refused: any of [`ACTIVE_NAMES`] — JavaScript, launch, URI, form-submission, import,
//! remote go-to, embedded-file and file-attachment, rich-media, XFA, sound, movie,
//! rendition actions and additional-action (`/AA`) triggers; a filter not read here and
//! not used for certificates (ASCIIHex, ASCII85, LZW, RunLength, JBIG2, Crypt, in full
//! or abbreviated) or an indirect `/Filter` or `/DecodeParms`; an object stream that
//! cannot be read; and a file over the bounds: what cannot be judged is not taken. Not
//! judged: what page content draws, images, fonts. A photo of the certificate (JPEG or
//! PNG) is always an alternative.

mod decode;

use decode::{inflate, is_zlib, reads_as_objects, unpredict};

/// Names that make a PDF run something or reach out (ISO 32000-1 §12.6 actions, §12.6.3
/// trigger events, §7.11 embedded files, §12.7.8 XFA), compared after their `#xx` escapes
/// are decoded, without regard to case.
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
/// scanners that make certificates (full and abbreviated names, §7.4 and §8.9.7); JBIG2
/// decoders have been exploited.
const REFUSED_FILTERS: &[&str] = &[
    "ASCIIHexDecode",
    "AHx",
    "ASCII85Decode",
    "A85",
    "LZWDecode",
    "LZW",
    "RunLengthDecode",
    "RL",
    "JBIG2Decode",
    "Crypt",
];

/// Largest stream inflated.
const MAX_STREAM: u64 = 16 * 1024 * 1024;

/// Largest total of inflated data read from one file.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;

/// Deepest reading of inflated data inside inflated data.
const MAX_DEPTH: usize = 3;

/// What a PDF's structure shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing active found.
    Passive,
    /// An active name (decoded), or something that could not be judged.
    Active(String),
}

/// Judges a PDF's structure (see the module's documentation).
pub fn judge(bytes: &[u8]) -> Verdict {
    let mut budget = MAX_INFLATED;
    match scan(bytes, 0, &mut budget) {
        Ok(()) => Verdict::Passive,
        Err(why) => Verdict::Active(why),
    }
}

/// What the dictionary before a stream said (since the last `obj`).
#[derive(Default)]
struct StreamDict {
    object_stream: bool,
    flate: bool,
    predictor: Option<u64>,
    columns: Option<u64>,
    colors: Option<u64>,
    bits: Option<u64>,
}

/// Checks a decoded name: `Err` when it is active or a refused filter.
fn check_name(name: &str) -> Result<(), String> {
    if ACTIVE_NAMES.iter().any(|a| a.eq_ignore_ascii_case(name)) {
        return Err(name.to_string());
    }
    if REFUSED_FILTERS.iter().any(|f| f.eq_ignore_ascii_case(name)) {
        return Err(format!("filter {name}"));
    }
    Ok(())
}

/// Reads `bytes` as PDF tokens (see the module's documentation); `depth` counts the
/// inflations it lies under. Iterative: a hostile nesting of strings or dictionaries
/// cannot exhaust the stack.
fn scan(bytes: &[u8], depth: usize, budget: &mut u64) -> Result<(), String> {
    let mut i = 0;
    let mut dict = StreamDict::default();
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => i = skip_string(bytes, i),
            // `<<` opens a dictionary; `<` alone a hex string, to its `>`.
            b'<' if bytes.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'>' {
                    i += 1;
                }
            }
            b'/' => {
                let (name, next) = read_name(bytes, i + 1);
                i = next;
                check_name(&name)?;
                match name.as_str() {
                    "ObjStm" => dict.object_stream = true,
                    "FlateDecode" | "Fl" => dict.flate = true,
                    "Filter" | "DecodeParms" | "DP" => {
                        // Named directly, or an array or dictionary of them; an object
                        // reference would hide how the data is to be read.
                        let j = skip_blanks(bytes, i);
                        if !matches!(bytes.get(j), Some(b'/' | b'[' | b'<')) {
                            return Err(format!("an indirect /{name}"));
                        }
                    }
                    "Predictor" => dict.predictor = Some(direct_uint(bytes, i, &name)?),
                    "Columns" => dict.columns = Some(direct_uint(bytes, i, &name)?),
                    "Colors" => dict.colors = Some(direct_uint(bytes, i, &name)?),
                    "BitsPerComponent" => dict.bits = Some(direct_uint(bytes, i, &name)?),
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
                    b"stream" => {
                        i = stream(bytes, i, &dict, depth, budget)?;
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

/// The unsigned integer that must follow the key `name` (ended at `i`): a reference or
/// anything else is refused, since it would hide how the data is to be read.
fn direct_uint(bytes: &[u8], i: usize, name: &str) -> Result<u64, String> {
    let start = skip_blanks(bytes, i);
    let mut end = start;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    let value = std::str::from_utf8(&bytes[start..end])
        .ok()
        .filter(|v| !v.is_empty() && v.len() <= 6)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("an unreadable /{name}"))?;
    // `n g R` after the number: a reference.
    let after = skip_blanks(bytes, end);
    let mut g = after;
    while bytes.get(g).is_some_and(u8::is_ascii_digit) {
        g += 1;
    }
    if g > after && bytes.get(skip_blanks(bytes, g)) == Some(&b'R') {
        return Err(format!("an indirect /{name}"));
    }
    Ok(value)
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

/// Every name in raw (perhaps binary) bytes, wherever it stands: names of three letters or
/// more are checked (shorter ones match binary data by chance too often).
fn names_in_raw(data: &[u8]) -> Result<(), String> {
    let mut i = 0;
    while let Some(at) = data
        .get(i..)
        .and_then(|rest| rest.iter().position(|c| *c == b'/'))
    {
        let (name, next) = read_name(data, i + at + 1);
        if name.len() >= 3 {
            check_name(&name)?;
        }
        i = next.max(i + at + 1);
    }
    Ok(())
}

/// Reads the data of a stream whose keyword ends at `at`; returns the position after it.
fn stream(
    bytes: &[u8],
    at: usize,
    dict: &StreamDict,
    depth: usize,
    budget: &mut u64,
) -> Result<usize, String> {
    let mut start = at;
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    // The first `endstream` is never past the true end of the data.
    let end = find(bytes, b"endstream", start).unwrap_or(bytes.len());
    let raw = &bytes[start..end];
    names_in_raw(raw)?;
    if is_zlib(raw) {
        if depth >= MAX_DEPTH {
            return Err("data compressed too deeply".into());
        }
        let (mut content, used) = inflate(&bytes[start..], budget)
            .ok_or_else(|| "compressed data over the bounds".to_string())?;
        // Compressed again (two Flate filters): inflated again.
        let mut rounds = 1;
        while is_zlib(&content) && rounds < MAX_DEPTH {
            content = inflate(&content, budget)
                .ok_or_else(|| "compressed data over the bounds".to_string())?
                .0;
            rounds += 1;
        }
        if let Some(p) = dict.predictor.filter(|p| *p >= 2) {
            content = unpredict(&content, p, dict)
                .ok_or_else(|| "an unreadable predictor".to_string())?;
        }
        if reads_as_objects(&content) {
            scan(&content, depth + 1, budget)?;
        } else {
            names_in_raw(&content)?;
        }
        // Go on after the compressed data, whatever `endstream` its bytes hold.
        return Ok(end.max(start + used));
    }
    if dict.object_stream && dict.flate {
        return Err("an object stream that cannot be read".into());
    }
    if dict.object_stream {
        // An object stream must be read: uncompressed, as text; anything else not at all.
        if !reads_as_objects(raw) {
            return Err("an object stream that cannot be read".into());
        }
        scan(raw, depth + 1, budget)?;
    }
    Ok(end)
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
        // Data that says `endstream` is read on from there as the file (its `/Length`
        // is not trusted): what follows is judged, never skipped.
        let mut body =
            b"4 0 obj<</Type/XObject/Subtype/Image/Filter/DCTDecode/Length 5 0 R>>stream\n"
                .to_vec();
        body.extend_from_slice(b"\xff\xd8 endstream /JS \xff\xd9");
        body.extend_from_slice(b"\nendstream endobj\n5 0 obj 19 endobj");
        assert_eq!(judge(&pdf(&body)), Verdict::Active("JS".into()));
    }

    /// Ways around the second version, found by an attacker (issue 19's review).
    #[test]
    fn what_a_reader_could_read_is_read() {
        let objects = b"6 0 <</S/JavaScript/JS(app.alert(1))>>";
        // An object inside an ordinary stream's raw data (an offset could lead there).
        let mut body = b"4 0 obj<</Length 60>>stream\n".to_vec();
        body.extend_from_slice(b"q 1 0 0 1 0 0 cm Q 6 0 obj<</S/JavaScript/JS(x)>>endobj");
        body.extend_from_slice(b"\nendstream endobj");
        assert!(matches!(judge(&pdf(&body)), Verdict::Active(_)), "raw data");
        // An object stream whose type is an object elsewhere, and one with no type.
        for dict in ["/Type 9 0 R", ""] {
            let data = deflate(objects);
            let mut body =
                format!("5 0 obj<<{dict}/N 1/First 4/Filter/FlateDecode>>stream\n").into_bytes();
            body.extend_from_slice(&data);
            body.extend_from_slice(b"\nendstream endobj");
            assert!(matches!(judge(&pdf(&body)), Verdict::Active(_)), "{dict:?}");
        }
        // Two Flate filters.
        let twice = deflate(&deflate(objects));
        let mut body =
            b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter[/FlateDecode/FlateDecode]>>stream\n"
                .to_vec();
        body.extend_from_slice(&twice);
        body.extend_from_slice(b"\nendstream endobj");
        assert!(matches!(judge(&pdf(&body)), Verdict::Active(_)), "twice");
        // A PNG predictor (Up, 8 columns) over the objects.
        let mut rows = Vec::new();
        let mut prev = [0u8; 8];
        for chunk in objects.chunks(8) {
            let mut line = [0u8; 8];
            line[..chunk.len()].copy_from_slice(chunk);
            rows.push(2u8);
            rows.extend(line.iter().zip(prev).map(|(c, p)| c.wrapping_sub(p)));
            prev = line;
        }
        let mut body = b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 8>>>>stream\n".to_vec();
        body.extend_from_slice(&deflate(&rows));
        body.extend_from_slice(b"\nendstream endobj");
        assert!(
            matches!(judge(&pdf(&body)), Verdict::Active(_)),
            "predictor"
        );
        // Hex strings hold no string or comment.
        for body in [
            &b"1 0 obj<</X<(>/S/JavaScript/JS 2 0 R>>endobj"[..],
            b"1 0 obj<</X<%>/S/JavaScript>>endobj",
        ] {
            assert!(
                matches!(judge(&pdf(body)), Verdict::Active(_)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // A predictor given by reference hides how to read the data.
        let body =
            b"5 0 obj<</Filter/FlateDecode/DecodeParms<</Predictor 7 0 R>>>>stream\nx\nendstream endobj";
        assert!(matches!(judge(&pdf(body)), Verdict::Active(_)));
    }

    /// A file of many streams whose length names a missing object took quadratic time.
    #[test]
    fn many_streams_take_linear_time() {
        let one = b"1 0 obj<</Length 9 0 R>>stream\nendstream endobj\n";
        let file = pdf(&one.repeat(40_000));
        let started = std::time::Instant::now();
        assert_eq!(judge(&file), Verdict::Passive);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
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
