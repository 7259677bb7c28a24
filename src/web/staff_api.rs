//! Staff routes of the capacity planner (API.md, "Restriction levels"): the level
//! schedule, closures, the level rules, holiday files and the plan.

use super::AppState;
use super::api::parse_json;
use super::auth::Staff;
use super::error::{AppError, Code};
use crate::domain::holidays::{parse_csv, parse_ical};
use crate::domain::{Level, LevelRule, Role};
use crate::planner;
use crate::store::{LevelScheduleRow, Office, PlanChange, ReplanReport, RuleVersion};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Routes under `/api/v1/staff`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/staff/offices/{slug}/levels",
            get(get_levels).put(put_level),
        )
        .route(
            "/api/v1/staff/offices/{slug}/closures/{date}",
            put(put_closure).delete(delete_closure),
        )
        .route("/api/v1/staff/offices/{slug}/plan", get(get_plan))
        .route("/api/v1/staff/level-rules", get(get_rules).put(put_rule))
        .route("/api/v1/staff/level-rules/history", get(get_rule_history))
        .route(
            "/api/v1/staff/holidays/{year}",
            get(get_holidays).put(put_holidays),
        )
}

fn invalid(field: &str) -> AppError {
    AppError::field(Code::Invalid, field, "err.required")
}

/// A reason or instruction as typed: 1–300 characters, no control characters.
pub(crate) fn check_reason(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 300 || r.chars().any(char::is_control) {
        return Err(invalid("reason"));
    }
    Ok(r.to_string())
}

/// A `YYYY-MM-DD` date in 2000–2100, the field named when it is not.
pub(crate) fn parse_date(s: &str, field: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| AppError::field(Code::Invalid, field, "err.date"))
}

/// The office of a staff route, if this member may act for it with `role`.
async fn office_for(
    state: &AppState,
    staff: &Staff,
    slug: &str,
    role: Role,
) -> Result<Office, AppError> {
    staff.require(role)?;
    let office = state.store.office(slug).await?;
    staff.require_office(role, office.id)?;
    Ok(office)
}

/// A level over a date range (API.md).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LevelChange {
    /// `none`, `1`–`4`, `darurat`.
    level: String,
    /// First day, `YYYY-MM-DD`.
    effective_from: String,
    /// Last day, or null for open-ended.
    effective_to: Option<String>,
    /// The instruction, e.g. `Inmendagri 22/2021`.
    reason: String,
    /// `true`: only report what would happen. Default `false`.
    #[serde(default)]
    dry_run: bool,
}

/// The office's level schedule.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/levels", tag = "supervisor",
    params(("slug" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [LevelScheduleRow]), (status = 401), (status = 403), (status = 404)))]
pub async fn get_levels(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Json<Vec<LevelScheduleRow>>, AppError> {
    let office = office_for(&state, &staff, &slug, Role::Desk).await?;
    Ok(Json(state.store.level_schedule(office.id).await?))
}

/// Set the level in force from a date; a dry run reports what it would do.
#[utoipa::path(put, path = "/api/v1/staff/offices/{slug}/levels", tag = "supervisor",
    params(("slug" = String, Path)), request_body = LevelChange, security(("bearer" = [])),
    responses((status = 200, body = ReplanReport), (status = 401), (status = 403), (status = 422)))]
pub async fn put_level(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ReplanReport>, AppError> {
    let office = office_for(&state, &staff, &slug, Role::Supervisor).await?;
    let change: LevelChange = parse_json(&headers, &body)?;
    let level = Level::parse(&change.level).ok_or_else(|| invalid("level"))?;
    let from = parse_date(&change.effective_from, "effective_from")?;
    let to = change
        .effective_to
        .as_deref()
        .map(|d| parse_date(d, "effective_to"))
        .transpose()?;
    if to.is_some_and(|to| to < from) {
        return Err(AppError::field(Code::Invalid, "effective_to", "err.range"));
    }
    let reason = check_reason(&change.reason)?;
    let report = state
        .store
        .apply_plan_change(
            office.id,
            &PlanChange::Level { level, from, to },
            &reason,
            &staff.0.actor(),
            state.clock.now(),
            change.dry_run,
        )
        .await?;
    Ok(Json(report))
}

/// Body of a closure.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClosureBody {
    /// Why, e.g. "disinfection after a positive case".
    reason: String,
    /// `true`: only report what would happen. Default `false`.
    #[serde(default)]
    dry_run: bool,
}

/// Close a day; displaced bookings are moved or marked, never lost.
#[utoipa::path(put, path = "/api/v1/staff/offices/{slug}/closures/{date}", tag = "supervisor",
    params(("slug" = String, Path), ("date" = String, Path)), request_body = ClosureBody,
    security(("bearer" = [])),
    responses((status = 200, body = ReplanReport), (status = 401), (status = 403), (status = 422)))]
pub async fn put_closure(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, date)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ReplanReport>, AppError> {
    let office = office_for(&state, &staff, &slug, Role::Supervisor).await?;
    let date = parse_date(&date, "date")?;
    let closure: ClosureBody = parse_json(&headers, &body)?;
    let reason = check_reason(&closure.reason)?;
    let report = state
        .store
        .apply_plan_change(
            office.id,
            &PlanChange::Close(date),
            &reason,
            &staff.0.actor(),
            state.clock.now(),
            closure.dry_run,
        )
        .await?;
    Ok(Json(report))
}

/// Reopen a day: lifts a closure, or opens on a public holiday / joint leave day.
#[utoipa::path(delete, path = "/api/v1/staff/offices/{slug}/closures/{date}", tag = "supervisor",
    params(("slug" = String, Path), ("date" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReplanReport), (status = 401), (status = 403), (status = 422)))]
pub async fn delete_closure(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, date)): Path<(String, String)>,
) -> Result<Json<ReplanReport>, AppError> {
    let office = office_for(&state, &staff, &slug, Role::Supervisor).await?;
    let date = parse_date(&date, "date")?;
    let report = state
        .store
        .apply_plan_change(
            office.id,
            &PlanChange::Reopen(date),
            "reopened",
            &staff.0.actor(),
            state.clock.now(),
            false,
        )
        .await?;
    Ok(Json(report))
}

/// One day of the plan, explained.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanDay {
    /// Office-local date.
    pub date: String,
    /// Level in force.
    pub level: String,
    /// Why closed, if closed.
    pub closed: Option<String>,
    /// Cap.
    pub cap: u32,
    /// Seats held.
    pub booked: u32,
    /// Which limit binds.
    pub limited_by: Option<&'static str>,
    /// Recording sets that can be staffed.
    pub staffed_sets: u32,
    /// Waiting-room seats usable at once.
    pub seats: u32,
    /// Waiting-list entries that want this day.
    pub waiting: u32,
    /// The level's WFO and occupancy percentages, for explanations.
    pub wfo_percent: u32,
    /// Occupancy %.
    pub occupancy_percent: u32,
}

/// The plan of the coming days and the backlog.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Plan {
    /// Office slug.
    pub office: String,
    /// Days from today.
    pub days: Vec<PlanDay>,
    /// Bookings waiting for a new slot.
    pub needs_rebooking: u32,
    /// Open days needed to seat the backlog, per level (null: not within 366 days).
    pub days_to_clear: HashMap<String, Option<u32>>,
}

/// Builds the plan of `days` days from today (shared with the planner page and the CLI).
pub async fn plan(state: &AppState, office: &Office, days: u32) -> Result<Plan, AppError> {
    let now = state.clock.now();
    let today = planner::local_date(&office.spec, now);
    let last = today + Duration::days(i64::from(days.saturating_sub(1)));
    let avail = super::views::availability(state, office, today, last).await?;
    let backlog = state.store.needs_rebooking_count(office.id).await?;
    let waiting = state.store.waiting_per_day(office.id, today, last).await?;
    // Those holding an offered seat already have one (it is among the seats taken).
    let unseated = state.store.unseated_backlog(office.id).await?;
    // Seats taken per slot, from today's first slot to beyond any horizon.
    let taken = state
        .store
        .slot_loads(
            office.id,
            now - Duration::days(1),
            now + Duration::days(400),
        )
        .await?;
    let days_to_clear = Level::ALL
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None))
        .map(|level| {
            let n = planner::days_to_clear(
                &office.spec,
                &office.calendar,
                level,
                now,
                &taken,
                unseated,
            );
            (level.map_or("current", Level::as_str).to_string(), n)
        })
        .collect();
    Ok(Plan {
        office: office.slug.clone(),
        days: avail
            .days
            .iter()
            .map(|d| {
                let p = planner::plan_day(&office.spec, &office.calendar, d.date);
                let rule = office.calendar.rule(p.level);
                PlanDay {
                    date: d.date.to_string(),
                    level: d.level.clone(),
                    closed: p.closed.clone(),
                    cap: d.cap,
                    booked: d.booked,
                    limited_by: d.limited_by,
                    staffed_sets: p.staffed_sets,
                    seats: p.seats,
                    waiting: waiting.get(&d.date).copied().unwrap_or(0),
                    wfo_percent: rule.wfo_percent,
                    occupancy_percent: rule.occupancy_percent,
                }
            })
            .collect(),
        needs_rebooking: backlog,
        days_to_clear,
    })
}

/// The plan as a text table (the `rekam plan` command).
pub fn plan_table(plan: &Plan) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{:<12} {:<8} {:>4} {:>6} {:>5} {:>5}  {}\n",
        "date", "level", "cap", "booked", "sets", "seats", "limited by / closed"
    );
    for d in &plan.days {
        let note = d
            .closed
            .clone()
            .unwrap_or_else(|| d.limited_by.unwrap_or("no opening hours").to_string());
        let _ = writeln!(
            out,
            "{:<12} {:<8} {:>4} {:>6} {:>5} {:>5}  {}",
            d.date, d.level, d.cap, d.booked, d.staffed_sets, d.seats, note
        );
    }
    let _ = writeln!(out, "\nbacklog (needs rebooking): {}", plan.needs_rebooking);
    let days = |level: &str| {
        plan.days_to_clear
            .get(level)
            .copied()
            .flatten()
            .map_or("more than a year".to_string(), |d| format!("{d} open days"))
    };
    let _ = writeln!(
        out,
        "  to clear at the levels in force: {}",
        days("current")
    );
    for level in Level::ALL {
        let level = level.as_str();
        let _ = writeln!(out, "  to clear at level {level:<8} {}", days(level));
    }
    out
}

#[derive(Deserialize)]
pub struct PlanQuery {
    days: Option<u32>,
}

/// The coming days: cap, seats held, level, closures, the binding limit; the backlog.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/plan", tag = "supervisor",
    params(("slug" = String, Path), ("days" = Option<u32>, Query)), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 401), (status = 403)))]
pub async fn get_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Json<Plan>, AppError> {
    let office = office_for(&state, &staff, &slug, Role::Desk).await?;
    let days = q.days.unwrap_or(30).clamp(1, 62);
    Ok(Json(plan(&state, &office, days).await?))
}

/// The rules in force, one per level.
#[utoipa::path(get, path = "/api/v1/staff/level-rules", tag = "supervisor", security(("bearer" = [])),
    responses((status = 200, body = [LevelRule]), (status = 401)))]
pub async fn get_rules(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<LevelRule>>, AppError> {
    staff.require(Role::Desk)?;
    Ok(Json(state.store.level_rules().await?))
}

/// A rule edit: the new rule and why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RuleEdit {
    #[serde(flatten)]
    rule: LevelRule,
    /// Why the rule changes.
    reason: String,
}

/// Edit a level's rule; the old version is kept.
#[utoipa::path(put, path = "/api/v1/staff/level-rules", tag = "supervisor",
    request_body = RuleEdit, security(("bearer" = [])),
    responses((status = 200, body = [LevelRule]), (status = 401), (status = 403), (status = 422)))]
pub async fn put_rule(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Vec<LevelRule>>, AppError> {
    staff.require(Role::Supervisor)?;
    let edit: RuleEdit = parse_json(&headers, &body)?;
    edit.rule.validate().map_err(invalid)?;
    let reason = check_reason(&edit.reason)?;
    state
        .store
        .put_level_rule(&edit.rule, &staff.0.actor(), &reason, state.clock.now())
        .await?;
    Ok(Json(state.store.level_rules().await?))
}

/// Every version of every rule, newest first.
#[utoipa::path(get, path = "/api/v1/staff/level-rules/history", tag = "supervisor",
    security(("bearer" = [])), responses((status = 200, body = [RuleVersion]), (status = 401)))]
pub async fn get_rule_history(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<RuleVersion>>, AppError> {
    staff.require(Role::Desk)?;
    Ok(Json(state.store.level_rule_history().await?))
}

fn parse_year(year: &str) -> Result<i32, AppError> {
    year.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| invalid("year"))
}

/// A year's holidays.
#[utoipa::path(get, path = "/api/v1/staff/holidays/{year}", tag = "supervisor",
    params(("year" = i32, Path)), security(("bearer" = [])),
    responses((status = 200), (status = 401)))]
pub async fn get_holidays(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Role::Desk)?;
    let year = parse_year(&year)?;
    let days: Vec<serde_json::Value> = state
        .store
        .holidays(year)
        .await?
        .into_iter()
        .map(|(date, name)| serde_json::json!({"date": date, "name": name}))
        .collect();
    Ok(Json(days).into_response())
}

/// Replace a year's holidays with a file: `text/csv` (`YYYY-MM-DD,name` lines) or
/// `text/calendar` (all-day events). All or nothing.
#[utoipa::path(put, path = "/api/v1/staff/holidays/{year}", tag = "supervisor",
    params(("year" = i32, Path)), request_body(content = String, content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200), (status = 401), (status = 403), (status = 415), (status = 422)))]
pub async fn put_holidays(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    staff.require(Role::Supervisor)?;
    let year = parse_year(&year)?;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = std::str::from_utf8(&body).map_err(|_| invalid("file"))?;
    let parsed = if kind.starts_with("text/csv") {
        parse_csv(text, year)
    } else if kind.starts_with("text/calendar") {
        parse_ical(text, year)
    } else {
        return Err(AppError::field(
            Code::UnsupportedMediaType,
            "file",
            "err.holiday_type",
        ));
    };
    let days = parsed.map_err(|e| {
        // The message of a bad file names its line; it is data, not one of our texts.
        let field = e
            .line
            .map_or_else(|| "file".to_string(), |l| format!("line {l}"));
        tracing::info!(error = %e.message, "holiday file refused");
        AppError {
            code: Code::Invalid,
            field: Some(field),
            message: "err.holiday_file",
        }
    })?;
    state
        .store
        .load_holidays(year, &days, &staff.0.actor(), state.clock.now())
        .await?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({"year": year, "days": days.len()})),
    )
        .into_response())
}
