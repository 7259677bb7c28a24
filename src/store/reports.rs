//! What happened, read back: the day report per office and the audit log.

use super::{Store, StoreResult, ts};
use crate::domain::Actor;
use crate::domain::BookingStatus;
use crate::domain::booking::sql::lit;
use chrono::{DateTime, NaiveDate, Utc};

/// One day of an office's report.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct DayReport {
    /// Office-local date.
    pub date: String,
    /// Seats taken that day (booked or walked in, whatever became of them).
    pub booked: i64,
    /// Checked in (a queue number given), whatever came after.
    pub checked_in: i64,
    pub recorded: i64,
    /// No-show.
    pub no_show: i64,
    pub turned_away: i64,
    /// Walk-ins.
    pub walk_ins: i64,
    pub cancelled: i64,
}

/// A row of the audit log.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    /// Row id (increasing).
    pub id: i64,
    /// When (epoch seconds).
    pub at: i64,
    /// `staff:<username>`, `applicant`, `system`.
    pub actor: String,
    /// What, e.g. `certificate.view`.
    pub action: String,
    /// Office slug, if any.
    pub office: Option<String>,
    /// Booking code, if any.
    pub booking: Option<String>,
    /// Details.
    pub detail: Option<String>,
    /// Client address it came from.
    pub origin: Option<String>,
}

/// Filters of the audit log; each is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// From this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Exactly this actor.
    pub actor: Option<String>,
    /// Actions starting with this.
    pub action: Option<String>,
    /// This office only.
    pub office_id: Option<i64>,
    /// This booking code only.
    pub booking: Option<String>,
    /// Rows with an id below this (the next page).
    pub before_id: Option<i64>,
    /// At most this many rows.
    pub limit: i64,
    /// Leave out the records of reads (views and exports), so that changes stand out.
    pub hide_reads: bool,
}

impl Store {
    /// Per day from `from` to `to` (inclusive) at an office: what became of its seats.
    pub async fn day_report(
        &self,
        office_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayReport>> {
        let count =
            |s: BookingStatus| format!("SUM(CASE WHEN status = {} THEN 1 ELSE 0 END)", lit(s));
        let booked = crate::domain::booking::sql::holds_seat("bookings");
        Ok(sqlx::query_as(&format!(
            "SELECT local_date AS date, \
             SUM(CASE WHEN {booked} THEN 1 ELSE 0 END) AS booked, \
             SUM(CASE WHEN queue_number IS NOT NULL THEN 1 ELSE 0 END) AS checked_in, \
             {} AS recorded, {} AS no_show, {} AS turned_away, \
             SUM(CASE WHEN walk_in = 1 THEN 1 ELSE 0 END) AS walk_ins, {} AS cancelled \
             FROM bookings WHERE office_id = $1 AND local_date >= $2 AND local_date <= $3 \
             GROUP BY local_date ORDER BY local_date",
            count(BookingStatus::Recorded),
            count(BookingStatus::NoShow),
            count(BookingStatus::TurnedAway),
            count(BookingStatus::Cancelled),
        ))
        .bind(office_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.read)
        .await?)
    }

    /// The people recorded at an office in a range of days: (NIK, birth date, day), for
    /// the breakdown by kecamatan, sex and age (anonymised rows carry no NIK to read).
    pub async fn recorded_people(
        &self,
        office_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(&format!(
            "SELECT nik, birth_date, local_date FROM bookings WHERE office_id = $1 \
             AND local_date >= $2 AND local_date <= $3 AND status = {}",
            lit(BookingStatus::Recorded)
        ))
        .bind(office_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.read)
        .await?)
    }

    /// The audit log, newest first, filtered. Only the filters given are in the SQL (a
    /// `$n IS NULL OR …` test would hide the indexes from PostgreSQL's generic plans),
    /// and a booking code is looked up first, so that its rows come from the booking's
    /// index rather than from a walk back through the whole log.
    pub async fn audit_log(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
        let booking_id = match &f.booking {
            Some(code) => {
                let id: Option<(i64,)> = sqlx::query_as("SELECT id FROM bookings WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.read)
                    .await?;
                match id {
                    Some((id,)) => Some(id),
                    None => return Ok(Vec::new()),
                }
            }
            None => None,
        };
        let sql = audit_sql(f, booking_id.is_some());
        let mut q = sqlx::query_as(&sql);
        if let Some(v) = f.from {
            q = q.bind(ts(v));
        }
        if let Some(v) = f.to {
            q = q.bind(ts(v));
        }
        if let Some(v) = &f.actor {
            q = q.bind(v.clone());
        }
        if let Some(v) = &f.action {
            q = q.bind(format!("{v}%"));
        }
        if let Some(v) = f.office_id {
            q = q.bind(v);
        }
        if let Some(v) = booking_id {
            q = q.bind(v);
        }
        if let Some(v) = f.before_id {
            q = q.bind(v);
        }
        Ok(q.bind(f.limit).fetch_all(&self.read).await?)
    }

    /// Records that staff read personal data (a booking, a day's list): committed before
    /// this returns, together with the records of other reads at the same moment.
    pub async fn audit_read(
        &self,
        actor: &Actor,
        action: &str,
        office_id: Option<i64>,
        booking_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.access_log
            .record(super::access_log::AccessRecord {
                at: now,
                actor: actor.audit_name(),
                action: action.to_string(),
                office_id,
                booking_id,
                origin: super::ORIGIN.try_with(Clone::clone).ok(),
            })
            .await
    }

    /// Bookings per office and status, of the statuses that hold or wait for a seat (the
    /// ended ones only grow: counting them would walk the whole history at every scrape).
    pub async fn status_counts(&self) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(&status_counts_sql(self.backend))
            .fetch_all(&self.read)
            .await?)
    }

    /// Messages given up on.
    pub async fn failed_message_count(&self) -> StoreResult<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE failed_at IS NOT NULL")
                .fetch_one(&self.read)
                .await?;
        Ok(n)
    }

    /// The pools' connections and idle ones: (pool, size, idle).
    pub fn pool_use(&self) -> Vec<(&'static str, u32, usize)> {
        vec![
            ("write", self.write.size(), self.write.num_idle()),
            ("read", self.read.size(), self.read.num_idle()),
        ]
    }
}

/// The audit log's query with the filters `f` sets, binding in the order of
/// [`Store::audit_log`].
pub(crate) fn audit_sql(f: &AuditFilter, by_booking: bool) -> String {
    let mut sql = String::from(
        "SELECT a.id, a.at, a.actor, a.action, o.slug AS office, b.code AS booking, \
         a.detail, a.origin FROM audit_log a \
         LEFT JOIN offices o ON o.id = a.office_id \
         LEFT JOIN bookings b ON b.id = a.booking_id WHERE 1 = 1",
    );
    let mut n = 0;
    let mut add = |cond: &str, on: bool| {
        if on {
            n += 1;
            sql.push_str(&format!(" AND {}", cond.replace('?', &format!("${n}"))));
        }
    };
    add("a.at >= ?", f.from.is_some());
    add("a.at < ?", f.to.is_some());
    add("a.actor = ?", f.actor.is_some());
    add("a.action LIKE ?", f.action.is_some());
    add("a.office_id = ?", f.office_id.is_some());
    add("a.booking_id = ?", by_booking);
    add("a.id < ?", f.before_id.is_some());
    if f.hide_reads {
        sql.push_str(" AND a.action NOT LIKE '%.view' AND a.action NOT LIKE '%.export'");
    }
    sql.push_str(&format!(" ORDER BY a.id DESC LIMIT ${}", n + 1));
    sql
}

/// The `/metrics` gauge's query: served by the partial index of active bookings.
pub(crate) fn status_counts_sql(backend: super::Backend) -> String {
    format!(
        "SELECT o.slug, b.status, COUNT(*) FROM bookings b{} \
         JOIN offices o ON o.id = b.office_id WHERE b.status IN {} GROUP BY o.slug, b.status",
        super::indexed_by(backend, "bookings_active_office"),
        crate::domain::booking::sql::list(BookingStatus::is_active)
    )
}
