//! Changes of what offices can hold — a level over a date range, a closure, a reopening,
//! new office settings — each applied through one re-plan with a dry run first; and the
//! national data the planner reads: level rules and holidays.

use super::auth::{AtOffice, Authorized, Nationwide, Supervisor};
use super::{AppError, Code, Context};
use crate::domain::holidays::Holidays;
use crate::domain::office::OfficeInput;
use crate::domain::{Level, LevelRule, LevelRuleInput, OfficeSlug};
use crate::store::{NationalChange, Office, OfficeReplan, PlanChange, ReplanReport};
use chrono::NaiveDate;

fn invalid(field: &str) -> AppError {
    AppError::field(Code::Invalid, field, "err-required")
}

/// The longest reason or instruction, in characters.
pub const REASON_MAX: usize = 300;

/// A reason or instruction as typed: 1–300 characters, no control characters.
pub fn check_reason(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > REASON_MAX || r.chars().any(char::is_control) {
        return Err(invalid("reason"));
    }
    Ok(r.to_string())
}

/// A `YYYY-MM-DD` date in 2000–2100, the field named when it is not.
pub fn parse_date(s: &str, field: &str) -> Result<NaiveDate, AppError> {
    super::form::parse_day(s).ok_or_else(|| AppError::field(Code::Invalid, field, "err-date"))
}

/// A year of the holiday calendar, 2000–2100.
pub fn parse_year(year: &str) -> Result<i32, AppError> {
    year.parse::<i32>()
        .ok()
        .filter(|y| super::form::YEARS.contains(y))
        .ok_or_else(|| invalid("year"))
}

/// A level over a date range, as typed.
pub struct LevelForm<'a> {
    /// `none`, `1`–`4`, `darurat`.
    pub level: &'a str,
    /// First day.
    pub from: &'a str,
    /// Last day, or open-ended.
    pub to: Option<&'a str>,
}

impl TryFrom<LevelForm<'_>> for PlanChange {
    type Error = AppError;

    fn try_from(f: LevelForm<'_>) -> Result<Self, AppError> {
        let level = Level::parse(f.level).ok_or_else(|| invalid("level"))?;
        let from = parse_date(f.from, "effective_from")?;
        let to = f.to.map(|d| parse_date(d, "effective_to")).transpose()?;
        if to.is_some_and(|to| to < from) {
            return Err(AppError::field(Code::Invalid, "effective_to", "err-range"));
        }
        Ok(PlanChange::Level { level, from, to })
    }
}

/// Applies a change of capacity to an office through the re-plan (or, with `dry_run`,
/// reports what it would do and writes nothing).
pub async fn apply(
    ctx: &Context,
    who: &Authorized<AtOffice<Supervisor>>,
    change: &PlanChange,
    reason: &str,
    dry_run: bool,
) -> Result<ReplanReport, AppError> {
    let reason = check_reason(reason)?;
    Ok(ctx
        .store
        .apply_plan_change(
            who.scope().office().id,
            change,
            &reason,
            who.actor(),
            ctx.clock.now(),
            dry_run,
        )
        .await?)
}

/// Adds a new version of a level's rule (admins: it applies to every office), through the
/// re-plan of every office; with `dry_run`, only works out what it would do.
pub async fn edit_rule(
    ctx: &Context,
    who: &Authorized<Nationwide>,
    rule: &LevelRuleInput,
    reason: &str,
    dry_run: bool,
) -> Result<Vec<OfficeReplan>, AppError> {
    let rule = &rule.parse().map_err(invalid)?;
    let reason = check_reason(reason)?;
    Ok(ctx
        .store
        .apply_national_change(
            &NationalChange::Rule {
                rule,
                instruction: &reason,
            },
            who.actor(),
            ctx.clock.now(),
            dry_run,
        )
        .await?)
}

/// Replaces a year's holidays, all or nothing (admins: they apply to every office),
/// through the re-plan of every office; with `dry_run`, only works out what it would do.
pub async fn load_holidays(
    ctx: &Context,
    who: &Authorized<Nationwide>,
    year: i32,
    days: &Holidays,
    dry_run: bool,
) -> Result<Vec<OfficeReplan>, AppError> {
    Ok(ctx
        .store
        .apply_national_change(
            &NationalChange::Holidays { year, days },
            who.actor(),
            ctx.clock.now(),
            dry_run,
        )
        .await?)
}

/// Creates an office, or changes its settings through the re-plan. Returns whether it
/// was created, the settings as stored and, for a change, what it did to bookings.
pub async fn put_office(
    ctx: &Context,
    who: &Authorized<Nationwide>,
    slug: &OfficeSlug,
    input: OfficeInput,
    dry_run: bool,
) -> Result<(bool, crate::domain::OfficeSpec, Option<ReplanReport>), AppError> {
    let spec = input.parse().map_err(|e| AppError {
        code: Code::Invalid,
        field: Some(e.field),
        message: "err-required",
        retry_after: None,
        args: Vec::new(),
    })?;
    let (created, replan) = ctx
        .store
        .put_office(slug, &spec, who.actor(), ctx.clock.now(), dry_run)
        .await?;
    Ok((created, spec, replan))
}

/// A number that grows with every change of capacity anywhere: a preview of a national
/// change carries it, and applying refuses a preview that is out of date.
pub async fn plan_versions(ctx: &Context) -> Result<i64, AppError> {
    Ok(ctx.store.plan_versions().await?)
}

/// The rules in force, one per level.
pub async fn rules(ctx: &Context) -> Result<Vec<LevelRule>, AppError> {
    Ok(ctx.store.level_rules().await?)
}

/// Every version of every rule, newest first.
pub async fn rule_history(ctx: &Context) -> Result<Vec<crate::store::RuleVersion>, AppError> {
    Ok(ctx.store.level_rule_history().await?)
}

/// An office's level schedule, in the order it was set.
pub async fn level_schedule(
    ctx: &Context,
    office: &Office,
) -> Result<Vec<crate::store::LevelScheduleRow>, AppError> {
    Ok(ctx.store.level_schedule(office.id).await?)
}

/// A year's holidays, by date.
pub async fn holidays(ctx: &Context, year: i32) -> Result<Holidays, AppError> {
    Ok(ctx.store.holidays(year).await?)
}
