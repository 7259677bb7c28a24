//! Reading `multipart/form-data` bodies with bounded memory.

use super::error::{AppError, Code};
use crate::booking::RawForm;
use crate::domain::certificate::MAX_CERTIFICATE_BYTES;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;

/// Longest text field accepted.
const MAX_TEXT_FIELD: usize = 4096;

/// Reads the form. The certificate is read chunk by chunk and abandoned as soon as it
/// passes 5 MB; the body limit refuses larger requests before they are read whole.
/// A cut-off upload keeps the text fields read so far (pages put the file input last,
/// so every text field arrives before it) and sets `certificate_too_large`.
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<RawForm, AppError> {
    let mut multipart =
        multipart.map_err(|_| AppError::new(Code::UnsupportedMediaType, "err.multipart"))?;
    let mut form = RawForm::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                form.certificate_too_large = true;
                break;
            }
            Err(_) => return Err(AppError::new(Code::Invalid, "err.multipart")),
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
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        if is_file {
                            form.certificate_too_large = true;
                            return Ok(form);
                        }
                        return Err(AppError::field(Code::TooLarge, &name, "err.too_large"));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    form.certificate_too_large = true;
                    return Ok(form);
                }
                Err(_) => return Err(AppError::new(Code::Invalid, "err.multipart")),
            }
        }
        if is_file {
            // A browser sends an empty part with no file name when nothing was chosen.
            let chose_nothing = bytes.is_empty() && file_name.is_empty();
            if !chose_nothing && form.certificate.is_none() {
                form.certificate = Some(bytes);
            }
        } else if !name.is_empty() {
            let text = String::from_utf8(bytes)
                .map_err(|_| AppError::field(Code::Invalid, &name, "err.required"))?;
            form.fields.entry(name).or_insert(text);
        }
    }
    Ok(form)
}
