//! The queries people wait on, with sample parameters, for `EXPLAIN`: a test checks on
//! both engines that an index serves each one (no walk through a table that grows with
//! the years), and `rekam explain` prints their plans and timings on a real database
//! (bench/national runs it on the national data set).

use super::{Backend, Store, StoreResult};

/// A sample parameter.
#[derive(Debug, Clone)]
pub enum Param {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
}

/// One query as the store sends it.
#[derive(Debug, Clone)]
pub struct HotQuery {
    /// What it serves.
    pub name: &'static str,
    /// The SQL, exactly as the store sends it.
    pub sql: String,
    /// Parameters to plan it with.
    pub params: Vec<Param>,
    /// It reads in an index's order and stops at its `LIMIT` (the newest of the audit
    /// log): a walk from one end is its plan, not a fault.
    pub walks: bool,
    /// The indexes meant to serve it (either engine's name): the plan must use one.
    pub indexes: &'static [&'static str],
}

/// Tables that grow with every booking: a plan must never read one of them whole.
pub const GROWING: [&str; 6] = [
    "bookings",
    "certificates",
    "audit_log",
    "notifications",
    "slot_loads",
    "day_loads",
];

/// The hot queries of `backend`, planned for `office_id`'s `day` (`YYYY-MM-DD`) at `now` (epoch
/// seconds), with `code` and `nik` as the booking and person looked up.
pub fn hot_queries(
    backend: Backend,
    office_id: i64,
    day: &str,
    now: i64,
    code: &str,
    nik: &str,
) -> Vec<HotQuery> {
    use Param::{Int, Text};
    let audit = |f: super::AuditFilter, by_booking: bool, params: Vec<Param>| {
        (super::reports::audit_sql(&f, by_booking), params)
    };
    let (audit_all, audit_all_p) = audit(
        super::AuditFilter {
            limit: 50,
            ..Default::default()
        },
        false,
        vec![Int(50)],
    );
    let (audit_office, audit_office_p) = audit(
        super::AuditFilter {
            office_id: Some(office_id),
            limit: 50,
            ..Default::default()
        },
        false,
        vec![Int(office_id), Int(50)],
    );
    let (audit_booking, audit_booking_p) = audit(
        super::AuditFilter {
            booking: Some(code.to_string()),
            limit: 50,
            ..Default::default()
        },
        true,
        vec![Int(1), Int(50)],
    );
    let (audit_day, audit_day_p) = audit(
        super::AuditFilter {
            from: chrono::DateTime::from_timestamp(now - 86_400, 0),
            to: chrono::DateTime::from_timestamp(now, 0),
            limit: 50,
            ..Default::default()
        },
        false,
        vec![Int(now - 86_400), Int(now), Int(50)],
    );
    let q = |name, sql: String, params, indexes| HotQuery {
        name,
        sql,
        params,
        walks: false,
        indexes,
    };
    let active: &[&str] = &["bookings_active_office", "bookings_office_day"];
    vec![
        q(
            "availability: an office by its slug",
            format!(
                "SELECT {} FROM offices WHERE slug = $1",
                super::offices::OFFICE_COLUMNS
            ),
            vec![Text("ciruas".into())],
            &["offices_slug_key", "sqlite_autoindex_offices_1"],
        ),
        q(
            "availability: seats taken per slot",
            super::offices::SLOT_LOADS.to_string(),
            vec![Int(office_id), Int(now), Int(now + 15 * 86_400)],
            &["slot_loads_pkey", "sqlite_autoindex_slot_loads_1"],
        ),
        q(
            "desk: the day list",
            super::desk::day_list_sql(),
            vec![Int(office_id), Text(day.into())],
            &["bookings_office_day"],
        ),
        q(
            "desk: the review queue",
            super::desk::review_queue_sql(backend),
            vec![
                Int(office_id),
                Int(now),
                Text(super::desk::review_from(
                    chrono::DateTime::from_timestamp(now, 0).unwrap_or_default(),
                )),
            ],
            active,
        ),
        q(
            "applicant: a booking by its code",
            super::booking::booking_select().to_string(),
            vec![Text(code.into())],
            &["bookings_code_key", "sqlite_autoindex_bookings_1"],
        ),
        q(
            "waiting list: an office's queue",
            super::offers::waiting_queue_sql(),
            vec![Int(office_id)],
            active,
        ),
        q(
            "waiting list: a place in the queue",
            super::offers::queue_position_sql(),
            vec![Int(office_id), Int(1)],
            active,
        ),
        q(
            "phone verification: a NIK's holds awaiting a code",
            super::verify::holds_of_nik_sql(),
            vec![Text(nik.into())],
            &["bookings_pending_nik"],
        ),
        q(
            "retention: certificate files due",
            super::retention::files_due_sql(backend),
            vec![Int(now - 30 * 86_400)],
            &["certificates_kept"],
        ),
        q(
            "retention: personal data due",
            super::retention::people_due_sql(backend),
            vec![Int(now - 180 * 86_400)],
            &["bookings_to_anonymise"],
        ),
        q(
            "sweep: no-shows due",
            super::desk::no_shows_due_sql(),
            vec![Int(now - 1800)],
            &["bookings_status_slot"],
        ),
        q(
            "metrics: active bookings per office",
            super::reports::status_counts_sql(backend),
            vec![],
            &["bookings_active_office"],
        ),
        HotQuery {
            walks: true,
            ..q("audit log: newest", audit_all, audit_all_p, &[])
        },
        q(
            "audit log: one office",
            audit_office,
            audit_office_p,
            &["audit_log_office"],
        ),
        q(
            "audit log: one booking",
            audit_booking,
            audit_booking_p,
            &["audit_log_booking"],
        ),
        q(
            "audit log: one day",
            audit_day,
            audit_day_p,
            &["audit_log_at", "audit_log_pkey"],
        ),
    ]
}

impl Store {
    /// The plan of `q` as the engine prints it, one line per row (`EXPLAIN QUERY PLAN` on
    /// SQLite; `EXPLAIN`, or with `analyze` `EXPLAIN ANALYZE`, on PostgreSQL).
    pub async fn explain(&self, q: &HotQuery, analyze: bool) -> StoreResult<Vec<String>> {
        self.explain_with(q, analyze, false).await
    }

    /// As [`Store::explain`], with PostgreSQL told to avoid reading tables whole where it
    /// can (`enable_seqscan = off`): on a small test database, whose tables PostgreSQL
    /// would rightly read whole, a full read then means that no index serves the query.
    pub async fn explain_preferring_indexes(&self, q: &HotQuery) -> StoreResult<Vec<String>> {
        self.explain_with(q, false, true).await
    }

    async fn explain_with(
        &self,
        q: &HotQuery,
        analyze: bool,
        indexes: bool,
    ) -> StoreResult<Vec<String>> {
        let sql = match (self.backend, analyze) {
            (Backend::Sqlite, _) => format!("EXPLAIN QUERY PLAN {}", q.sql),
            (Backend::Postgres, false) => format!("EXPLAIN {}", q.sql),
            (Backend::Postgres, true) => format!("EXPLAIN (ANALYZE, BUFFERS) {}", q.sql),
        };
        let mut tx = self.read.begin().await?;
        if indexes && self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
        }
        let mut query = sqlx::query(&sql);
        for p in &q.params {
            query = match p {
                Param::Int(v) => query.bind(*v),
                Param::Text(v) => query.bind(v.clone()),
            };
        }
        let rows = query.fetch_all(&mut *tx).await?;
        tx.rollback().await?;
        use sqlx::Row;
        Ok(rows
            .iter()
            .map(|r| match self.backend {
                // id, parent, notused, detail
                Backend::Sqlite => r.try_get::<String, _>(3).unwrap_or_default(),
                Backend::Postgres => r.try_get::<String, _>(0).unwrap_or_default(),
            })
            .collect())
    }

    /// The index meant to serve `q`, when its plan uses none of them. (PostgreSQL picks
    /// by statistics: on a small test database another index may rightly win, so this is
    /// for real data there, and for any database on SQLite.)
    pub fn missing_index(&self, q: &HotQuery, plan: &[String]) -> Option<String> {
        let used = plan.iter().any(|l| q.indexes.iter().any(|i| l.contains(i)));
        (!q.indexes.is_empty() && !used).then(|| format!("none of {:?} serves it", q.indexes))
    }

    /// The growing tables the plan of `q` reads whole: empty when indexes serve it. (A
    /// walk through one of its own partial indexes reads only the rows it is about.)
    pub fn full_scans(&self, q: &HotQuery, plan: &[String]) -> Vec<String> {
        let mut found = Vec::new();
        if q.walks {
            return found;
        }
        for line in plan {
            let line = line.trim();
            for table in GROWING {
                let whole = match self.backend {
                    // "Seq Scan on bookings b": every row read.
                    Backend::Postgres => line.contains(&format!("Seq Scan on {table}")),
                    // "SCAN b" or "SCAN bookings USING INDEX …": a walk, not a search.
                    Backend::Sqlite => {
                        line.starts_with("SCAN ")
                            && !q
                                .indexes
                                .iter()
                                .any(|i| line.ends_with(&format!("INDEX {i}")))
                            && {
                                let subject = line[5..].split_whitespace().next().unwrap_or("");
                                subject == table || aliases(&q.sql, table).contains(&subject)
                            }
                    }
                };
                if whole {
                    found.push(format!("{table}: {line}"));
                }
            }
        }
        found
    }
}

/// The one-letter aliases `sql` gives `table` (`FROM bookings b`, `JOIN bookings o`).
fn aliases<'a>(sql: &'a str, table: &str) -> Vec<&'a str> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| {
            w[0] == table && w[1].len() == 1 && w[1].bytes().all(|b| b.is_ascii_lowercase())
        })
        .map(|w| w[1])
        .collect()
}
