//! Supervisor pages: log in, see the plan of the next 30 days as a chart and a table, set
//! a level or close a day — always through a preview (the dry run) before applying.

use super::AppState;
use super::error::{AppError, Code};
use super::i18n::Lang;
use super::limits::ClientIp;
use super::pages::{Frame, PageError, error_page};
use super::staff_api::{Plan, plan};
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::{Level, Role};
use crate::store::{Office, PlanChange, ReplanReport, StaffMember, StoreError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

const COOKIE: &str = "rekam_staff";
/// A browser session lasts one working day.
const SESSION_HOURS: i64 = 12;

/// Staff page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(staff_home))
        .route("/staff/login", get(login_page).post(login_submit))
        .route("/staff/logout", post(logout))
        .route("/staff/offices/{slug}", get(plan_page))
        .route("/staff/offices/{slug}/level", post(level_submit))
        .route("/staff/offices/{slug}/closure", post(closure_submit))
        .route("/staff/rules", get(rules_page).post(rule_submit))
        .route("/staff/holidays", post(holidays_submit))
}

/// `; Secure` when the service is published over HTTPS (`--public-url https://…`): the
/// browser then never sends the session over plain HTTP. (Without a public URL the
/// service is reached directly, often over plain HTTP on an office network, where a
/// Secure cookie would never come back.)
fn secure_flag(state: &AppState) -> &'static str {
    if state.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// Does a form come from another site? Its `Origin` must be this service's: the public
/// URL's origin (`--public-url`, which a reverse proxy in front may not pass on as the
/// Host), or else the Host it was sent to, over the public URL's scheme when one is set.
/// No Origin (old browsers) or "null" (a page whose referrer policy hides it; ours send
/// `same-origin`) is let through: the SameSite=Strict cookie already keeps other sites out.
fn foreign_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
    else {
        return false;
    };
    let public = state.settings.public_url.trim_end_matches('/');
    if !public.is_empty() && origin.eq_ignore_ascii_case(public) {
        return false;
    }
    let (scheme, authority) = origin.split_once("://").unwrap_or(("", origin));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let scheme_ok = match public.split_once("://") {
        Some((public_scheme, _)) => scheme.eq_ignore_ascii_case(public_scheme),
        None => true,
    };
    !(scheme_ok && host.is_some_and(|h| authority.eq_ignore_ascii_case(h)))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("rekam_staff=").map(str::to_string))
}

/// A logged-in staff member; pages without a session send the browser to the login.
pub struct StaffSession(pub StaffMember);

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/staff/login").into_response();
        let token = session_token(&parts.headers).ok_or_else(to_login)?;
        // Forms are same-site only (SameSite=Strict cookie); refuse a foreign Origin too.
        if parts.method != axum::http::Method::GET && foreign_origin(&parts.headers, state) {
            return Err(StatusCode::FORBIDDEN.into_response());
        }
        match state
            .store
            .staff_by_token(&hash_secret(&token), "session", state.clock.now())
            .await
        {
            Ok(member) => Ok(StaffSession(member)),
            Err(StoreError::NotFound) => Err(to_login()),
            Err(e) => Err(error_page(Lang::Id, &e.into())),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
struct LoginPage {
    frame: Frame,
    username: String,
    failed: bool,
}

async fn login_page(lang: Lang) -> LoginPage {
    LoginPage {
        frame: Frame::new(lang, "/staff/login"),
        username: String::new(),
        failed: false,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // Another site must not log a browser in (to an account of its choosing).
    if foreign_origin(&headers, &state) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Err(wait) = state.limits.login(ip) {
        return super::pages::too_many(lang, wait);
    }
    let now = state.clock.now();
    let found = match state.store.staff_login(f.username.trim()).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return error_page(lang, &e.into()),
    };
    // Argon2 is slow on purpose; run it off the async workers.
    let password = f.password.clone();
    let verified = match found {
        Some((member, hash)) => tokio::task::spawn_blocking(move || {
            crate::staff::verify_password(&password, &hash).then_some(member)
        })
        .await
        .ok()
        .flatten(),
        None => {
            let _ =
                tokio::task::spawn_blocking(move || crate::staff::verify_nothing(&password)).await;
            None
        }
    };
    let Some(member) = verified else {
        let page = LoginPage {
            frame: Frame::new(lang, "/staff/login"),
            username: f.username,
            failed: true,
        };
        return (StatusCode::UNAUTHORIZED, page).into_response();
    };
    let token = new_secret();
    if let Err(e) = state
        .store
        .add_staff_session(
            member.id,
            &hash_secret(&token),
            now + Duration::hours(SESSION_HOURS),
            now,
        )
        .await
    {
        return error_page(lang, &e.into());
    }
    (
        [(
            header::SET_COOKIE,
            format!(
                "{COOKIE}={token}; Path=/staff; HttpOnly; SameSite=Strict; Max-Age={}{}",
                SESSION_HOURS * 3600,
                secure_flag(&state)
            ),
        )],
        Redirect::to("/staff"),
    )
        .into_response()
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if foreign_origin(&headers, &state) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(token) = session_token(&headers) {
        let _ = state
            .store
            .end_staff_session(&hash_secret(&token), state.clock.now())
            .await;
    }
    (
        [(
            header::SET_COOKIE,
            format!(
                "{COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0{}",
                secure_flag(&state)
            ),
        )],
        Redirect::to("/staff/login"),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/offices.html")]
struct OfficesPage {
    frame: Frame,
    offices: Vec<(String, String)>,
}

async fn staff_home(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
) -> Result<Response, PageError> {
    let offices = state
        .store
        .list_offices()
        .await
        .map_err(|e| PageError::new(lang, e.into()))?;
    if let Some(office) = offices.iter().find(|o| Some(o.id) == me.office_id) {
        return Ok(Redirect::to(&format!("/staff/offices/{}", office.slug)).into_response());
    }
    Ok(OfficesPage {
        frame: Frame::new(lang, "/staff"),
        offices: offices.into_iter().map(|o| (o.slug, o.spec.name)).collect(),
    }
    .into_response())
}

async fn my_office(
    state: &AppState,
    lang: Lang,
    me: &StaffMember,
    slug: &str,
    role: Role,
) -> Result<Office, PageError> {
    let office = state
        .store
        .office(slug)
        .await
        .map_err(|e| PageError::new(lang, e.into()))?;
    let allowed = me.role >= role && (me.role == Role::Admin || me.office_id == Some(office.id));
    if !allowed {
        return Err(PageError::new(
            lang,
            AppError::new(Code::Forbidden, "err.forbidden"),
        ));
    }
    Ok(office)
}

/// One bar of the chart.
struct Bar {
    waiting_y: u32,
    waiting_h: u32,
    waiting: u32,
    x: u32,
    cap_y: u32,
    cap_h: u32,
    booked_y: u32,
    booked_h: u32,
    label: String,
    title: String,
    band: &'static str,
    closed: bool,
}

/// The next days as an SVG bar chart: cap (light), seats held (dark), the level as a
/// colour band on top, closed days crossed out. The table below the chart carries the
/// same figures for screen readers.
fn chart(lang: Lang, plan: &Plan) -> (Vec<Bar>, u32) {
    let max = plan
        .days
        .iter()
        .map(|d| d.cap.max(d.booked).max(d.waiting))
        .max()
        .unwrap_or(1)
        .max(1);
    let h = 160u32;
    let bars = plan
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let scale = |v: u32| v * h / max;
            let date = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").unwrap_or_default();
            Bar {
                waiting_y: 20 + h - scale(d.waiting),
                waiting_h: scale(d.waiting),
                waiting: d.waiting,
                x: 40 + i as u32 * 22,
                cap_y: 20 + h - scale(d.cap),
                cap_h: scale(d.cap),
                booked_y: 20 + h - scale(d.booked.min(max)),
                booked_h: scale(d.booked.min(max)),
                label: chrono::Datelike::day(&date).to_string(),
                title: format!(
                    "{}: {} {} / {} {}, {} {}",
                    lang.short_date(date),
                    d.booked,
                    lang.text("staff.booked"),
                    d.cap,
                    lang.text("staff.cap"),
                    d.waiting,
                    lang.text("staff.waiting")
                ),
                band: match d.level.as_str() {
                    "1" => "level-1",
                    "2" => "level-2",
                    "3" => "level-3",
                    "4" => "level-4",
                    "darurat" => "level-darurat",
                    _ => "level-none",
                },
                closed: d.closed.is_some(),
            }
        })
        .collect();
    (bars, max)
}

/// A row of the days table.
struct DayRow {
    waiting: u32,
    label: String,
    level: String,
    cap: u32,
    booked: u32,
    note: String,
    over: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan.html")]
struct PlanPage {
    frame: Frame,
    me: StaffMember,
    office: Office,
    plan: Plan,
    bars: Vec<Bar>,
    max: u32,
    rows: Vec<DayRow>,
    clear: Vec<(String, String)>,
    levels: Vec<&'static str>,
    notice: Option<&'static str>,
    today: String,
}

#[derive(Deserialize)]
struct Notice {
    m: Option<String>,
}

async fn plan_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<Notice>,
) -> Result<PlanPage, PageError> {
    let office = my_office(&state, lang, &me, &slug, Role::Desk).await?;
    let plan = plan(&state, &office, 30)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let (bars, max) = chart(lang, &plan);
    let rows = plan
        .days
        .iter()
        .map(|d| {
            let date = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").unwrap_or_default();
            let note = match (&d.closed, d.limited_by) {
                (Some(reason), _) => format!("{}: {reason}", lang.text("office.closed")),
                // "dibatasi oleh: kursi ruang tunggu (25 %: 2 kursi)"
                (None, Some("waiting_room")) => format!(
                    "{} ({} %: {} {})",
                    lang.text("office.binding.waiting_room"),
                    d.occupancy_percent,
                    d.seats,
                    lang.text("staff.seats")
                ),
                (None, Some("throughput")) => format!(
                    "{} ({} % WFO: {} {})",
                    lang.text("office.binding.throughput"),
                    d.wfo_percent,
                    d.staffed_sets,
                    lang.text("staff.sets")
                ),
                (None, Some(limit)) => lang.text(&format!("office.binding.{limit}")).to_string(),
                (None, None) => lang.text("staff.no_hours").to_string(),
            };
            DayRow {
                waiting: d.waiting,
                label: lang.short_date(date),
                level: d.level.clone(),
                cap: d.cap,
                booked: d.booked,
                note,
                over: d.booked > d.cap,
            }
        })
        .collect();
    let mut clear: Vec<(String, String)> = Level::ALL
        .iter()
        .map(|l| {
            let days = plan.days_to_clear.get(l.as_str()).copied().flatten();
            (
                l.as_str().to_string(),
                days.map_or_else(
                    || lang.text("staff.over_a_year").to_string(),
                    |d| d.to_string(),
                ),
            )
        })
        .collect();
    clear.sort_by_key(|(l, _)| Level::parse(l));
    let today = crate::planner::local_date(&office.spec, state.clock.now()).to_string();
    Ok(PlanPage {
        frame: Frame::new(lang, &format!("/staff/offices/{slug}")),
        me,
        bars,
        max,
        rows,
        clear,
        levels: Level::ALL.iter().map(|l| l.as_str()).collect(),
        notice: match q.m.as_deref() {
            Some("applied") => Some(lang.text("staff.applied")),
            _ => None,
        },
        today,
        office,
        plan,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/preview.html")]
struct PreviewPage {
    frame: Frame,
    office: Office,
    title: String,
    report: ReplanReport,
    /// The submitted form, re-sent with action=apply.
    fields: Vec<(String, String)>,
    action: String,
    moved: usize,
    marked: usize,
}

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

fn bad(lang: Lang, field: &str) -> PageError {
    PageError::new(lang, AppError::field(Code::Invalid, field, "err.required"))
}

/// A level or closure form, understood.
struct Submitted {
    change: PlanChange,
    reason: String,
    /// What the preview page calls it.
    title: String,
    /// The form as sent, to re-send with action=apply.
    fields: HashMap<String, String>,
    /// Where the form posts.
    action: String,
}

/// Previews a change (the dry run), or applies it when the form says `action=apply`.
async fn change_submit(
    state: &AppState,
    lang: Lang,
    me: &StaffMember,
    office: Office,
    submitted: Submitted,
) -> Result<Response, PageError> {
    let Submitted {
        change,
        reason,
        title,
        fields: f,
        action,
    } = submitted;
    let apply = field(&f, "action") == "apply";
    let report = state
        .store
        .apply_plan_change(
            office.id,
            &change,
            &reason,
            &me.actor(),
            state.clock.now(),
            !apply,
        )
        .await
        .map_err(|e| PageError::new(lang, e.into()))?;
    if apply {
        return Ok(
            Redirect::to(&format!("/staff/offices/{}?m=applied", office.slug)).into_response(),
        );
    }
    let moved = report
        .displaced
        .iter()
        .filter(|d| d.to_slot_start.is_some())
        .count();
    Ok(PreviewPage {
        frame: Frame::new(lang, &format!("/staff/offices/{}", office.slug)),
        marked: report.displaced.len() - moved,
        moved,
        title,
        report,
        fields: f.into_iter().filter(|(k, _)| k != "action").collect(),
        action,
        office,
    }
    .into_response())
}

fn check_reason(lang: Lang, reason: &str) -> Result<String, PageError> {
    super::staff_api::check_reason(reason).map_err(|e| PageError::new(lang, e))
}

fn parse_date(lang: Lang, s: &str, name: &str) -> Result<NaiveDate, PageError> {
    super::staff_api::parse_date(s, name).map_err(|e| PageError::new(lang, e))
}

async fn level_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let office = my_office(&state, lang, &me, &slug, Role::Supervisor).await?;
    let level = Level::parse(field(&f, "level")).ok_or_else(|| bad(lang, "level"))?;
    let from = parse_date(lang, field(&f, "effective_from"), "effective_from")?;
    let to = match field(&f, "effective_to") {
        "" => None,
        s => Some(parse_date(lang, s, "effective_to")?),
    };
    if to.is_some_and(|to| to < from) {
        return Err(bad(lang, "effective_to"));
    }
    let reason = check_reason(lang, field(&f, "reason"))?;
    let title = format!(
        "{} {} · {} {}{}",
        lang.text("staff.level"),
        level.as_str(),
        lang.text("staff.from"),
        from,
        to.map(|t| format!(" – {t}")).unwrap_or_default()
    );
    let submitted = Submitted {
        change: PlanChange::Level { level, from, to },
        reason,
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/level"),
    };
    change_submit(&state, lang, &me, office, submitted).await
}

async fn closure_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let office = my_office(&state, lang, &me, &slug, Role::Supervisor).await?;
    let date = parse_date(lang, field(&f, "date"), "date")?;
    let reason = check_reason(lang, field(&f, "reason"))?;
    let title = format!("{} {}", lang.text("staff.close_day"), date);
    let submitted = Submitted {
        change: PlanChange::Close(date),
        reason,
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/closure"),
    };
    change_submit(&state, lang, &me, office, submitted).await
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/rules.html")]
struct RulesPage {
    frame: Frame,
    rules: Vec<crate::domain::LevelRule>,
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
    let rules = state
        .store
        .level_rules()
        .await
        .map_err(|e| PageError::new(lang, e.into()))?;
    let mut history = state
        .store
        .level_rule_history()
        .await
        .map_err(|e| PageError::new(lang, e.into()))?;
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

async fn rules_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Query(q): Query<Notice>,
) -> Result<RulesPage, PageError> {
    if me.role < Role::Supervisor {
        return Err(PageError::new(
            lang,
            AppError::new(Code::Forbidden, "err.forbidden"),
        ));
    }
    let notice = match q.m.as_deref() {
        Some("rule") => Some(lang.text("staff.rule_saved").to_string()),
        Some("holidays") => Some(lang.text("staff.holidays_loaded").to_string()),
        _ => None,
    };
    rules_page_with(&state, lang, notice, None).await
}

async fn rule_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if me.role < Role::Supervisor {
        return Err(PageError::new(
            lang,
            AppError::new(Code::Forbidden, "err.forbidden"),
        ));
    }
    // A number that is not one is refused, never read as 0 (a maximum of 0 closes the office).
    let mut not_numbers = ["wfo_percent", "occupancy_percent", "max_visitors"]
        .into_iter()
        .filter(|name| !field(&f, name).is_empty() && field(&f, name).parse::<u32>().is_err());
    let not_a_number = not_numbers.next();
    let number = |name: &str| field(&f, name).parse::<u32>().unwrap_or(0);
    let rule = crate::domain::LevelRule {
        level: field(&f, "level").to_string(),
        wfo_percent: number("wfo_percent"),
        occupancy_percent: number("occupancy_percent"),
        max_visitors: Some(field(&f, "max_visitors"))
            .filter(|s| !s.is_empty())
            .map(|_| number("max_visitors")),
        latest_close: Some(field(&f, "latest_close").to_string()).filter(|s| !s.is_empty()),
        source: field(&f, "source").to_string(),
    };
    let problem = match (rule.validate(), check_reason(lang, field(&f, "reason"))) {
        _ if not_a_number.is_some() => not_a_number.map(str::to_string),
        (Err(field), _) => Some(field.to_string()),
        (_, Err(_)) => Some("reason".to_string()),
        (Ok(_), Ok(reason)) => {
            state
                .store
                .put_level_rule(&rule, &me.actor(), &reason, state.clock.now())
                .await
                .map_err(|e| PageError::new(lang, e.into()))?;
            None
        }
    };
    match problem {
        None => Ok(Redirect::to("/staff/rules?m=rule").into_response()),
        Some(field) => {
            let error = format!("{}: {field}", lang.text("staff.rule_invalid"));
            let page = rules_page_with(&state, lang, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn holidays_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    if me.role < Role::Supervisor {
        return Err(PageError::new(
            lang,
            AppError::new(Code::Forbidden, "err.forbidden"),
        ));
    }
    let mut multipart = multipart.map_err(|_| {
        PageError::new(
            lang,
            AppError::new(Code::UnsupportedMediaType, "err.multipart"),
        )
    })?;
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
    let year = year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    let parsed = match year {
        None => Err(lang.text("staff.year").to_string()),
        Some(y) if name.ends_with(".ics") || text.trim_start().starts_with("BEGIN:VCALENDAR") => {
            crate::domain::holidays::parse_ical(&text, y)
                .map(|days| (y, days))
                .map_err(|e| e.message)
        }
        Some(y) => crate::domain::holidays::parse_csv(&text, y)
            .map(|days| (y, days))
            .map_err(|e| match e.line {
                Some(l) => format!("{} {l}: {}", lang.text("staff.line"), e.message),
                None => e.message,
            }),
    };
    match parsed {
        Ok((y, days)) => {
            state
                .store
                .load_holidays(y, &days, &me.actor(), state.clock.now())
                .await
                .map_err(|e| PageError::new(lang, e.into()))?;
            Ok(Redirect::to("/staff/rules?m=holidays").into_response())
        }
        Err(problem) => {
            let error = format!("{} ({problem})", lang.text("err.holiday_file"));
            let page = rules_page_with(&state, lang, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
