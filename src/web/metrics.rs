//! `/metrics` in Prometheus' text format (the `metrics` facade and its Prometheus
//! exporter): requests by route template and status, their latency, bookings by status and
//! office, the outbox's backlog and failures, the database pools' use and the group
//! commit's batch sizes. Nothing personal: route templates, never URLs.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (one per process).
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let seconds = [
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ];
            let batches = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &seconds,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("group_commit_batch_size".into()),
                        &batches,
                    )
                })
                .and_then(|b| b.install_recorder())
                .map_err(|e| tracing::warn!(error = %e, "no metrics recorder"))
                .ok()
        })
        .as_ref()
}

/// Counts every request by its route template, method and status, and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let _ = handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Only the standard methods are labels: anything else a client sends is "other".
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method,
        "status" => status)
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    let Some(handle) = handle() else {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match crate::usecases::reports::gauges(&state).await {
        Ok(g) => {
            // Every status of every office, 0 where there is none (a figure that went
            // to nothing must not keep its last value).
            for (office, status, n) in g.bookings {
                metrics::gauge!("bookings", "office" => office, "status" => status).set(n as f64);
            }
            metrics::gauge!("outbox_pending").set(g.outbox_pending as f64);
            metrics::gauge!("outbox_failed").set(g.outbox_failed as f64);
            for (pool, size, idle) in g.pools {
                metrics::gauge!("db_pool_connections", "pool" => pool).set(f64::from(size));
                metrics::gauge!("db_pool_idle", "pool" => pool).set(idle as f64);
            }
        }
        Err(e) => tracing::warn!(error = ?e.code, "metrics: database figures"),
    }
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
