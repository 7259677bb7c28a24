//! Changes that move capacity — a level, a closure, a reopening, new office settings —
//! applied in one transaction that also moves or marks every booking that no longer fits.

use super::calendar::{bump_plan_version, load_calendar, write_holidays, write_rule};
use super::offers::{offer_seats, withdraw_offers};
use super::offices::{office_in, write_office};
use super::seats::{Seat, move_seat};
use super::{Store, StoreResult, audit, from_ts, ts};
use crate::domain::booking::sql::{self, lit};
use crate::domain::{
    Actor, BookingStatus, Level, LevelRule, NotificationKind, OfficeSlug, OfficeSpec, Reason,
};
use crate::planner::{self, Calendar, Move, OfferRules, Outcome, Seated};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// A change of what an office can hold.
#[derive(Debug, Clone)]
pub enum PlanChange {
    /// A level in force from `from` to `to` (inclusive; open-ended when `None`).
    Level {
        /// The level.
        level: Level,
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: Option<NaiveDate>,
    },
    /// The office closes on a date.
    Close(NaiveDate),
    /// The office opens on a date it had closed, or on a holiday.
    Reopen(NaiveDate),
    /// A level period (by its id) ends on `last` (its last day), or is deleted (`None`):
    /// undoing a level set by mistake or lifted early.
    EndLevel {
        /// The period's id.
        id: i64,
        /// Its new last day, or `None` to delete it.
        last: Option<NaiveDate>,
    },
    /// New resources, hours or limits.
    Office(Box<OfficeSpec>),
}

pub use crate::planner::DayImpact;

/// A booking that no longer fits.
#[derive(Debug, Clone)]
pub struct DisplacedBooking {
    /// Booking id.
    pub id: i64,
    /// Booking code.
    pub code: String,
    /// The applicant's name (for the preview; never in the API's answer).
    pub name: String,
    /// Its slot before.
    pub from: DateTime<Utc>,
    /// Its new slot, or none when it needs rebooking.
    pub to: Option<DateTime<Utc>>,
}

/// What a change does (dry run) or did.
#[derive(Debug, Clone)]
pub struct ReplanReport {
    /// Days whose cap changes or that hold more than their new cap.
    pub days: Vec<DayImpact>,
    /// Bookings displaced, the most recently booked first.
    pub displaced: Vec<DisplacedBooking>,
    /// Whether the change was applied.
    pub applied: bool,
}

/// A message recorded for an applicant.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What about.
    pub kind: NotificationKind,
    /// The slot it was about.
    pub from: DateTime<Utc>,
    /// The slot it was moved or offered to.
    pub to: Option<DateTime<Utc>>,
    /// Why (the level and instruction, the reason given).
    pub reason: Option<Reason>,
}

#[derive(sqlx::FromRow)]
struct PlacedRow {
    id: i64,
    code: String,
    name: String,
    slot_start: i64,
    local_date: String,
    status: String,
    created_at: i64,
    kind: String,
    issued_at: i64,
}

async fn write_change(
    conn: &mut AnyConnection,
    office_id: i64,
    slug: &str,
    change: &PlanChange,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match change {
        PlanChange::Level { level, from, to } => {
            sqlx::query(
                "INSERT INTO office_levels (office_id, level, effective_from, effective_to, reason, \
                 set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(office_id)
            .bind(level.as_str())
            .bind(from.to_string())
            .bind(to.map(|d| d.to_string()))
            .bind(reason)
            .bind(actor.audit_name())
            .bind(ts(now))
            .execute(conn)
            .await?;
        }
        PlanChange::Close(date) | PlanChange::Reopen(date) => {
            let closed = i64::from(matches!(change, PlanChange::Close(_)));
            sqlx::query(
                "INSERT INTO office_days (office_id, day, closed, reason, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (office_id, day) DO UPDATE SET \
                 closed = excluded.closed, reason = excluded.reason, set_by = excluded.set_by, \
                 set_at = excluded.set_at",
            )
            .bind(office_id)
            .bind(date.to_string())
            .bind(closed)
            .bind(reason)
            .bind(actor.audit_name())
            .bind(ts(now))
            .execute(conn)
            .await?;
        }
        PlanChange::EndLevel { id, last } => {
            let done = match last {
                Some(last) => {
                    sqlx::query(
                        "UPDATE office_levels SET effective_to = $1 WHERE id = $2 \
                         AND office_id = $3 AND effective_from <= $1",
                    )
                    .bind(last.to_string())
                    .bind(id)
                    .bind(office_id)
                    .execute(conn)
                    .await?
                }
                None => {
                    sqlx::query("DELETE FROM office_levels WHERE id = $1 AND office_id = $2")
                        .bind(id)
                        .bind(office_id)
                        .execute(conn)
                        .await?
                }
            };
            if done.rows_affected() == 0 {
                return Err(super::StoreError::NotFound);
            }
        }
        PlanChange::Office(spec) => write_office(conn, slug, spec, now).await?,
    }
    Ok(())
}

impl Store {
    /// Applies (or, with `dry_run`, only works out) a change of capacity in one
    /// transaction: the change itself, the plan version, and for every booking that no
    /// longer fits either a move to the earliest slot its certificate still covers or the
    /// mark `needs_rebooking`, each with a notification record and an audit entry. The dry
    /// run is this same transaction rolled back, so it shows exactly what applying does.
    pub async fn apply_plan_change(
        &self,
        office_id: i64,
        change: &PlanChange,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> StoreResult<ReplanReport> {
        let mut tx = self.begin_write().await?;
        // First: the office row's write lock (PostgreSQL) — seat-takers hold it shared.
        bump_plan_version(&mut tx, Some(office_id)).await?;
        let (slug, spec_before) = office_in(&mut tx, office_id).await?;
        let cal_before = load_calendar(&mut tx, office_id).await?;
        write_change(&mut tx, office_id, &slug, change, reason, actor, now).await?;
        let notice = match change {
            PlanChange::Level { level, .. } => Reason::level(*level, reason),
            PlanChange::Office(_) => Reason::OfficeSettings,
            PlanChange::Close(_) | PlanChange::Reopen(_) | PlanChange::EndLevel { .. } => {
                Reason::typed(reason)
            }
        };
        let before = Before {
            office_id,
            spec: spec_before,
            calendar: cal_before,
        };
        let report =
            replan_office(&mut tx, &before, &notice, actor, now, dry_run, self.offers).await?;
        if dry_run {
            tx.rollback().await?;
            return Ok(report);
        }
        let action = match change {
            PlanChange::Level { .. } => "plan.level",
            PlanChange::Close(_) => "plan.close",
            PlanChange::Reopen(_) => "plan.reopen",
            PlanChange::EndLevel { last: Some(_), .. } => "plan.level_end",
            PlanChange::EndLevel { last: None, .. } => "plan.level_delete",
            PlanChange::Office(_) => "office.update",
        };
        audit(&mut tx, now, actor, action, Some(office_id), None, reason).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// An office as it was before a change: what its displaced bookings are judged against.
pub(crate) struct Before {
    pub(crate) office_id: i64,
    pub(crate) spec: OfficeSpec,
    pub(crate) calendar: Calendar,
}

impl Before {
    /// The office as it is now, on a connection in the change's transaction.
    pub(crate) async fn read(conn: &mut AnyConnection, office_id: i64) -> StoreResult<Self> {
        let (_, spec) = office_in(conn, office_id).await?;
        let calendar = load_calendar(conn, office_id).await?;
        Ok(Self {
            office_id,
            spec,
            calendar,
        })
    }
}

/// The re-plan of one office after a change has been written in `conn`'s transaction:
/// reads the bookings holding seats, asks [`planner::replan`] which no longer fit and
/// where they go, and unless `dry_run` writes each move or mark (with a notification
/// saying `notice`), then offers the freed capacity to the queue.
pub(crate) async fn replan_office(
    tx: &mut AnyConnection,
    before: &Before,
    notice: &Reason,
    actor: &Actor,
    now: DateTime<Utc>,
    dry_run: bool,
    offers: OfferRules,
) -> StoreResult<ReplanReport> {
    let office_id = before.office_id;
    // Seats held for waiting bookings are offered afresh once the change is in.
    withdraw_offers(&mut *tx, office_id).await?;
    let (_, spec) = office_in(&mut *tx, office_id).await?;
    let cal = load_calendar(&mut *tx, office_id).await?;
    let today = planner::local_date(&spec, now);
    let rows: Vec<PlacedRow> = sqlx::query_as(&format!(
        "SELECT b.id, b.code, b.name, b.slot_start, b.local_date, b.status, b.created_at, c.kind, \
         c.issued_at FROM bookings b JOIN certificates c ON c.booking_id = b.id \
         AND c.superseded_at IS NULL WHERE b.office_id = $1 AND b.slot_start >= $2 \
         AND {}",
        *sql::HOLDS_SEAT
    ))
    .bind(office_id)
    .bind(ts(planner::start_of_day(spec.timezone, today)))
    .fetch_all(&mut *tx)
    .await?;
    let seated = rows
        .iter()
        .map(|r| {
            Ok(Seated {
                id: r.id,
                slot_start: from_ts(r.slot_start),
                local_date: r.local_date.parse().map_err(|_| {
                    sqlx::Error::Decode(format!("stored date {:?}", r.local_date).into())
                })?,
                status: BookingStatus::parse(&r.status).ok_or_else(|| {
                    sqlx::Error::Decode(format!("stored status {:?}", r.status).into())
                })?,
                booked_at: r.created_at,
                certificate: (r.kind.clone(), from_ts(r.issued_at)),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let plan = planner::replan(
        (&before.spec, &before.calendar),
        (&spec, &cal),
        &seated,
        now,
    );
    let by_id: HashMap<i64, &PlacedRow> = rows.iter().map(|r| (r.id, r)).collect();
    let report = ReplanReport {
        days: plan.days,
        displaced: plan
            .moves
            .iter()
            .map(|m| DisplacedBooking {
                id: m.id,
                code: by_id[&m.id].code.clone(),
                name: by_id[&m.id].name.clone(),
                from: m.from,
                to: match m.outcome {
                    Outcome::Moved { slot, .. } => Some(slot.start),
                    Outcome::NeedsRebooking | Outcome::Cancelled => None,
                },
            })
            .collect(),
        applied: !dry_run,
    };
    if dry_run {
        return Ok(report);
    }
    // Every displaced seat is given up first, then the new ones are taken, so a move
    // into a seat another displaced booking has just left always fits.
    for m in &plan.moves {
        let r = by_id[&m.id];
        let seat = Seat {
            slot_start: r.slot_start,
            local_date: &r.local_date,
        };
        move_seat(&mut *tx, office_id, Some(seat), None).await?;
    }
    for m in &plan.moves {
        write_move(
            tx,
            office_id,
            by_id[&m.id].slot_start,
            m,
            notice,
            actor,
            now,
        )
        .await?;
    }
    // Capacity freed by the change (a lower level, a reopening) goes to the queue.
    offer_seats(&mut *tx, office_id, now, offers).await?;
    Ok(report)
}

/// Writes what becomes of one displaced booking (its seat already given up), with its
/// notification and audit record.
async fn write_move(
    tx: &mut AnyConnection,
    office_id: i64,
    old_slot: i64,
    m: &Move,
    notice: &Reason,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match m.outcome {
        Outcome::Moved {
            slot,
            date,
            day_cap,
        } => {
            let date_text = date.to_string();
            sqlx::query(
                "UPDATE bookings SET slot_start = $2, slot_end = $3, local_date = $4, \
                 version = version + 1, updated_at = $5 WHERE id = $1",
            )
            .bind(m.id)
            .bind(ts(slot.start))
            .bind(ts(slot.end))
            .bind(&date_text)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let seat = Seat {
                slot_start: ts(slot.start),
                local_date: &date_text,
            };
            move_seat(
                &mut *tx,
                office_id,
                None,
                Some((seat, slot.capacity, day_cap)),
            )
            .await?;
        }
        Outcome::Cancelled => {
            sqlx::query(&format!(
                "UPDATE bookings SET status = {}, outcome_reason = $5, outcome_notice = $3, \
                 outcome_by = $4, outcome_at = $2, verify_hash = NULL, \
                 version = version + 1, updated_at = $2 WHERE id = $1",
                lit(BookingStatus::Cancelled)
            ))
            .bind(m.id)
            .bind(ts(now))
            .bind(notice.to_stored())
            .bind(Actor::System.audit_name())
            .bind(notice.office_text())
            .execute(&mut *tx)
            .await?;
        }
        Outcome::NeedsRebooking => {
            sqlx::query(&format!(
                "UPDATE bookings SET status = {}, version = version + 1, \
                 updated_at = $2, queued_at = $2 WHERE id = $1",
                lit(BookingStatus::NeedsRebooking)
            ))
            .bind(m.id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
    }
    let (kind, to) = match m.outcome {
        Outcome::Moved { slot, .. } => (NotificationKind::Moved, Some(ts(slot.start))),
        Outcome::NeedsRebooking | Outcome::Cancelled => (NotificationKind::NeedsRebooking, None),
    };
    super::outbox::notify(tx, m.id, kind, old_slot, to, Some(notice), None, now).await?;
    let detail = format!("{}: {}", kind.as_str(), notice.office_text());
    let office = Some(office_id);
    audit(
        tx,
        now,
        actor,
        "booking.displaced",
        office,
        Some(m.id),
        &detail,
    )
    .await?;
    Ok(())
}

impl Store {
    /// The latest message about a booking.
    pub async fn latest_notification(&self, booking_id: i64) -> StoreResult<Option<Notice>> {
        type Row = (String, i64, Option<i64>, String, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT kind, from_slot, to_slot, reason, notice FROM notifications \
             WHERE booking_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(booking_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|(kind, from, to, reason, notice)| {
            Ok(Notice {
                kind: NotificationKind::parse(&kind).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown notification kind {kind:?}").into())
                })?,
                from: from_ts(from),
                to: to.map(from_ts),
                reason: Reason::from_stored(notice.as_deref(), Some(&reason)),
            })
        })
        .transpose()
    }

    /// Creates an office, or replaces its settings through a re-plan: when the new
    /// resources or hours hold fewer people, displaced bookings are moved or marked in the
    /// same transaction (see `apply_plan_change`). True when it was created. A dry run
    /// writes nothing and reports what a change would do.
    pub async fn put_office(
        &self,
        slug: &OfficeSlug,
        spec: &OfficeSpec,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> StoreResult<(bool, Option<ReplanReport>)> {
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM offices WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_optional(&self.write)
            .await?;
        if let Some((id,)) = existing {
            let change = PlanChange::Office(Box::new(spec.clone()));
            let report = self
                .apply_plan_change(id, &change, "office settings changed", actor, now, dry_run)
                .await?;
            return Ok((false, Some(report)));
        }
        if dry_run {
            return Ok((true, None));
        }
        let mut tx = self.begin_write().await?;
        write_office(&mut tx, slug.as_str(), spec, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "office.create",
            None,
            None,
            slug.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok((true, None))
    }

    /// Applies (or, with `dry_run`, works out) a change that applies to every office — a
    /// level rule, a year's holidays — in one transaction with the re-plan of every
    /// office, exactly as a change of one office's level is: whoever no longer fits is
    /// moved or marked. Returns each office's report, by slug.
    pub async fn apply_national_change(
        &self,
        change: &NationalChange<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> StoreResult<Vec<OfficeReplan>> {
        let mut tx = self.begin_write().await?;
        // Every office row's write lock (PostgreSQL), in one statement.
        bump_plan_version(&mut tx, None).await?;
        let offices: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, slug FROM offices ORDER BY slug")
                .fetch_all(&mut *tx)
                .await?;
        let mut before = Vec::with_capacity(offices.len());
        for (id, slug) in &offices {
            before.push((slug.clone(), Before::read(&mut tx, *id).await?));
        }
        let notice = match change {
            NationalChange::Rule { rule, instruction } => {
                write_rule(&mut tx, rule, actor, instruction, now).await?;
                Reason::Rule {
                    level: rule.level.as_str().to_string(),
                    instruction: instruction.to_string(),
                }
            }
            NationalChange::Holidays { year, days } => {
                write_holidays(&mut tx, *year, days, actor, now).await?;
                Reason::Holidays { year: *year }
            }
        };
        let mut reports = Vec::with_capacity(before.len());
        for (slug, b) in &before {
            let report =
                replan_office(&mut tx, b, &notice, actor, now, dry_run, self.offers).await?;
            reports.push(OfficeReplan {
                office: slug.clone(),
                timezone: b.spec.timezone,
                report,
            });
        }
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(reports)
    }
}

/// A change that applies to every office.
#[derive(Debug, Clone, Copy)]
pub enum NationalChange<'a> {
    /// A new version of a level's rule, and the instruction behind it.
    Rule {
        /// The rule.
        rule: &'a LevelRule,
        /// The instruction, as typed.
        instruction: &'a str,
    },
    /// A year's holidays, replaced whole.
    Holidays {
        /// The year.
        year: i32,
        /// Its holidays.
        days: &'a crate::domain::holidays::Holidays,
    },
}

/// One office's share of a national change.
#[derive(Debug, Clone)]
pub struct OfficeReplan {
    /// Office slug.
    pub office: String,
    /// Its zone, for showing the report's instants.
    pub timezone: chrono_tz::Tz,
    /// What the change does (or did) to its bookings.
    pub report: ReplanReport,
}
