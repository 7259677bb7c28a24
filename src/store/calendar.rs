//! Level rules, level schedules, holidays and office closures: what the planner's
//! `Calendar` is made of.

use super::{Store, StoreResult, audit, ts};
use crate::domain::holidays::{Holiday, HolidayKind, Holidays};
use crate::domain::{Actor, Level, LevelRule};
use crate::planner::{Calendar, DayOverride, LevelPeriod};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use std::sync::Arc;

#[derive(sqlx::FromRow)]
struct RuleRow {
    level: String,
    wfo_percent: i64,
    occupancy_percent: i64,
    max_visitors: Option<i64>,
    latest_close: Option<String>,
    source: String,
}

impl RuleRow {
    /// The rule, if its level is one of ours (a row of an unknown level is skipped).
    fn rule(self) -> Option<LevelRule> {
        Some(LevelRule {
            level: Level::parse(&self.level)?,
            wfo_percent: u32::try_from(self.wfo_percent).unwrap_or(100),
            occupancy_percent: u32::try_from(self.occupancy_percent).unwrap_or(100),
            max_visitors: self.max_visitors.and_then(|m| u32::try_from(m).ok()),
            latest_close: self.latest_close,
            source: self.source,
        })
    }
}

/// A version of a level rule, with who changed it, when and why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleVersion {
    pub level: String,
    /// Version, from 1.
    pub version: i64,
    /// WFO %.
    pub wfo_percent: i64,
    /// Occupancy %.
    pub occupancy_percent: i64,
    /// Absolute daily maximum.
    pub max_visitors: Option<i64>,
    /// Latest closing time.
    pub latest_close: Option<String>,
    /// Legal source.
    pub source: String,
    /// Who.
    pub changed_by: String,
    /// When (epoch seconds).
    pub changed_at: i64,
    /// Why.
    pub reason: String,
}

/// A row of an office's level schedule.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LevelScheduleRow {
    /// The period's id (to end or delete it).
    pub id: i64,
    pub level: String,
    /// First day.
    pub effective_from: String,
    /// Last day, or null.
    pub effective_to: Option<String>,
    /// The instruction number.
    pub reason: String,
    /// Who set it.
    pub set_by: String,
}

const CURRENT_RULES: &str = "SELECT r.level, r.wfo_percent, r.occupancy_percent, r.max_visitors, \
    r.latest_close, r.source FROM level_rules r WHERE r.version = \
    (SELECT MAX(v.version) FROM level_rules v WHERE v.level = r.level)";

/// Loads the calendar of an office on a connection (inside a transaction if need be).
pub(crate) async fn load_calendar(
    conn: &mut AnyConnection,
    office_id: i64,
) -> StoreResult<Calendar> {
    let rules: Vec<RuleRow> = sqlx::query_as(CURRENT_RULES).fetch_all(&mut *conn).await?;
    let levels: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT level, effective_from, effective_to, reason FROM office_levels \
         WHERE office_id = $1 ORDER BY id",
    )
    .bind(office_id)
    .fetch_all(&mut *conn)
    .await?;
    let holidays: Vec<(String, String)> = sqlx::query_as("SELECT day, name FROM holidays")
        .fetch_all(&mut *conn)
        .await?;
    let overrides: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT day, closed, reason FROM office_days WHERE office_id = $1")
            .bind(office_id)
            .fetch_all(&mut *conn)
            .await?;
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Ok(Calendar {
        rules: rules
            .into_iter()
            .filter_map(RuleRow::rule)
            .map(|r| (r.level, r))
            .collect(),
        levels: levels
            .into_iter()
            .filter_map(|(level, from, to, reason)| {
                Some(LevelPeriod {
                    from: date(&from)?,
                    to: to.as_deref().and_then(date),
                    level: Level::parse(&level)?,
                    reason,
                })
            })
            .collect(),
        holidays: holidays
            .into_iter()
            .filter_map(|(d, name)| Some((date(&d)?, name)))
            .collect(),
        overrides: overrides
            .into_iter()
            .filter_map(|(d, closed, reason)| {
                let o = if closed == 1 {
                    DayOverride::Closed(reason)
                } else {
                    DayOverride::Open
                };
                Some((date(&d)?, o))
            })
            .collect(),
    })
}

/// Bumps the plan version of one office (or of all, for national data) inside a
/// transaction. On PostgreSQL this also takes the office rows' write lock, which waits for
/// bookings holding them shared and holds new ones back until the change commits.
pub(crate) async fn bump_plan_version(
    conn: &mut AnyConnection,
    office_id: Option<i64>,
) -> StoreResult<()> {
    match office_id {
        Some(id) => {
            sqlx::query("UPDATE offices SET plan_version = plan_version + 1 WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?
        }
        None => {
            sqlx::query("UPDATE offices SET plan_version = plan_version + 1")
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

impl Store {
    /// The calendar of an office at a plan version, from the cache when it is current.
    pub(crate) async fn calendar(
        &self,
        office_id: i64,
        version: i64,
    ) -> StoreResult<Arc<Calendar>> {
        if let Some((v, cal)) = self.calendars.get(&office_id) {
            if v == version {
                return Ok(cal);
            }
        }
        let mut conn = self.read.acquire().await?;
        let cal = Arc::new(load_calendar(&mut conn, office_id).await?);
        self.calendars.insert(office_id, (version, cal.clone()));
        Ok(cal)
    }

    /// The rules in force, one per level.
    pub async fn level_rules(&self) -> StoreResult<Vec<LevelRule>> {
        let rows: Vec<RuleRow> = sqlx::query_as(CURRENT_RULES).fetch_all(&self.read).await?;
        let mut rules: Vec<LevelRule> = rows.into_iter().filter_map(RuleRow::rule).collect();
        rules.sort_by_key(|r| r.level);
        Ok(rules)
    }

    /// Every version of every rule, newest first.
    pub async fn level_rule_history(&self) -> StoreResult<Vec<RuleVersion>> {
        Ok(sqlx::query_as(
            "SELECT level, version, wfo_percent, occupancy_percent, max_visitors, latest_close, \
             source, changed_by, changed_at, reason FROM level_rules ORDER BY changed_at DESC, id DESC",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// An office's level schedule, in the order it was set.
    pub async fn level_schedule(&self, office_id: i64) -> StoreResult<Vec<LevelScheduleRow>> {
        Ok(sqlx::query_as(
            "SELECT id, level, effective_from, effective_to, reason, set_by FROM office_levels \
             WHERE office_id = $1 ORDER BY id",
        )
        .bind(office_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Holidays of a year, by date.
    pub async fn holidays(&self, year: i32) -> StoreResult<Holidays> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, name, kind FROM holidays WHERE year = $1 ORDER BY day")
                .bind(i64::from(year))
                .fetch_all(&self.read)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(day, name, kind)| {
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?;
                let kind = HolidayKind::parse(&kind)?;
                Some((day, Holiday { name, kind }))
            })
            .collect())
    }
}

/// Adds a new version of a level's rule, inside a change's transaction (the re-plan of
/// every office follows in the same transaction).
pub(crate) async fn write_rule(
    conn: &mut AnyConnection,
    rule: &LevelRule,
    actor: &Actor,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (version,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(version), 0) + 1 FROM level_rules WHERE level = $1")
            .bind(rule.level.as_str())
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO level_rules (level, version, wfo_percent, occupancy_percent, max_visitors, \
         latest_close, source, changed_by, changed_at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(rule.level.as_str())
    .bind(version)
    .bind(i64::from(rule.wfo_percent))
    .bind(i64::from(rule.occupancy_percent))
    .bind(rule.max_visitors.map(i64::from))
    .bind(&rule.latest_close)
    .bind(&rule.source)
    .bind(actor.audit_name())
    .bind(ts(now))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    audit(
        conn,
        now,
        actor,
        "level_rule.update",
        None,
        None,
        rule.level.as_str(),
    )
    .await
}

/// Replaces the holidays of `year` with `days`, inside a change's transaction.
pub(crate) async fn write_holidays(
    conn: &mut AnyConnection,
    year: i32,
    days: &Holidays,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM holidays WHERE year = $1")
        .bind(i64::from(year))
        .execute(&mut *conn)
        .await?;
    for (day, holiday) in days {
        sqlx::query("INSERT INTO holidays (day, name, kind, year) VALUES ($1, $2, $3, $4)")
            .bind(day.to_string())
            .bind(&holiday.name)
            .bind(holiday.kind.as_str())
            .bind(i64::from(year))
            .execute(&mut *conn)
            .await?;
    }
    let detail = format!("{year}: {} days", days.len());
    audit(conn, now, actor, "holidays.load", None, None, &detail).await
}
