//! The level rules (every edit kept as a version) and the holiday calendar.

use super::Notice;
use crate::domain::holidays::{HolidayKind, parse_csv, parse_ical};
use crate::domain::{LevelRule, LevelRuleInput, Role};
use crate::usecases::auth;
use crate::usecases::changes::{self, parse_year};
use crate::web::AppState;
use crate::web::api::dto::OfficeReport;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError};
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

/// A holiday as listed: date, name, kind, in the page's language.
type HolidayLine = (String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "staff/rules.html")]
pub(super) struct RulesPage {
    lang: Lang,
    frame: Frame,
    rules: Vec<LevelRule>,
    history: Vec<crate::store::RuleVersion>,
    notice: Option<String>,
    error: Option<String>,
    next_year: i32,
    /// This year's and next year's holidays.
    holidays: Vec<(i32, Vec<HolidayLine>)>,
    /// Rules and holidays apply to every office: only admins change them.
    may_change: bool,
}

impl RulesPage {
    /// A level's name from its stored spelling.
    fn level(&self, level: &str) -> String {
        crate::domain::Level::parse(level).map_or_else(
            || level.to_string(),
            |l| crate::web::kit::page::level_name(self.lang, l),
        )
    }

    /// When a rule version was made, in Jakarta's time (rules apply nationally).
    fn when(&self, at: &i64) -> String {
        chrono::DateTime::from_timestamp(*at, 0)
            .map(|t| crate::web::kit::page::short_when(self.lang, chrono_tz::Asia::Jakarta, t))
            .unwrap_or_default()
    }
}

/// What a rule edit or a holiday file would do to every office, before it is applied.
#[derive(Template, WebTemplate)]
#[template(path = "staff/national_preview.html")]
pub(super) struct NationalPreview {
    frame: Frame,
    title: String,
    offices: Vec<OfficeReport>,
    displaced: usize,
    moved: usize,
    /// The form as sent, re-sent with action=apply.
    fields: Vec<(String, String)>,
    action: &'static str,
    multipart: bool,
    /// For a holiday file: the days as read from it, to check before applying.
    holidays: Vec<HolidayLine>,
    /// For a rule: each field, old → new, and whether it changes.
    rule_changes: Vec<(String, String, String, bool)>,
    /// The first [`LISTED`] displaced bookings of every office: office, code, name, its
    /// slot, where it goes (none: asked to rebook).
    listed: Vec<(String, String, String, String, Option<String>)>,
}

/// How many displaced bookings a national preview names; the rest are counted.
const LISTED: usize = 500;

/// Each field of a level rule, its value before and after: (label, old, new, changed).
fn rule_changes(
    lang: Lang,
    before: Option<&crate::domain::LevelRule>,
    after: &crate::domain::LevelRule,
) -> Vec<(String, String, String, bool)> {
    let percent = |v: u32| format!("{v} %");
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "–".to_string());
    let of = |r: &crate::domain::LevelRule| {
        [
            percent(r.wfo_percent),
            percent(r.occupancy_percent),
            or_none(r.max_visitors.map(|m| m.to_string())),
            or_none(r.latest_close.clone()),
            r.source.clone(),
        ]
    };
    let new = of(after);
    let old = before.map_or_else(|| new.clone().map(|_| "–".to_string()), of);
    [
        "staff-wfo",
        "staff-occupancy",
        "staff-max-visitors",
        "staff-latest-close",
        "staff-source",
    ]
    .into_iter()
    .zip(old.into_iter().zip(new))
    .map(|(key, (old, new))| {
        let changed = old != new;
        (lang.text(key), old, new, changed)
    })
    .collect()
}

impl NationalPreview {
    fn new(
        lang: Lang,
        me: &crate::store::StaffMember,
        title: String,
        reports: &[crate::store::OfficeReplan],
        fields: Vec<(String, String)>,
        action: &'static str,
        multipart: bool,
    ) -> Self {
        let offices: Vec<OfficeReport> = reports.iter().map(OfficeReport::new).collect();
        let displaced = offices.iter().map(|o| o.report.displaced.len()).sum();
        let moved = offices
            .iter()
            .flat_map(|o| &o.report.displaced)
            .filter(|d| d.to_slot_start.is_some())
            .count();
        let when = |tz, t| crate::web::kit::page::short_when(lang, tz, t);
        let listed = reports
            .iter()
            .flat_map(|r| r.report.displaced.iter().map(move |d| (r, d)))
            .take(LISTED)
            .map(|(r, d)| {
                (
                    r.office.clone(),
                    d.code.clone(),
                    d.name.clone(),
                    when(r.timezone, d.from),
                    d.to.map(|t| when(r.timezone, t)),
                )
            })
            .collect();
        Self {
            listed,
            frame: Frame::staff_menu(lang, "/staff/rules", me, None),
            title,
            offices,
            displaced,
            moved,
            fields: fields.into_iter().filter(|(k, _)| k != "action").collect(),
            action,
            multipart,
            holidays: Vec::new(),
            rule_changes: Vec::new(),
        }
    }
}

/// A year's holidays as listed on the pages.
fn holiday_lines(lang: Lang, days: crate::domain::holidays::Holidays) -> Vec<HolidayLine> {
    days.into_iter()
        .map(|(date, h)| {
            let kind = match h.kind {
                HolidayKind::National => lang.text("holiday-national"),
                HolidayKind::JointLeave => lang.text("holiday-joint-leave"),
            };
            (lang.long_date(date), h.name, kind)
        })
        .collect()
}

/// A refused holiday file's problem, in the page's language, with its line.
fn file_problem(lang: Lang, e: &crate::domain::holidays::HolidayFileError) -> String {
    let (key, args) = e.message();
    let problem = lang.format(key, &args);
    match e.line {
        Some(l) => lang.format(
            "staff-line-problem",
            &[("line", l.to_string()), ("problem", problem)],
        ),
        None => problem,
    }
}

async fn rules_page_with(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    notice: Option<String>,
    error: Option<String>,
) -> Result<RulesPage, PageError> {
    let rules = changes::rules(state).await.or_page(lang)?;
    let mut history = changes::rule_history(state).await.or_page(lang)?;
    history.truncate(30);
    let next_year = chrono::Datelike::year(&state.clock.now()) + 1;
    let mut holidays = Vec::new();
    for year in [next_year - 1, next_year] {
        let days = changes::holidays(state, year).await.or_page(lang)?;
        holidays.push((year, holiday_lines(lang, days)));
    }
    Ok(RulesPage {
        lang,
        frame: crate::web::kit::page::home_frame(state, lang, "/staff/rules", me).await,
        rules,
        history,
        notice,
        error,
        next_year,
        holidays,
        may_change: auth::nationwide(me).is_ok(),
    })
}

pub(super) async fn rules_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<Notice>,
) -> Result<RulesPage, PageError> {
    auth::has_role(&me, Role::Supervisor).or_page(lang)?;
    let notice = match q.m.as_deref() {
        Some("rule") => Some(lang.text("staff-rule-saved")),
        Some("holidays") => Some(lang.text("staff-holidays-loaded")),
        _ => None,
    };
    rules_page_with(&state, lang, &me, notice, None).await
}

pub(super) async fn rule_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = auth::nationwide(&me).or_page(lang)?;
    // A number that is not one is refused, never read as 0 (a maximum of 0 closes the office).
    let mut not_numbers = ["wfo_percent", "occupancy_percent", "max_visitors"]
        .into_iter()
        .filter(|name| !field(&f, name).is_empty() && field(&f, name).parse::<u32>().is_err());
    let not_a_number = not_numbers.next();
    let number = |name: &str| field(&f, name).parse::<u32>().unwrap_or(0);
    let rule = LevelRuleInput {
        level: field(&f, "level").to_string(),
        wfo_percent: number("wfo_percent"),
        occupancy_percent: number("occupancy_percent"),
        max_visitors: Some(field(&f, "max_visitors"))
            .filter(|s| !s.is_empty())
            .map(|_| number("max_visitors")),
        latest_close: Some(field(&f, "latest_close").to_string()).filter(|s| !s.is_empty()),
        source: field(&f, "source").to_string(),
    };
    let problem = match (rule.parse(), changes::check_reason(field(&f, "reason"))) {
        _ if not_a_number.is_some() => not_a_number.map(str::to_string),
        (Err(field), _) => Some(field.to_string()),
        (_, Err(_)) => Some("reason".to_string()),
        (Ok(parsed), Ok(reason)) => {
            // First the preview (the dry run), then, from its form, the change — the one
            // previewed: nothing may have changed any office's capacity since.
            let apply = field(&f, "action") == "apply";
            let versions = changes::plan_versions(&state).await.or_page(lang)?;
            if apply && field(&f, "preview") != versions.to_string() {
                return Err(PageError(
                    lang,
                    crate::usecases::AppError::new(
                        crate::usecases::Code::Conflict,
                        "err-preview-first",
                    ),
                ));
            }
            let reports = changes::edit_rule(&state, &who, &rule, &reason, !apply)
                .await
                .or_page(lang)?;
            if apply {
                return Ok(Redirect::to("/staff/rules?m=rule").into_response());
            }
            let title = crate::web::kit::page::level_name(lang, parsed.level);
            let fields = f
                .into_iter()
                .filter(|(k, _)| k != "preview")
                .chain([("preview".to_string(), versions.to_string())])
                .collect();
            let mut page =
                NationalPreview::new(lang, &me, title, &reports, fields, "/staff/rules", false);
            let before = changes::rules(&state)
                .await
                .or_page(lang)?
                .into_iter()
                .find(|r| r.level == parsed.level);
            page.rule_changes = rule_changes(lang, before.as_ref(), &parsed);
            return Ok(page.into_response());
        }
    };
    match problem {
        None => Ok(Redirect::to("/staff/rules?m=rule").into_response()),
        Some(field) => {
            let error = lang.format("staff-rule-invalid-field", &[("field", field)]);
            let page = rules_page_with(&state, lang, &me, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub(super) async fn holidays_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let who = auth::nationwide(&me).or_page(lang)?;
    let mut multipart = multipart
        .map_err(|_| {
            crate::usecases::AppError::new(
                crate::usecases::Code::UnsupportedMediaType,
                "err-multipart",
            )
        })
        .or_page(lang)?;
    let (mut year, mut text, mut name) = (String::new(), String::new(), String::new());
    let mut apply = false;
    let mut preview = String::new();
    while let Ok(Some(part)) = multipart.next_field().await {
        match part.name() {
            Some("action") => apply = part.text().await.unwrap_or_default() == "apply",
            Some("preview") => preview = part.text().await.unwrap_or_default(),
            Some("year") => year = part.text().await.unwrap_or_default(),
            Some("file") => {
                if let Some(file_name) = part.file_name() {
                    name = file_name.to_ascii_lowercase();
                }
                text = part.text().await.unwrap_or_default();
            }
            Some("name") => name = part.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let year = parse_year(year.trim()).ok();
    let parsed = match year {
        None => Err(lang.text("staff-year")),
        Some(y) if name.ends_with(".ics") || text.trim_start().starts_with("BEGIN:VCALENDAR") => {
            parse_ical(&text, y)
                .map(|days| (y, days))
                .map_err(|e| file_problem(lang, &e))
        }
        Some(y) => parse_csv(&text, y)
            .map(|days| (y, days))
            .map_err(|e| file_problem(lang, &e)),
    };
    match parsed {
        Ok((y, days)) => {
            let versions = changes::plan_versions(&state).await.or_page(lang)?;
            if apply && preview != versions.to_string() {
                return Err(PageError(
                    lang,
                    crate::usecases::AppError::new(
                        crate::usecases::Code::Conflict,
                        "err-preview-first",
                    ),
                ));
            }
            let reports = changes::load_holidays(&state, &who, y, &days, !apply)
                .await
                .or_page(lang)?;
            if apply {
                state.holidays_missing.changed();
                return Ok(Redirect::to("/staff/rules?m=holidays").into_response());
            }
            // The preview re-sends the file's text (and its name, which says its kind).
            let title = format!("{} {y}", lang.text("staff-load-holidays"));
            let fields = vec![
                ("year".to_string(), y.to_string()),
                ("file".to_string(), text),
                ("name".to_string(), name),
                ("preview".to_string(), versions.to_string()),
            ];
            let mut page =
                NationalPreview::new(lang, &me, title, &reports, fields, "/staff/holidays", true);
            page.holidays = holiday_lines(lang, days);
            Ok(page.into_response())
        }
        Err(problem) => {
            let error = lang.format("err-holiday-file-because", &[("problem", problem)]);
            let page = rules_page_with(&state, lang, &me, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
