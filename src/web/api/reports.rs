//! The office's figures and the audit log (API.md, "Front desk"): the report per day and
//! `GET /api/v1/staff/audit`, as JSON or CSV.

use crate::domain::Role;
use crate::domain::office::local_rfc3339;
use crate::store::AuditFilter;
use crate::usecases::auth;
use crate::usecases::{AppError, desk, reports};
use crate::web::AppState;
use crate::web::kit::auth::Staff;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::HashMap;

/// Routes of the report and the audit log.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/offices/{slug}/report", get(report))
        .route("/api/v1/staff/audit", get(audit))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Per day: booked, checked in, recorded, no-show, turned away, walk-ins, cancelled.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/report", tag = "desk",
    params(("slug" = String, Path),
        ("from" = Option<String>, Query, description = "first day (default: a week before `to`)"),
        ("to" = Option<String>, Query, description = "last day (default: today)")),
    security(("bearer" = [])),
    responses((status = 200), (status = 401), (status = 403),
        (status = 404), (status = 422)))]
pub async fn report(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let who = desk::office(&state, &staff.0, &slug).await?;
    let (from, to) = reports::report_range(&state, who.office(), q.get("from"), q.get("to"))?;
    let days = reports::report(&state, &who, from, to).await?;
    if wants_csv(&headers) {
        Ok(csv_response(
            &format!("laporan-{slug}-{from}-{to}"),
            reports::report_csv(&days),
        ))
    } else {
        Ok(Json(days).into_response())
    }
}

/// The audit log, newest first (supervisors: their office; admins: all), paged with
/// `before` (the last row's id); `Accept: text/csv` for CSV.
#[utoipa::path(get, path = "/api/v1/staff/audit", tag = "supervisor",
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("actor" = Option<String>, Query), ("action" = Option<String>, Query),
        ("office" = Option<String>, Query), ("booking" = Option<String>, Query),
        ("before" = Option<i64>, Query)),
    security(("bearer" = [])),
    responses((status = 200), (status = 401), (status = 403),
        (status = 404), (status = 422)))]
pub async fn audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    auth::has_role(&staff.0, Role::Supervisor)?;
    let csv = wants_csv(&headers);
    let filter: AuditFilter = reports::audit_filter(&state, &staff.0, &q, csv).await?;
    let rows = reports::audit(&state, &staff.0, &filter).await?;
    if csv {
        let tz = reports::audit_zone(&state, &staff.0).await;
        return Ok(csv_response("audit", reports::audit_csv(&rows, tz)));
    }
    // Instants with the offset of the row's office (UTC where it has none).
    let zones: HashMap<String, chrono_tz::Tz> = crate::usecases::availability::offices(&state)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.spec.timezone))
        .collect();
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let at = chrono::DateTime::from_timestamp(r.at, 0).unwrap_or_default();
            let at = match r.office.as_ref().and_then(|o| zones.get(o)) {
                Some(tz) => local_rfc3339(at, *tz),
                None => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            serde_json::json!({"id": r.id, "at": at, "actor": r.actor, "action": r.action,
                "office": r.office, "booking": r.booking, "detail": r.detail,
                "origin": r.origin})
        })
        .collect();
    Ok(Json(rows).into_response())
}
