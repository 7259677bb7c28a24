//! Health certificates: accepted kinds, validity windows and file checks.
//!
//! No national rule required a certificate for civil registration (ministry statement,
//! 29 July 2021); it was local policy, so kinds and windows are settings
//! (DOMAIN.md, "Eligibility and documents").

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest certificate accepted, in bytes (API.md: at most 5 MB).
pub const MAX_CERTIFICATE_BYTES: usize = 5 * 1024 * 1024;

/// How long an issued certificate counts, per kind, in hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRules(pub BTreeMap<String, u32>);

impl Default for CertificateRules {
    /// Antigen 1×24 h, PCR 3×24 h (the later Serang practice), puskesmas
    /// "surat keterangan sehat" 7 days (no national figure: *uncertain*).
    fn default() -> Self {
        Self(BTreeMap::from([
            ("antigen".to_string(), 24),
            ("pcr".to_string(), 72),
            ("surat_sehat".to_string(), 7 * 24),
        ]))
    }
}

/// Why a certificate does not cover an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Issued no later than now and still valid at the slot's start.
    Valid,
    /// The office does not accept this kind.
    UnknownKind,
    /// The issue or sample time lies in the future.
    IssuedInFuture,
    /// The window ends before the slot starts.
    ExpiredBeforeSlot,
}

/// Clock skew tolerated between a phone's clock and ours when judging "in the future".
const SKEW: Duration = Duration::minutes(10);

impl CertificateRules {
    /// Is `kind` accepted?
    pub fn accepts(&self, kind: &str) -> bool {
        self.0.contains_key(kind)
    }

    /// Judges a certificate of `kind` issued at `issued_at` for a slot starting at
    /// `slot_start`, now being `now`. Validity runs from the issue/sample time to the
    /// appointment's start, so it must be re-judged after every reschedule.
    pub fn judge(
        &self,
        kind: &str,
        issued_at: DateTime<Utc>,
        slot_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Validity {
        let Some(hours) = self.0.get(kind) else {
            return Validity::UnknownKind;
        };
        if issued_at > now + SKEW {
            return Validity::IssuedInFuture;
        }
        if issued_at + Duration::hours(i64::from(*hours)) < slot_start {
            return Validity::ExpiredBeforeSlot;
        }
        Validity::Valid
    }

    /// The last slot start any accepted certificate can cover when it is issued `now`
    /// (none issued later can be uploaded today): slots after it cannot be booked yet.
    pub fn reach(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0
            .values()
            .max()
            .map(|h| now + Duration::hours(i64::from(*h)))
    }

    /// The last slot start a certificate issued at `issued_at` still covers.
    pub fn valid_until(&self, kind: &str, issued_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0
            .get(kind)
            .map(|h| issued_at + Duration::hours(i64::from(*h)))
    }
}

/// File types a certificate may have, judged by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFileType {
    /// `application/pdf`
    Pdf,
    /// `image/jpeg`
    Jpeg,
    /// `image/png`
    Png,
    /// No file: a paper certificate the desk officer has seen (walk-ins only).
    Paper,
}

impl CertificateFileType {
    /// The MIME type stored and served.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Paper => PAPER_SEEN,
        }
    }
}

/// The stored type of a certificate seen on paper at the desk: there is no file.
pub const PAPER_SEEN: &str = "x-rekam/paper-seen-at-desk";

/// Why a file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Zero bytes.
    Empty,
    /// Not a PDF, JPEG or PNG by its content (text, HTML, SVG, anything else).
    UnsupportedType,
    /// A PDF/JPEG/PNG header but the file ends early or is malformed.
    Damaged,
    /// It also carries something a browser or PDF reader could run: HTML or a script
    /// (a polyglot), or a PDF JavaScript action.
    Active,
}

/// Markers of content that runs: HTML and script in any of our types (a polyglot that a
/// browser sniffing it would render), and PDF JavaScript and launch actions. A real
/// health certificate has none; a PDF's page content is compressed, so these never appear
/// by accident in its text.
const ACTIVE: [&[u8]; 8] = [
    b"<script",
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<iframe",
    b"javascript:",
    b"/javascript",
    b"/launch",
];

/// Does the file carry any of [`ACTIVE`] (case-insensitive)?
fn carries_active_content(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| {
        ACTIVE.iter().any(|marker| {
            w.len() >= marker.len()
                && w[..marker.len()]
                    .iter()
                    .zip(marker.iter())
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
    }) || {
        // The last few bytes, shorter than the window.
        let tail = &bytes[bytes.len().saturating_sub(10)..];
        ACTIVE.iter().any(|m| {
            tail.len() >= m.len() && tail.windows(m.len()).any(|w| w.eq_ignore_ascii_case(m))
        })
    }
}

/// Judges a certificate file by its bytes, never its name or declared type.
///
/// `infer` recognises the type from magic numbers; on top of that the file must be
/// complete: a PNG's chunks must be intact up to `IEND`, a JPEG must end with its
/// end-of-image marker, a PDF must carry `%%EOF` near its end. This refuses truncated
/// uploads (a phone losing signal mid-upload) without decoding the image.
pub fn sniff_certificate(bytes: &[u8]) -> Result<CertificateFileType, FileProblem> {
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    let kind = match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => CertificateFileType::Pdf,
        Some("image/jpeg") => CertificateFileType::Jpeg,
        Some("image/png") => CertificateFileType::Png,
        _ => return Err(FileProblem::UnsupportedType),
    };
    let complete = match kind {
        CertificateFileType::Png => png_is_complete(bytes),
        CertificateFileType::Jpeg => jpeg_is_complete(bytes),
        CertificateFileType::Pdf => pdf_is_complete(bytes),
        CertificateFileType::Paper => false,
    };
    let active_pdf = kind == CertificateFileType::Pdf
        && matches!(super::pdf::judge(bytes), super::pdf::Verdict::Active(_));
    if !complete {
        Err(FileProblem::Damaged)
    } else if active_pdf || carries_active_content(bytes) {
        Err(FileProblem::Active)
    } else {
        Ok(kind)
    }
}

fn png_is_complete(bytes: &[u8]) -> bool {
    let mut pos = 8; // signature
    let mut first = true;
    while pos + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        if first && kind != b"IHDR" {
            return false;
        }
        first = false;
        let Some(end) = pos.checked_add(12).and_then(|p| p.checked_add(len)) else {
            return false;
        };
        if end > bytes.len() {
            return false;
        }
        if kind == b"IEND" {
            return true;
        }
        pos = end;
    }
    false
}

fn jpeg_is_complete(bytes: &[u8]) -> bool {
    // Trailing padding after EOI is common (some cameras); allow a little.
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    bytes.len() > 4 && tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn pdf_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A 1×1 PNG, complete.
    pub(crate) fn tiny_png() -> Vec<u8> {
        let hex = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d8a8e80000000049454e44ae426082";
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn files_that_could_run_are_refused() {
        let pdf = |body: &str| format!("%PDF-1.4\n{body}\ntrailer<<>>\n%%EOF\n").into_bytes();
        assert!(sniff_certificate(&pdf("1 0 obj<<>>endobj")).is_ok());
        for body in [
            "<html><body><script>alert(1)</script></body></html>",
            "<SCRIPT src=x></SCRIPT>",
            "1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj",
            "1 0 obj<</S/Launch/F(cmd.exe)>>endobj",
            "<svg onload=alert(1)>",
        ] {
            assert_eq!(
                sniff_certificate(&pdf(body)),
                Err(FileProblem::Active),
                "{body}"
            );
        }
    }

    #[test]
    fn an_antigen_test_covers_twenty_four_hours_from_the_sample() {
        let rules = CertificateRules::default();
        let sample = t(1);
        let now = t(2);
        assert_eq!(
            rules.judge("antigen", sample, sample + Duration::hours(24), now),
            Validity::Valid
        );
        assert_eq!(
            rules.judge(
                "antigen",
                sample,
                sample + Duration::hours(24) + Duration::minutes(1),
                now
            ),
            Validity::ExpiredBeforeSlot
        );
        assert_eq!(
            rules.judge("pcr", sample, sample + Duration::hours(72), now),
            Validity::Valid
        );
        assert_eq!(
            rules.judge("surat_sehat", sample, sample + Duration::days(8), now),
            Validity::ExpiredBeforeSlot
        );
    }

    #[test]
    fn a_certificate_from_the_future_is_refused() {
        let rules = CertificateRules::default();
        assert_eq!(
            rules.judge("pcr", t(5), t(9), t(4)),
            Validity::IssuedInFuture
        );
        assert_eq!(rules.judge("swab", t(1), t(9), t(4)), Validity::UnknownKind);
    }

    #[test]
    fn files_are_judged_by_content() {
        assert_eq!(sniff_certificate(&tiny_png()), Ok(CertificateFileType::Png));
        let png = tiny_png();
        assert_eq!(
            sniff_certificate(&png[..png.len() - 6]),
            Err(FileProblem::Damaged)
        );
        assert_eq!(sniff_certificate(&png[..30]), Err(FileProblem::Damaged));
        assert_eq!(sniff_certificate(b""), Err(FileProblem::Empty));
        assert_eq!(
            sniff_certificate(b"just text, named .pdf"),
            Err(FileProblem::UnsupportedType)
        );
        assert_eq!(
            sniff_certificate(b"<html><body>hi</body></html>"),
            Err(FileProblem::UnsupportedType)
        );
        assert_eq!(
            sniff_certificate(
                b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"
            ),
            Err(FileProblem::UnsupportedType)
        );
        assert_eq!(
            sniff_certificate(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
            Ok(CertificateFileType::Pdf)
        );
        assert_eq!(
            sniff_certificate(b"%PDF-1.4\n1 0 obj<<"),
            Err(FileProblem::Damaged)
        );
        assert_eq!(
            sniff_certificate(&[
                0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9
            ]),
            Ok(CertificateFileType::Jpeg)
        );
    }
}
