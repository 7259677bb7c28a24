//! Choosing a time and booking it, or joining the waiting list.

use super::{DayItem, day_items, kinds, rfc3339, slot_label};
use crate::i18n::hm;
use crate::store::Office;
use crate::usecases::availability::{self, coming_days};
use crate::usecases::booking::Created;
use crate::usecases::drafts;
use crate::usecases::form::{Channel, parse_instant};
use crate::usecases::{AppError, Code, booking, waitlist};
use crate::web::AppState;
use crate::web::kit::lang::Lang;
use crate::web::kit::limits::ClientIp;
use crate::web::kit::multipart::read_form;
use crate::web::kit::page::{
    FormView, Frame, OrPage, PageError, form_status, too_many_saying, with_retry_after,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "office.html")]
pub(super) struct OfficePage {
    frame: Frame,
    /// The certificates accepted, with their validity: known before a slot is chosen.
    kinds: Vec<(String, String)>,
    office: Office,
    zone: &'static str,
    days: Vec<DayItem>,
    any_open: bool,
    /// The last slot start a certificate issued now can cover: later slots are shown,
    /// marked, and not offered.
    reach: Option<DateTime<Utc>>,
    /// Each kind: the last slot a certificate of it issued now covers, as read.
    covers: Vec<String>,
    /// Why the page is shown instead of a form (a slot no certificate can reach yet).
    notice: Option<String>,
    /// The waiting list explained for this server's message channel.
    wait_explain: &'static str,
    /// The PPKM level in force today, as read.
    level_today: Option<String>,
    /// Opening hours by weekday: (day, hours), as read.
    hours: Vec<(String, String)>,
    /// "Come in person … above 37,3 °C", with the configured limit.
    bring_self: String,
}

impl OfficePage {
    /// Can a certificate issued now cover a slot starting at `t`?
    fn reachable(&self, t: &DateTime<Utc>) -> bool {
        self.reach.is_some_and(|r| *t <= r)
    }

    fn time(&self, t: &DateTime<Utc>) -> String {
        hm(self.frame.lang, *t, self.office.spec.timezone)
    }

    fn rfc(&self, t: &DateTime<Utc>) -> String {
        rfc3339(&self.office, *t)
    }
}

pub(super) async fn office_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<OfficePage, PageError> {
    office_view(&state, lang, &slug, None).await
}

async fn office_view(
    state: &AppState,
    lang: Lang,
    slug: &str,
    notice: Option<String>,
) -> Result<OfficePage, PageError> {
    let office = availability::office(state, slug).await.or_page(lang)?;
    let days = coming_days(state, &office).await.or_page(lang)?;
    let any_open = days.iter().any(|d| d.bookable);
    let now = state.clock.now();
    let rules = &office.spec.certificates;
    let covers = rules
        .0
        .keys()
        .filter_map(|k| {
            let until = rules.valid_until(k, now)?;
            Some(lang.format(
                "office-covers-kind",
                &[
                    ("name", super::kind_name(lang, k)),
                    ("until", super::instant_label(lang, &office, until)),
                ],
            ))
        })
        .collect();
    let today = crate::planner::local_date(&office.spec, now);
    let level_today = days
        .iter()
        .find(|d| d.date == today)
        .map(|d| crate::web::kit::page::level_name(lang, d.level));
    let hours = office
        .spec
        .hours
        .iter()
        .map(|(day, h)| {
            (
                lang.weekday(
                    chrono::Weekday::try_from(
                        crate::domain::office::Weekday::ALL
                            .iter()
                            .position(|d| d == day)
                            .unwrap_or(0) as u8,
                    )
                    .unwrap_or(chrono::Weekday::Mon),
                ),
                {
                    let f = if lang == Lang::Id { "%H.%M" } else { "%H:%M" };
                    format!("{}–{}", h.open.format(f), h.close.format(f))
                },
            )
        })
        .collect();
    Ok(OfficePage {
        bring_self: crate::web::kit::page::bring_self(lang, &state.settings),
        level_today,
        hours,
        kinds: kinds(lang, &office),
        frame: Frame::new(lang, &format!("/o/{slug}")),
        zone: office.spec.zone_abbreviation(),
        reach: rules.reach(now),
        wait_explain: wait_explain(&state.settings),
        covers,
        notice,
        office,
        days: day_items(lang, days),
        any_open,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "book.html")]
pub(super) struct BookPage {
    frame: Frame,
    office: Office,
    slot_label: String,
    slot_start: String,
    kinds: Vec<(String, String)>,
    form: FormView,
    file_lost: bool,
    min_age: u32,
    /// When the chosen time filled up meanwhile: the nearest free times (value, label).
    alternatives: Vec<(String, String)>,
}

/// The free times nearest to `wanted` (up to six), for a form whose time filled up.
async fn alternatives(
    state: &AppState,
    lang: Lang,
    office: &Office,
    wanted: &str,
) -> Vec<(String, String)> {
    let Some(wanted) = parse_instant(wanted) else {
        return Vec::new();
    };
    let Ok(days) = coming_days(state, office).await else {
        return Vec::new();
    };
    let reach = office.spec.certificates.reach(state.clock.now());
    let mut free: Vec<_> = days
        .iter()
        .flat_map(|d| d.slots.iter())
        .filter(|s| s.remaining > 0 && s.start != wanted)
        .filter(|s| reach.is_some_and(|r| s.start <= r))
        .collect();
    // Nearest first (the earlier of two as near), so the first offered is the closest.
    free.sort_by_key(|s| ((s.start - wanted).num_seconds().abs(), s.start));
    free.truncate(6);
    free.into_iter()
        .map(|s| {
            (
                rfc3339(office, s.start),
                slot_label(lang, office, s.start, s.end),
            )
        })
        .collect()
}

fn book_page(
    lang: Lang,
    min_age: u32,
    office: Office,
    slot_start: &str,
    form: FormView,
    file_lost: bool,
) -> BookPage {
    let label = parse_instant(slot_start)
        .map(|s| {
            let end = s + Duration::minutes(i64::from(office.spec.slot_minutes));
            slot_label(lang, &office, s, end)
        })
        .unwrap_or_default();
    BookPage {
        frame: Frame::new(
            lang,
            &format!(
                "/o/{}/book?slot={}",
                office.slug,
                utf8_percent_encode(slot_start, NON_ALPHANUMERIC)
            ),
        ),
        kinds: kinds(lang, &office),
        office,
        slot_label: label,
        slot_start: slot_start.to_string(),
        form,
        file_lost,
        min_age,
        alternatives: Vec::new(),
    }
}

#[derive(Deserialize)]
pub(super) struct SlotQuery {
    slot: Option<String>,
}

pub(super) async fn book_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    Query(q): Query<SlotQuery>,
) -> Result<Response, PageError> {
    let office = availability::office(&state, &slug).await.or_page(lang)?;
    let Some(slot) = q.slot.filter(|s| parse_instant(s).is_some()) else {
        return Ok(Redirect::to(&format!("/o/{slug}")).into_response());
    };
    // A time no certificate can reach yet: the office page says so, before anything is
    // typed.
    let reach = office.spec.certificates.reach(state.clock.now());
    if parse_instant(&slot).is_some_and(|t| reach.is_none_or(|r| t > r)) {
        let notice = Some(lang.text("office-unreachable-notice"));
        let page = office_view(&state, lang, &slug, notice).await?;
        return Ok((axum::http::StatusCode::CONFLICT, page).into_response());
    }
    Ok(book_page(
        lang,
        state.settings.min_age,
        office,
        &slot,
        FormView::default(),
        false,
    )
    .into_response())
}

pub(super) async fn book_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let office = availability::office(&state, &slug).await.or_page(lang)?;
    let mut form = read_form(multipart).await.or_page(lang)?;
    if let Err(wait) = state.limits.bookings_left(ip) {
        return Ok(too_many_saying(lang, wait, "err-bookings-per-hour"));
    }
    let drafts_ok = state.limits.draft(ip);
    if drafts_ok {
        drafts::restore(&state, &mut form).await.or_page(lang)?;
    }
    let slot_start = form.get("slot_start").to_string();
    let result = match booking::validate(&state, &form, &slug, lang.code(), Channel::Page).await {
        Ok(valid) => {
            if let Err(wait) = state.limits.book(ip) {
                return Ok(too_many_saying(lang, wait, "err-bookings-per-hour"));
            }
            booking::book(&state, &valid, None).await.map_err(|e| {
                if e.code != Code::ActiveBookingExists {
                    state.limits.unbook(ip);
                }
                vec![e]
            })
        }
        Err(errors) => {
            state.limits.refused_upload(ip, &errors);
            Err(errors)
        }
    };
    match result {
        Ok(Created::New { booking, token }) => {
            drafts::forget(&state, &form).await;
            Ok(Redirect::to(&format!(
                "{}&m=created",
                crate::web::manage_path(booking.code.as_str(), &token)
            ))
            .into_response())
        }
        Ok(Created::Replay(_)) => Err(PageError(
            lang,
            AppError::new(Code::Conflict, "err-conflict"),
        )),
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let upload = match drafts_ok {
                true => drafts::keep(&state, &form, &errors).await,
                false => None,
            };
            let file_lost =
                (form.certificate.is_some() || form.certificate_too_large) && upload.is_none();
            let view = FormView::from_errors(lang, &form, &errors)
                .with_upload(lang, upload)
                .with_file_note(lang, file_lost);
            let full = errors
                .iter()
                .any(|e| matches!(e.code, Code::SlotFull | Code::DayFull));
            let mut page = book_page(
                lang,
                state.settings.min_age,
                office,
                &slot_start,
                view,
                file_lost,
            );
            if full {
                page.alternatives = alternatives(&state, lang, &page.office, &slot_start).await;
            }
            Ok(with_retry_after((status, page).into_response(), &errors))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "waitlist.html")]
pub(super) struct WaitlistPage {
    frame: Frame,
    office: Office,
    kinds: Vec<(String, String)>,
    form: FormView,
    file_lost: bool,
    today: String,
    last: String,
    min_age: u32,
    /// What joining leads to, as this server's message channel allows.
    wait_explain: &'static str,
}

fn waitlist_page(
    lang: Lang,
    settings: &crate::config::Settings,
    office: Office,
    now: DateTime<Utc>,
    form: FormView,
    file_lost: bool,
) -> WaitlistPage {
    let today = crate::planner::local_date(&office.spec, now);
    let last = today + Duration::days(i64::from(office.spec.booking_horizon_days));
    WaitlistPage {
        frame: Frame::new(lang, &format!("/o/{}/waitlist", office.slug)),
        kinds: kinds(lang, &office),
        office,
        form,
        file_lost,
        today: today.to_string(),
        last: last.to_string(),
        min_age: settings.min_age,
        wait_explain: wait_explain(settings),
    }
}

/// The waiting list explained: a held seat is also sent as a message by the gateway (to
/// the phone) or by e-mail (where an address was given); without either it is only
/// shown on the booking page.
pub(super) fn wait_explain(settings: &crate::config::Settings) -> &'static str {
    if !settings.notify_webhook_url.is_empty() {
        "wait-explain"
    } else if !settings.smtp_url.is_empty() {
        "wait-explain-email"
    } else {
        "wait-explain-none"
    }
}

pub(super) async fn waitlist_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<WaitlistPage, PageError> {
    let office = availability::office(&state, &slug).await.or_page(lang)?;
    Ok(waitlist_page(
        lang,
        &state.settings,
        office,
        state.clock.now(),
        FormView::default(),
        false,
    ))
}

pub(super) async fn waitlist_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let office = availability::office(&state, &slug).await.or_page(lang)?;
    let mut form = read_form(multipart).await.or_page(lang)?;
    if let Err(wait) = state.limits.bookings_left(ip) {
        return Ok(too_many_saying(lang, wait, "err-bookings-per-hour"));
    }
    let drafts_ok = state.limits.draft(ip);
    if drafts_ok {
        drafts::restore(&state, &mut form).await.or_page(lang)?;
    }
    let result = match waitlist::validate(&state, &form, &slug, lang.code(), Channel::Page).await {
        Ok(valid) => {
            if let Err(wait) = state.limits.book(ip) {
                return Ok(too_many_saying(lang, wait, "err-bookings-per-hour"));
            }
            waitlist::join(&state, &valid).await.map_err(|e| {
                if e.code != Code::ActiveBookingExists {
                    state.limits.unbook(ip);
                }
                vec![e]
            })
        }
        Err(errors) => {
            state.limits.refused_upload(ip, &errors);
            Err(errors)
        }
    };
    match result {
        Ok((b, token)) => {
            drafts::forget(&state, &form).await;
            Ok(Redirect::to(&format!(
                "{}&m={}",
                crate::web::manage_path(b.code.as_str(), &token),
                crate::domain::BookingStatus::Waitlisted
            ))
            .into_response())
        }
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let upload = match drafts_ok {
                true => drafts::keep(&state, &form, &errors).await,
                false => None,
            };
            let file_lost =
                (form.certificate.is_some() || form.certificate_too_large) && upload.is_none();
            let view = FormView::from_errors(lang, &form, &errors)
                .with_upload(lang, upload)
                .with_file_note(lang, file_lost);
            Ok((
                status,
                waitlist_page(
                    lang,
                    &state.settings,
                    office,
                    state.clock.now(),
                    view,
                    file_lost,
                ),
            )
                .into_response())
        }
    }
}
