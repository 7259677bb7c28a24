//! The booking page (confirmation, ticket and management in one) and what it links to:
//! the calendar file, claiming an offered seat, cancelling, moving, a new certificate.

use super::{instant_label, kinds, slot_label};
use crate::domain::{Booking, BookingStatus, NotificationKind};
use crate::store::Verified;
use crate::store::{Notice, Office};
use crate::usecases::auth::{Authorized, OwnBooking};
use crate::usecases::{AppError, booking, verify};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::multipart::read_form;
use crate::web::kit::page::{FormView, Frame, OrPage, PageError, form_status};
use crate::web::manage_path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "booking.html")]
pub(super) struct BookingPage {
    frame: Frame,
    b: Booking,
    office: Office,
    token: String,
    when: String,
    qr_svg: String,
    notice: Option<String>,
    /// The notice's text key, as a stable hook for tests and scripts (`data-notice`).
    notice_key: Option<&'static str>,
    valid_until: String,
    changeable: bool,
    kinds: Vec<(String, String)>,
    form: FormView,
    /// The contact form (phone, e-mail): the booking's own, or what was typed.
    pub(super) contact: FormView,
    /// "Come in person … above 37,3 °C", with the configured limit.
    bring_self: String,
    status_text: String,
    certificate_text: String,
    /// The certificate's kind by name (not its key).
    kind_name: String,
    /// Why the office moved the booking or asks for a new time, if it did.
    change_notice: Option<String>,
    /// A seat offered while waiting for a new slot, and until when it is held.
    offer: Option<String>,
    /// The offer's deadline, shown large.
    offer_until: Option<String>,
    /// Place in the queue while waiting without an offer.
    queue_position: Option<i64>,
    /// A confirmed seat (or later): the ticket with its QR code is shown.
    has_seat: bool,
    /// What happened at (or before) the visit and why: turned away, released, a rejected
    /// certificate, the queue number.
    visit_notice: Option<String>,
    /// After a visit that did not happen: book again.
    book_again: bool,
    /// While the phone is not verified: where the code went and until when the seat is held.
    verify: Option<String>,
    /// After a wrong code: the tries left.
    tries_left: Option<u32>,
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    pub(super) t: Option<String>,
    m: Option<String>,
    /// After a reschedule: the old slot's start (Unix seconds), so the notice says from
    /// what to what.
    from: Option<String>,
}

use crate::web::kit::page::qr_svg;

/// What the desk (or the office) decided about the visit, said to the applicant, and
/// whether they should book again.
fn visit_notice(lang: Lang, b: &Booking) -> (Option<String>, bool) {
    let reason = b
        .visit
        .outcome
        .as_ref()
        .map(|r| crate::usecases::say(lang, r))
        .unwrap_or_default();
    match b.status {
        BookingStatus::TurnedAway => (
            Some(lang.format("visit-turned-away", &[("reason", reason)])),
            true,
        ),
        // Cancelled by the office or the system, not by the owner: its certificate stayed
        // rejected, or its phone was not verified (late, wrong codes, replaced, displaced).
        BookingStatus::Cancelled => match &b.visit.outcome {
            None => (None, false),
            Some(crate::domain::Reason::Released) => (Some(lang.text("visit-released")), true),
            Some(_) => (
                Some(lang.format("visit-cancelled-why", &[("reason", reason)])),
                true,
            ),
        },
        BookingStatus::NoShow => (Some(lang.text("visit-no-show")), true),
        BookingStatus::CheckedIn => (
            b.visit
                .queue_number
                .map(|n| lang.format("visit-queue-number", &[("number", n.to_string())])),
            false,
        ),
        _ if b.certificate.status == crate::domain::CertificateStatus::Rejected
            && b.status.is_changeable() =>
        {
            let why = b.certificate.reason.clone().unwrap_or_default();
            (
                Some(lang.format("visit-certificate-rejected", &[("reason", why)])),
                false,
            )
        }
        _ => (None, false),
    }
}

/// When the booking is: its slot, or for a waiting-list entry without a seat the range
/// of days it wants (it has no time yet).
pub(super) fn when_label(lang: Lang, office: &Office, b: &Booking) -> String {
    match b.wait {
        Some((from, to)) if !b.has_ticket() => {
            format!("{} – {}", lang.long_date(from), lang.long_date(to))
        }
        _ => slot_label(lang, office, b.slot_start, b.slot_end),
    }
}

pub(super) fn booking_page(
    state: &AppState,
    lang: Lang,
    b: Booking,
    office: Office,
    token: &str,
    notice: Option<String>,
    form: FormView,
) -> BookingPage {
    let valid_until = office
        .spec
        .certificates
        .valid_until(&b.certificate.kind, b.certificate.issued_at)
        .map(|t| instant_label(lang, &office, t))
        .unwrap_or_default();
    // A waiting-list entry has no time yet: it wants a range of days.
    let when = when_label(lang, &office, &b);
    let (visit_notice, book_again) = visit_notice(lang, &b);
    let verify = (b.status == BookingStatus::PendingVerification)
        .then_some(b.verify_by)
        .flatten()
        .map(|until| {
            let phone = b.phone.masked();
            // Without a gateway the code only reaches the server's log: say so. A
            // waiting-list entry holds no seat while it waits for its code.
            let key = match (
                state.settings.notify_webhook_url.is_empty(),
                b.wait.is_some(),
            ) {
                (true, false) => "verify-text-log",
                (false, false) => "verify-text",
                (true, true) => "verify-text-log-entry",
                (false, true) => "verify-text-entry",
            };
            let until = instant_label(lang, &office, until);
            lang.format(key, &[("phone", phone), ("until", until)])
        });
    let contact = FormView::from_errors(
        lang,
        &crate::usecases::form::RawForm {
            fields: std::collections::HashMap::from([
                ("phone".to_string(), b.phone.as_str().to_string()),
                ("email".to_string(), b.email.clone().unwrap_or_default()),
            ]),
            ..Default::default()
        },
        &[],
    );
    BookingPage {
        bring_self: crate::web::kit::page::bring_self(lang, &state.settings),
        contact,
        verify,
        tries_left: None,
        visit_notice,
        book_again,
        has_seat: b.has_ticket(),
        frame: Frame::new(lang, &manage_path(b.code.as_str(), token)),
        change_notice: None,
        notice_key: None,
        offer: None,
        offer_until: None,
        queue_position: None,
        status_text: lang.text(b.status.message_key()),
        kind_name: super::kind_name(lang, &b.certificate.kind),
        certificate_text: lang.text(b.certificate.status.message_key()),
        when,
        qr_svg: qr_svg(b.code.as_str()),
        changeable: b.status.is_changeable(),
        kinds: kinds(lang, &office),
        b,
        office,
        token: token.to_string(),
        notice,
        valid_until,
        form,
    }
}

pub(super) async fn owned(
    state: &AppState,
    lang: Lang,
    code: &str,
    token: Option<&str>,
) -> Result<Authorized<OwnBooking>, PageError> {
    let token = token.ok_or_else(|| PageError(lang, crate::usecases::AppError::not_found()))?;
    booking::owned(state, code, token).await.or_page(lang)
}

/// What the office did to the booking, and why. An offer speaks for itself.
fn change_notice(lang: Lang, page: &BookingPage, notice: Notice) -> Option<String> {
    let when = |t: DateTime<Utc>| {
        let end = t + Duration::minutes(i64::from(page.office.spec.slot_minutes));
        slot_label(lang, &page.office, t, end)
    };
    let reason = notice
        .reason
        .as_ref()
        .map(|r| crate::usecases::say(lang, r))
        .unwrap_or_default();
    match (notice.kind, notice.to) {
        (NotificationKind::Moved, Some(to)) => Some(lang.format(
            "change-moved-text",
            &[
                ("from", when(notice.from)),
                ("to", when(to)),
                ("reason", reason),
            ],
        )),
        (NotificationKind::NeedsRebooking, _) => Some(lang.format(
            "change-needs-rebooking-text",
            &[("from", when(notice.from)), ("reason", reason)],
        )),
        // Only while still waiting: a claimed or rebooked seat makes it history.
        (NotificationKind::OfferExpired, _)
            if page.b.status.is_waiting() && page.offer.is_none() =>
        {
            Some(lang.text("change-offer-expired"))
        }
        _ => None,
    }
}

pub(super) async fn manage(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<BookingPage, PageError> {
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let notice = match q.m.as_deref() {
        // A booking waiting for its phone is not made yet: its code form says so.
        Some("created") if b.status == BookingStatus::PendingVerification => None,
        Some("created") => Some("booking-created"),
        Some("rescheduled") => Some("booking-rescheduled"),
        Some(m) if m == BookingStatus::Cancelled.as_str() => Some("booking-cancelled-now"),
        Some("replaced") => Some("booking-replaced"),
        Some("contact") => Some("booking-contact-changed"),
        Some("claimed") => Some("offer-claimed"),
        Some("verified") if b.status == BookingStatus::Waitlisted => Some("verify-done-entry"),
        Some("verified") => Some("verify-done"),
        Some("resent") => Some("verify-resent"),
        // An entry waiting for its phone is not on the list yet: its code form says so.
        Some(m)
            if m == BookingStatus::Waitlisted.as_str()
                && b.status != BookingStatus::PendingVerification =>
        {
            Some("wait-joined")
        }
        _ => None,
    };
    let token = q.t.unwrap_or_default();
    let situation = booking::situation(&state, &b).await.or_page(lang)?;
    let offer = b.offer(state.clock.now());
    let mut page = booking_page(
        &state,
        lang,
        b,
        office,
        &token,
        notice.map(|k| lang.text(k)),
        FormView::default(),
    );
    if notice == Some("booking-rescheduled") {
        let from = q.from.as_deref().and_then(|f| f.parse::<i64>().ok());
        if let Some(from) = from.and_then(|f| DateTime::<Utc>::from_timestamp(f, 0)) {
            let end = from + Duration::minutes(i64::from(page.office.spec.slot_minutes));
            page.notice = Some(lang.format(
                "booking-rescheduled-from",
                &[
                    ("from", slot_label(lang, &page.office, from, end)),
                    ("to", page.when.clone()),
                ],
            ));
        }
    }
    page.queue_position = situation.queue_position;
    page.notice_key = notice;
    page.offer_until = offer.map(|(_, until)| {
        lang.format(
            "offer-deadline",
            &[("until", instant_label(lang, &page.office, until))],
        )
    });
    page.offer = offer.map(|(start, until)| {
        let end = start + Duration::minutes(i64::from(page.office.spec.slot_minutes));
        lang.format(
            "offer-text",
            &[
                ("slot", slot_label(lang, &page.office, start, end)),
                ("until", instant_label(lang, &page.office, until)),
            ],
        )
    });
    page.change_notice = situation.notice.and_then(|n| change_notice(lang, &page, n));
    Ok(page)
}

pub(super) async fn calendar(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    use icalendar::{Component, Event, EventLike};
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    // Only a held or confirmed seat is an appointment; a waiting-list entry is not.
    if !b.has_ticket() {
        return Err(PageError(lang, AppError::not_found()));
    }
    let mut event = Event::new();
    event
        .uid(&format!("{}@rekam", b.code))
        .summary(&format!("{} ({})", lang.text("booking-title"), b.code))
        .location(&format!("{}, {}", office.spec.name, office.spec.address))
        .description(&format!(
            "{}: {}, {}, {}",
            lang.text("booking-bring"),
            lang.text("booking-bring-kk"),
            lang.text("booking-bring-certificate"),
            lang.text("booking-bring-mask")
        ))
        .starts(b.slot_start)
        .ends(b.slot_end)
        // Reminders the day before and two hours before.
        .alarm(icalendar::Alarm::display(
            &lang.text("booking-calendar-reminder"),
            -Duration::days(1),
        ))
        .alarm(icalendar::Alarm::display(
            &lang.text("booking-calendar-reminder"),
            -Duration::hours(2),
        ));
    // The manage link, where the server knows its public address.
    if !state.settings.public_url.is_empty() {
        let token = q.t.as_deref().unwrap_or_default();
        event.url(&format!(
            "{}{}",
            state.settings.public_url.trim_end_matches('/'),
            manage_path(b.code.as_str(), token)
        ));
    }
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

#[derive(Deserialize)]
pub(super) struct TokenForm {
    pub(super) t: String,
    pub(super) slot_start: Option<String>,
    /// A reschedule is made only once the chosen time is confirmed (`1`).
    pub(super) confirm: Option<String>,
}

pub(super) async fn claim_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Redirect, PageError> {
    let who = owned(&state, lang, &code, Some(&f.t)).await?;
    let b = who.booking().clone();
    booking::claim(&state, &who).await.or_page(lang)?;
    Ok(Redirect::to(&format!(
        "{}&m=claimed",
        manage_path(b.code.as_str(), &f.t)
    )))
}

#[derive(Template, WebTemplate)]
#[template(path = "cancel.html")]
pub(super) struct CancelPage {
    frame: Frame,
    b: Booking,
    token: String,
    when: String,
}

pub(super) async fn cancel_confirm(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<CancelPage, PageError> {
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let token = q.t.unwrap_or_default();
    Ok(CancelPage {
        frame: Frame::new(lang, &format!("/b/{}/cancel?t={token}", b.code)),
        when: when_label(lang, &office, &b),
        b,
        token,
    })
}

pub(super) async fn cancel_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Redirect, PageError> {
    let who = owned(&state, lang, &code, Some(&f.t)).await?;
    let b = who.booking().clone();
    booking::cancel(&state, &who).await.or_page(lang)?;
    Ok(Redirect::to(&format!(
        "{}&m={}",
        manage_path(b.code.as_str(), &f.t),
        BookingStatus::Cancelled
    )))
}

pub(super) async fn certificate_submit(
    State(state): State<AppState>,
    lang: Lang,
    crate::web::kit::limits::ClientIp(ip): crate::web::kit::limits::ClientIp,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let mut form = read_form(multipart).await.or_page(lang)?;
    let token = form.get("t").to_string();
    let who = owned(&state, lang, &code, Some(&token)).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let drafts_ok = state.limits.draft(ip);
    if drafts_ok {
        crate::usecases::drafts::restore(&state, &mut form)
            .await
            .or_page(lang)?;
    }
    match booking::replace_certificate(&state, &who, &form).await {
        Ok(b) => {
            crate::usecases::drafts::forget(&state, &form).await;
            Ok(Redirect::to(&format!(
                "{}&m=replaced",
                manage_path(b.code.as_str(), &token)
            ))
            .into_response())
        }
        Err(errors) => {
            let status = form_status(lang, &errors)?;
            let upload = match drafts_ok {
                true => crate::usecases::drafts::keep(&state, &form, &errors).await,
                false => None,
            };
            let view = FormView::from_errors(lang, &form, &errors).with_upload(lang, upload);
            Ok((
                status,
                booking_page(&state, lang, b, office, &token, None, view),
            )
                .into_response())
        }
    }
}

/// The code typed on the booking page: the booking is confirmed, or the page comes back
/// with the error next to the field (and the tries left), or cancelled after the last one.
pub(super) async fn verify_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let token = form.get("t").cloned().unwrap_or_default();
    let who = owned(&state, lang, &code, Some(&token)).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let typed = form.get("code").map(String::as_str).unwrap_or_default();
    let done = verify::verify(&state, &who, &token, typed).await;
    let (error, left) = match &done {
        Ok(Verified::Wrong(n)) => (verify::refusal(&Verified::Wrong(*n)), Some(*n)),
        Ok(v) => (verify::refusal(v), None),
        Err(e) => (Some(e.clone()), None),
    };
    let Some(error) = error else {
        let to = format!("{}&m=verified", manage_path(b.code.as_str(), &token));
        return Ok(Redirect::to(&to).into_response());
    };
    // Re-read: a last wrong code (or the deadline) cancelled it.
    let who = booking::owned(&state, &code, &token).await.or_page(lang)?;
    let b = who.booking().clone();
    let raw = crate::usecases::form::RawForm {
        fields: form,
        ..Default::default()
    };
    let errors = [error];
    let view = FormView::from_errors(lang, &raw, &errors);
    let mut page = booking_page(&state, lang, b, office, &token, None, view);
    page.tries_left = left;
    Ok((form_status(lang, &errors)?, page).into_response())
}

/// A new code for a pending booking, within the phone's hourly limit.
pub(super) async fn resend_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(q): Form<TokenQuery>,
) -> Result<Response, PageError> {
    let token = q.t.unwrap_or_default();
    let who = owned(&state, lang, &code, Some(&token)).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    match verify::resend(&state, &who).await {
        Ok(()) => {
            let to = format!("{}&m=resent", manage_path(b.code.as_str(), &token));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let errors = [AppError {
                field: Some("code".into()),
                ..e
            }];
            let raw = crate::usecases::form::RawForm::default();
            let view = FormView::from_errors(lang, &raw, &errors);
            let page = booking_page(&state, lang, b, office, &token, None, view);
            let resp = (form_status(lang, &errors)?, page).into_response();
            Ok(crate::web::kit::page::with_retry_after(resp, &errors))
        }
    }
}
