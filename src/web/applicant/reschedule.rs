//! Moving a booking to another time from its page: the slots it may move to, a
//! confirmation saying from what to what, then the move.

use super::manage::{TokenForm, TokenQuery, owned};
use super::{DayItem, day_items, rfc3339, slot_label};
use crate::domain::Booking;
use crate::domain::Validity;
use crate::i18n::hm;
use crate::store::Office;
use crate::usecases::availability::coming_days;
use crate::usecases::{Code, booking};
use crate::web::AppState;
use crate::web::kit::error::status;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError};
use crate::web::manage_path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};

#[derive(Template, WebTemplate)]
#[template(path = "reschedule.html")]
pub(super) struct ReschedulePage {
    frame: Frame,
    b: Booking,
    token: String,
    when: String,
    office: Office,
    days: Vec<DayItem>,
    error: Option<String>,
    /// The time chosen, waiting for the applicant's confirmation: its start as sent and
    /// as read.
    chosen: Option<(String, String)>,
    /// Free times the certificate does not cover (not listed).
    uncovered: usize,
    zone: &'static str,
    /// Holds a seat now (its slot is "yours", not "full").
    has_seat: bool,
    now: DateTime<Utc>,
}

impl ReschedulePage {
    fn time(&self, t: &DateTime<Utc>) -> String {
        hm(self.frame.lang, *t, self.office.spec.timezone)
    }

    fn rfc(&self, t: &DateTime<Utc>) -> String {
        rfc3339(&self.office, *t)
    }

    /// Does the booking's certificate still cover a slot starting at `t`? Slots it does
    /// not are marked, not offered.
    fn covered(&self, t: &DateTime<Utc>) -> bool {
        let c = &self.b.certificate;
        self.office
            .spec
            .certificates
            .judge(&c.kind, c.issued_at, *t, self.now)
            == Validity::Valid
    }
}

async fn reschedule_view(
    state: &AppState,
    lang: Lang,
    b: Booking,
    office: Office,
    token: String,
    error: Option<String>,
) -> Result<ReschedulePage, PageError> {
    let days = coming_days(state, &office).await.or_page(lang)?;
    // Free times the certificate does not cover are not listed; a new certificate would
    // open them, and the page says how many.
    let c = &b.certificate;
    let now = state.clock.now();
    let uncovered = days
        .iter()
        .filter(|d| d.bookable)
        .flat_map(|d| d.slots.iter())
        .filter(|s| s.remaining > 0 && s.start != b.slot_start)
        // (Only those a certificate issued now could reach.)
        .filter(|s| {
            office
                .spec
                .certificates
                .reach(now)
                .is_some_and(|r| s.start <= r)
        })
        .filter(|s| {
            office
                .spec
                .certificates
                .judge(&c.kind, c.issued_at, s.start, now)
                != Validity::Valid
        })
        .count();
    Ok(ReschedulePage {
        uncovered,
        zone: office.spec.zone_abbreviation(),
        has_seat: b.has_ticket(),
        now: state.clock.now(),
        frame: Frame::new(lang, &format!("/b/{}/reschedule?t={token}", b.code)),
        when: slot_label(lang, &office, b.slot_start, b.slot_end),
        days: day_items(lang, days),
        b,
        token,
        office,
        error,
        chosen: None,
    })
}

pub(super) async fn reschedule_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<ReschedulePage, PageError> {
    let who = owned(&state, lang, &code, q.t.as_deref()).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    reschedule_view(&state, lang, b, office, q.t.unwrap_or_default(), None).await
}

pub(super) async fn reschedule_submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let who = owned(&state, lang, &code, Some(&f.t)).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let start = f.slot_start.unwrap_or_default();
    // The first press of a time asks to confirm, saying from what to what; a start that
    // does not read as a time goes straight on to be refused with its reason.
    if f.confirm.as_deref() != Some("1") {
        if let Some(at) = crate::usecases::form::parse_instant(&start) {
            let end = at + Duration::minutes(i64::from(office.spec.slot_minutes));
            let label = slot_label(lang, &office, at, end);
            let mut page = reschedule_view(&state, lang, b, office, f.t, None).await?;
            page.chosen = Some((start, label));
            return Ok(page.into_response());
        }
    }
    let old = b.slot_start.timestamp();
    match booking::reschedule(&state, &who, &start).await {
        Ok(b) => Ok(Redirect::to(&format!(
            "{}&m=rescheduled&from={}",
            manage_path(b.code.as_str(), &f.t),
            old
        ))
        .into_response()),
        Err(e) if e.code == Code::Internal => Err(PageError(lang, e)),
        Err(e) => {
            let code = status(e.code);
            let page = reschedule_view(&state, lang, b, office, f.t, Some(e.text(lang))).await?;
            Ok((code, page).into_response())
        }
    }
}
