//! The level rules (every edit kept as a version) and the holiday calendar.

use super::Notice;
use crate::domain::holidays::{parse_csv, parse_ical};
use crate::domain::{LevelRule, Role};
use crate::usecases::changes::{self, parse_year};
use crate::web::AppState;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError, require};
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/rules.html")]
pub(super) struct RulesPage {
    frame: Frame,
    rules: Vec<LevelRule>,
    history: Vec<crate::store::RuleVersion>,
    notice: Option<String>,
    error: Option<String>,
    next_year: i32,
}

async fn rules_page_with(
    state: &AppState,
    lang: Lang,
    notice: Option<String>,
    error: Option<String>,
) -> Result<RulesPage, PageError> {
    let rules = changes::rules(state).await.or_page(lang)?;
    let mut history = changes::rule_history(state).await.or_page(lang)?;
    history.truncate(30);
    let next_year = chrono::Datelike::year(&state.clock.now()) + 1;
    Ok(RulesPage {
        frame: Frame::new(lang, "/staff/rules"),
        rules,
        history,
        notice,
        error,
        next_year,
    })
}

pub(super) async fn rules_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<Notice>,
) -> Result<RulesPage, PageError> {
    require(lang, &me, Role::Supervisor)?;
    let notice = match q.m.as_deref() {
        Some("rule") => Some(lang.text("staff-rule-saved")),
        Some("holidays") => Some(lang.text("staff-holidays-loaded")),
        _ => None,
    };
    rules_page_with(&state, lang, notice, None).await
}

pub(super) async fn rule_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require(lang, &me, Role::Supervisor)?;
    // A number that is not one is refused, never read as 0 (a maximum of 0 closes the office).
    let mut not_numbers = ["wfo_percent", "occupancy_percent", "max_visitors"]
        .into_iter()
        .filter(|name| !field(&f, name).is_empty() && field(&f, name).parse::<u32>().is_err());
    let not_a_number = not_numbers.next();
    let number = |name: &str| field(&f, name).parse::<u32>().unwrap_or(0);
    let rule = LevelRule {
        level: field(&f, "level").to_string(),
        wfo_percent: number("wfo_percent"),
        occupancy_percent: number("occupancy_percent"),
        max_visitors: Some(field(&f, "max_visitors"))
            .filter(|s| !s.is_empty())
            .map(|_| number("max_visitors")),
        latest_close: Some(field(&f, "latest_close").to_string()).filter(|s| !s.is_empty()),
        source: field(&f, "source").to_string(),
    };
    let problem = match (rule.validate(), changes::check_reason(field(&f, "reason"))) {
        _ if not_a_number.is_some() => not_a_number.map(str::to_string),
        (Err(field), _) => Some(field.to_string()),
        (_, Err(_)) => Some("reason".to_string()),
        (Ok(_), Ok(reason)) => {
            changes::edit_rule(&state, &me, &rule, &reason)
                .await
                .or_page(lang)?;
            None
        }
    };
    match problem {
        None => Ok(Redirect::to("/staff/rules?m=rule").into_response()),
        Some(field) => {
            let error = lang.format("staff-rule-invalid-field", &[("field", field)]);
            let page = rules_page_with(&state, lang, None, Some(error)).await?;
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
    require(lang, &me, Role::Supervisor)?;
    let mut multipart = multipart
        .map_err(|_| {
            crate::usecases::AppError::new(
                crate::usecases::Code::UnsupportedMediaType,
                "err-multipart",
            )
        })
        .or_page(lang)?;
    let (mut year, mut text, mut name) = (String::new(), String::new(), String::new());
    while let Ok(Some(part)) = multipart.next_field().await {
        match part.name() {
            Some("year") => year = part.text().await.unwrap_or_default(),
            Some("file") => {
                name = part.file_name().unwrap_or("").to_ascii_lowercase();
                text = part.text().await.unwrap_or_default();
            }
            _ => {}
        }
    }
    let year = parse_year(year.trim()).ok();
    let parsed = match year {
        None => Err(lang.text("staff-year")),
        Some(y) if name.ends_with(".ics") || text.trim_start().starts_with("BEGIN:VCALENDAR") => {
            parse_ical(&text, y)
                .map(|days| (y, days))
                .map_err(|e| e.message)
        }
        Some(y) => parse_csv(&text, y)
            .map(|days| (y, days))
            .map_err(|e| match e.line {
                Some(l) => lang.format(
                    "staff-line-problem",
                    &[("line", l.to_string()), ("problem", e.message)],
                ),
                None => e.message,
            }),
    };
    match parsed {
        Ok((y, days)) => {
            changes::load_holidays(&state, &me, y, &days)
                .await
                .or_page(lang)?;
            Ok(Redirect::to("/staff/rules?m=holidays").into_response())
        }
        Err(problem) => {
            let error = lang.format("err-holiday-file-because", &[("problem", problem)]);
            let page = rules_page_with(&state, lang, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
