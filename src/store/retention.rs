//! Retention (UU 27/2022): certificates' files deleted a set time after the visit or the
//! cancellation, the personal data of ended bookings anonymised later (the code, office,
//! day and outcome stay, so reports still count the visit), expired or ended staff
//! sessions and tokens removed. Each deletion is in the audit log.

use super::{Store, StoreResult, audit, ts};
use crate::domain::Actor;
use crate::domain::BookingStatus;
use crate::domain::booking::sql;
use chrono::{DateTime, Duration, Utc};

/// What a purge did (or, dry, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Certificate files deleted.
    pub certificates: u64,
    /// Bookings whose personal data was anonymised.
    pub anonymised: u64,
    /// Staff sessions and tokens removed.
    pub tokens: u64,
}

/// Ended bookings (a visit that happened or did not, or a cancellation), ended by $1.
fn ended(alias: &str) -> String {
    let list = sql::list(|s| !s.is_active() && !s.is_waiting() && s != BookingStatus::Confirmed);
    format!("{alias}.status IN {list} AND {} <= $1", ended_at(alias))
}

/// When a booking ended: its slot's end, or a later change (a cancellation). The
/// expression of the `bookings_to_anonymise` index, word for word.
fn ended_at(alias: &str) -> String {
    format!(
        "(CASE WHEN {alias}.slot_end > {alias}.updated_at THEN {alias}.slot_end \
         ELSE {alias}.updated_at END)"
    )
}

/// Bookings written per purge transaction, so that a large backlog (a first purge of a
/// national table) never holds SQLite's writer for long.
const PURGE_BATCH: i64 = 500;

/// Bookings whose certificate file is due, read from the certificates still kept that
/// were uploaded before the cut-off (a booking's current certificate is uploaded before
/// it ends), through their partial index: never the whole history.
pub(crate) fn files_due_sql(backend: super::Backend) -> String {
    format!(
        "SELECT b.id, b.office_id FROM certificates c{} \
         JOIN bookings b ON b.id = c.booking_id \
         WHERE c.deleted_at IS NULL AND c.superseded_at IS NULL AND c.uploaded_at <= $1 AND {} \
         ORDER BY c.uploaded_at LIMIT {PURGE_BATCH}",
        super::indexed_by(backend, "certificates_kept"),
        ended("b")
    )
}

/// Bookings whose personal data is due, from the expression index of the instants
/// ended bookings ended (in that order, so that the index is the plan whatever the
/// statistics expect).
pub(crate) fn people_due_sql(backend: super::Backend) -> String {
    format!(
        "SELECT b.id, b.office_id FROM bookings b{} WHERE {} AND b.anonymised_at IS NULL \
         ORDER BY {} LIMIT {PURGE_BATCH}",
        super::indexed_by(backend, "bookings_to_anonymise"),
        ended("b"),
        ended_at("b")
    )
}

impl Store {
    /// Deletes and anonymises what is due at `now`: certificate files of bookings ended
    /// `certificates_after` ago, personal data of bookings ended `personal_after` ago,
    /// and staff tokens and sessions that expired or were revoked, in transactions of
    /// at most [`PURGE_BATCH`] bookings. With `dry_run`, only counts.
    pub async fn purge(
        &self,
        now: DateTime<Utc>,
        certificates_after: Duration,
        personal_after: Duration,
        dry_run: bool,
    ) -> StoreResult<PurgeReport> {
        if dry_run {
            let count = |sql: String| {
                format!(
                    "SELECT COUNT(*) FROM ({}) due",
                    sql.replace(&format!(" LIMIT {PURGE_BATCH}"), "")
                )
            };
            let (files,): (i64,) = sqlx::query_as(&count(files_due_sql(self.backend)))
                .bind(ts(now - certificates_after))
                .fetch_one(&self.read)
                .await?;
            let (people,): (i64,) = sqlx::query_as(&count(people_due_sql(self.backend)))
                .bind(ts(now - personal_after))
                .fetch_one(&self.read)
                .await?;
            let (tokens,): (i64,) = sqlx::query_as(TOKENS_DUE)
                .bind(ts(now))
                .fetch_one(&self.read)
                .await?;
            return Ok(PurgeReport {
                certificates: files as u64,
                anonymised: people as u64,
                tokens: tokens as u64,
            });
        }
        let mut report = PurgeReport::default();
        // Each batch's due list is read outside the write transaction (the read walks the
        // kept certificates; SQLite's writer must not wait for it), and each write is
        // guarded, so that a row another purge took meanwhile is left alone.
        loop {
            let files: Vec<(i64, i64)> = sqlx::query_as(&files_due_sql(self.backend))
                .bind(ts(now - certificates_after))
                .fetch_all(&self.read)
                .await?;
            let mut tx = self.begin_write().await?;
            for (id, office) in &files {
                let detail = format!("{} days after the visit", certificates_after.num_days());
                delete_certificate_file(&mut tx, now, *office, *id, &detail).await?;
            }
            tx.commit().await?;
            report.certificates += files.len() as u64;
            if (files.len() as i64) < PURGE_BATCH {
                break;
            }
        }
        loop {
            let people: Vec<(i64, i64)> = sqlx::query_as(&people_due_sql(self.backend))
                .bind(ts(now - personal_after))
                .fetch_all(&self.read)
                .await?;
            let mut tx = self.begin_write().await?;
            for (id, office) in &people {
                let detail = format!("{} days after the visit", personal_after.num_days());
                let who = Forget {
                    actor: &Actor::System,
                    action: "retention.anonymised",
                    detail: &detail,
                };
                anonymise(&mut tx, *id, *office, now, &who).await?;
            }
            tx.commit().await?;
            report.anonymised += people.len() as u64;
            if (people.len() as i64) < PURGE_BATCH {
                break;
            }
        }
        let mut tx = self.begin_write().await?;
        let (tokens,): (i64,) = sqlx::query_as(TOKENS_DUE)
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await?;
        if tokens > 0 {
            sqlx::query(
                "DELETE FROM staff_tokens WHERE revoked_at IS NOT NULL \
                 OR (expires_at IS NOT NULL AND expires_at <= $1)",
            )
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let detail = format!("{tokens} ended sessions and tokens");
            audit(
                &mut tx,
                now,
                &Actor::System,
                "retention.tokens_removed",
                None,
                None,
                &detail,
            )
            .await?;
        }
        // Browsers not seen for the device cookie's life are forgotten.
        sqlx::query("DELETE FROM staff_devices WHERE last_used_at <= $1")
            .bind(ts(now - chrono::Duration::days(super::DEVICE_DAYS)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        report.tokens = tokens as u64;
        Ok(report)
    }
}

const TOKENS_DUE: &str = "SELECT COUNT(*) FROM staff_tokens WHERE revoked_at IS NOT NULL \
     OR (expires_at IS NOT NULL AND expires_at <= $1)";

/// Deletes a booking's certificate file, keeping its kind and review for the reports, and
/// says so in the audit log with `why`; nothing when it is deleted already. (A paper
/// certificate, seen at the desk, has an empty file and is marked deleted the same way,
/// so that the purge does not find it again.)
pub(super) async fn delete_certificate_file(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    now: DateTime<Utc>,
    office: i64,
    booking: i64,
    why: &str,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE certificates SET content = $2, size_bytes = 0, deleted_at = $3 \
         WHERE booking_id = $1 AND deleted_at IS NULL",
    )
    .bind(booking)
    .bind(Vec::<u8>::new())
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() > 0 {
        audit(
            tx,
            now,
            &Actor::System,
            "retention.certificate_deleted",
            Some(office),
            Some(booking),
            why,
        )
        .await?;
    }
    Ok(())
}

/// Who forgets a booking's person, and why (for the audit log).
pub(crate) struct Forget<'a> {
    pub(crate) actor: &'a Actor,
    pub(crate) action: &'a str,
    pub(crate) detail: &'a str,
}

/// Forgets who a booking was: the code, office, day, slot and outcome stay for
/// statistics; name, NIK, contact, birth date, tokens, temperatures and the reasons of
/// messages go. `false` when it was forgotten before.
pub(crate) async fn anonymise(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    office: i64,
    now: DateTime<Utc>,
    who: &Forget<'_>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE bookings SET nik = '', name = '', phone = '', email = NULL, \
         birth_date = '1900-01-01', token_hash = '', outcome_reason = NULL, \
         outcome_notice = NULL, anonymised_at = $2 WHERE id = $1 AND anonymised_at IS NULL",
    )
    .bind(id)
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    for forget in [
        "DELETE FROM booking_tokens WHERE booking_id = $1",
        // Temperatures are health data.
        "DELETE FROM readings WHERE booking_id = $1",
    ] {
        sqlx::query(forget).bind(id).execute(&mut **tx).await?;
    }
    sqlx::query(
        "UPDATE notifications SET reason = '', notice = NULL, secret = NULL WHERE booking_id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    audit(
        tx,
        now,
        who.actor,
        who.action,
        Some(office),
        Some(id),
        who.detail,
    )
    .await?;
    Ok(true)
}
