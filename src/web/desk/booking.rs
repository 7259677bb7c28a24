//! One booking at the desk: who, the certificate and whether it holds today, the
//! check-in with temperature, the outcome, the review of the certificate, and the file.

use super::super::api::desk::certificate_response;
use super::super::kit::page::{Frame, OrPage, PageError, short_when};
use super::kind_name;
use crate::domain::BookingStatus;
use crate::domain::desk::Temperature;
use crate::usecases::desk::{self, DeskBooking};
use crate::usecases::{AppError, Code};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/bookings/{code}", get(booking_page))
        .route("/staff/bookings/{code}/check-in", post(check_in))
        .route("/staff/bookings/{code}/outcome", post(outcome))
        .route("/staff/bookings/{code}/cancel", post(cancel))
        .route("/staff/bookings/{code}/review", post(review))
        .route("/staff/bookings/{code}/certificate", get(certificate))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/booking.html")]
pub(super) struct BookingPage {
    frame: Frame,
    d: DeskBooking,
    when: String,
    birth: String,
    nik: String,
    status: String,
    /// "Measure again at 08:47", while a first reading above the limit waits.
    retest_due: Option<String>,
    /// Why the visit ended as it did, in the page's language.
    outcome: Option<String>,
    certificate_kind: String,
    certificate_status: String,
    validity: String,
    valid_now: bool,
    is_today: bool,
    may_check_in: bool,
    may_record: bool,
    may_no_show: bool,
    /// A minor without a confirmed guardian's agreement: the desk asks and ticks.
    ask_guardian: bool,
    /// Turned away: new dates to offer.
    new_dates: Vec<String>,
    may_review: bool,
    /// The booking may be cancelled at the desk (with a reason).
    may_cancel: bool,
    temperatures: String,
    notice: Option<String>,
    error: Option<String>,
    /// What was typed in the forms, re-shown after an error.
    typed: HashMap<String, String>,
    temperature_hint: String,
    /// Early or late against the slot ("came at 07:45 for 09:00"), shown at check-in.
    arrival: Option<String>,
    /// The first reading on file, while the second is awaited: "38.0 °C at 07:00".
    first_on_file: Option<String>,
    /// The certificate is not yet reviewed: the check-in asks for a decision first.
    decide_certificate: bool,
    /// The scan field has the focus (after a check-in, or when nothing waits here);
    /// otherwise the temperature has it.
    focus_scan: bool,
    /// The address the page stands for (a page answering a form replaces its URL).
    canonical: String,
    /// The spellings the forms send: outcomes, then review decisions.
    recorded: &'static str,
    no_show: &'static str,
    turned_away: &'static str,
    accepted: &'static str,
    rejected: &'static str,
}

impl BookingPage {
    fn typed(&self, name: &str) -> &str {
        self.typed.get(name).map_or("", String::as_str)
    }
}

/// What a booking page says besides the booking: after a form, its result.
#[derive(Default)]
pub(super) struct Said {
    /// The result of a form that succeeded (and the `m=` the page's address keeps).
    pub notice: Option<(String, &'static str)>,
    /// The error of a refused form, and the code of that error.
    pub error: Option<(String, Code)>,
    /// What was typed in the forms, re-shown after an error.
    pub typed: HashMap<String, String>,
}

pub(super) async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    code: &str,
    said: Said,
) -> Result<BookingPage, PageError> {
    let Said {
        notice,
        error,
        typed,
    } = said;
    let d = desk::open(state, me, code).await.or_page(lang)?;
    let b = &d.booking;
    let tz = d.office.spec.timezone;
    let now = state.clock.now();
    // Every reading, with when it was taken (a visit of the version before kept only the
    // booking's two columns).
    let temperatures = if d.readings.is_empty() {
        [b.visit.temperature_dc, b.visit.retest_dc]
            .into_iter()
            .flatten()
            .map(|t| format!("{} °C", degrees(lang, Temperature::from_tenths(t))))
            .collect::<Vec<_>>()
            .join(" → ")
    } else {
        d.readings
            .iter()
            .map(|r| {
                let at = crate::i18n::hm(lang, r.at, tz);
                format!("{} °C ({at})", degrees(lang, r.temperature))
            })
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let retest_due = d
        .retest_pending()
        .and_then(|r| r.retest_due)
        .map(|due| lang.format("desk-retest-due", &[("at", crate::i18n::hm(lang, due, tz))]));
    let is_today = b.local_date == d.today;
    let may_check_in = b.status == BookingStatus::Confirmed && is_today;
    let arrival = may_check_in.then(|| arrival(lang, &d, now)).flatten();
    let first_on_file = d.retest_pending().map(|r| {
        lang.format(
            "desk-first-on-file",
            &[
                ("reading", degrees(lang, r.temperature)),
                ("at", crate::i18n::hm(lang, r.at, tz)),
                (
                    "due",
                    r.retest_due
                        .map(|t| crate::i18n::hm(lang, t, tz))
                        .unwrap_or_default(),
                ),
            ],
        )
    });
    // Back to the scan field once done here, or when the person was sent to rest.
    let sent_to_rest = error
        .as_ref()
        .is_some_and(|(_, c)| *c == Code::RetestRequired);
    let focus_scan = !may_check_in || notice.is_some() || sent_to_rest;
    let canonical = match &notice {
        Some((_, m)) => format!("/staff/bookings/{code}?m={m}"),
        None => format!("/staff/bookings/{code}"),
    };
    let new_dates = if b.status == BookingStatus::TurnedAway {
        desk::new_dates(state, &d.office, 3)
            .await
            .or_page(lang)?
            .into_iter()
            .map(|(s, e)| crate::web::applicant::slot_label(lang, &d.office, s, e))
            .collect()
    } else {
        Vec::new()
    };
    Ok(BookingPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/bookings/{code}"),
            me,
            Some(&d.office.slug),
        ),
        when: crate::web::applicant::slot_label(lang, &d.office, b.slot_start, b.slot_end),
        // The whole NIK: the operator types it into SIAK (this view is audited).
        nik: b.nik.as_str().to_string(),
        retest_due,
        birth: lang.long_date(b.birth_date),
        status: lang.text(b.status.message_key()),
        outcome: b
            .visit
            .outcome
            .as_ref()
            .map(|r| crate::usecases::say(lang, r)),
        certificate_kind: kind_name(lang, &b.certificate.kind),
        certificate_status: lang.text(b.certificate.status.message_key()),
        validity: {
            let until = d
                .certificate_valid_until
                .map(|t| short_when(lang, tz, t))
                .unwrap_or_default();
            let key = if d.certificate_valid_now(now) {
                "desk-valid-until"
            } else {
                "desk-expired"
            };
            lang.format(key, &[("until", until)])
        },
        valid_now: d.certificate_valid_now(now),
        may_check_in,
        arrival,
        first_on_file,
        decide_certificate: b.certificate.status == crate::domain::CertificateStatus::Submitted,
        focus_scan,
        canonical,
        may_record: b.status == BookingStatus::CheckedIn,
        may_no_show: b.status == BookingStatus::Confirmed && b.slot_end <= now,
        ask_guardian: d.minor && !b.guardian_consent,
        new_dates,
        may_review: b.status.is_changeable(),
        may_cancel: b.status.is_cancellable(),
        temperatures,
        is_today,
        notice: notice.map(|(n, _)| n),
        error: error.map(|(e, _)| e),
        typed,
        recorded: BookingStatus::Recorded.as_str(),
        no_show: BookingStatus::NoShow.as_str(),
        turned_away: BookingStatus::TurnedAway.as_str(),
        accepted: crate::domain::CertificateStatus::Accepted.as_str(),
        rejected: crate::domain::CertificateStatus::Rejected.as_str(),
        temperature_hint: lang.format(
            "desk-temperature-hint",
            &[("limit", {
                let limit = format!("{:.1}", state.settings.max_temperature_c);
                if lang == Lang::Id {
                    limit.replace('.', ",")
                } else {
                    limit
                }
            })],
        ),
        d,
    })
}

async fn booking_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<BookingPage, PageError> {
    let notice = q.get("m").and_then(|m| said(lang, m));
    page(
        &state,
        lang,
        &me,
        &code,
        Said {
            notice,
            ..Said::default()
        },
    )
    .await
}

/// The notice of a form's result, by its `m=` spelling.
fn said(lang: Lang, m: &str) -> Option<(String, &'static str)> {
    let (key, m) = match m {
        "in" => ("desk-checked-in", "in"),
        "away" => ("desk-turned-away", "away"),
        "walk_in" => ("desk-walked-in", "walk_in"),
        "outcome" => ("desk-outcome-saved", "outcome"),
        "review" => ("desk-review-saved", "review"),
        "cancel" => ("desk-cancelled", "cancel"),
        _ => return None,
    };
    Some((lang.text(key), m))
}

/// "Came early: the slot is at 09:00, it is 07:45", or late, when the person stands at
/// the desk more than a quarter of an hour before their slot or after its end.
fn arrival(lang: Lang, d: &DeskBooking, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let tz = d.office.spec.timezone;
    let b = &d.booking;
    let args = |minutes: i64| {
        [
            ("slot", crate::i18n::hm(lang, b.slot_start, tz)),
            ("now", crate::i18n::hm(lang, now, tz)),
            ("minutes", minutes.to_string()),
        ]
    };
    let early = (b.slot_start - now).num_minutes();
    let late = (now - b.slot_end).num_minutes();
    if early > EARLY_MINUTES {
        Some(lang.format("desk-arrived-early", &args(early)))
    } else if late > 0 {
        Some(lang.format("desk-arrived-late", &args(late)))
    } else {
        None
    }
}

/// How early a person may come before their slot without the desk being told.
const EARLY_MINUTES: i64 = 15;

/// The page again with the error of a refused form, and what was typed in it.
async fn refused(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    code: &str,
    e: AppError,
    typed: HashMap<String, String>,
) -> Result<Response, PageError> {
    if matches!(e.code, Code::NotFound | Code::Forbidden | Code::Internal) {
        return Err(PageError(lang, e));
    }
    let status = super::super::kit::error::status(e.code);
    let said = Said {
        error: Some((e.text(lang), e.code)),
        typed,
        ..Said::default()
    };
    let page = page(state, lang, me, code, said).await?;
    Ok((status, page).into_response())
}

/// A temperature as typed at the desk: `36,6` or `36.6`.
fn celsius(typed: Option<&String>) -> Option<f64> {
    typed
        .map(|s| s.trim().replace(',', "."))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>().unwrap_or(f64::NAN))
}

async fn check_in(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let first = celsius(f.get("temperature_c"));
    let retest = celsius(f.get("retest_c"));
    let guardian = f.get("guardian_confirmed").is_some_and(|v| v == "true");
    let reading = desk::Reading {
        first,
        retest,
        guardian_confirmed: guardian,
        channel: crate::usecases::form::Channel::Page,
    };
    let mut d = desk::open(&state, &me, &code).await.or_page(lang)?;
    // A certificate nobody has looked at yet is decided first, in the same form.
    if d.booking.certificate.status == crate::domain::CertificateStatus::Submitted {
        let decision = f.get("certificate_decision").map_or("", String::as_str);
        if decision.is_empty() {
            let e = AppError::field(
                Code::Invalid,
                "certificate_decision",
                "err-certificate-decide-first",
            );
            return refused(&state, lang, &me, &code, e, f).await;
        }
        let reason = f.get("review_reason").map(String::as_str);
        if let Err(e) = desk::review(&state, &d, decision, reason).await {
            return refused(&state, lang, &me, &code, e, f).await;
        }
        d = desk::open(&state, &me, &code).await.or_page(lang)?;
    }
    match desk::check_in(&state, &d, reading).await {
        // The answer is the page itself, the scan field ready for the next person: one
        // request from the typed temperature to the next scan.
        Ok(b) => {
            let m = if b.status == BookingStatus::TurnedAway {
                "away"
            } else {
                "in"
            };
            let said = Said {
                notice: said(lang, m),
                ..Said::default()
            };
            Ok(page(&state, lang, &me, &code, said).await?.into_response())
        }
        Err(e) => refused(&state, lang, &me, &code, e, f).await,
    }
}

async fn outcome(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let outcome = f.get("outcome").map_or("", String::as_str);
    let reason = f.get("reason").map(String::as_str);
    let d = desk::open(&state, &me, &code).await.or_page(lang)?;
    match desk::outcome(&state, &d, outcome, reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/bookings/{code}?m=outcome")).into_response()),
        Err(e) => refused(&state, lang, &me, &code, e, f).await,
    }
}

async fn review(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let decision = f.get("decision").map_or("", String::as_str);
    let reason = f.get("review_reason").map(String::as_str);
    let d = desk::open(&state, &me, &code).await.or_page(lang)?;
    match desk::review(&state, &d, decision, reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/bookings/{code}?m=review")).into_response()),
        Err(e) => refused(&state, lang, &me, &code, e, f).await,
    }
}

async fn cancel(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let reason = f.get("cancel_reason").map(String::as_str);
    let d = desk::open(&state, &me, &code).await.or_page(lang)?;
    match desk::cancel(&state, &d, reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/bookings/{code}?m=cancel")).into_response()),
        Err(e) => refused(&state, lang, &me, &code, e, f).await,
    }
}

/// The certificate file, for a signed-in officer of its office; every view is audited.
async fn certificate(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let d = desk::open(&state, &me, &code).await.or_page(lang)?;
    let file = desk::certificate(&state, &d).await.or_page(lang)?;
    Ok(certificate_response(&code, file))
}

/// A temperature as the reader's language writes it: "37,3" in Indonesian.
fn degrees(lang: Lang, t: impl std::fmt::Display) -> String {
    let t = t.to_string();
    if lang == Lang::Id {
        t.replace('.', ",")
    } else {
        t
    }
}
