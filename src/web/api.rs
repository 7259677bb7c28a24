//! The JSON API of API.md (v1).

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, Code};
use super::multipart::read_form;
use super::views::{self, Availability, BookingView};
use crate::booking;
use crate::domain::code::hash_secret;
use crate::domain::office::OfficeInput;
use crate::domain::{OfficeSlug, Role};
use crate::store::{Booking, Created, Office};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(super::openapi::openapi_json))
        .route("/api/v1/offices", get(list_offices))
        .route("/api/v1/offices/{slug}/availability", get(availability))
        .route(
            "/api/v1/admin/offices/{slug}",
            put(put_office).get(get_office),
        )
        .route("/api/v1/bookings", post(create_booking))
        .route("/api/v1/offices/{slug}/waitlist", post(join_waitlist))
        .route("/api/v1/bookings/{code}/claim", post(claim_offer))
        .route("/api/v1/bookings/{code}", get(get_booking))
        .route("/api/v1/bookings/{code}/cancel", post(cancel_booking))
        .route(
            "/api/v1/bookings/{code}/reschedule",
            post(reschedule_booking),
        )
        .route(
            "/api/v1/bookings/{code}/certificate",
            post(replace_certificate),
        )
}

/// Parses a JSON body, answering 422 `invalid` (not axum's plain-text 400) when it fails.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(AppError::new(Code::UnsupportedMediaType, "err.json"));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // A missing field has no path of its own; serde names it in the message.
        let missing = e
            .inner()
            .to_string()
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        AppError {
            code: Code::Invalid,
            field: missing.or((path != ".").then_some(path)),
            message: "err.json",
        }
    })
}

/// A public office entry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OfficeSummary {
    slug: String,
    name: String,
    timezone: String,
    address: String,
}

/// List offices.
#[utoipa::path(get, path = "/api/v1/offices", tag = "public",
    responses((status = 200, body = [OfficeSummary])))]
pub async fn list_offices(
    State(state): State<AppState>,
) -> Result<Json<Vec<OfficeSummary>>, AppError> {
    let offices = state.store.list_offices().await?;
    Ok(Json(
        offices
            .into_iter()
            .map(|o| OfficeSummary {
                slug: o.slug,
                name: o.spec.name.clone(),
                timezone: o.spec.timezone.name().to_string(),
                address: o.spec.address.clone(),
            })
            .collect(),
    ))
}

/// The date range of an availability query (documentation; the handler reads the query
/// itself to name a bad field).
#[derive(Deserialize, utoipa::IntoParams)]
#[allow(dead_code)]
pub struct Range {
    /// First date, `YYYY-MM-DD` (default today).
    from: Option<String>,
    /// Last date, inclusive (default the end of the booking horizon).
    to: Option<String>,
}

/// Slots and caps per day.
#[utoipa::path(get, path = "/api/v1/offices/{slug}/availability", tag = "public",
    params(("slug" = String, Path), Range),
    responses((status = 200, body = Availability), (status = 404), (status = 422)))]
pub async fn availability(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Availability>, AppError> {
    let office = state.store.office(&slug).await?;
    let today = crate::planner::local_date(&office.spec, state.clock.now());
    let parse = |name: &str, default: NaiveDate| -> Result<NaiveDate, AppError> {
        match q.get(name) {
            None => Ok(default),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::field(Code::Invalid, name, "err.date")),
        }
    };
    let from = parse("from", today)?;
    let to = parse(
        "to",
        from.max(today) + Duration::days(i64::from(office.spec.booking_horizon_days)),
    )?;
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::field(Code::Invalid, "to", "err.range"));
    }
    Ok(Json(views::availability(&state, &office, from, to).await?))
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
    let member = staff.require(Role::Admin)?;
    let dry_run = q.get("dry_run").is_some_and(|v| v == "true");
    let slug = OfficeSlug::parse(&slug)
        .ok_or_else(|| AppError::field(Code::Invalid, "slug", "err.slug"))?;
    let input: OfficeInput = parse_json(&headers, &body)?;
    let spec = input.parse().map_err(|e| AppError {
        code: Code::Invalid,
        field: Some(e.field),
        message: "err.required",
    })?;
    let (created, replan) = state
        .store
        .put_office(&slug, &spec, &member.actor(), state.clock.now(), dry_run)
        .await?;
    let status = if created && !dry_run {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    // The settings as stored, and for a change what it did to existing bookings.
    let mut body = serde_json::to_value(spec.to_input()).expect("serialisable");
    if let Some(report) = replan {
        body["replan"] = serde_json::to_value(report).expect("serialisable");
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
    staff.require(Role::Admin)?;
    Ok(Json(state.store.office(&slug).await?.spec.to_input()))
}

/// The multipart booking form (documentation only; the handler reads it field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct BookingForm {
    /// Office slug.
    office: String,
    /// RFC 3339 start of a slot from availability.
    slot_start: String,
    /// 16 digits agreeing with `birth_date`.
    nik: String,
    /// 1–100 characters.
    name: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    /// `08…` or `+628…`.
    phone: String,
    /// Optional.
    email: Option<String>,
    /// `true` exempts from the minimum age.
    married: Option<bool>,
    /// One of the office's accepted kinds.
    certificate_kind: String,
    /// RFC 3339, or local `YYYY-MM-DDTHH:MM`.
    certificate_issued_at: String,
    /// PDF, JPEG or PNG, at most 5 MB.
    #[schema(value_type = String, format = Binary)]
    certificate: Vec<u8>,
    /// Must be `true`.
    consent: bool,
}

fn first_error(errors: Vec<AppError>) -> AppError {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| AppError::new(Code::Invalid, "err.required"))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 100)
            .map(|k| Some(k.to_string()))
            .ok_or_else(|| AppError::field(Code::Invalid, "Idempotency-Key", "err.required")),
    }
}

/// Book a slot.
#[utoipa::path(post, path = "/api/v1/bookings", tag = "applicant",
    request_body(content = BookingForm, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = BookingView), (status = 409), (status = 413),
        (status = 415), (status = 422)))]
pub async fn create_booking(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?;
    // The whole form is read before any answer, a replay included: answering in the
    // middle of an upload breaks the client's connection.
    let form = read_form(multipart).await?;
    // A repeat is answered as the first time, even if the slot has filled up since.
    if let Some(key) = &key {
        if let Some(stored) = state
            .store
            .idempotent_answer(key, "bookings.create")
            .await?
        {
            return Ok(replay(stored.status, stored.body));
        }
    }
    let lang = if form.get("lang") == "en" { "en" } else { "id" };
    let valid = booking::validate(&state, &form, form.get("office"), "applicant", lang)
        .await
        .map_err(first_error)?;
    let office = valid.office.clone();
    let now = state.clock.now();
    let render = move |b: &Booking, token: &str| {
        serde_json::to_string(&BookingView::new(b, &office, Some(token), now))
            .expect("serialisable")
    };
    let created = booking::book(
        &state,
        &valid,
        key.as_deref().map(|k| (k, "bookings.create")),
        render,
    )
    .await?;
    Ok(match created {
        Created::New { booking, token } => (
            StatusCode::CREATED,
            Json(BookingView::new(
                &booking,
                &valid.office,
                Some(&token),
                state.clock.now(),
            )),
        )
            .into_response(),
        Created::Replay(stored) => replay(stored.status, stored.body),
    })
}

fn replay(status: u16, body: String) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The booking and its office, when the token matches; 404 otherwise (the same answer as
/// for an unknown code, so codes cannot be probed).
async fn owned_booking(
    state: &AppState,
    code: &str,
    headers: &HeaderMap,
) -> Result<(Booking, Office), AppError> {
    let token = headers
        .get("x-booking-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(AppError::not_found)?;
    authorise_token(state, code, token).await
}

/// Checks a booking token (shared with the pages).
pub async fn authorise_token(
    state: &AppState,
    code: &str,
    token: &str,
) -> Result<(Booking, Office), AppError> {
    let code = crate::domain::BookingCode::parse(code).ok_or_else(AppError::not_found)?;
    let booking = state.store.booking(code.as_str()).await?;
    if booking.token_hash != hash_secret(token) {
        return Err(AppError::not_found());
    }
    let office = state.store.office(&booking.office_slug).await?;
    Ok((booking, office))
}

/// Read a booking (owner).
#[utoipa::path(get, path = "/api/v1/bookings/{code}", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = String, Header)),
    responses((status = 200, body = BookingView), (status = 404)))]
pub async fn get_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let (b, office) = owned_booking(&state, &code, &headers).await?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Cancel a booking (owner): frees the seat at once.
#[utoipa::path(post, path = "/api/v1/bookings/{code}/cancel", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = String, Header)),
    responses((status = 200, body = BookingView), (status = 404), (status = 409)))]
pub async fn cancel_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let (b, office) = owned_booking(&state, &code, &headers).await?;
    let b = state
        .store
        .cancel_booking(&b.code, "applicant", state.clock.now())
        .await?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Body of a reschedule.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RescheduleBody {
    /// RFC 3339 start of the new slot.
    slot_start: String,
}

/// Move a booking (owner), atomically.
#[utoipa::path(post, path = "/api/v1/bookings/{code}/reschedule", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = String, Header)),
    request_body = RescheduleBody,
    responses((status = 200, body = BookingView), (status = 404), (status = 409), (status = 422)))]
pub async fn reschedule_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BookingView>, AppError> {
    let (b, office) = owned_booking(&state, &code, &headers).await?;
    let body: RescheduleBody = parse_json(&headers, &body)?;
    let b = booking::reschedule(&state, &b, &body.slot_start, "applicant").await?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Replace the certificate (owner).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/certificate", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = String, Header)),
    request_body(content = BookingForm, content_type = "multipart/form-data",
        description = "certificate_kind, certificate_issued_at, certificate"),
    responses((status = 200, body = BookingView), (status = 404), (status = 409),
        (status = 413), (status = 415), (status = 422)))]
pub async fn replace_certificate(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<BookingView>, AppError> {
    let (b, office) = owned_booking(&state, &code, &headers).await?;
    let form = read_form(multipart).await?;
    let b = booking::replace_certificate(&state, &b, &form, "applicant")
        .await
        .map_err(first_error)?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Claim the seat offered to a booking waiting for a new slot (owner).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/claim", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = String, Header)),
    responses((status = 200, body = BookingView), (status = 404),
        (status = 409, description = "no offer, or its hold has lapsed")))]
pub async fn claim_offer(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let (b, office) = owned_booking(&state, &code, &headers).await?;
    state.store.claim_offer(&b.code, state.clock.now()).await?;
    let b = state.store.booking(&b.code).await?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Join an office's waiting list: the booking form's fields with `from_date` and `to_date`
/// instead of `slot_start`; the certificate must be valid now. Answers like a booking,
/// with status `waitlisted`; a seat freed in the range is offered (see `offer`).
#[utoipa::path(post, path = "/api/v1/offices/{slug}/waitlist", tag = "applicant",
    params(("slug" = String, Path)),
    request_body(content = BookingForm, content_type = "multipart/form-data",
        description = "the booking fields, with from_date and to_date instead of slot_start"),
    responses((status = 201, body = BookingView), (status = 409), (status = 413),
        (status = 415), (status = 422)))]
pub async fn join_waitlist(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_form(multipart).await?;
    let lang = if form.get("lang") == "en" { "en" } else { "id" };
    let valid = booking::validate_waitlist(&state, &form, &slug, lang)
        .await
        .map_err(first_error)?;
    let (b, token) = state
        .store
        .join_waitlist(&valid.new, state.clock.now())
        .await?;
    let view = BookingView::new(&b, &valid.office, Some(&token), state.clock.now());
    Ok((StatusCode::CREATED, Json(view)).into_response())
}
