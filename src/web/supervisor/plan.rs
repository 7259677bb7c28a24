//! The plan of an office's coming days, and level and closure changes through their
//! preview.

use super::{Notice, my_office};
use crate::domain::Level;
use crate::planner::Limit;
use crate::store::{Office, PlanChange, StaffMember};
use crate::usecases::auth::{self, Desk, Supervisor};
use crate::usecases::changes::{self, LevelForm, parse_date};
use crate::usecases::plan::{Plan, plan};
use crate::web::AppState;
use crate::web::api::dto::ReplanReport;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError, level_name, limit_key, short_when};
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

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
            let date = d.date;
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
                title: lang.format(
                    "staff-chart-day",
                    &[
                        ("date", lang.short_date(date)),
                        ("booked", d.booked.to_string()),
                        ("cap", d.cap.to_string()),
                        ("waiting", d.waiting.to_string()),
                    ],
                ),
                band: band(d.level),
                // Closed: a holiday or closure, or no opening hours that day.
                closed: d.closed.is_some() || d.limited_by.is_none(),
            }
        })
        .collect();
    (bars, max)
}

/// The chart's colour class of a level.
fn band(level: Level) -> &'static str {
    match level {
        Level::L1 => "level-1",
        Level::L2 => "level-2",
        Level::L3 => "level-3",
        Level::L4 => "level-4",
        Level::Darurat => "level-darurat",
        Level::None => "level-none",
    }
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
    /// `YYYY-MM-DD`, for the reopen form of a closed day.
    date: String,
    /// Closed (a closure, a holiday or a joint leave day): it may be opened.
    closed: bool,
}

/// A message given up on, and how to reach its applicant another way.
struct FailedRow {
    code: String,
    name: String,
    /// Phone, and e-mail when given.
    contact: String,
    kind: String,
    /// What went wrong, readable.
    reason: String,
    attempts: i64,
}

/// A level period of the office, with what may be done to it.
struct PeriodRow {
    id: i64,
    level: String,
    from: String,
    to: String,
    reason: String,
    set_by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan.html")]
pub(super) struct PlanPage {
    frame: Frame,
    me: StaffMember,
    /// May set levels and close days (a supervisor or admin).
    may_change: bool,
    office: Office,
    plan: Plan,
    bars: Vec<Bar>,
    max: u32,
    rows: Vec<DayRow>,
    clear: Vec<(String, String)>,
    /// The levels to choose from: value and name.
    levels: Vec<(&'static str, String)>,
    notice: Option<String>,
    today: String,
    /// One swatch per level: CSS class, name.
    level_legend: Vec<(&'static str, String)>,
    /// Messages to applicants given up on (supervisors).
    failed: Vec<FailedRow>,
    /// The office's level periods, newest first.
    periods: Vec<PeriodRow>,
}

pub(super) async fn plan_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<Notice>,
) -> Result<PlanPage, PageError> {
    let at_desk = my_office::<Desk>(&state, lang, &me, &slug).await?;
    let office = at_desk.office().clone();
    let plan = plan(&state, &office, 30).await.or_page(lang)?;
    let (bars, max) = chart(lang, &plan);
    let supervising = auth::at_office::<Supervisor>(&me, office.clone()).ok();
    let failed = match &supervising {
        Some(who) => crate::usecases::outbox::failed(&state, who)
            .await
            .or_page(lang)?
            .into_iter()
            .map(|m| {
                let (key, args) = crate::usecases::outbox::failure_reason(m.last_error.as_deref());
                let kind = crate::domain::NotificationKind::parse(&m.kind)
                    .map_or(m.kind.clone(), |k| k.wire().to_string());
                FailedRow {
                    contact: match &m.email {
                        Some(email) => format!("{} · {email}", m.phone),
                        None => m.phone.clone(),
                    },
                    code: m.code,
                    name: m.name,
                    kind,
                    reason: lang.format(
                        key,
                        &args
                            .iter()
                            .map(|(k, v)| (*k, v.clone()))
                            .collect::<Vec<_>>(),
                    ),
                    attempts: m.attempts,
                }
            })
            .collect(),
        // A desk officer does not see them.
        None => Vec::new(),
    };
    let rows = plan
        .days
        .iter()
        .map(|d| {
            let date = d.date;
            let note = match (&d.closed, d.limited_by) {
                (Some(reason), _) => {
                    lang.format("office-closed-because", &[("reason", reason.clone())])
                }
                // "dibatasi oleh: kursi ruang tunggu (25 %: 2 kursi)"
                (None, Some(Limit::WaitingRoom)) => lang.format(
                    "staff-limit-waiting-room",
                    &[
                        ("percent", d.occupancy_percent.to_string()),
                        ("seats", d.seats.to_string()),
                    ],
                ),
                (None, Some(Limit::Throughput)) => lang.format(
                    "staff-limit-throughput",
                    &[
                        ("percent", d.wfo_percent.to_string()),
                        ("sets", d.staffed_sets.to_string()),
                    ],
                ),
                (None, Some(limit)) => lang.text(limit_key(limit)),
                (None, None) => lang.text("staff-no-hours"),
            };
            DayRow {
                date: date.to_string(),
                closed: d.closed.is_some(),
                waiting: d.waiting,
                label: lang.short_date(date),
                level: level_name(lang, d.level),
                cap: d.cap,
                booked: d.booked,
                note,
                over: d.booked > d.cap,
            }
        })
        .collect();
    let clear: Vec<(String, String)> = plan
        .days_to_clear
        .iter()
        .filter_map(|(l, days)| {
            Some((
                level_name(lang, (*l)?),
                days.map_or_else(|| lang.text("staff-over-a-year"), |d| d.to_string()),
            ))
        })
        .collect();
    let today = crate::planner::local_date(&office.spec, state.clock.now()).to_string();
    let periods = state
        .store
        .level_schedule(office.id)
        .await
        .map_err(crate::usecases::AppError::from)
        .or_page(lang)?
        .into_iter()
        .rev()
        .map(|p| PeriodRow {
            id: p.id,
            level: Level::parse(&p.level).map_or(p.level.clone(), |l| level_name(lang, l)),
            from: p.effective_from,
            to: p.effective_to.unwrap_or_default(),
            reason: p.reason,
            set_by: p.set_by,
        })
        .collect();
    Ok(PlanPage {
        periods,
        frame: Frame::staff_menu(lang, &format!("/staff/offices/{slug}"), &me, Some(&slug)),
        may_change: supervising.is_some(),
        level_legend: Level::ALL
            .iter()
            .map(|l| (band(*l), level_name(lang, *l)))
            .collect(),
        me,
        bars,
        max,
        rows,
        clear,
        failed,
        levels: Level::ALL
            .iter()
            .map(|l| (l.as_str(), level_name(lang, *l)))
            .collect(),
        notice: match q.m.as_deref() {
            Some("applied") => Some(lang.text("staff-applied")),
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
    /// Each displaced booking: code, name, its slot, where it goes (none: asked to rebook).
    displaced: Vec<(String, String, String, Option<String>)>,
    /// What the applicants will be told (one message of each kind, as it will read).
    told: Vec<String>,
    /// By which channel, or that none is set.
    channel: String,
}

/// What the applicants of a preview are told, one message of each kind (the first moved
/// one's and the first asked to rebook's), in the reader's language (each applicant gets
/// it in their own).
fn told(
    lang: Lang,
    sender: &str,
    office: &Office,
    change: &PlanChange,
    reason: &str,
    displaced: &[crate::store::DisplacedBooking],
) -> Vec<String> {
    let why = match change {
        PlanChange::Level { level, .. } => crate::domain::Reason::level(*level, reason),
        PlanChange::Office(_) => crate::domain::Reason::OfficeSettings,
        _ => crate::domain::Reason::typed(reason),
    };
    let tz = office.spec.timezone;
    let when = |t| short_when(lang, tz, t);
    let moved = displaced.iter().find(|d| d.to.is_some());
    let stuck = displaced.iter().find(|d| d.to.is_none());
    let link = lang.text("staff-told-link");
    let say = crate::usecases::say(lang, &why);
    moved
        .map(|d| ("msg-moved", d))
        .into_iter()
        .chain(stuck.map(|d| ("msg-needs-rebooking", d)))
        .map(|(key, d)| {
            lang.format(
                key,
                &[
                    ("sender", sender.to_string()),
                    ("code", d.code.clone()),
                    ("when", when(d.from)),
                    ("to", d.to.map(when).unwrap_or_default()),
                    ("reason", say.clone()),
                    ("link", link.clone()),
                ],
            )
        })
        .collect()
}

/// The channel messages go by, as the preview says it.
fn channel(lang: Lang, settings: &crate::config::Settings) -> String {
    if !settings.notify_webhook_url.is_empty() {
        lang.text("staff-channel-webhook")
    } else if !settings.smtp_url.is_empty() {
        lang.text("staff-channel-smtp")
    } else {
        lang.text("staff-channel-none")
    }
}

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

/// A level or closure form, understood.
struct Submitted {
    change: PlanChange,
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
    who: auth::Authorized<auth::AtOffice<Supervisor>>,
    submitted: Submitted,
) -> Result<Response, PageError> {
    let office = who.office().clone();
    let Submitted {
        change,
        title,
        fields: f,
        action,
    } = submitted;
    let apply = field(&f, "action") == "apply";
    // "Apply" applies the preview that was shown: the form carries the plan version it
    // was worked out on, and nothing may have changed the office's capacity since.
    if apply && field(&f, "preview") != office.plan_version.to_string() {
        return Err(PageError(
            lang,
            crate::usecases::AppError::new(crate::usecases::Code::Conflict, "err-preview-first"),
        ));
    }
    let report = changes::apply(state, &who, &change, field(&f, "reason"), !apply)
        .await
        .or_page(lang)?;
    if apply {
        return Ok(
            Redirect::to(&format!("/staff/offices/{}?m=applied", office.slug)).into_response(),
        );
    }
    let moved = report.displaced.iter().filter(|d| d.to.is_some()).count();
    let tz = office.spec.timezone;
    let displaced = report
        .displaced
        .iter()
        .map(|d| {
            (
                d.code.clone(),
                d.name.clone(),
                short_when(lang, tz, d.from),
                d.to.map(|t| short_when(lang, tz, t)),
            )
        })
        .collect();
    let told = told(
        lang,
        &state.settings.sender_name,
        &office,
        &change,
        field(&f, "reason"),
        &report.displaced,
    );
    let channel = channel(lang, &state.settings);
    Ok(PreviewPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/offices/{}", office.slug),
            me,
            Some(&office.slug),
        ),
        displaced,
        told,
        channel,
        marked: report.displaced.len() - moved,
        moved,
        title,
        report: ReplanReport::new(&report, office.spec.timezone),
        fields: f
            .into_iter()
            .filter(|(k, _)| k != "action" && k != "preview")
            .chain([("preview".to_string(), office.plan_version.to_string())])
            .collect(),
        action,
        office,
    }
    .into_response())
}

pub(super) async fn level_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_office::<Supervisor>(&state, lang, &me, &slug).await?;
    let change: PlanChange = LevelForm {
        level: field(&f, "level"),
        from: field(&f, "effective_from"),
        to: Some(field(&f, "effective_to")).filter(|s| !s.is_empty()),
    }
    .try_into()
    .or_page(lang)?;
    changes::check_reason(field(&f, "reason")).or_page(lang)?;
    let PlanChange::Level { level, from, to } = change else {
        unreachable!("a level form makes a level change")
    };
    let title = lang.format(
        "staff-level-title",
        &[
            ("level", level_name(lang, level)),
            ("from", from.to_string()),
            ("to", to.map(|t| format!(" – {t}")).unwrap_or_default()),
        ],
    );
    let submitted = Submitted {
        change,
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/level"),
    };
    change_submit(&state, lang, &me, who, submitted).await
}

pub(super) async fn closure_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_office::<Supervisor>(&state, lang, &me, &slug).await?;
    let date = parse_date(field(&f, "date"), "date").or_page(lang)?;
    changes::check_reason(field(&f, "reason")).or_page(lang)?;
    let title = lang.format("staff-close-title", &[("date", date.to_string())]);
    let submitted = Submitted {
        change: PlanChange::Close(date),
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/closure"),
    };
    change_submit(&state, lang, &me, who, submitted).await
}

/// Opens a closed day from the plan page (a closure lifted, or a holiday or joint leave day
/// worked), through the same preview.
pub(super) async fn reopen_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_office::<Supervisor>(&state, lang, &me, &slug).await?;
    let date = parse_date(field(&f, "date"), "date").or_page(lang)?;
    changes::check_reason(field(&f, "reason")).or_page(lang)?;
    let title = lang.format("staff-reopen-title", &[("date", date.to_string())]);
    let submitted = Submitted {
        change: PlanChange::Reopen(date),
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/reopen"),
    };
    change_submit(&state, lang, &me, who, submitted).await
}

/// Ends a level period on a day, or deletes it (no day given), through the same preview.
pub(super) async fn level_end_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_office::<Supervisor>(&state, lang, &me, &slug).await?;
    let id = field(&f, "period").parse::<i64>().map_err(|_| {
        PageError(
            lang,
            crate::usecases::AppError::field(
                crate::usecases::Code::Invalid,
                "period",
                "err-period",
            ),
        )
    })?;
    let last = match field(&f, "last_day") {
        "" => None,
        day => Some(parse_date(day, "last_day").or_page(lang)?),
    };
    changes::check_reason(field(&f, "reason")).or_page(lang)?;
    let title = match last {
        Some(day) => lang.format("staff-level-end-title", &[("date", day.to_string())]),
        None => lang.text("staff-level-delete-title"),
    };
    let submitted = Submitted {
        change: PlanChange::EndLevel { id, last },
        title,
        fields: f,
        action: format!("/staff/offices/{slug}/level-end"),
    };
    change_submit(&state, lang, &me, who, submitted).await
}
