//! Admin routes: the offices' settings (a change goes through the re-plan).

use super::dto::ReplanReport;
use super::parse_json;
use crate::domain::OfficeSlug;
use crate::domain::office::OfficeInput;
use crate::usecases::{AppError, Code, auth, availability, changes};
use crate::web::AppState;
use crate::web::kit::auth::Staff;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use std::collections::HashMap;

/// Routes under `/api/v1/admin`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/admin/offices/{slug}",
        put(put_office).get(get_office),
    )
}

/// Create or replace an office (admin).
#[utoipa::path(put, path = "/api/v1/admin/offices/{slug}", tag = "admin",
    params(("slug" = String, Path), ("dry_run" = Option<bool>, Query,
        description = "report what a change would do to existing bookings, write nothing")),
    request_body = OfficeInput,
    security(("bearer" = [])),
    responses((status = 201, body = OfficeInput), (status = 200, body = OfficeInput),
        (status = 401), (status = 403), (status = 422)))]
pub async fn put_office(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = auth::nationwide(&staff.0)?;
    let dry_run = q.get("dry_run").is_some_and(|v| v == "true");
    let slug = OfficeSlug::parse(&slug)
        .ok_or_else(|| AppError::field(Code::Invalid, "slug", "err-slug"))?;
    let input: OfficeInput = parse_json(&headers, &body)?;
    let (created, spec, replan) = changes::put_office(&state, &who, &slug, input, dry_run).await?;
    let status = if created && !dry_run {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    // The settings as stored, and for a change what it did to existing bookings.
    let mut body = serde_json::to_value(spec.to_input()).expect("serialisable");
    if let Some(report) = replan {
        body["replan"] =
            serde_json::to_value(ReplanReport::new(&report, spec.timezone)).expect("serialisable");
    }
    Ok((status, Json(body)).into_response())
}

/// Read an office's settings (admin).
#[utoipa::path(get, path = "/api/v1/admin/offices/{slug}", tag = "admin",
    params(("slug" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = OfficeInput), (status = 401), (status = 403), (status = 404)))]
pub async fn get_office(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Json<OfficeInput>, AppError> {
    auth::nationwide(&staff.0)?;
    let office = availability::office(&state, &slug).await?;
    Ok(Json(office.spec.to_input()))
}
