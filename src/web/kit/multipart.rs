//! Reading `multipart/form-data` bodies with bounded memory.

use crate::domain::certificate::MAX_CERTIFICATE_BYTES;
use crate::usecases::form::RawForm;
use crate::usecases::{AppError, Code};
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;

/// Longest text field accepted.
const MAX_TEXT_FIELD: usize = 4096;

/// Reads the whole form, keeping at most 5 MB of certificate and 4 KB per text field.
///
/// Problems with a field (too long, not UTF-8, control characters, a file over 5 MB) are
/// recorded and the rest of the body is still read: answering in the middle of an upload
/// makes the client see a broken connection instead of the error. The body limit
/// (`MAX_BODY_BYTES`) bounds that reading; a body over it is refused before it is read
/// whole, and then the certificate is what was too large.
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<RawForm, AppError> {
    let mut multipart =
        multipart.map_err(|_| AppError::new(Code::UnsupportedMediaType, "err-multipart"))?;
    let mut form = RawForm::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                form.certificate_too_large = true;
                break;
            }
            Err(_) => return Err(AppError::new(Code::Invalid, "err-multipart")),
        };
        let name = field.name().unwrap_or("").to_string();
        let is_file = name == "certificate";
        let file_name = field.file_name().unwrap_or("").to_string();
        let limit = if is_file {
            MAX_CERTIFICATE_BYTES
        } else {
            MAX_TEXT_FIELD
        };
        let mut bytes = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if over || bytes.len() + chunk.len() > limit {
                        over = true; // keep reading, keep nothing
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    form.certificate_too_large = true;
                    return Ok(form);
                }
                Err(_) => return Err(AppError::new(Code::Invalid, "err-multipart")),
            }
        }
        if is_file {
            if over {
                form.certificate_too_large = true;
            } else if form.certificate.is_none() && !(bytes.is_empty() && file_name.is_empty()) {
                // (A browser sends an empty part with no file name when nothing was chosen.)
                form.certificate = Some(bytes);
                form.certificate_name = Some(file_name.chars().take(120).collect());
            }
            continue;
        }
        if name.is_empty() || form.fields.contains_key(&name) {
            continue;
        }
        // Control characters (NUL above all, which PostgreSQL refuses in text) and
        // bidirectional overrides have no place in any field of ours; tabs and newlines
        // are harmless.
        match String::from_utf8(bytes) {
            Ok(text) if !over && crate::domain::text::text_ok(&text) => {
                form.fields.insert(name, text);
            }
            _ => form.bad_fields.push(name),
        }
    }
    // The file is judged on a blocking thread: a PDF's check takes work.
    form.judge_certificate().await;
    Ok(form)
}
