//! Front-desk pages: today's list (any day), a booking opened by its code or its QR, the
//! check-in with temperature, outcomes, the certificate and its review, walk-ins, and the
//! waiting-room queue display. Every page works without JavaScript; the QR scanner is an
//! enhancement where the browser has `BarcodeDetector`.

mod booking;
mod find;
mod queue;
mod reports;
mod review;

use super::AppState;
use super::applicant::{kind_name, kinds};
use super::kit::lang::Lang;
use super::kit::page::{FormView, Frame, OrPage, PageError, form_status};
use super::kit::session::StaffSession;
use crate::domain::nik::mask_nik;
use crate::domain::{BookingStatus, CertificateStatus};
use crate::store::{Office, StaffMember};
use crate::usecases::auth::{AtOffice, Authorized, Desk};
use crate::usecases::desk;
use crate::usecases::form::Channel;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::collections::HashMap;

/// Desk page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/offices/{slug}/desk", get(day_page))
        .route("/staff/find", get(find::find).post(find::find_post))
        .route(
            "/staff/offices/{slug}/walk-in",
            get(walk_in_page).post(walk_in_submit),
        )
        .merge(booking::router())
        .merge(reports::router())
        .merge(review::router())
        .merge(queue::call_router())
        .layer(axum::middleware::from_fn(
            super::kit::page::staff_error_frame,
        ))
        .merge(queue::screen_router())
        .route("/static/scan.js", get(scan_js))
}

/// The office of a desk page, if `me` works there (or is an admin).
async fn my_desk(
    state: &AppState,
    lang: Lang,
    me: &StaffMember,
    slug: &str,
) -> Result<Authorized<AtOffice<Desk>>, PageError> {
    desk::office(state, me, slug).await.or_page(lang)
}

/// The day list's filter value for the bookings whose retest is due.
const RETEST: &str = "retest";

/// A row of the day list, ready to show.
struct Row {
    time: String,
    code: String,
    name: String,
    nik: String,
    status: String,
    status_class: &'static str,
    certificate: String,
    queue: String,
    /// "measure again at 07:05", while a first reading above the limit waits.
    retest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/desk.html")]
struct DayPage {
    frame: Frame,
    office: Office,
    date: String,
    date_label: String,
    rows: Vec<Row>,
    /// (value, label) of the status filter.
    statuses: Vec<(&'static str, String)>,
    status: String,
    counts: String,
    error: Option<String>,
    /// A code typed that opened nothing, shown again.
    typed_code: String,
}

async fn day_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<DayPage, PageError> {
    let ask = DayAsk {
        date: q.get("date").cloned(),
        status: q.get("status").cloned().unwrap_or_default(),
        search: q.get("q").cloned().unwrap_or_default(),
        error: q
            .get("m")
            .filter(|m| *m == "unknown")
            .map(|_| lang.text("desk-unknown-code")),
        typed_code: q.get("code").cloned().unwrap_or_default(),
    };
    day_view(&state, lang, &me, &slug, ask).await
}

/// What the day page is asked to show.
#[derive(Default)]
struct DayAsk {
    /// `YYYY-MM-DD`; today when absent.
    date: Option<String>,
    /// A status spelling, or [`RETEST`].
    status: String,
    /// A code, a name or a NIK, as typed.
    search: String,
    error: Option<String>,
    /// What was typed in the scan field and opened nothing, shown again.
    typed_code: String,
}

/// Does a row of the day list match what was typed (lower case)? A code whole, a part of
/// the name, or the NIK (whole, or its last four digits).
fn matches(search: &str, r: &crate::store::DeskRow) -> bool {
    search.is_empty()
        || r.code.to_lowercase() == search
        || r.name.to_lowercase().contains(search)
        || desk::nik_matches(search, &r.nik)
}

async fn day_view(
    state: &AppState,
    lang: Lang,
    me: &StaffMember,
    slug: &str,
    ask: DayAsk,
) -> Result<DayPage, PageError> {
    let who = my_desk(state, lang, me, slug).await?;
    let office = who.office().clone();
    let date = desk::date_or_today(state, &office, ask.date.as_deref()).or_page(lang)?;
    let all = desk::day_list(state, &who, date).await.or_page(lang)?;
    let status = ask.status;
    let search = ask.search.trim().to_lowercase();
    let tz = office.spec.timezone;
    let total = all.len();
    let checked = all.iter().filter(|r| r.queue_number.is_some()).count();
    let rows = all
        .into_iter()
        .filter(|r| {
            status.is_empty() || r.status == status || (status == RETEST && r.retest_due.is_some())
        })
        .filter(|r| matches(&search, r))
        .map(|r| {
            let s = BookingStatus::parse(&r.status);
            let start = chrono::DateTime::from_timestamp(r.slot_start, 0).unwrap_or_default();
            Row {
                time: crate::i18n::hm(lang, start, tz),
                nik: mask_nik(&r.nik),
                status: s.map_or(r.status.clone(), |s| lang.text(s.message_key())),
                status_class: s.map_or("", BookingStatus::as_str),
                certificate: CertificateStatus::parse(&r.certificate_status)
                    .map_or(r.certificate_status.clone(), |c| lang.text(c.message_key())),
                queue: r.queue_number.map(|n| n.to_string()).unwrap_or_default(),
                retest: r
                    .retest_due
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|t| {
                        lang.format("desk-retest-due", &[("at", crate::i18n::hm(lang, t, tz))])
                    })
                    .unwrap_or_default(),
                code: r.code,
                name: if r.walk_in != 0 {
                    format!("{} ({})", r.name, lang.text("desk-walk-in-mark"))
                } else {
                    r.name
                },
            }
        })
        .collect();
    let statuses = BookingStatus::ALL
        .into_iter()
        .filter(|s| s.holds_seat(false, false))
        .map(|s| (s.as_str(), lang.text(s.message_key())))
        .chain([(RETEST, lang.text("desk-waiting-retest"))])
        .collect();
    Ok(DayPage {
        frame: Frame::staff_menu(lang, &format!("/staff/offices/{slug}/desk"), me, Some(slug)),
        date: date.to_string(),
        date_label: lang.long_date(date),
        counts: lang.format(
            "desk-counts",
            &[
                ("total", total.to_string()),
                ("checked", checked.to_string()),
            ],
        ),
        error: ask.error,
        typed_code: ask
            .typed_code
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '\'')
            .take(40)
            .collect(),
        office,
        rows,
        statuses,
        status,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/walk_in.html")]
struct WalkInPage {
    frame: Frame,
    office: Office,
    form: FormView,
    kinds: Vec<(String, String)>,
    min_age: u32,
    file_lost: bool,
    /// The limit, and what to do above it.
    temperature_hint: String,
}

/// The temperature limit, and what the desk does above it.
fn temperature_hint(state: &AppState, lang: Lang) -> String {
    lang.format(
        "desk-temperature-hint",
        &[("limit", {
            let limit = format!("{:.1}", state.settings.max_temperature_c);
            if lang == Lang::Id {
                limit.replace('.', ",")
            } else {
                limit
            }
        })],
    )
}

async fn walk_in_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
) -> Result<WalkInPage, PageError> {
    let office = my_desk(&state, lang, &me, &slug).await?.office().clone();
    Ok(WalkInPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/offices/{slug}/walk-in"),
            &me,
            Some(&slug),
        ),
        kinds: kinds(lang, &office),
        min_age: state.settings.min_age,
        office,
        form: FormView::default(),
        file_lost: false,
        temperature_hint: temperature_hint(&state, lang),
    })
}

async fn walk_in_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let who = my_desk(&state, lang, &me, &slug).await?;
    let office = who.office().clone();
    let form = super::kit::multipart::read_form(multipart)
        .await
        .or_page(lang)?;
    match crate::usecases::walk_in::walk_in(&state, &who, &form, Channel::Page).await {
        Ok(b) => Ok(Redirect::to(&format!("/staff/bookings/{}?m=walk_in", b.code)).into_response()),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let file_lost = form.certificate.is_some();
            let page = WalkInPage {
                frame: Frame::staff_menu(
                    lang,
                    &format!("/staff/offices/{slug}/walk-in"),
                    &me,
                    Some(&slug),
                ),
                kinds: kinds(lang, &office),
                min_age: state.settings.min_age,
                form: FormView::from_errors(lang, &form, &errors).with_file_note(lang, file_lost),
                office,
                file_lost,
                temperature_hint: temperature_hint(&state, lang),
            };
            Ok((status, page).into_response())
        }
    }
}

/// The QR scanner: uses the camera where the browser has `BarcodeDetector`, else stays
/// out of the way (typing the code always works).
async fn scan_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/scan.js"),
    )
        .into_response()
}
