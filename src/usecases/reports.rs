//! Reading back what happened: the day report of an office and the audit log.

use super::auth::{self, AtOffice, Authorized, Desk, Supervisor};
use super::changes::parse_date;
use super::{AppError, Code, Context};
use crate::domain::Role;
use crate::store::{AuditFilter, AuditRow, DayReport, Office, StaffMember};
use chrono::{Duration, NaiveDate};
use std::collections::HashMap;

/// Every action the audit log records, with the text that tells it as a sentence ("Siti
/// (desk) checked in K7QM2XPA"); the page's action filter lists them.
pub const ACTIONS: [(&str, &str); 51] = [
    ("audit.view", "audit-act-audit-view"),
    ("booking.cancel", "audit-act-booking-cancel"),
    ("booking.check_in", "audit-act-booking-check-in"),
    ("booking.create", "audit-act-booking-create"),
    ("booking.displaced", "audit-act-booking-displaced"),
    ("booking.recorded", "audit-act-booking-recorded"),
    ("booking.no_show", "audit-act-booking-no-show"),
    ("booking.turned_away", "audit-act-booking-turned-away"),
    ("booking.offer_claimed", "audit-act-booking-offer-claimed"),
    ("booking.offered", "audit-act-booking-offered"),
    ("booking.release", "audit-act-booking-release"),
    ("booking.reschedule", "audit-act-booking-reschedule"),
    ("booking.retest_due", "audit-act-booking-retest-due"),
    ("booking.token_reissued", "audit-act-booking-token-reissued"),
    (
        "booking.verification_failed",
        "audit-act-booking-verification-failed",
    ),
    ("booking.verified", "audit-act-booking-verified"),
    ("booking.view", "audit-act-booking-view"),
    ("certificate.accepted", "audit-act-certificate-accepted"),
    ("certificate.rejected", "audit-act-certificate-rejected"),
    ("certificate.replace", "audit-act-certificate-replace"),
    ("certificate.view", "audit-act-certificate-view"),
    ("day_list.export", "audit-act-day-list-export"),
    ("day_list.view", "audit-act-day-list-view"),
    ("failed_messages.view", "audit-act-failed-messages-view"),
    ("holidays.load", "audit-act-holidays-load"),
    ("level_rule.update", "audit-act-level-rule-update"),
    ("office.create", "audit-act-office-create"),
    ("office.update", "audit-act-office-update"),
    ("plan.close", "audit-act-plan-close"),
    ("plan.level", "audit-act-plan-level"),
    ("plan.level_delete", "audit-act-plan-level-delete"),
    ("plan.level_end", "audit-act-plan-level-end"),
    ("plan.reopen", "audit-act-plan-reopen"),
    ("queue.call", "audit-act-queue-call"),
    ("retention.anonymised", "audit-act-retention-anonymised"),
    (
        "retention.certificate_deleted",
        "audit-act-retention-certificate-deleted",
    ),
    ("retention.purge", "audit-act-retention-purge"),
    (
        "retention.tokens_removed",
        "audit-act-retention-tokens-removed",
    ),
    ("staff.add", "audit-act-staff-add"),
    ("staff.disable", "audit-act-staff-disable"),
    ("staff.enable", "audit-act-staff-enable"),
    ("staff.login", "audit-act-staff-login"),
    ("staff.login_failed", "audit-act-staff-login-failed"),
    ("staff.password", "audit-act-staff-password"),
    ("staff.recovery_codes", "audit-act-staff-recovery-codes"),
    ("staff.revoke", "audit-act-staff-revoke"),
    ("staff.role", "audit-act-staff-role"),
    (
        "staff.second_factor_off",
        "audit-act-staff-second-factor-off",
    ),
    ("staff.second_factor_on", "audit-act-staff-second-factor-on"),
    ("verification.expire", "audit-act-verification-expire"),
    ("waitlist.join", "audit-act-waitlist-join"),
];

/// The audit row as a sentence in the reader's language: who (with their role), what,
/// which booking. `roles` maps usernames to their role's text.
pub fn audit_sentence(
    lang: crate::i18n::Lang,
    row: &AuditRow,
    roles: &HashMap<String, String>,
) -> String {
    let who = match row.actor.as_str() {
        "applicant" => lang.text("audit-who-applicant"),
        "system" => lang.text("audit-who-system"),
        "cli" => lang.text("audit-who-cli"),
        actor => match actor.strip_prefix("staff:") {
            Some(name) => match roles.get(name) {
                Some(role) => format!("{name} ({role})"),
                None => name.to_string(),
            },
            None => actor.to_string(),
        },
    };
    let code = row.booking.clone().unwrap_or_default();
    match ACTIONS.iter().find(|(a, _)| *a == row.action) {
        Some((_, key)) => lang.format(key, &[("who", who), ("code", code)]),
        None => lang.format(
            "audit-act-other",
            &[("who", who), ("action", row.action.clone())],
        ),
    }
}

/// The longest range a report covers.
const MAX_REPORT_DAYS: i64 = 366;

/// The range of a report: `from` and `to` as given (dates), by default the last seven
/// days up to today.
pub fn report_range(
    ctx: &Context,
    office: &Office,
    from: Option<&String>,
    to: Option<&String>,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = super::desk::today(ctx, office);
    let pick = |v: Option<&String>, field: &str, default: NaiveDate| match v {
        None => Ok(default),
        Some(s) => parse_date(s, field),
    };
    let to = pick(to, "to", today)?;
    let from = pick(from, "from", to - Duration::days(6))?;
    if to < from || (to - from).num_days() >= MAX_REPORT_DAYS {
        return Err(AppError::field(Code::Invalid, "to", "err-report-range"));
    }
    Ok((from, to))
}

/// What became of an office's seats, per day: every day of the range has its row, a day
/// nobody came included (zeros).
pub async fn report(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayReport>, AppError> {
    let office = who.scope().office();
    let mut had: HashMap<String, DayReport> = ctx
        .store
        .day_report(office.id, from, to)
        .await?
        .into_iter()
        .map(|d| (d.date.clone(), d))
        .collect();
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let date = d.to_string();
            had.remove(&date).unwrap_or(DayReport {
                date,
                booked: 0,
                checked_in: 0,
                recorded: 0,
                no_show: 0,
                turned_away: 0,
                walk_ins: 0,
                cancelled: 0,
            })
        })
        .collect())
}

/// The age groups of the breakdown, by age on the day of recording: under 17 (married),
/// 17 (the first-time voters a recording drive is for), 18 to 21, 22 and over.
pub const AGE_GROUPS: [&str; 4] = [
    "report-age-under-17",
    "report-age-17",
    "report-age-18-21",
    "report-age-22",
];

/// Who was recorded, counted by kecamatan of the NIK, sex and age group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    /// (kecamatan code, count), most first.
    pub kecamatan: Vec<(String, i64)>,
    pub men: i64,
    pub women: i64,
    /// Counts in the order of [`AGE_GROUPS`].
    pub ages: [i64; 4],
    /// Rows whose NIK can no longer be read (anonymised).
    pub unknown: i64,
}

/// The breakdown of the people recorded in a range of days.
pub async fn breakdown(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Breakdown, AppError> {
    let office = who.scope().office();
    let people = ctx.store.recorded_people(office.id, from, to).await?;
    Ok(count_people(&people))
}

/// Counts (NIK, birth date, day) rows into a [`Breakdown`].
pub fn count_people(people: &[(String, String, String)]) -> Breakdown {
    let mut b = Breakdown::default();
    let mut kecamatan: HashMap<String, i64> = HashMap::new();
    for (nik, birth, day) in people {
        let (Ok(nik), Ok(birth), Ok(day)) = (
            crate::domain::Nik::parse(nik),
            NaiveDate::parse_from_str(birth, "%Y-%m-%d"),
            NaiveDate::parse_from_str(day, "%Y-%m-%d"),
        ) else {
            b.unknown += 1;
            continue;
        };
        *kecamatan.entry(nik.kecamatan()).or_default() += 1;
        if nik.is_female() {
            b.women += 1;
        } else {
            b.men += 1;
        }
        let age = day.years_since(birth).unwrap_or(0);
        let group = match age {
            0..=16 => 0,
            17 => 1,
            18..=21 => 2,
            _ => 3,
        };
        b.ages[group] += 1;
    }
    b.kecamatan = kecamatan.into_iter().collect();
    b.kecamatan
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    b
}

/// The day's bookings for the recording operators, as CSV with the **full** NIK (they type
/// it into SIAK); the export is audited like a view of each booking would be.
pub async fn day_export(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    date: NaiveDate,
) -> Result<String, AppError> {
    let office = who.scope().office();
    let rows = ctx.store.day_list(office.id, date).await?;
    ctx.store
        .audit_read(
            who.actor(),
            "day_list.export",
            Some(office.id),
            None,
            ctx.clock.now(),
        )
        .await?;
    let tz = office.spec.timezone;
    let mut out =
        String::from("queue_number,time,code,name,nik,status,certificate_status,walk_in\n");
    for r in rows {
        let at = chrono::DateTime::from_timestamp(r.slot_start, 0).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.queue_number.map(|n| n.to_string()).unwrap_or_default(),
            crate::i18n::hm(crate::i18n::Lang::En, at, tz),
            csv_field(&r.code),
            csv_field(&r.name),
            csv_field(&r.nik),
            csv_field(&r.status),
            csv_field(&r.certificate_status),
            r.walk_in != 0,
        ));
    }
    Ok(out)
}

/// The filter of an audit query as sent (`from`, `to` as office-local dates, `actor`,
/// `action`, `office`, `booking`, `before`). A supervisor sees their own office only.
pub async fn audit_filter(
    ctx: &Context,
    member: &StaffMember,
    q: &HashMap<String, String>,
    csv: bool,
) -> Result<AuditFilter, AppError> {
    auth::has_role(member, Role::Supervisor)?;
    // Absent is absent; an empty value is refused like any other that does not parse
    // (the pages leave out the filters not filled in).
    let get = |k: &str| q.get(k).map(String::as_str);
    let office = match get("office") {
        Some(slug) => {
            let office = ctx.store.office(slug).await?;
            let who = auth::at_office::<Supervisor>(member, office)?;
            Some(who.scope().office().clone())
        }
        None if member.role == Role::Admin => None,
        None => Some(
            ctx.store
                .office_by_id(member.office_id.unwrap_or(0))
                .await?,
        ),
    };
    let tz = office
        .as_ref()
        .map_or(chrono_tz::Asia::Jakarta, |o| o.spec.timezone);
    let start_of = |d: NaiveDate| Some(crate::planner::start_of_day(tz, d));
    let from = get("from").map(|s| parse_date(s, "from")).transpose()?;
    let to = get("to").map(|s| parse_date(s, "to")).transpose()?;
    let before_id = match get("before") {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| AppError::field(Code::Invalid, "before", "err-number"))?,
        ),
    };
    let text = |k: &str| -> Result<Option<String>, AppError> {
        match get(k) {
            Some(v) if v.chars().count() > 100 => {
                Err(AppError::field(Code::Invalid, k, "err-too-long"))
            }
            // No stored text has control characters (PostgreSQL refuses a NUL outright).
            Some(v) if v.chars().any(char::is_control) => {
                Err(AppError::field(Code::Invalid, k, "err-required"))
            }
            v => Ok(v.map(str::to_string)),
        }
    };
    Ok(AuditFilter {
        from: from.and_then(start_of),
        to: to.and_then(|d| start_of(d + Duration::days(1))),
        actor: text("actor")?,
        action: text("action")?,
        office_id: office.map(|o| o.id),
        booking: text("booking")?,
        before_id,
        limit: if csv { 10_000 } else { 100 },
        hide_reads: false,
    })
}

/// The zone the audit log is read in: the member's office's, else WIB.
pub async fn audit_zone(ctx: &Context, member: &StaffMember) -> chrono_tz::Tz {
    match member.office_id {
        Some(id) => ctx
            .store
            .office_by_id(id)
            .await
            .map(|o| o.spec.timezone)
            .unwrap_or(chrono_tz::Asia::Jakarta),
        None => chrono_tz::Asia::Jakarta,
    }
}

/// Staff usernames and their roles, to say who did what.
pub async fn staff_roles(ctx: &Context) -> Result<HashMap<String, Role>, AppError> {
    Ok(ctx
        .store
        .list_staff()
        .await?
        .into_iter()
        .filter_map(|a| Some((a.username, Role::parse(&a.role)?)))
        .collect())
}

/// The audit log as filtered, newest first; reading it is itself audited.
pub async fn audit(
    ctx: &Context,
    member: &StaffMember,
    filter: &AuditFilter,
) -> Result<Vec<AuditRow>, AppError> {
    auth::has_role(member, Role::Supervisor)?;
    let rows = ctx.store.audit_log(filter).await?;
    ctx.store
        .audit_read(
            &member.actor(),
            "audit.view",
            filter.office_id,
            None,
            ctx.clock.now(),
        )
        .await?;
    Ok(rows)
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is neutralised so
/// that a spreadsheet never runs a cell as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The day report as CSV.
pub fn report_csv(days: &[DayReport]) -> String {
    let mut out =
        String::from("date,booked,checked_in,recorded,no_show,turned_away,walk_ins,cancelled\n");
    for d in days {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            d.date,
            d.booked,
            d.checked_in,
            d.recorded,
            d.no_show,
            d.turned_away,
            d.walk_ins,
            d.cancelled
        ));
    }
    out
}

/// The audit log as CSV (instants in UTC, RFC 3339).
pub fn audit_csv(rows: &[AuditRow], tz: chrono_tz::Tz) -> String {
    let mut out = String::from("id,at,actor,action,office,booking,detail,origin\n");
    for r in rows {
        // In the office's zone, with its offset (as the page shows it).
        let at = chrono::DateTime::from_timestamp(r.at, 0)
            .map(|t| crate::domain::office::local_rfc3339(t, tz))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.id,
            at,
            csv_field(&r.actor),
            csv_field(&r.action),
            csv_field(r.office.as_deref().unwrap_or("")),
            csv_field(r.booking.as_deref().unwrap_or("")),
            csv_field(r.detail.as_deref().unwrap_or("")),
            csv_field(r.origin.as_deref().unwrap_or("")),
        ));
    }
    out
}

/// The figures `/metrics` reads from the database: bookings per office and status, the
/// outbox, and the pools (name, connections, idle).
pub struct Gauges {
    /// (office slug, status, count).
    pub bookings: Vec<(String, String, i64)>,
    /// Messages waiting for delivery.
    pub outbox_pending: i64,
    /// Messages given up on.
    pub outbox_failed: i64,
    /// (pool, connections, idle).
    pub pools: Vec<(&'static str, u32, usize)>,
}

/// Reads the figures of `/metrics`.
pub async fn gauges(ctx: &Context) -> Result<Gauges, AppError> {
    Ok(Gauges {
        bookings: {
            let counted = ctx.store.status_counts().await?;
            let mut all = Vec::new();
            for office in ctx.store.list_offices().await? {
                for status in crate::domain::BookingStatus::ALL
                    .into_iter()
                    .filter(|s| s.is_active())
                {
                    let n = counted
                        .iter()
                        .find(|(o, s, _)| *o == office.slug && s == status.as_str())
                        .map_or(0, |(_, _, n)| *n);
                    all.push((office.slug.clone(), status.as_str().to_string(), n));
                }
            }
            all
        },
        outbox_pending: ctx.store.pending_messages().await?,
        outbox_failed: ctx.store.failed_message_count().await?,
        pools: ctx.store.pool_use(),
    })
}
