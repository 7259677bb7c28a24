//! The day report (a page with a small chart, and CSV), the audit log (supervisors; a
//! page with filters, and CSV) and staff accounts (admins).

use super::super::kit::page::{Frame, OrPage, PageError, short_when};
use super::my_desk;
use crate::domain::Role;
use crate::store::{AuditRow, DayReport, Office, StaffAccount};
use crate::usecases::accounts::{self, AccountChange};
use crate::usecases::auth;
use crate::usecases::{AppError, reports};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/offices/{slug}/report", get(report_page))
        .route("/staff/offices/{slug}/day-export", get(day_export))
        .route("/staff/audit", get(audit_page))
        .route("/staff/accounts", get(accounts_page).post(account_add))
        .route("/staff/accounts/{username}", post(account_change))
}

fn csv(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/report.html")]
struct ReportPage {
    frame: Frame,
    office: Office,
    from: String,
    to: String,
    days: Vec<DayReport>,
    /// The chart's bars, laid out for any number of days (one to 366).
    bars: Vec<Bar>,
    breakdown: reports::Breakdown,
    /// (label, count) of the age groups.
    ages: Vec<(String, i64)>,
}

/// One day's bars in the report's chart (SVG user units; the chart is 600 × 120).
struct Bar {
    x: f64,
    width: f64,
    booked_y: f64,
    booked_h: f64,
    recorded_x: f64,
    recorded_width: f64,
    recorded_y: f64,
    recorded_h: f64,
    /// "2026-11-30: 12 booked, 9 recorded", shown when pointed at.
    title: String,
}

/// Width and height of the chart's drawing area.
const CHART_W: f64 = 600.0;
const CHART_H: f64 = 110.0;

/// The bars of `days`: each day gets an equal share of the width (a single day does not
/// become one bar the size of the page), heights out of the busiest day.
fn bars(lang: Lang, days: &[DayReport]) -> Vec<Bar> {
    let max = days.iter().map(|d| d.booked).max().unwrap_or(0).max(1) as f64;
    let step = CHART_W / days.len().max(1) as f64;
    let width = (step * 0.8).min(40.0);
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * step + (step - width) / 2.0;
            let booked_h = d.booked as f64 / max * CHART_H;
            let recorded_h = d.recorded as f64 / max * CHART_H;
            Bar {
                x,
                width,
                booked_y: CHART_H - booked_h,
                booked_h,
                recorded_x: x + width * 0.2,
                recorded_width: width * 0.6,
                recorded_y: CHART_H - recorded_h,
                recorded_h,
                title: lang.format(
                    "report-bar",
                    &[
                        ("date", d.date.clone()),
                        ("booked", d.booked.to_string()),
                        ("done", d.recorded.to_string()),
                    ],
                ),
            }
        })
        .collect()
}

async fn report_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(mut q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // A filter form sends the fields left empty: they are not filters.
    q.retain(|_, v| !v.trim().is_empty());
    q.values_mut().for_each(|v| *v = v.trim().to_string());
    let who = my_desk(&state, lang, &me, &slug).await?;
    let office = who.office().clone();
    let (from, to) =
        reports::report_range(&state, &office, q.get("from"), q.get("to")).or_page(lang)?;
    let days = reports::report(&state, &who, from, to)
        .await
        .or_page(lang)?;
    if q.get("format").is_some_and(|f| f == "csv") {
        return Ok(csv(
            &format!("laporan-{slug}-{from}-{to}"),
            reports::report_csv(&days),
        ));
    }
    let breakdown = reports::breakdown(&state, &who, from, to)
        .await
        .or_page(lang)?;
    let ages = reports::AGE_GROUPS
        .iter()
        .zip(breakdown.ages)
        .map(|(key, n)| (lang.text(key), n))
        .collect();
    Ok(ReportPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/offices/{slug}/report"),
            &me,
            Some(&slug),
        ),
        office,
        from: from.to_string(),
        to: to.to_string(),
        bars: bars(lang, &days),
        days,
        breakdown,
        ages,
    }
    .into_response())
}

/// The day's bookings for the recording operators: CSV with the full NIK (audited).
async fn day_export(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_desk(&state, lang, &me, &slug).await?;
    let date = crate::usecases::desk::date_or_today(
        &state,
        who.office(),
        q.get("date").map(String::as_str),
    )
    .or_page(lang)?;
    let body = reports::day_export(&state, &who, date)
        .await
        .or_page(lang)?;
    Ok(csv(&format!("rekam-{slug}-{date}"), body))
}

/// A question before a change that cannot be taken back at once: what it does, yes or back.
#[derive(Template, WebTemplate)]
#[template(path = "staff/confirm.html")]
struct ConfirmPage {
    frame: Frame,
    title: String,
    text: String,
    action: String,
    fields: Vec<(&'static str, String)>,
    confirm: String,
    back: String,
}

/// The text key of a role's name.
fn role_key(role: Role) -> &'static str {
    match role {
        Role::Desk => "role-desk",
        Role::Supervisor => "role-supervisor",
        Role::Admin => "role-admin",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    frame: Frame,
    /// (when, the sentence, the row).
    rows: Vec<(String, String, AuditRow)>,
    /// (action, its label) for the filter.
    actions: Vec<(&'static str, String)>,
    q: HashMap<String, String>,
    csv_href: String,
    next_href: Option<String>,
}

impl AuditPage {
    fn v(&self, k: &str) -> &str {
        self.q.get(k).map_or("", String::as_str)
    }
}

async fn audit_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(mut q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    auth::has_role(&me, Role::Supervisor).or_page(lang)?;
    // A filter form sends the fields left empty: they are not filters.
    q.retain(|_, v| !v.trim().is_empty());
    q.values_mut().for_each(|v| *v = v.trim().to_string());
    let as_csv = q.get("format").is_some_and(|f| f == "csv");
    let mut filter = reports::audit_filter(&state, &me, &q, as_csv)
        .await
        .or_page(lang)?;
    // Reads (who viewed what) would drown the changes: shown when asked, or when the
    // action asked for is one.
    filter.hide_reads = !q.contains_key("reads") && filter.action.is_none();
    let rows = reports::audit(&state, &me, &filter).await.or_page(lang)?;
    let tz = reports::audit_zone(&state, &me).await;
    if as_csv {
        return Ok(csv("audit", reports::audit_csv(&rows, tz)));
    }
    let query = |extra: &[(&str, String)]| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| !["format", "before"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, NON_ALPHANUMERIC),
                    utf8_percent_encode(v, NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let next_href = (rows.len() as i64 == filter.limit)
        .then(|| {
            rows.last()
                .map(|r| format!("/staff/audit?{}", query(&[("before", r.id.to_string())])))
        })
        .flatten();
    let office = me.office_id;
    let roles: HashMap<String, String> = reports::staff_roles(&state)
        .await
        .or_page(lang)?
        .into_iter()
        .map(|(name, role)| (name, lang.text(role_key(role))))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            let at = chrono::DateTime::from_timestamp(r.at, 0).unwrap_or_default();
            (
                short_when(lang, tz, at),
                reports::audit_sentence(lang, &r, &roles),
                r,
            )
        })
        .collect();
    let dots = "…".to_string();
    let actions = reports::ACTIONS
        .iter()
        .map(|(action, key)| {
            let label = lang.format(key, &[("who", dots.clone()), ("code", dots.clone())]);
            (*action, label)
        })
        .collect();
    let slug = match office {
        Some(id) => state.store.office_by_id(id).await.ok().map(|o| o.slug),
        None => None,
    };
    Ok(AuditPage {
        frame: Frame::staff_menu(lang, "/staff/audit", &me, slug.as_deref()),
        csv_href: format!("/staff/audit?{}", query(&[("format", "csv".to_string())])),
        next_href,
        rows,
        actions,
        q,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    frame: Frame,
    /// The admin looking (their own row links to their account page).
    me: String,
    accounts: Vec<StaffAccount>,
    offices: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
    typed: HashMap<String, String>,
}

impl AccountsPage {
    fn typed(&self, k: &str) -> &str {
        self.typed.get(k).map_or("", String::as_str)
    }

    /// The text key of a role's name.
    fn role_key(&self, role: &str) -> &'static str {
        match role {
            "admin" => "role-admin",
            "supervisor" => "role-supervisor",
            _ => "role-desk",
        }
    }
}

async fn accounts_view(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    notice: Option<String>,
    error: Option<String>,
    typed: HashMap<String, String>,
) -> Result<AccountsPage, PageError> {
    let who = auth::nationwide(me).or_page(lang)?;
    let accounts = accounts::list(state, &who).await.or_page(lang)?;
    let offices = crate::usecases::availability::offices(state)
        .await
        .or_page(lang)?
        .into_iter()
        .map(|o| (o.slug, o.spec.name))
        .collect();
    Ok(AccountsPage {
        frame: Frame::staff_menu(lang, "/staff/accounts", me, None),
        me: me.username.clone(),
        accounts,
        offices,
        notice,
        error,
        typed,
    })
}

async fn accounts_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<AccountsPage, PageError> {
    auth::nationwide(&me).or_page(lang)?;
    // What happened, to whom.
    let user: String = q
        .get("u")
        .map(|u| u.chars().filter(|c| !c.is_control()).take(64).collect())
        .unwrap_or_default();
    let notice = q.get("m").map(|m| match m.as_str() {
        "disabled" => lang.format("accounts-disabled-done", &[("user", user.clone())]),
        "enabled" => lang.format("accounts-enabled-done", &[("user", user.clone())]),
        _ => lang.text("accounts-saved"),
    });
    accounts_view(&state, lang, &me, notice, None, HashMap::new()).await
}

/// The page again with a refused form's error and what was typed (never the password).
async fn refused(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    e: AppError,
    mut typed: HashMap<String, String>,
) -> Result<Response, PageError> {
    typed.remove("password");
    let status = super::super::kit::error::status(e.code);
    let label = match e.field.as_deref() {
        Some("username") => Some("staff-username"),
        Some("password") => Some("staff-password"),
        Some("role") => Some("accounts-role"),
        Some("office") => Some("accounts-office"),
        _ => None,
    };
    let message = match label {
        Some(l) => format!("{}: {}", lang.text(l), e.text(lang)),
        None => e.text(lang),
    };
    let page = accounts_view(state, lang, me, None, Some(message), typed).await?;
    Ok((status, page).into_response())
}

async fn account_add(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = auth::nationwide(&me).or_page(lang)?;
    let get = |k: &str| f.get(k).map_or("", |s| s.trim());
    let result = accounts::add_by_admin(
        &state,
        &who,
        get("username"),
        f.get("password").map_or("", String::as_str),
        Role::parse(get("role")),
        Some(get("office")),
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/staff/accounts?m=added").into_response()),
        Err(e) => refused(&state, lang, &me, e, f).await,
    }
}

async fn account_change(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(username): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = auth::nationwide(&me).or_page(lang)?;
    let get = |k: &str| f.get(k).map_or("", |s| s.trim());
    let change = match get("action") {
        // Another account's second factor removed (a lost phone and lost codes): it sets
        // one up again at its next login if it must have one.
        "reset_2fa" => {
            return match crate::usecases::second_factor::reset_by_admin(&state, &who, &username)
                .await
            {
                Ok(()) => Ok(Redirect::to("/staff/accounts?m=changed").into_response()),
                Err(e) => refused(&state, lang, &me, e, HashMap::new()).await,
            };
        }
        // Another's account is disabled after a confirmation that says what it does.
        "disable" if get("confirm") != "yes" && username != me.username => {
            let account = accounts::list(&state, &who)
                .await
                .or_page(lang)?
                .into_iter()
                .find(|a| a.username == username)
                .ok_or_else(|| PageError(lang, AppError::not_found()))?;
            return Ok(ConfirmPage {
                frame: Frame::staff_menu(lang, "/staff/accounts", &me, None),
                title: lang.format(
                    "accounts-disable-confirm",
                    &[("user", account.username.clone())],
                ),
                text: lang.text("accounts-disable-explain"),
                action: format!("/staff/accounts/{}", account.username),
                fields: vec![("action", "disable".into()), ("confirm", "yes".into())],
                confirm: lang.text("accounts-disable-yes"),
                back: "/staff/accounts".into(),
            }
            .into_response());
        }
        "disable" => AccountChange::Disabled(true),
        "enable" => AccountChange::Disabled(false),
        "password" => AccountChange::Password(f.get("password").cloned().unwrap_or_default()),
        _ => match Role::parse(get("role")) {
            Some(role) => AccountChange::Role(role, Some(get("office").to_string())),
            None => {
                let e = AppError::field(crate::usecases::Code::Invalid, "role", "err-role");
                return refused(&state, lang, &me, e, HashMap::new()).await;
            }
        },
    };
    let done = match change {
        AccountChange::Disabled(true) => "disabled",
        AccountChange::Disabled(false) => "enabled",
        _ => "changed",
    };
    match accounts::change(&state.store, &who, &username, change, state.clock.now()).await {
        Ok(()) => {
            let user: String = percent_encoding::utf8_percent_encode(
                &username,
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            Ok(Redirect::to(&format!("/staff/accounts?m={done}&u={user}")).into_response())
        }
        Err(e) => refused(&state, lang, &me, e, HashMap::new()).await,
    }
}
