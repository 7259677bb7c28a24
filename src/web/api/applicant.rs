//! The applicant's routes: offices, availability, booking and managing a booking, the
//! waiting list.

use super::dto::{Availability, BookingView};
use super::parse_json;
use crate::store::{IdempotencyKey, Replayed, Verified};
use crate::usecases::auth::{Authorized, OwnBooking};
use crate::usecases::booking::Created;
use crate::usecases::form::Channel;
use crate::usecases::{AppError, Code, availability, booking, verify, waitlist};
use crate::web::AppState;
use crate::web::kit::limits::ClientIp;
use crate::web::kit::multipart::read_form;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(super::openapi::openapi_json))
        .route("/api/v1/offices", get(list_offices))
        .route("/api/v1/offices/{slug}/availability", get(availability))
        .route("/api/v1/bookings", post(create_booking))
        .route("/api/v1/offices/{slug}/waitlist", post(join_waitlist))
        .route("/api/v1/bookings/recover", post(recover_link))
        .route("/api/v1/bookings/{code}/claim", post(claim_offer))
        .route("/api/v1/bookings/{code}", get(get_booking))
        .route("/api/v1/bookings/{code}/cancel", post(cancel_booking))
        .route("/api/v1/bookings/{code}/verify", post(verify_booking))
        .route(
            "/api/v1/bookings/{code}/reschedule",
            post(reschedule_booking),
        )
        .route(
            "/api/v1/bookings/{code}/certificate",
            post(replace_certificate),
        )
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
    let offices = availability::offices(&state).await?;
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
#[into_params(parameter_in = Query)]
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
    let (_, found) = availability::for_query(
        &state,
        &slug,
        q.get("from").map(String::as_str),
        q.get("to").map(String::as_str),
    )
    .await?;
    Ok(Json(found.into()))
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
    /// `true`: a parent or guardian agrees (UU 27/2022 art. 25). Optional; recorded with
    /// the booking, and the desk asks at the visit when an applicant under 18 lacks it.
    guardian_consent: Option<bool>,
}

fn first_error(errors: Vec<AppError>) -> AppError {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| AppError::new(Code::Invalid, "err-required"))
}

pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 100)
            .map(|k| Some(k.to_string()))
            .ok_or_else(|| AppError::field(Code::Invalid, "Idempotency-Key", "err-required")),
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
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?;
    // The whole form is read before any answer, a replay included: answering in the
    // middle of an upload breaks the client's connection.
    let form = read_form(multipart).await?;
    // The key is bound to this request: its fields and file.
    let request = form.fingerprint();
    let key = key.as_deref().map(|key| IdempotencyKey {
        key,
        scope: "bookings.create",
        request: &request,
    });
    // A repeat is answered as the first time, even if the slot has filled up since.
    if let Some(key) = key {
        if let Some(replayed) = booking::replay(&state, key).await? {
            return Ok(replay(replayed));
        }
    }
    let lang = if form.get("lang") == "en" { "en" } else { "id" };
    // An address that has used its bookings of the hour is refused before its file is
    // judged; a form refused for its file counts as one.
    if let Err(wait) = state.limits.bookings_left(ip) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    let valid = booking::validate(&state, &form, form.get("office"), lang, Channel::Api)
        .await
        .map_err(|errors| {
            state.limits.refused_upload(ip, &errors);
            first_error(errors)
        })?;
    // Bookings per address and hour (a replay above does not count).
    if let Err(wait) = state.limits.book(ip) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    // A refusal that tells something (this NIK has a booking) counts: no free probing.
    let created = booking::book(&state, &valid, key).await.inspect_err(|e| {
        if e.code != Code::ActiveBookingExists {
            state.limits.unbook(ip);
        }
    })?;
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
        Created::Replay(replayed) => replay(replayed),
    })
}

/// The first answer to an Idempotency-Key, again: the booking as it was created.
fn replay(replayed: Replayed) -> Response {
    match replayed {
        Replayed::Receipt(receipt) => (
            StatusCode::CREATED,
            Json(BookingView::from_receipt(&receipt)),
        )
            .into_response(),
        Replayed::Stored { status, body } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    }
}

/// The booking and its office, when the token matches; 404 otherwise (the same answer as
/// for an unknown code, so codes cannot be probed).
async fn owned_booking(
    state: &AppState,
    code: &str,
    headers: &HeaderMap,
) -> Result<Authorized<OwnBooking>, AppError> {
    let token = headers
        .get("x-booking-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(AppError::not_found)?;
    booking::owned(state, code, token).await
}

/// Read a booking (owner).
#[utoipa::path(get, path = "/api/v1/bookings/{code}", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
    responses((status = 200, body = BookingView), (status = 404)))]
pub async fn get_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let who = owned_booking(&state, &code, &headers).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Body of a phone verification.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyBody {
    /// The six digits sent to the phone.
    code: String,
}

/// Confirm a `pending_verification` booking with the code sent to its phone (owner).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/verify", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
    request_body = VerifyBody,
    responses((status = 200, body = BookingView), (status = 404), (status = 409), (status = 422)))]
pub async fn verify_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BookingView>, AppError> {
    let who = owned_booking(&state, &code, &headers).await?;
    let (b, office) = (who.booking().clone(), who.office().clone());
    let body: VerifyBody = parse_json(&headers, &body)?;
    let token = headers
        .get("x-booking-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let done = verify::verify(&state, &who, token, &body.code).await?;
    if let Some(e) = verify::refusal(&done) {
        return Err(e);
    }
    let b = match done {
        Verified::Confirmed(b) | Verified::NotPending(b) => *b,
        _ => b,
    };
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Cancel a booking (owner): frees the seat at once.
#[utoipa::path(post, path = "/api/v1/bookings/{code}/cancel", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
    responses((status = 200, body = BookingView), (status = 404), (status = 409)))]
pub async fn cancel_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let who = owned_booking(&state, &code, &headers).await?;
    let office = who.office().clone();
    let b = booking::cancel(&state, &who).await?;
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
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
    request_body = RescheduleBody,
    responses((status = 200, body = BookingView), (status = 404), (status = 409), (status = 422)))]
pub async fn reschedule_booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BookingView>, AppError> {
    let who = owned_booking(&state, &code, &headers).await?;
    let office = who.office().clone();
    let body: RescheduleBody = parse_json(&headers, &body)?;
    let b = booking::reschedule(&state, &who, &body.slot_start).await?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Replace the certificate (owner).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/certificate", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
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
    let who = owned_booking(&state, &code, &headers).await?;
    let office = who.office().clone();
    let form = read_form(multipart).await?;
    let b = booking::replace_certificate(&state, &who, &form)
        .await
        .map_err(first_error)?;
    Ok(Json(BookingView::new(&b, &office, None, state.clock.now())))
}

/// Claim the seat offered to a booking waiting for a new slot (owner).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/claim", tag = "applicant",
    params(("code" = String, Path), ("X-Booking-Token" = Option<String>, Header, description = "The secret token; a wrong or missing one is 404, as for an unknown code.")),
    responses((status = 200, body = BookingView), (status = 404),
        (status = 409, description = "no offer, or its hold has lapsed")))]
pub async fn claim_offer(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BookingView>, AppError> {
    let who = owned_booking(&state, &code, &headers).await?;
    let office = who.office().clone();
    let b = booking::claim(&state, &who).await?;
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
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_form(multipart).await?;
    let lang = if form.get("lang") == "en" { "en" } else { "id" };
    if let Err(wait) = state.limits.bookings_left(ip) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    let valid = waitlist::validate(&state, &form, &slug, lang, Channel::Api)
        .await
        .map_err(|errors| {
            state.limits.refused_upload(ip, &errors);
            first_error(errors)
        })?;
    if let Err(wait) = state.limits.book(ip) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    let (b, token) = waitlist::join(&state, &valid).await.inspect_err(|e| {
        if e.code != Code::ActiveBookingExists {
            state.limits.unbook(ip);
        }
    })?;
    let view = BookingView::new(&b, &valid.office, Some(&token), state.clock.now());
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Body of a lost-link request.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RecoverBody {
    /// The 16-digit NIK.
    nik: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
}

/// The answer to a lost-link request: the same whether or not a booking matched.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoverAnswer {
    /// Always true.
    sent: bool,
}

/// Send a new manage link (lost link and code): where the NIK holds an active booking
/// with that birth date, a `link_recovery` message goes to the phone (and e-mail) given
/// at booking; links sent before keep working. The answer is 202 either way.
#[utoipa::path(post, path = "/api/v1/bookings/recover", tag = "applicant",
    request_body = RecoverBody,
    responses((status = 202, body = RecoverAnswer, description = "always, whether or not a booking matches (a value that cannot be a NIK or a date matches none)"),
        (status = 422, description = "the body is not JSON with `nik` and `birth_date`"),
        (status = 429, description = "too many requests from this address or for this NIK")))]
pub async fn recover_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if let Err(wait) = state.limits.lookup(ip) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    let body: RecoverBody = parse_json(&headers, &body)?;
    let form = crate::usecases::form::RawForm {
        fields: HashMap::from([
            ("nik".to_string(), body.nik),
            ("birth_date".to_string(), body.birth_date),
        ]),
        ..Default::default()
    };
    let sent = (StatusCode::ACCEPTED, Json(RecoverAnswer { sent: true }));
    // The contract's answer is always 202: a NIK or date that cannot be one matches no
    // booking, and is answered like any other that matches none.
    let Ok((nik, birth)) = crate::usecases::lookup::read(&state, &form) else {
        return Ok(sent.into_response());
    };
    if let Err(wait) = state.limits.recover_nik(nik.as_str()) {
        return Ok(crate::web::kit::error::rate_limited(wait));
    }
    crate::usecases::lookup::recover(&state, &nik, birth);
    Ok(sent.into_response())
}
