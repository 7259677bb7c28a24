//! The waiting list: a person with a valid certificate who found no free slot asks for a
//! seat between two dates; a seat freed in the range is offered to the first in line.

use super::booking::{Target, ValidBooking, form_office, new_booking};
use super::form::{
    Applicant, ApplicantForm, CertificateForm, Channel, DateRange, Problems, RangeForm, RawForm,
};
use super::{AppError, Context};
use crate::domain::{Booking, BookingKind};

/// Checks a waiting-list form: like a booking, but a date range (`from_date`, `to_date`)
/// instead of a slot, and a certificate that is valid now.
pub async fn validate(
    ctx: &Context,
    form: &RawForm,
    office_slug: &str,
    lang: &str,
    channel: Channel,
) -> Result<ValidBooking, Vec<AppError>> {
    let now = ctx.clock.now();
    let mut p = Problems::of_text(form);
    let office = form_office(ctx, office_slug, &mut p).await?;
    let range: Option<DateRange> = office.as_ref().and_then(|o| {
        p.take(
            RangeForm {
                form,
                office: &o.spec,
                now,
            }
            .try_into(),
        )
    });
    // Old enough by the end of the range.
    let applicant: Option<Applicant> = p.take(
        ApplicantForm {
            form,
            now,
            min_age: ctx.settings.min_age,
            on: range.map(|r| r.1),
            channel,
        }
        .try_into(),
    );
    // The waiting list takes only certificates that are valid now.
    let certificate = office.as_ref().and_then(|o| {
        p.take(
            CertificateForm {
                form,
                office: &o.spec,
                covers: Some(now),
                now,
                paper_allowed: false,
            }
            .try_into(),
        )
    });
    match (office, range, applicant, certificate) {
        (Some(office), Some(DateRange(from, to)), Some(applicant), Some(certificate))
            if p.is_empty() =>
        {
            // A waiting-list entry has no slot: its slot columns hold the start of the range.
            let start = crate::planner::start_of_day(office.spec.timezone, from);
            let target = Target {
                slot_start: start,
                slot_end: start,
                local_date: from,
                slot_capacity: 0,
                day_cap: 0,
                kind: BookingKind::WaitingList { from, to },
            };
            let applicant_ = crate::domain::Actor::Applicant;
            let new = new_booking(&office, target, applicant, certificate, lang, applicant_);
            Ok(ValidBooking { office, new })
        }
        _ => Err(p.into_errors()),
    }
}

/// Puts a valid entry on the list; returns it with its token.
/// With phone verification on, the entry waits for its phone's code (holding no seat and
/// no place in the queue) before it is on the list, as a booking does.
pub async fn join(ctx: &Context, valid: &ValidBooking) -> Result<(Booking, String), AppError> {
    let mut new = valid.new.clone();
    super::verify::prepare(ctx, &mut new);
    let inserted = ctx
        .store
        .insert_booking(&new, ctx.clock.now(), None)
        .await?;
    // Read back: a seat may have been offered to it at once.
    let entry = ctx.store.booking(inserted.booking.code.as_str()).await?;
    Ok((entry, inserted.token))
}

/// The job that lapses unclaimed seat offers: their seats go to the next in the queue,
/// their owners to its back.
pub const LAPSE_OFFERS: super::jobs::Job = super::jobs::Job {
    name: "offers.lapse",
    every: super::jobs::EVERY_TICK,
    run: |ctx, now| {
        Box::pin(async move { Ok(super::jobs::count(ctx.store.sweep_offers(now).await?)) })
    },
};
