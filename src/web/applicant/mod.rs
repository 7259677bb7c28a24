//! The applicant's pages: pick an office, a day and a time, fill in the form, see the
//! confirmation, manage the booking, find a lost link. They work without JavaScript;
//! forms keep what was typed and show each error beside its field.

mod book;
mod find;
mod manage;
mod reschedule;
mod rights;

use super::AppState;
use super::kit::lang::Lang;
use super::kit::page::{Frame, OrPage, PageError, limit_key};
use crate::domain::office::zone_abbreviation;
use crate::i18n::hm;
use crate::store::Office;
use crate::usecases::availability::DayView;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{lang}", get(switch_lang))
        .route("/o/{slug}", get(book::office_page))
        .route(
            "/o/{slug}/book",
            get(book::book_form)
                .post(book::book_submit)
                .layer(upload_limit()),
        )
        .route(
            "/o/{slug}/waitlist",
            get(book::waitlist_form)
                .post(book::waitlist_submit)
                .layer(upload_limit()),
        )
        .route("/b/{code}", get(manage::manage))
        .route("/b/{code}/calendar.ics", get(manage::calendar))
        .route("/b/{code}/claim", post(manage::claim_submit))
        .route("/b/{code}/verify", post(manage::verify_submit))
        .route("/b/{code}/verify/resend", post(manage::resend_submit))
        .route(
            "/b/{code}/cancel",
            get(manage::cancel_confirm).post(manage::cancel_submit),
        )
        .route(
            "/b/{code}/reschedule",
            get(reschedule::reschedule_page).post(reschedule::reschedule_submit),
        )
        .route(
            "/b/{code}/certificate",
            post(manage::certificate_submit).layer(upload_limit()),
        )
        .route("/b/{code}/contact", post(rights::contact_submit))
        .route("/b/{code}/data.json", get(rights::data_download))
        .route(
            "/b/{code}/erase",
            get(rights::erase_confirm).post(rights::erase_submit),
        )
        .route("/find", get(find::find_page).post(find::find_submit))
        .route("/static/upload.js", get(upload_js))
}

/// Shrinks a large photo before upload (an enhancement; the forms work without it).
async fn upload_js() -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/upload.js"),
    )
        .into_response()
}

/// The body limit of the upload forms (see [`super::PAGE_UPLOAD_BYTES`]).
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(super::PAGE_UPLOAD_BYTES)
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
    min_age: u32,
}

async fn home(State(state): State<AppState>, lang: Lang) -> Result<HomePage, PageError> {
    let offices = crate::usecases::availability::offices(&state)
        .await
        .or_page(lang)?;
    Ok(HomePage {
        min_age: state.settings.min_age,
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

async fn switch_lang(jar: CookieJar, Path(lang): Path<String>, Query(q): Query<Next>) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let next = q
        .next
        .filter(|n| is_local_path(n))
        .unwrap_or_else(|| "/".to_string());
    let cookie = Cookie::build(("lang", lang.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .build();
    (jar.add(cookie), Redirect::to(&next)).into_response()
}

/// Is `next` a path of this site? Only visible ASCII (a browser drops tabs and newlines,
/// so `/\t/evil.example` would become `//evil.example`, another host), starting with one
/// `/` and without backslashes (which browsers read as slashes).
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// A day as a page lists it.
struct DayItem {
    label: String,
    /// Shown unfolded: the first bookable day.
    open: bool,
    /// "dibatasi oleh: …"
    limit: Option<String>,
    /// "sisa 5 dari 6".
    left: String,
    /// "Tutup: Cuti bersama Idul Fitri 1447 H" (a holiday's name or the office's reason).
    closed: String,
    day: DayView,
}

fn day_items(lang: Lang, days: Vec<DayView>) -> Vec<DayItem> {
    let first = days.iter().position(|d| d.bookable);
    days.into_iter()
        .enumerate()
        .map(|(i, day)| DayItem {
            label: lang.long_date(day.date),
            open: Some(i) == first,
            limit: day.limited_by.map(|l| lang.text(limit_key(l))),
            closed: day.reason.as_ref().map_or_else(
                || lang.text("office-closed"),
                |r| lang.format("office-closed-because", &[("reason", r.clone())]),
            ),
            left: lang.format(
                "office-left-of",
                &[
                    ("left", day.cap.saturating_sub(day.booked).to_string()),
                    ("cap", day.cap.to_string()),
                ],
            ),
            day,
        })
        .collect()
}

/// "Selasa, 1 Desember 2026, 08:00 WIB".
pub(crate) fn instant_label(lang: Lang, office: &Office, t: DateTime<Utc>) -> String {
    let tz = office.spec.timezone;
    format!(
        "{}, {} {}",
        lang.long_date(t.with_timezone(&tz).date_naive()),
        hm(lang, t, tz),
        zone_abbreviation(tz)
    )
}

/// "Selasa, 1 Desember 2026, 08:00–08:30 WIB".
pub(crate) fn slot_label(
    lang: Lang,
    office: &Office,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    let tz = office.spec.timezone;
    format!(
        "{}, {}–{} {}",
        lang.long_date(start.with_timezone(&tz).date_naive()),
        hm(lang, start, tz),
        hm(lang, end, tz),
        zone_abbreviation(tz)
    )
}

/// The certificate kinds an office accepts, with their names and validity.
pub(crate) fn kinds(lang: Lang, office: &Office) -> Vec<(String, String)> {
    office
        .spec
        .certificates
        .0
        .iter()
        .map(|(k, h)| {
            let name = kind_name(lang, k);
            // Whole days read better than "168 jam".
            let label = if *h == 24 {
                lang.format("book-kind-label-day", &[("name", name)])
            } else if *h == 1 {
                lang.format("book-kind-label-hour", &[("name", name)])
            } else if h % 24 == 0 {
                lang.format(
                    "book-kind-label-days",
                    &[("name", name), ("days", (h / 24).to_string())],
                )
            } else {
                lang.format(
                    "book-kind-label",
                    &[("name", name), ("hours", h.to_string())],
                )
            };
            (k.clone(), label)
        })
        .collect()
}

/// The name of a certificate kind, as applicants know it.
pub(crate) fn kind_name(lang: Lang, kind: &str) -> String {
    match kind {
        "antigen" => lang.text("kind-antigen"),
        "pcr" => lang.text("kind-pcr"),
        "surat_sehat" => lang.text("kind-surat-sehat"),
        other => other.replace('_', " "),
    }
}

/// RFC 3339 in the office's zone, as slots are named in forms and links.
fn rfc3339(office: &Office, t: DateTime<Utc>) -> String {
    crate::domain::office::local_rfc3339(t, office.spec.timezone)
}
