//! Retention (UU 27/2022, arts. 42–44): what is deleted when, from the settings.

use super::{AppError, Context};
use crate::store::PurgeReport;
use chrono::Duration;

/// Deletes the certificate files and anonymises the personal data that are due now, and
/// removes ended staff sessions and tokens; with `dry_run`, only counts.
pub async fn purge(ctx: &Context, dry_run: bool) -> Result<PurgeReport, AppError> {
    purge_at(ctx, ctx.clock.now(), dry_run).await
}

/// [`purge`] at `now`.
async fn purge_at(
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
) -> Result<PurgeReport, AppError> {
    let s = &ctx.settings;
    if !dry_run {
        // Certificates kept for a form's correction go after an hour whatever happens.
        ctx.store.drop_draft_upload("", now).await?;
    }
    Ok(ctx
        .store
        .purge(
            now,
            Duration::days(i64::from(s.certificate_retention_days)),
            Duration::days(i64::from(s.personal_data_retention_days)),
            dry_run,
        )
        .await?)
}

/// The job that deletes and anonymises what is due, once a day (and at start).
pub const PURGE: super::jobs::Job = super::jobs::Job {
    name: "retention.purge",
    every: Duration::days(1),
    run: |ctx, now| {
        Box::pin(async move {
            let done = purge_at(ctx, now, false).await?;
            tracing::info!(?done, "retention");
            Ok(done.certificates + done.anonymised + done.tokens)
        })
    },
};
