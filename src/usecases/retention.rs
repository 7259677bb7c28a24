//! Retention (UU 27/2022, arts. 42–44): what is deleted when, from the settings.

use super::{AppError, Context};
use crate::store::PurgeReport;
use chrono::Duration;

/// Deletes the certificate files and anonymises the personal data that are due now, and
/// removes ended staff sessions and tokens; with `dry_run`, only counts.
pub async fn purge(ctx: &Context, dry_run: bool) -> Result<PurgeReport, AppError> {
    let s = &ctx.settings;
    Ok(ctx
        .store
        .purge(
            ctx.clock.now(),
            Duration::days(i64::from(s.certificate_retention_days)),
            Duration::days(i64::from(s.personal_data_retention_days)),
            dry_run,
        )
        .await?)
}
