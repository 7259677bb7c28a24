//! A certificate survives a form's correction: when a form is refused for another field,
//! its accepted file is kept under a random reference that the re-shown form carries
//! (only the reference's hash is stored), and the corrected form without a new file
//! uses it. Kept an hour at most; dropped once the booking is made.

use super::form::RawForm;
use super::{AppError, Context};
use crate::domain::code::{hash_secret, new_secret};

/// The form field carrying the reference.
pub const FIELD: &str = "upload_ref";

/// A kept certificate, as the re-shown form names it.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The random reference the form carries.
    pub reference: String,
    /// The file's name as uploaded.
    pub name: String,
    /// Its size in bytes.
    pub size: usize,
}

/// Before the form is judged: without a new file, the kept one (if its reference is
/// still good) stands in for it.
pub async fn restore(ctx: &Context, form: &mut RawForm) -> Result<(), AppError> {
    let reference = form.get(FIELD).to_string();
    if form.certificate.is_some() || form.certificate_too_large || reference.is_empty() {
        return Ok(());
    }
    if let Some((name, bytes)) = ctx
        .store
        .draft_upload(&hash_secret(&reference), ctx.clock.now())
        .await?
    {
        form.certificate = Some(bytes);
        form.certificate_name = Some(name);
        form.restored_from = Some(reference);
        form.judge_certificate().await;
    }
    Ok(())
}

/// After a refusal: keeps the form's file when nothing was wrong with it, under the
/// form's reference or a new one. `None` when there is nothing to keep (or keeping
/// failed: the form then asks for the file again, as before).
pub async fn keep(ctx: &Context, form: &RawForm, errors: &[AppError]) -> Option<Upload> {
    let bytes = form.certificate.as_ref()?;
    let file_refused = errors
        .iter()
        .any(|e| e.field.as_deref() == Some("certificate") || e.code == super::Code::Internal);
    if file_refused || !matches!(form.certificate_judged, Some(Ok(_))) {
        return None;
    }
    // A file restored from its draft is still kept there: nothing to write again.
    if let Some(reference) = &form.restored_from {
        return Some(Upload {
            reference: reference.clone(),
            name: form.certificate_name.clone().unwrap_or_default(),
            size: bytes.len(),
        });
    }
    let reference = new_secret();
    let name = form
        .certificate_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "surat".to_string());
    let kept = ctx
        .store
        .keep_draft_upload(&hash_secret(&reference), &name, bytes, ctx.clock.now())
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "a draft's file was not kept"))
        .ok()?;
    if !kept {
        tracing::warn!("drafts are full: a refused form asks for its file again");
        return None;
    }
    Some(Upload {
        reference,
        name,
        size: bytes.len(),
    })
}

/// Once the booking is made: its draft's file goes.
pub async fn forget(ctx: &Context, form: &RawForm) {
    let reference = form.get(FIELD);
    if reference.is_empty() {
        return;
    }
    if let Err(e) = ctx
        .store
        .drop_draft_upload(&hash_secret(reference), ctx.clock.now())
        .await
    {
        tracing::warn!(error = %e, "a draft's file was not dropped");
    }
}
