//! Who gets a freed seat.
//!
//! Singapore's vaccination booking kept a holding list and invited people by a
//! time-limited link; here a freed seat is offered to the first in the queue who can use
//! it — the displaced first (they lost a seat through no fault of their own), then the
//! waiting list, each in the order they joined — and it is the earliest slot with room
//! that the person wants (a waiting-list entry's dates), that their certificate still
//! covers, and on whose day they are old enough. The seat is held for them for a number
//! of waking hours, never past the slot's start.

use super::{DayPlan, SlotPlan};
use crate::domain::office::WakingHours;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// How freed seats are offered.
#[derive(Debug, Clone, Copy)]
pub struct OfferRules {
    /// How long an offered seat is held (waking hours).
    pub hold: Duration,
    /// Minimum age on the seat's day (married applicants are exempt).
    pub min_age: u32,
    /// The hours a hold counts.
    pub waking: WakingHours,
}

impl Default for OfferRules {
    fn default() -> Self {
        Self {
            hold: Duration::hours(12),
            min_age: 17,
            waking: WakingHours::default(),
        }
    }
}

/// A person in the queue for a seat, as the rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Booking id.
    pub id: i64,
    /// The last slot start their certificate covers (`None`: its kind is no longer
    /// accepted, and no seat can be offered).
    pub valid_until: Option<DateTime<Utc>>,
    /// The first and last office-local date they want (a waiting-list entry); `None`:
    /// any.
    pub from: Option<NaiveDate>,
    /// See `from`.
    pub to: Option<NaiveDate>,
    /// Birth date (`None`: unreadable, and no seat is offered).
    pub birth_date: Option<NaiveDate>,
    /// Married applicants may record before the minimum age.
    pub married: bool,
}

/// A seat offered to one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// Booking id.
    pub id: i64,
    /// The slot's office-local date.
    pub date: NaiveDate,
    /// The day's cap.
    pub day_cap: u32,
    /// The slot.
    pub slot: SlotPlan,
    /// The seat is held for them until then.
    pub hold_until: DateTime<Utc>,
}

/// The seats free for offers, counted as they are offered: the caller offers one person
/// at a time ([`Offering::seat_for`]) and counts the seat ([`Offering::take`]) only once
/// the offer is written.
pub struct Offering<'a> {
    plans: &'a [DayPlan],
    slots: HashMap<DateTime<Utc>, u32>,
    days: HashMap<NaiveDate, u32>,
    now: DateTime<Utc>,
    rules: OfferRules,
    tz: Tz,
}

impl<'a> Offering<'a> {
    /// `plans`: the office's day plans from today to its horizon; `slots` and `days`:
    /// the seats already taken per slot start and per date.
    pub fn new(
        plans: &'a [DayPlan],
        slots: HashMap<DateTime<Utc>, u32>,
        days: HashMap<NaiveDate, u32>,
        now: DateTime<Utc>,
        rules: OfferRules,
        tz: Tz,
    ) -> Self {
        Self {
            plans,
            slots,
            days,
            now,
            rules,
            tz,
        }
    }

    /// The seat this person is offered, if one fits them.
    pub fn seat_for(&self, w: &Waiting) -> Option<Offer> {
        let valid_until = w.valid_until?;
        let birth_date = w.birth_date?;
        let wanted = |day: NaiveDate| {
            w.from.is_none_or(|f| day >= f)
                && w.to.is_none_or(|t| day <= t)
                && crate::domain::old_enough(birth_date, w.married, day, self.rules.min_age)
        };
        self.plans
            .iter()
            .filter(|day| wanted(day.date))
            .filter(|day| self.days.get(&day.date).copied().unwrap_or(0) < day.cap)
            .find_map(|day| {
                let slot = day.slots.iter().find(|s| {
                    s.start > self.now
                        && s.start <= valid_until
                        && self.slots.get(&s.start).copied().unwrap_or(0) < s.capacity
                })?;
                Some(Offer {
                    id: w.id,
                    date: day.date,
                    day_cap: day.cap,
                    slot: *slot,
                    hold_until: self
                        .rules
                        .waking
                        .after(self.now, self.rules.hold, self.tz)
                        .min(slot.start),
                })
            })
    }

    /// Counts an offered seat as taken.
    pub fn take(&mut self, offer: &Offer) {
        *self.slots.entry(offer.slot.start).or_default() += 1;
        *self.days.entry(offer.date).or_default() += 1;
    }
}

/// The offers for a whole queue (in queue order), every offer written: what
/// [`Offering`] gives when nothing races it.
pub fn offers(mut offering: Offering<'_>, queue: &[Waiting]) -> Vec<Offer> {
    queue
        .iter()
        .filter_map(|w| {
            let offer = offering.seat_for(w)?;
            offering.take(&offer);
            Some(offer)
        })
        .collect()
}

#[cfg(test)]
mod tests;
