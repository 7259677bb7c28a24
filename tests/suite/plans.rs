//! The queries people wait on are served by indexes, on both engines: no plan reads a
//! table that grows with the bookings from end to end (PostgreSQL is told to avoid whole
//! reads where it can, since on a test database's small tables it would rightly prefer
//! them), and on SQLite each uses the index meant for it (PostgreSQL chooses by
//! statistics, which a test database does not have: `rekam explain` checks that on the
//! national data set, in bench/national).

use crate::both_databases;
use crate::helpers::*;

both_databases!(every_hot_query_is_served_by_an_index,);

async fn every_hot_query_is_served_by_an_index(app: TestApp) {
    // Some rows, so that the plans are of a used database.
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(4321)))
        .await;
    let code = b["code"].as_str().unwrap();
    let office = app.store.office("ciruas").await.unwrap();
    let now = app.clock.now().timestamp();
    let queries = rekam::store::hot_queries(
        app.store.backend(),
        office.id,
        "2026-12-01",
        now,
        code,
        &nik(4321),
    );
    assert!(queries.len() >= 15, "the list of hot queries shrank");
    let mut failures = Vec::new();
    for q in &queries {
        let plan = app.store.explain_preferring_indexes(q).await.unwrap();
        assert!(!plan.is_empty(), "{}: no plan", q.name);
        let mut whole = app.store.full_scans(q, &plan);
        if app.store.backend() == rekam::store::Backend::Sqlite {
            whole.extend(app.store.missing_index(q, &plan));
        }
        if !whole.is_empty() {
            failures.push(format!(
                "{}: {whole:?}\n    {}",
                q.name,
                plan.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "plans reading a growing table whole:\n{}",
        failures.join("\n")
    );
}
