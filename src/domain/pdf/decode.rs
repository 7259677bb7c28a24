//! Undoing what a PDF's streams were encoded with — zlib (RFC 1950) and the PNG and TIFF
//! predictors (ISO 32000-1 §7.4.4.4) — within the bounds of [`super`], and telling what
//! the result holds.

use super::{MAX_STREAM, StreamDict, skip_blanks};
use std::io::Read;

/// Does this start like zlib data (RFC 1950: deflate, a header whose check is right)?
pub(super) fn is_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// Undoes a TIFF (2) or PNG (10–15) predictor (§7.4.4.4).
pub(super) fn unpredict(data: &[u8], predictor: u64, dict: &StreamDict) -> Option<Vec<u8>> {
    let colors = usize::try_from(dict.colors.unwrap_or(1)).ok()?.max(1);
    let bits = usize::try_from(dict.bits.unwrap_or(8)).ok()?.max(1);
    let columns = usize::try_from(dict.columns.unwrap_or(1)).ok()?.max(1);
    let bpp = (colors * bits).div_ceil(8).max(1);
    let row = (columns * colors * bits).div_ceil(8);
    if row == 0 || row > 1 << 20 {
        return None;
    }
    if predictor == 2 {
        if bits != 8 {
            return None;
        }
        let mut out = data.to_vec();
        for r in out.chunks_mut(row) {
            for i in bpp..r.len() {
                r[i] = r[i].wrapping_add(r[i - bpp]);
            }
        }
        return Some(out);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (&kind, line) = chunk.split_first()?;
        let mut cur = line.to_vec();
        cur.resize(row, 0);
        for i in 0..row {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = cur[i].wrapping_add(match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                _ => return None,
            });
        }
        out.extend_from_slice(&cur[..line.len().min(row)]);
        prev = cur;
    }
    Some(out)
}

/// Inflates one zlib stream at the start of `data` within the bounds: its content and
/// how many bytes of `data` it took; `None` when it is damaged or too large.
pub(super) fn inflate(data: &[u8], budget: &mut u64) -> Option<(Vec<u8>, usize)> {
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

/// Does this read as PDF objects: an object stream's header (`12 0 13 35 …`), or text?
pub(super) fn reads_as_objects(data: &[u8]) -> bool {
    let head = &data[skip_blanks(data, 0)..];
    let digits = head.iter().take_while(|c| c.is_ascii_digit()).count();
    let header = digits > 0
        && head
            .get(digits)
            .is_some_and(|c| matches!(c, 0 | 9 | 10 | 12 | 13 | 32))
        && head[skip_blanks(head, digits)..]
            .first()
            .is_some_and(u8::is_ascii_digit);
    let sample = &data[..data.len().min(4096)];
    let text = sample
        .iter()
        .filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
        .count();
    header || (!sample.is_empty() && text * 10 >= sample.len() * 9)
}
