//! Both engines, one schema: the migrations of each engine, run on a fresh database,
//! give the same tables, columns (types by family, nullability, whether a default),
//! primary keys, unique keys, indexes, foreign keys and CHECK constraints. A migration
//! written for one engine and forgotten (or written differently) for the other fails
//! here, not in production.

use crate::helpers::{Db, database_url};
use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// One table as both engines can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// Column → (type family, NOT NULL, has a default).
    columns: BTreeMap<String, (String, bool, bool)>,
    /// Primary key columns, in order.
    primary_key: Vec<String>,
    /// Unique keys (columns, partial), whether declared as constraints or indexes.
    unique: BTreeSet<(String, bool)>,
    /// Other indexes: (name, columns, partial).
    indexes: BTreeSet<(String, String, bool)>,
    /// Foreign keys: (columns, referenced table, referenced columns).
    foreign_keys: BTreeSet<(String, String, String)>,
    /// How many CHECK constraints.
    checks: usize,
}

type Schema = BTreeMap<String, Table>;

/// A declared type's family: what a value of it can hold, whatever the engine calls it.
fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let f = if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("blob") || t == "bytea" {
        "bytes"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t == "numeric" {
        "real"
    } else if t.contains("bool") {
        "boolean"
    } else {
        return format!("other: {t}");
    };
    f.to_string()
}

/// CHECK constraints in a `CREATE TABLE` text (not a column called `checked_in_at`).
fn checks_in(sql: &str) -> usize {
    let upper = sql.to_ascii_uppercase();
    upper
        .match_indices("CHECK")
        .filter(|(at, _)| {
            let before = upper[..*at].chars().next_back();
            let after = upper[at + 5..].trim_start().chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && after == Some('(')
        })
        .count()
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let tables = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for t in tables {
        let name: String = t.get("name");
        let sql: String = t.get("sql");
        let mut table = Table {
            checks: checks_in(&sql),
            ..Table::default()
        };
        let columns = sqlx::query(
            "SELECT name, type, \"notnull\" AS nn, dflt_value IS NOT NULL AS d, pk \
             FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in columns {
            let column: String = c.get("name");
            let key: i64 = c.get("pk");
            if key > 0 {
                pk.push((key, column.clone()));
            }
            // A key column is never NULL, and its value comes from the engine.
            let not_null = c.get::<i64, _>("nn") != 0 || key > 0;
            let default = c.get::<i64, _>("d") != 0 && key == 0;
            let declared: String = c.get("type");
            table
                .columns
                .insert(column, (family(&declared), not_null, default));
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let indexes =
            sqlx::query("SELECT name, \"unique\" AS u, origin, partial FROM pragma_index_list(?)")
                .bind(&name)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for i in indexes {
            let index: String = i.get("name");
            let origin: String = i.get("origin");
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> = sqlx::query(
                "SELECT COALESCE(name, '(expression)') AS name FROM pragma_index_info(?) \
                 ORDER BY seqno",
            )
            .bind(&index)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect();
            let (columns, partial) = (columns.join(","), i.get::<i64, _>("partial") != 0);
            if i.get::<i64, _>("u") != 0 {
                table.unique.insert((columns, partial));
            } else {
                table.indexes.insert((index, columns, partial));
            }
        }
        let keys = sqlx::query(
            "SELECT id, \"table\" AS t, \"from\" AS f, \"to\" AS r FROM pragma_foreign_key_list(?) \
             ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for k in keys {
            let e = by_id.entry(k.get("id")).or_default();
            e.0.push(k.get("f"));
            e.1 = k.get("t");
            e.2.push(k.get::<Option<String>, _>("r").unwrap_or_default());
        }
        for (_, (from, to_table, to)) in by_id {
            table
                .foreign_keys
                .insert((from.join(","), to_table, to.join(",")));
        }
        schema.insert(name, table);
    }
    conn.close().await.unwrap();
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut schema = Schema::new();
    let columns = sqlx::query(
        "SELECT c.table_name::text AS t, c.column_name::text AS c, c.data_type::text AS ty, \
         c.is_nullable = 'NO' AS nn, \
         (c.column_default IS NOT NULL OR c.is_identity = 'YES') AS d \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_name = c.table_name AND t.table_schema = c.table_schema \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         AND c.table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for c in columns {
        let table = schema.entry(c.get("t")).or_default();
        let declared: String = c.get("ty");
        table.columns.insert(
            c.get("c"),
            (family(&declared), c.get("nn"), c.get::<bool, _>("d")),
        );
    }
    // Columns of an index or constraint, in order ('(expression)' for an expression).
    let indexes = sqlx::query(
        "SELECT t.relname::text AS t, i.relname::text AS name, x.indisunique AS u, \
         x.indisprimary AS p, x.indpred IS NOT NULL AS partial, \
         (SELECT string_agg(COALESCE(a.attname::text, '(expression)'), ',' ORDER BY k.n) \
          FROM unnest(x.indkey) WITH ORDINALITY AS k(num, n) \
          LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num \
          AND k.num <> 0) AS cols \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE s.nspname = 'public' AND t.relname NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for i in indexes {
        let Some(table) = schema.get_mut(&i.get::<String, _>("t")) else {
            continue;
        };
        let columns: String = i.get("cols");
        let partial: bool = i.get("partial");
        if i.get("p") {
            table.primary_key = columns.split(',').map(str::to_string).collect();
            // The key's columns: their values come from the engine.
            for c in &table.primary_key {
                if let Some(col) = table.columns.get_mut(c) {
                    col.2 = false;
                }
            }
        } else if i.get("u") {
            table.unique.insert((columns, partial));
        } else {
            table.indexes.insert((i.get("name"), columns, partial));
        }
    }
    let constraints = sqlx::query(
        "SELECT t.relname::text AS t, k.contype::text AS kind, r.relname::text AS r, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY n) FROM unnest(k.conkey) \
          WITH ORDINALITY AS u(num, n) JOIN pg_attribute a ON a.attrelid = k.conrelid \
          AND a.attnum = u.num) AS f, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY n) FROM unnest(k.confkey) \
          WITH ORDINALITY AS u(num, n) JOIN pg_attribute a ON a.attrelid = k.confrelid \
          AND a.attnum = u.num) AS rc \
         FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid \
         LEFT JOIN pg_class r ON r.oid = k.confrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE s.nspname = 'public' AND k.contype IN ('f', 'c')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for k in constraints {
        let Some(table) = schema.get_mut(&k.get::<String, _>("t")) else {
            continue;
        };
        if k.get::<String, _>("kind") == "c" {
            table.checks += 1;
        } else {
            table
                .foreign_keys
                .insert((k.get("f"), k.get("r"), k.get("rc")));
        }
    }
    conn.close().await.unwrap();
    schema
}

/// What differs between two schemas, one line per difference.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        match (sqlite.get(name), postgres.get(name)) {
            (Some(_), None) => out.push(format!("{name}: only on SQLite")),
            (None, Some(_)) => out.push(format!("{name}: only on PostgreSQL")),
            (Some(s), Some(p)) => {
                let columns: BTreeSet<&String> = s.columns.keys().chain(p.columns.keys()).collect();
                for c in columns {
                    let (a, b) = (s.columns.get(c), p.columns.get(c));
                    if a != b {
                        out.push(format!("{name}.{c}: SQLite {a:?}, PostgreSQL {b:?}"));
                    }
                }
                if s.primary_key != p.primary_key {
                    out.push(format!(
                        "{name} primary key: SQLite {:?}, PostgreSQL {:?}",
                        s.primary_key, p.primary_key
                    ));
                }
                for (what, a, b) in [
                    (
                        "unique keys",
                        format!("{:?}", s.unique),
                        format!("{:?}", p.unique),
                    ),
                    (
                        "indexes",
                        format!("{:?}", s.indexes),
                        format!("{:?}", p.indexes),
                    ),
                    (
                        "foreign keys",
                        format!("{:?}", s.foreign_keys),
                        format!("{:?}", p.foreign_keys),
                    ),
                    ("CHECKs", s.checks.to_string(), p.checks.to_string()),
                ] {
                    if a != b {
                        out.push(format!("{name} {what}: SQLite {a}, PostgreSQL {b}"));
                    }
                }
            }
            (None, None) => unreachable!(),
        }
    }
    out
}

#[tokio::test]
async fn both_engines_migrate_to_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let Some(pg) = database_url(Db::Postgres, &dir).await else {
        return;
    };
    let sqlite = database_url(Db::Sqlite, &dir).await.unwrap();
    // The application's own migration runs, as `serve` does.
    drop(rekam::store::Store::connect(&sqlite, 2).await.unwrap());
    drop(rekam::store::Store::connect(&pg, 2).await.unwrap());
    let (s, p) = (sqlite_schema(&sqlite).await, postgres_schema(&pg).await);
    assert!(s.len() > 10, "SQLite tables read: {:?}", s.keys());
    assert!(
        s.get("bookings")
            .is_some_and(|t| t.columns.len() > 20 && !t.unique.is_empty()),
        "the bookings table is read whole: {:?}",
        s.get("bookings")
    );
    let diff = differences(&s, &p);
    assert!(
        diff.is_empty(),
        "the engines' schemas differ:\n{}",
        diff.join("\n")
    );
}

/// The comparison sees what it is meant to: a column of another family, a missing
/// index and a table on one side only are each reported.
#[test]
fn a_drift_is_reported() {
    let mut a = Schema::new();
    let mut t = Table::default();
    t.columns
        .insert("n".into(), (family("INTEGER"), true, false));
    t.indexes.insert(("i".into(), "n".into(), false));
    a.insert("t".into(), t);
    let mut b = Schema::new();
    let mut t = Table::default();
    t.columns.insert("n".into(), (family("text"), true, false));
    b.insert("t".into(), t);
    b.insert("u".into(), Table::default());
    let diff = differences(&a, &b);
    assert_eq!(diff.len(), 3, "{diff:#?}");
    assert_eq!(family("BIGINT"), family("integer"));
    assert_eq!(
        checks_in("a INTEGER CHECK (a > 0), checked_in_at INTEGER, CHECK(b)"),
        2
    );
    assert_eq!(family("bytea"), family("BLOB"));
}
