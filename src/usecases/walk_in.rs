//! Walk-ins: a person who came without a booking is registered at the desk into today's
//! remaining capacity and checked in.

use super::auth::{AtOffice, Authorized, Desk};
use super::booking::{Target, form_office, new_booking};
use super::desk::today;
use super::form::{Applicant, ApplicantForm, CertificateForm, Channel, Problems, RawForm, invalid};
use super::{AppError, Code, Context};
use crate::domain::desk::{Screening, Temperature, screen};
use crate::domain::{Booking, BookingKind};
use crate::planner;
use crate::store::{Readings, StoreError};

/// Registers a person who came without a booking into today's remaining capacity (the
/// slot under way, else the next one with room) and checks them in. The same checks as a
/// booking; the certificate may be a paper one the officer has seen. Refused with
/// `day_full` when no slot of today has room.
pub async fn walk_in(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    form: &RawForm,
    channel: Channel,
) -> Result<Booking, Vec<AppError>> {
    let office = who.scope().office();
    let now = ctx.clock.now();
    let today = today(ctx, office);
    let mut p = Problems::of_text(form);
    // The office is the one of the page or path.
    let _ = form_office(ctx, &office.slug, &mut p).await?;
    let applicant: Option<Applicant> = p.take(
        ApplicantForm {
            form,
            now,
            min_age: ctx.settings.min_age,
            on: Some(today),
            channel,
        }
        .try_into(),
    );
    let certificate: Option<crate::store::NewCertificate> = p.take(
        CertificateForm {
            form,
            office: &office.spec,
            covers: Some(now),
            now,
            paper_allowed: true,
        }
        .try_into(),
    );
    // A reading as typed (`36,6` or `36.6`); a field left empty is `None`.
    let mut reading = |field: &'static str, message: &'static str| match form.get(field) {
        "" => None,
        t => match t
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .and_then(Temperature::from_celsius)
        {
            Some(t) => Some(t),
            None => {
                p.push(super::form::Step::Temperature, invalid(field, message));
                None
            }
        },
    };
    let temperature = reading("temperature_c", "err-temperature");
    let retest = reading("retest_c", "err-retest-temperature");
    // At the counter the temperature is always taken; the API leaves it optional.
    if temperature.is_none() && form.get("temperature_c").is_empty() && channel == Channel::Page {
        p.push(
            super::form::Step::Temperature,
            invalid("temperature_c", "err-temperature"),
        );
    }
    let (Some(applicant), Some(certificate)) = (applicant, certificate) else {
        return Err(p.into_errors());
    };
    if !p.is_empty() {
        return Err(p.into_errors());
    }
    // The two-reading rule, as for a booking: above the limit the person rests and is
    // measured again; only a second reading above it keeps them out (no booking is made).
    if let Some(t) = temperature {
        let limit = Temperature::from_celsius(ctx.settings.max_temperature_c)
            .unwrap_or(Temperature::from_tenths(373));
        match screen(t, retest, limit) {
            Screening::Pass => {}
            Screening::RetestRequired => {
                return Err(vec![AppError::field(
                    Code::RetestRequired,
                    "retest_c",
                    "err-retest-required",
                )]);
            }
            Screening::TurnAway => {
                return Err(vec![AppError::field(
                    Code::Invalid,
                    "retest_c",
                    "err-walk-in-temperature",
                )]);
            }
        }
    }
    let readings = temperature.map(|first| Readings {
        first_on_file: false,
        first,
        retest,
    });
    let lang = if form.get("lang") == "en" { "en" } else { "id" };
    let day = planner::plan_day(&office.spec, &office.calendar, today);
    if day.closed.is_some() || day.slots.is_empty() {
        return Err(vec![AppError::new(Code::Closed, "err-walk-in-closed")]);
    }
    // The slot under way first, then the later ones.
    for slot in day.slots.iter().filter(|s| s.end > now) {
        let target = Target {
            slot_start: slot.start,
            slot_end: slot.end,
            local_date: today,
            slot_capacity: slot.capacity,
            day_cap: day.cap,
            kind: BookingKind::WalkIn,
        };
        let mut new = new_booking(
            office,
            target,
            applicant.clone(),
            certificate.clone(),
            lang,
            who.actor().clone(),
        );
        new.readings = readings;
        match ctx.store.insert_booking(&new, now, None).await {
            // Read back: as checked in, with its queue number.
            Ok(written) => {
                let code = &written.booking.code;
                return ctx
                    .store
                    .booking(code.as_str())
                    .await
                    .map_err(|e| vec![e.into()]);
            }
            Err(StoreError::SlotFull) => continue,
            Err(StoreError::DayFull) => break,
            Err(e) => return Err(vec![e.into()]),
        }
    }
    Err(vec![AppError::new(Code::DayFull, "err-walk-in-full")])
}
