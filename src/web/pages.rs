//! The applicant's HTML pages: pick an office, a day and a time, fill in the form,
//! see the confirmation, manage the booking. They work without JavaScript; forms keep
//! what was typed and show each error beside its field.

use super::AppState;
use super::api::authorise_token;
use super::error::{AppError, Code};
use super::i18n::{Lang, hm};
use super::limits::ClientIp;
use super::multipart::read_form;
use super::views::{self, DayView};
use crate::booking::{self, RawForm};
use crate::domain::code::{hash_secret, new_secret};
use crate::domain::office::zone_abbreviation;
use crate::domain::{BookingCode, Nik};
use crate::store::{Booking, Created, Office, StoreError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::collections::HashMap;

/// Page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{lang}", get(switch_lang))
        .route("/o/{slug}", get(office_page))
        .route("/o/{slug}/book", get(book_form).post(book_submit))
        .route(
            "/o/{slug}/waitlist",
            get(waitlist_form).post(waitlist_submit),
        )
        .route("/b/{code}", get(manage))
        .route("/b/{code}/calendar.ics", get(calendar))
        .route("/b/{code}/claim", axum::routing::post(claim_submit))
        .route("/b/{code}/cancel", get(cancel_confirm).post(cancel_submit))
        .route(
            "/b/{code}/reschedule",
            get(reschedule_page).post(reschedule_submit),
        )
        .route(
            "/b/{code}/certificate",
            axum::routing::post(certificate_submit),
        )
        .route("/find", get(find_page).post(find_submit))
}

/// What every page needs for its frame.
pub struct Frame {
    /// Language.
    pub lang: Lang,
    /// The link that switches language and comes back here.
    pub switch_href: String,
}

impl Frame {
    /// The frame of the page at `here`.
    pub fn new(lang: Lang, here: &str) -> Self {
        Self {
            lang,
            switch_href: format!(
                "/lang/{}?next={}",
                lang.other().code(),
                utf8_percent_encode(here, NON_ALPHANUMERIC)
            ),
        }
    }
}

/// Values typed and errors found, for re-showing a form.
#[derive(Default)]
pub struct FormView {
    values: HashMap<String, String>,
    errors: Vec<(String, &'static str)>,
}

impl FormView {
    fn from_errors(lang: Lang, form: &RawForm, errors: &[AppError]) -> Self {
        let mut view = Self {
            values: form.fields.clone(),
            errors: Vec::new(),
        };
        for e in errors {
            let field = e.field.clone().unwrap_or_default();
            if !view.errors.iter().any(|(f, _)| *f == field) {
                view.errors.push((field, lang.text(e.message)));
            }
        }
        view
    }

    /// The value typed into `name`.
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Is the checkbox `name` ticked?
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.value(name), "true" | "on" | "1")
    }

    /// The error shown beside `name`.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == name).map(|(_, m)| *m)
    }

    /// All errors, for the summary at the top.
    pub fn errors(&self) -> &[(String, &'static str)] {
        &self.errors
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    message: &'static str,
}

/// Renders an error as a page with the right status.
pub fn error_page(lang: Lang, e: &AppError) -> Response {
    let page = ErrorPage {
        frame: Frame::new(lang, "/"),
        message: lang.text(e.message),
    };
    (e.code.status(), page).into_response()
}

/// An error rendered as a page.
pub struct PageError(Lang, AppError);

impl PageError {
    /// An error shown in `lang`.
    pub fn new(lang: Lang, e: AppError) -> Self {
        Self(lang, e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

trait OrPage<T> {
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError(lang, e.into()))
    }
}

struct OfficeItem {
    slug: String,
    name: String,
    address: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    offices: Vec<OfficeItem>,
}

async fn home(State(state): State<AppState>, lang: Lang) -> Result<HomePage, PageError> {
    let offices = state.store.list_offices().await.or_page(lang)?;
    Ok(HomePage {
        frame: Frame::new(lang, "/"),
        offices: offices
            .into_iter()
            .map(|o| OfficeItem {
                slug: o.slug,
                name: o.spec.name.clone(),
                address: o.spec.address.clone(),
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn switch_lang(Path(lang): Path<String>, Query(q): Query<Next>) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    // Only local paths: never an open redirect.
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_string());
    (
        [(
            header::SET_COOKIE,
            format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.code()
            ),
        )],
        Redirect::to(&next),
    )
        .into_response()
}

/// A day as a page lists it.
struct DayItem {
    label: String,
    /// Shown unfolded: the first bookable day.
    open: bool,
    /// "dibatasi oleh: …"
    limit: Option<&'static str>,
    /// Seats left in the day.
    left: u32,
    day: DayView,
}

fn day_items(lang: Lang, days: Vec<DayView>) -> Vec<DayItem> {
    let first = days.iter().position(|d| d.bookable);
    days.into_iter()
        .enumerate()
        .map(|(i, day)| DayItem {
            label: lang.long_date(day.date),
            open: Some(i) == first,
            limit: day.limited_by.map(|l| match l {
                "waiting_room" => lang.text("office.binding.waiting_room"),
                "daily_maximum" => lang.text("office.binding.daily_maximum"),
                "level_maximum" => lang.text("office.binding.level_maximum"),
                _ => lang.text("office.binding.throughput"),
            }),
            left: day.cap.saturating_sub(day.booked),
            day,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "office.html")]
struct OfficePage {
    frame: Frame,
    office: Office,
    zone: &'static str,
    days: Vec<DayItem>,
    any_open: bool,
}

impl OfficePage {
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        hm(*t, self.office.spec.timezone)
    }
}

async fn office_availability(state: &AppState, office: &Office) -> Result<Vec<DayView>, AppError> {
    let today = crate::planner::local_date(&office.spec, state.clock.now());
    let last = today + Duration::days(i64::from(office.spec.booking_horizon_days));
    Ok(views::availability(state, office, today, last).await?.days)
}

async fn office_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<OfficePage, PageError> {
    let office = state.store.office(&slug).await.or_page(lang)?;
    let days = office_availability(&state, &office).await.or_page(lang)?;
    let any_open = days.iter().any(|d| d.bookable);
    Ok(OfficePage {
        frame: Frame::new(lang, &format!("/o/{slug}")),
        zone: office.spec.zone_abbreviation(),
        office,
        days: day_items(lang, days),
        any_open,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "book.html")]
struct BookPage {
    frame: Frame,
    office: Office,
    slot_label: String,
    slot_start: String,
    kinds: Vec<(String, String)>,
    form: FormView,
    file_lost: bool,
}

fn slot_label(
    lang: Lang,
    office: &Office,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> String {
    let tz = office.spec.timezone;
    format!(
        "{}, {}–{} {}",
        lang.long_date(start.with_timezone(&tz).date_naive()),
        hm(start, tz),
        hm(end, tz),
        zone_abbreviation(tz)
    )
}

fn book_page(
    lang: Lang,
    office: Office,
    slot_start: &str,
    form: FormView,
    file_lost: bool,
) -> BookPage {
    let label = booking::parse_instant(slot_start)
        .map(|s| {
            let end = s + Duration::minutes(i64::from(office.spec.slot_minutes));
            slot_label(lang, &office, s, end)
        })
        .unwrap_or_default();
    let kinds = office
        .spec
        .certificates
        .0
        .iter()
        .map(|(k, h)| {
            let name = match k.as_str() {
                "antigen" => lang.text("kind.antigen").to_string(),
                "pcr" => lang.text("kind.pcr").to_string(),
                "surat_sehat" => lang.text("kind.surat_sehat").to_string(),
                other => other.replace('_', " "),
            };
            (
                k.clone(),
                format!(
                    "{name} ({} {h} {})",
                    lang.text("book.valid_for"),
                    lang.text("book.hours")
                ),
            )
        })
        .collect();
    BookPage {
        frame: Frame::new(
            lang,
            &format!(
                "/o/{}/book?slot={}",
                office.slug,
                utf8_percent_encode(slot_start, NON_ALPHANUMERIC)
            ),
        ),
        office,
        slot_label: label,
        slot_start: slot_start.to_string(),
        kinds,
        form,
        file_lost,
    }
}

#[derive(Deserialize)]
struct SlotQuery {
    slot: Option<String>,
}

async fn book_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    Query(q): Query<SlotQuery>,
) -> Result<Response, PageError> {
    let office = state.store.office(&slug).await.or_page(lang)?;
    let Some(slot) = q.slot.filter(|s| booking::parse_instant(s).is_some()) else {
        return Ok(Redirect::to(&format!("/o/{slug}")).into_response());
    };
    Ok(book_page(lang, office, &slot, FormView::default(), false).into_response())
}

async fn book_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let office = state.store.office(&slug).await.or_page(lang)?;
    let form = read_form(multipart).await.or_page(lang)?;
    let slot_start = form.get("slot_start").to_string();
    let result = match booking::validate(&state, &form, &slug, "applicant", lang.code()).await {
        Ok(valid) => booking::book(&state, &valid, None, |_, _| String::new())
            .await
            .map_err(|e| vec![e]),
        Err(errors) => Err(errors),
    };
    match result {
        Ok(Created::New { booking, token }) => Ok(Redirect::to(&format!(
            "{}&m=created",
            views::manage_path(&booking.code, &token)
        ))
        .into_response()),
        Ok(Created::Replay(_)) => Err(PageError(
            lang,
            AppError::new(Code::Conflict, "err.conflict"),
        )),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let file_lost = form.certificate.is_some() || form.certificate_too_large;
            let view = FormView::from_errors(lang, &form, &errors);
            Ok((
                status,
                book_page(lang, office, &slot_start, view, file_lost),
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "waitlist.html")]
struct WaitlistPage {
    frame: Frame,
    office: Office,
    kinds: Vec<(String, String)>,
    form: FormView,
    file_lost: bool,
    today: String,
    last: String,
}

fn waitlist_page(
    lang: Lang,
    office: Office,
    now: chrono::DateTime<chrono::Utc>,
    form: FormView,
    file_lost: bool,
) -> WaitlistPage {
    let kinds = book_page(lang, office.clone(), "", FormView::default(), false).kinds;
    let today = crate::planner::local_date(&office.spec, now);
    let last = today + Duration::days(i64::from(office.spec.booking_horizon_days));
    WaitlistPage {
        frame: Frame::new(lang, &format!("/o/{}/waitlist", office.slug)),
        office,
        kinds,
        form,
        file_lost,
        today: today.to_string(),
        last: last.to_string(),
    }
}

async fn waitlist_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<WaitlistPage, PageError> {
    let office = state.store.office(&slug).await.or_page(lang)?;
    Ok(waitlist_page(
        lang,
        office,
        state.clock.now(),
        FormView::default(),
        false,
    ))
}

async fn waitlist_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let office = state.store.office(&slug).await.or_page(lang)?;
    let form = read_form(multipart).await.or_page(lang)?;
    let result = match booking::validate_waitlist(&state, &form, &slug, lang.code()).await {
        Ok(valid) => state
            .store
            .join_waitlist(&valid.new, state.clock.now())
            .await
            .map_err(|e| vec![AppError::from(e)]),
        Err(errors) => Err(errors),
    };
    match result {
        Ok((b, token)) => Ok(Redirect::to(&format!(
            "{}&m=waitlisted",
            views::manage_path(&b.code, &token)
        ))
        .into_response()),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let file_lost = form.certificate.is_some() || form.certificate_too_large;
            let view = FormView::from_errors(lang, &form, &errors);
            Ok((
                status,
                waitlist_page(lang, office, state.clock.now(), view, file_lost),
            )
                .into_response())
        }
    }
}

/// The status to re-show a form with, after its errors; an internal error becomes the
/// error page instead (the cause is logged, never shown).
fn form_status(lang: Lang, errors: &[AppError]) -> Result<StatusCode, PageError> {
    if let Some(e) = errors.iter().find(|e| e.code == Code::Internal) {
        return Err(PageError(lang, e.clone()));
    }
    Ok(errors
        .first()
        .map(|e| e.code.status())
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY))
}

/// The booking page: confirmation, ticket and management in one.
#[derive(Template, WebTemplate)]
#[template(path = "booking.html")]
struct BookingPage {
    frame: Frame,
    b: Booking,
    office: Office,
    token: String,
    when: String,
    qr_svg: String,
    notice: Option<&'static str>,
    valid_until: String,
    changeable: bool,
    kinds: Vec<(String, String)>,
    form: FormView,
    status_text: &'static str,
    certificate_text: &'static str,
    /// Why the office moved the booking or asks for a new time, if it did.
    change_notice: Option<String>,
    /// A seat offered while waiting for a new slot, and until when it is held.
    offer: Option<String>,
    /// Place in the queue while waiting without an offer.
    queue_position: Option<i64>,
    /// A confirmed seat (or later): the ticket with its QR code is shown.
    has_seat: bool,
}

#[derive(Deserialize)]
struct TokenQuery {
    t: Option<String>,
    m: Option<String>,
}

fn qr_svg(code: &str) -> String {
    qrcode::QrCode::new(code.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

fn booking_page(
    lang: Lang,
    b: Booking,
    office: Office,
    token: &str,
    notice: Option<&'static str>,
    form: FormView,
) -> BookingPage {
    let tz = office.spec.timezone;
    let valid_until = office
        .spec
        .certificates
        .valid_until(&b.certificate_kind, b.certificate_issued_at())
        .map(|t| {
            format!(
                "{}, {} {}",
                lang.long_date(t.with_timezone(&tz).date_naive()),
                hm(t, tz),
                zone_abbreviation(tz)
            )
        })
        .unwrap_or_default();
    let kinds = book_page(lang, office.clone(), "", FormView::default(), false).kinds;
    // A waiting-list entry has no time yet: it wants a range of days.
    let when = match (b.status(), b.hold_until, &b.wait_from, &b.wait_to) {
        (crate::domain::BookingStatus::Waitlisted, None, Some(from), Some(to)) => {
            let d = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|d| lang.long_date(d))
                    .unwrap_or_default()
            };
            format!("{} – {}", d(from), d(to))
        }
        _ => slot_label(lang, &office, b.slot_start(), b.slot_end()),
    };
    BookingPage {
        has_seat: b.holds_seat()
            && b.status() != crate::domain::BookingStatus::NeedsRebooking
            && b.status() != crate::domain::BookingStatus::Waitlisted,
        frame: Frame::new(lang, &views::manage_path(&b.code, token)),
        change_notice: None,
        offer: None,
        queue_position: None,
        status_text: lang.text(&format!("status.{}", b.status)),
        certificate_text: lang.text(&format!("cert.{}", b.certificate_status)),
        when,
        qr_svg: qr_svg(&b.code),
        changeable: b.status().is_changeable(),
        b,
        office,
        token: token.to_string(),
        notice,
        valid_until,
        kinds,
        form,
    }
}

async fn owned(
    state: &AppState,
    lang: Lang,
    code: &str,
    token: Option<&str>,
) -> Result<(Booking, Office), PageError> {
    let token = token.ok_or_else(|| PageError(lang, AppError::not_found()))?;
    authorise_token(state, code, token).await.or_page(lang)
}

async fn manage(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<BookingPage, PageError> {
    let (b, office) = owned(&state, lang, &code, q.t.as_deref()).await?;
    let notice = match q.m.as_deref() {
        Some("created") => Some("booking.created"),
        Some("rescheduled") => Some("booking.rescheduled"),
        Some("cancelled") => Some("booking.cancelled_now"),
        Some("replaced") => Some("booking.replaced"),
        Some("claimed") => Some("offer.claimed"),
        Some("waitlisted") => Some("wait.joined"),
        _ => None,
    };
    let token = q.t.unwrap_or_default();
    let change = state.store.latest_notification(b.id).await.or_page(lang)?;
    let offer = b.offer(state.clock.now());
    let queue_position = state.store.queue_position(&b).await.or_page(lang)?;
    let mut page = booking_page(
        lang,
        b,
        office,
        &token,
        notice.map(|k| lang.text(k)),
        FormView::default(),
    );
    page.queue_position = queue_position;
    page.offer = offer.map(|(start, until)| {
        let tz = page.office.spec.timezone;
        let end = start + Duration::minutes(i64::from(page.office.spec.slot_minutes));
        format!(
            "{} {}. {} {}, {} {}.",
            lang.text("offer.seat"),
            slot_label(lang, &page.office, start, end),
            lang.text("offer.until"),
            lang.long_date(until.with_timezone(&tz).date_naive()),
            hm(until, tz),
            zone_abbreviation(tz)
        )
    });
    // What the office did to the booking, and why. An offer speaks for itself (above).
    page.change_notice = change.and_then(|(kind, from, to, reason)| {
        let when = |t: i64| {
            let t = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
            let end = t + Duration::minutes(i64::from(page.office.spec.slot_minutes));
            slot_label(lang, &page.office, t, end)
        };
        match (kind.as_str(), to) {
            ("moved", Some(to)) => Some(format!(
                "{} {} → {}. {}: {reason}",
                lang.text("change.moved"),
                when(from),
                when(to),
                lang.text("change.reason")
            )),
            ("needs_rebooking", _) => Some(format!(
                "{} ({}). {}: {reason}",
                lang.text("change.needs_rebooking"),
                when(from),
                lang.text("change.reason")
            )),
            // Only while still waiting: a claimed or rebooked seat makes it history.
            ("offer_expired", _) if page.b.status().is_waiting() && page.offer.is_none() => {
                Some(lang.text("change.offer_expired").to_string())
            }
            _ => None,
        }
    });
    Ok(page)
}

async fn calendar(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    use icalendar::{Component, Event, EventLike};
    let (b, office) = owned(&state, lang, &code, q.t.as_deref()).await?;
    let mut event = Event::new();
    event
        .uid(&format!("{}@rekam", b.code))
        .summary(&format!("{} ({})", lang.text("booking.title"), b.code))
        .location(&format!("{}, {}", office.spec.name, office.spec.address))
        .description(&format!(
            "{}: {}, {}, {}",
            lang.text("booking.bring"),
            lang.text("booking.bring.kk"),
            lang.text("booking.bring.certificate"),
            lang.text("booking.bring.mask")
        ))
        .starts(b.slot_start())
        .ends(b.slot_end());
    let cal = icalendar::Calendar::new().push(event.done()).done();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rekam-{}.ics\"", b.code),
            ),
        ],
        cal.to_string(),
    )
        .into_response())
}

async fn claim_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Redirect, PageError> {
    let (b, _) = owned(&state, lang, &code, Some(&f.t)).await?;
    state
        .store
        .claim_offer(&b.code, state.clock.now())
        .await
        .or_page(lang)?;
    Ok(Redirect::to(&format!(
        "{}&m=claimed",
        views::manage_path(&b.code, &f.t)
    )))
}

#[derive(Template, WebTemplate)]
#[template(path = "cancel.html")]
struct CancelPage {
    frame: Frame,
    b: Booking,
    token: String,
    when: String,
}

async fn cancel_confirm(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<CancelPage, PageError> {
    let (b, office) = owned(&state, lang, &code, q.t.as_deref()).await?;
    let token = q.t.unwrap_or_default();
    Ok(CancelPage {
        frame: Frame::new(lang, &format!("/b/{}/cancel?t={token}", b.code)),
        when: slot_label(lang, &office, b.slot_start(), b.slot_end()),
        b,
        token,
    })
}

#[derive(Deserialize)]
struct TokenForm {
    t: String,
    slot_start: Option<String>,
}

async fn cancel_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Redirect, PageError> {
    let (b, _) = owned(&state, lang, &code, Some(&f.t)).await?;
    state
        .store
        .cancel_booking(&b.code, "applicant", state.clock.now())
        .await
        .or_page(lang)?;
    Ok(Redirect::to(&format!(
        "{}&m=cancelled",
        views::manage_path(&b.code, &f.t)
    )))
}

#[derive(Template, WebTemplate)]
#[template(path = "reschedule.html")]
struct ReschedulePage {
    frame: Frame,
    b: Booking,
    token: String,
    when: String,
    office: Office,
    days: Vec<DayItem>,
    error: Option<&'static str>,
}

impl ReschedulePage {
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        hm(*t, self.office.spec.timezone)
    }
}

async fn reschedule_view(
    state: &AppState,
    lang: Lang,
    b: Booking,
    office: Office,
    token: String,
    error: Option<&'static str>,
) -> Result<ReschedulePage, PageError> {
    let days = office_availability(state, &office).await.or_page(lang)?;
    Ok(ReschedulePage {
        frame: Frame::new(lang, &format!("/b/{}/reschedule?t={token}", b.code)),
        when: slot_label(lang, &office, b.slot_start(), b.slot_end()),
        days: day_items(lang, days),
        b,
        token,
        office,
        error,
    })
}

async fn reschedule_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<ReschedulePage, PageError> {
    let (b, office) = owned(&state, lang, &code, q.t.as_deref()).await?;
    reschedule_view(&state, lang, b, office, q.t.unwrap_or_default(), None).await
}

async fn reschedule_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let (b, office) = owned(&state, lang, &code, Some(&f.t)).await?;
    let start = f.slot_start.unwrap_or_default();
    match booking::reschedule(&state, &b, &start, "applicant").await {
        Ok(b) => Ok(Redirect::to(&format!(
            "{}&m=rescheduled",
            views::manage_path(&b.code, &f.t)
        ))
        .into_response()),
        Err(e) if e.code == Code::Internal => Err(PageError(lang, e)),
        Err(e) => {
            let status = e.code.status();
            let page =
                reschedule_view(&state, lang, b, office, f.t, Some(lang.text(e.message))).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn certificate_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let form = read_form(multipart).await.or_page(lang)?;
    let token = form.get("t").to_string();
    let (b, office) = owned(&state, lang, &code, Some(&token)).await?;
    match booking::replace_certificate(&state, &b, &form, "applicant").await {
        Ok(b) => Ok(Redirect::to(&format!(
            "{}&m=replaced",
            views::manage_path(&b.code, &token)
        ))
        .into_response()),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let view = FormView::from_errors(lang, &form, &errors);
            Ok((status, booking_page(lang, b, office, &token, None, view)).into_response())
        }
    }
}

/// 429 with `Retry-After`, as a page.
pub fn too_many(lang: Lang, wait: std::time::Duration) -> Response {
    let mut resp = error_page(lang, &AppError::new(Code::RateLimited, "err.rate_limited"));
    let secs = wait.as_secs().max(1).to_string();
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

#[derive(Template, WebTemplate)]
#[template(path = "find.html")]
struct FindPage {
    frame: Frame,
    form: FormView,
}

async fn find_page(lang: Lang) -> FindPage {
    FindPage {
        frame: Frame::new(lang, "/find"),
        form: FormView::default(),
    }
}

/// Finds a booking by code, NIK and birth date. The token is not stored (only its hash),
/// so a new one is issued and the lost link stops working.
async fn find_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // Code + NIK + birth date can be guessed at: a few tries a minute per address.
    if let Err(wait) = state.limits.lookup(ip) {
        return Ok(too_many(lang, wait));
    }
    let raw = RawForm {
        fields: fields.clone(),
        ..RawForm::default()
    };
    let not_found = |raw: &RawForm| {
        let view = FormView::from_errors(
            lang,
            raw,
            &[AppError::field(Code::NotFound, "code", "err.find")],
        );
        (
            StatusCode::NOT_FOUND,
            FindPage {
                frame: Frame::new(lang, "/find"),
                form: view,
            },
        )
            .into_response()
    };
    let (Some(code), Ok(nik), Ok(birth)) = (
        BookingCode::parse(raw.get("code")),
        Nik::parse(raw.get("nik")),
        NaiveDate::parse_from_str(raw.get("birth_date"), "%Y-%m-%d"),
    ) else {
        return Ok(not_found(&raw));
    };
    let b = match state.store.booking(code.as_str()).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Ok(not_found(&raw)),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    if b.nik != nik.as_str() || b.birth_date != birth.to_string() {
        return Ok(not_found(&raw));
    }
    let token = new_secret();
    state
        .store
        .replace_booking_token(b.id, &hash_secret(&token), state.clock.now())
        .await
        .or_page(lang)?;
    Ok(Redirect::to(&views::manage_path(&b.code, &token)).into_response())
}
