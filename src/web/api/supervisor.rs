//! Supervisor routes (API.md, "Restriction levels"): the level schedule, closures, the
//! level rules, holiday files and the plan.

use super::dto::{LevelScheduleRow, OfficeReport, Plan, ReplanReport, RuleVersion};
use super::parse_json;
use crate::domain::holidays::{parse_csv, parse_ical};
use crate::domain::{LevelRule, LevelRuleInput, Role};
use crate::store::PlanChange;
use crate::usecases::auth::{self, Desk, Supervisor};
use crate::usecases::changes::{self, LevelForm, parse_date, parse_year};
use crate::usecases::{AppError, Code, plan};
use crate::web::AppState;
use crate::web::kit::auth::Staff;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};

use serde::{Deserialize, Serialize};

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
        .route(
            "/api/v1/staff/offices/{slug}/failed-messages",
            get(failed_messages),
        )
        .route("/api/v1/staff/level-rules", get(get_rules).put(put_rule))
        .route("/api/v1/staff/level-rules/history", get(get_rule_history))
        .route(
            "/api/v1/staff/holidays/{year}",
            get(get_holidays).put(put_holidays),
        )
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
    let who = auth::office::<Desk>(&state, &staff.0, &slug).await?;
    let office = who.office();
    let rows = changes::level_schedule(&state, office).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
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
    let who = auth::office::<Supervisor>(&state, &staff.0, &slug).await?;
    let office = who.office();
    let body: LevelChange = parse_json(&headers, &body)?;
    let change: PlanChange = LevelForm {
        level: &body.level,
        from: &body.effective_from,
        to: body.effective_to.as_deref(),
    }
    .try_into()?;
    let report = changes::apply(&state, &who, &change, &body.reason, body.dry_run).await?;
    Ok(Json(ReplanReport::new(&report, office.spec.timezone)))
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
    let who = auth::office::<Supervisor>(&state, &staff.0, &slug).await?;
    let office = who.office();
    let date = parse_date(&date, "date")?;
    let closure: ClosureBody = parse_json(&headers, &body)?;
    let change = PlanChange::Close(date);
    let report = changes::apply(&state, &who, &change, &closure.reason, closure.dry_run).await?;
    Ok(Json(ReplanReport::new(&report, office.spec.timezone)))
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
    let who = auth::office::<Supervisor>(&state, &staff.0, &slug).await?;
    let office = who.office();
    let date = parse_date(&date, "date")?;
    let change = PlanChange::Reopen(date);
    let report = changes::apply(&state, &who, &change, "reopened", false).await?;
    Ok(Json(ReplanReport::new(&report, office.spec.timezone)))
}

/// The coming days: cap, seats held, level, closures, the binding limit; the backlog.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/plan", tag = "supervisor",
    params(("slug" = String, Path),
        ("days" = Option<u32>, Query, minimum = 1, maximum = 62, description = "days to show, 1–62; default 30")),
    security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 401), (status = 403)))]
pub async fn get_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Plan>, AppError> {
    let who = auth::office::<Desk>(&state, &staff.0, &slug).await?;
    let office = who.office();
    let days = match q.get("days") {
        None => 30,
        Some(d) => d
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=62).contains(d))
            .ok_or_else(|| AppError::field(Code::Invalid, "days", "err-required"))?,
    };
    let mut answer: super::dto::Plan = plan::plan(&state, office, days).await?.into();
    answer.holidays_missing = plan::holidays_missing(&state).await?;
    Ok(Json(answer))
}

/// The rules in force, one per level.
#[utoipa::path(get, path = "/api/v1/staff/level-rules", tag = "supervisor", security(("bearer" = [])),
    responses((status = 200, body = [LevelRuleInput]), (status = 401)))]
pub async fn get_rules(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<LevelRuleInput>>, AppError> {
    auth::has_role(&staff.0, Role::Desk)?;
    Ok(Json(wire(&changes::rules(&state).await?)))
}

/// Rules as the contract spells them.
fn wire(rules: &[LevelRule]) -> Vec<LevelRuleInput> {
    rules.iter().map(LevelRuleInput::from).collect()
}

/// A rule edit: the new rule and why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RuleEdit {
    #[serde(flatten)]
    rule: LevelRuleInput,
    /// Why the rule changes.
    reason: String,
    /// `true`: only report what would happen. Default `false`.
    #[serde(default)]
    dry_run: bool,
}

/// Edit a level's rule (admin: it applies to every office); the old version is kept.
/// Every office is re-planned as for a level change; `dry_run` reports what it would do.
#[utoipa::path(put, path = "/api/v1/staff/level-rules", tag = "admin",
    request_body = RuleEdit, security(("bearer" = [])),
    responses((status = 200, body = RuleChange), (status = 401), (status = 403), (status = 422)))]
pub async fn put_rule(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RuleChange>, AppError> {
    let who = auth::nationwide(&staff.0)?;
    let edit: RuleEdit = parse_json(&headers, &body)?;
    let reports = changes::edit_rule(&state, &who, &edit.rule, &edit.reason, edit.dry_run).await?;
    Ok(Json(RuleChange {
        rules: wire(&changes::rules(&state).await?),
        applied: !edit.dry_run,
        offices: reports.iter().map(OfficeReport::new).collect(),
    }))
}

/// What a rule edit does (or did) to every office.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RuleChange {
    /// The rules in force (after the edit, when applied).
    rules: Vec<LevelRuleInput>,
    /// Whether the edit was applied.
    applied: bool,
    /// Each office's re-plan.
    offices: Vec<OfficeReport>,
}

/// Every version of every rule, newest first.
#[utoipa::path(get, path = "/api/v1/staff/level-rules/history", tag = "supervisor",
    security(("bearer" = [])), responses((status = 200, body = [RuleVersion]), (status = 401)))]
pub async fn get_rule_history(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<RuleVersion>>, AppError> {
    auth::has_role(&staff.0, Role::Desk)?;
    let history = changes::rule_history(&state).await?;
    Ok(Json(history.into_iter().map(Into::into).collect()))
}

/// A year's holidays: `[{"date", "name", "kind": "national" | "joint_leave"}]`.
#[utoipa::path(get, path = "/api/v1/staff/holidays/{year}", tag = "supervisor",
    params(("year" = i32, Path)), security(("bearer" = [])),
    responses((status = 200), (status = 401)))]
pub async fn get_holidays(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    auth::has_role(&staff.0, Role::Desk)?;
    let year = parse_year(&year)?;
    let days: Vec<serde_json::Value> = changes::holidays(&state, year)
        .await?
        .into_iter()
        .map(|(date, h)| serde_json::json!({"date": date, "name": h.name, "kind": h.kind.as_str()}))
        .collect();
    Ok(Json(days).into_response())
}

/// Replace a year's holidays with a file: `text/csv` (`YYYY-MM-DD,name[,kind]` lines, the
/// kind `libur nasional` or `cuti bersama`, else taken from the name) or `text/calendar`
/// (all-day events, the kind in `CATEGORIES`). All or nothing; admin, as holidays apply to every
/// office, which are all re-planned; `?dry_run=true` reports what it would do.
#[utoipa::path(put, path = "/api/v1/staff/holidays/{year}", tag = "admin",
    params(("year" = i32, Path), ("dry_run" = Option<bool>, Query)),
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200), (status = 401), (status = 403), (status = 415), (status = 422)))]
pub async fn put_holidays(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = auth::nationwide(&staff.0)?;
    let dry_run = q.get("dry_run").is_some_and(|v| v == "true");
    let year = parse_year(&year)?;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::field(Code::Invalid, "file", "err-required"))?;
    let parsed = if kind.starts_with("text/csv") {
        parse_csv(text, year)
    } else if kind.starts_with("text/calendar") {
        parse_ical(text, year)
    } else {
        return Err(AppError::field(
            Code::UnsupportedMediaType,
            "file",
            "err-holiday-type",
        ));
    };
    let days = parsed.map_err(|e| {
        // The message of a bad file names its line; it is data, not one of our texts.
        let field = e
            .line
            .map_or_else(|| "file".to_string(), |l| format!("line {l}"));
        tracing::info!(error = %e, "holiday file refused");
        AppError {
            code: Code::Invalid,
            field: Some(field),
            message: "err-holiday-file",
            retry_after: None,
            args: Vec::new(),
        }
    })?;
    let reports = changes::load_holidays(&state, &who, year, &days, dry_run).await?;
    if !dry_run {
        state.holidays_missing.changed();
    }
    let offices: Vec<OfficeReport> = reports.iter().map(OfficeReport::new).collect();
    Ok((
        StatusCode::OK,
        Json(
            serde_json::json!({"year": year, "days": days.len(), "applied": !dry_run,
                                "offices": offices}),
        ),
    )
        .into_response())
}

/// Messages to applicants given up on after a day of failed delivery, newest first.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/failed-messages", tag = "supervisor",
    params(("slug" = String, Path)), security(("bearer" = [])),
    responses((status = 200), (status = 401), (status = 403), (status = 404)))]
pub async fn failed_messages(
    State(state): State<AppState>,
    lang: crate::web::kit::lang::Lang,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let who = auth::office::<Supervisor>(&state, &staff.0, &slug).await?;
    let rows = crate::usecases::outbox::failed(&state, &who).await?;
    let kinds = |k: &str| crate::domain::NotificationKind::parse(k).map_or("", |k| k.wire());
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|m| {
            let (key, args) = crate::usecases::outbox::failure_reason(m.last_error.as_deref());
            serde_json::json!({"id": m.id, "kind": kinds(&m.kind), "booking_code": m.code,
                "attempts": m.attempts, "last_error": m.last_error,
                "reason": lang.format(key, &args),
                "applicant": {"name": m.name, "phone": m.phone, "email": m.email}})
        })
        .collect();
    Ok(Json(rows).into_response())
}
