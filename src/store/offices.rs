//! Offices.

use super::{Store, StoreError, StoreResult, from_ts, ts};
use crate::domain::office::OfficeInput;
use crate::domain::{OfficeSlug, OfficeSpec};
use crate::planner::Calendar;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// A stored office.
#[derive(Debug, Clone)]
pub struct Office {
    /// Row id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// Validated settings.
    pub spec: OfficeSpec,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Moves with every change of capacity (level, closure, resources, rules, holidays).
    pub plan_version: i64,
    /// Levels, holidays and closures: with `spec`, all the planner needs.
    pub calendar: Arc<Calendar>,
}

#[derive(sqlx::FromRow)]
struct OfficeRow {
    id: i64,
    slug: String,
    name: String,
    timezone: String,
    address: String,
    recording_sets: i64,
    operators: Option<i64>,
    minutes_per_recording: i64,
    waiting_room_seats: i64,
    slot_minutes: i64,
    max_visitors_per_day: Option<i64>,
    booking_horizon_days: i64,
    hours: String,
    certificate_kinds: String,
    updated_at: i64,
    plan_version: i64,
}

pub(crate) const OFFICE_COLUMNS: &str = "id, slug, name, timezone, address, recording_sets, operators, \
    minutes_per_recording, waiting_room_seats, slot_minutes, max_visitors_per_day, \
    booking_horizon_days, hours, certificate_kinds, updated_at, plan_version";

impl OfficeRow {
    fn into_office(self, calendar: Arc<Calendar>) -> StoreResult<Office> {
        let input = OfficeInput {
            name: self.name,
            timezone: self.timezone,
            address: self.address,
            recording_sets: self.recording_sets,
            operators: self.operators,
            minutes_per_recording: self.minutes_per_recording,
            waiting_room_seats: self.waiting_room_seats,
            slot_minutes: self.slot_minutes,
            max_visitors_per_day: self.max_visitors_per_day,
            booking_horizon_days: self.booking_horizon_days,
            hours: serde_json::from_str(&self.hours)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            certificate_kinds: Some(
                serde_json::from_str(&self.certificate_kinds)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            ),
        };
        let spec = input
            .parse()
            .map_err(|e| sqlx::Error::Decode(format!("stored office is invalid: {e:?}").into()))?;
        Ok(Office {
            id: self.id,
            slug: self.slug,
            spec,
            updated_at: from_ts(self.updated_at),
            plan_version: self.plan_version,
            calendar,
        })
    }
}

/// Inserts or updates an office's settings (bumping its plan version on update).
pub(crate) async fn write_office(
    conn: &mut sqlx::AnyConnection,
    slug: &str,
    spec: &OfficeSpec,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let input = spec.to_input();
    let hours = serde_json::to_string(&input.hours).expect("serialisable");
    let kinds = serde_json::to_string(&spec.certificates.0).expect("serialisable");
    sqlx::query(
        "INSERT INTO offices (slug, name, timezone, address, recording_sets, \
         minutes_per_recording, waiting_room_seats, slot_minutes, max_visitors_per_day, \
         booking_horizon_days, hours, certificate_kinds, created_at, updated_at, operators) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         timezone = excluded.timezone, address = excluded.address, \
         recording_sets = excluded.recording_sets, operators = excluded.operators, \
         minutes_per_recording = excluded.minutes_per_recording, \
         waiting_room_seats = excluded.waiting_room_seats, \
         slot_minutes = excluded.slot_minutes, \
         max_visitors_per_day = excluded.max_visitors_per_day, \
         booking_horizon_days = excluded.booking_horizon_days, hours = excluded.hours, \
         certificate_kinds = excluded.certificate_kinds, updated_at = excluded.updated_at, \
         plan_version = offices.plan_version + 1",
    )
    .bind(slug)
    .bind(&input.name)
    .bind(&input.timezone)
    .bind(&input.address)
    .bind(input.recording_sets)
    .bind(input.minutes_per_recording)
    .bind(input.waiting_room_seats)
    .bind(input.slot_minutes)
    .bind(input.max_visitors_per_day)
    .bind(input.booking_horizon_days)
    .bind(&hours)
    .bind(&kinds)
    .bind(ts(now))
    .bind(input.operators)
    .execute(conn)
    .await?;
    Ok(())
}

/// An office's slug and settings, read on a connection (inside a transaction).
pub(crate) async fn office_in(
    conn: &mut sqlx::AnyConnection,
    office_id: i64,
) -> StoreResult<(String, OfficeSpec)> {
    let row: OfficeRow = sqlx::query_as(&format!(
        "SELECT {OFFICE_COLUMNS} FROM offices WHERE id = $1"
    ))
    .bind(office_id)
    .fetch_one(conn)
    .await?;
    let office = row.into_office(Arc::default())?;
    Ok((office.slug, office.spec))
}

impl Store {
    /// A number that grows with every change of capacity at any office.
    pub async fn plan_versions(&self) -> StoreResult<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT CAST(COALESCE(SUM(plan_version), 0) AS BIGINT) FROM offices")
                .fetch_one(&self.read)
                .await?;
        Ok(n)
    }

    /// All offices, by name.
    pub async fn list_offices(&self) -> StoreResult<Vec<Office>> {
        let rows: Vec<OfficeRow> = sqlx::query_as(&format!(
            "SELECT {OFFICE_COLUMNS} FROM offices ORDER BY name"
        ))
        .fetch_all(&self.read)
        .await?;
        let mut offices = Vec::with_capacity(rows.len());
        for row in rows {
            let calendar = self.calendar(row.id, row.plan_version).await?;
            offices.push(row.into_office(calendar)?);
        }
        Ok(offices)
    }

    /// One office by slug. A string that is not a valid slug cannot name an office, so it
    /// is not found without asking the database.
    pub async fn office(&self, slug: &str) -> StoreResult<Office> {
        if OfficeSlug::parse(slug).is_none() {
            return Err(StoreError::NotFound);
        }
        let row: Option<OfficeRow> = sqlx::query_as(&format!(
            "SELECT {OFFICE_COLUMNS} FROM offices WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.read)
        .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        let calendar = self.calendar(row.id, row.plan_version).await?;
        row.into_office(calendar)
    }

    /// One office by row id.
    pub async fn office_by_id(&self, id: i64) -> StoreResult<Office> {
        let row: Option<OfficeRow> = sqlx::query_as(&format!(
            "SELECT {OFFICE_COLUMNS} FROM offices WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        let calendar = self.calendar(row.id, row.plan_version).await?;
        row.into_office(calendar)
    }

    /// Seats taken per slot starting in `[from, to)`. A day's count is the sum of its
    /// slots' (both counters move in the same transactions), so readers need only these.
    pub async fn slot_loads(
        &self,
        office_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<HashMap<i64, u32>> {
        let slots: Vec<(i64, i64)> = sqlx::query_as(SLOT_LOADS)
            .bind(office_id)
            .bind(ts(from))
            .bind(ts(to))
            .fetch_all(&self.read)
            .await?;
        Ok(slots
            .into_iter()
            .map(|(s, b)| (s, u32::try_from(b).unwrap_or(0)))
            .collect())
    }
}

/// Seats taken per slot of an office in a range: availability's one read.
pub(crate) const SLOT_LOADS: &str = "SELECT slot_start, booked FROM slot_loads \
     WHERE office_id = $1 AND slot_start >= $2 AND slot_start < $3 AND booked > 0";
