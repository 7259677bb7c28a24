//! Front-desk routes (API.md, "Front desk"): the day's list, check-in, outcomes,
//! cancellation, certificate review and reads, walk-ins (the day report and the audit
//! log are in `reports`).

use super::parse_json;
use crate::domain::Booking;
use crate::domain::nik::mask_nik;
use crate::domain::office::local_rfc3339;
use crate::i18n::Lang;
use crate::store::{Office, TakenReading};
use crate::usecases::changes::parse_date;
use crate::usecases::form::Channel;
use crate::usecases::{AppError, Code, desk};
use crate::web::AppState;
use crate::web::kit::auth::Staff;
use crate::web::kit::multipart::read_form;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Routes of the front desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/staff/offices/{slug}/days/{date}/bookings",
            get(day_list),
        )
        .route("/api/v1/staff/offices/{slug}/walk-ins", post(walk_in))
        .route(
            "/api/v1/staff/offices/{slug}/review-queue",
            get(review_queue),
        )
        .route("/api/v1/staff/bookings/{code}", get(get_booking))
        .route("/api/v1/staff/bookings/{code}/check-in", post(check_in))
        .route("/api/v1/staff/bookings/{code}/outcome", post(outcome))
        .route("/api/v1/staff/bookings/{code}/cancel", post(cancel))
        .route(
            "/api/v1/staff/bookings/{code}/certificate-review",
            post(review),
        )
        .route(
            "/api/v1/staff/bookings/{code}/certificate",
            get(certificate),
        )
}

/// A row of the day's list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DayListRow {
    /// Booking code.
    pub code: String,
    /// Slot start with the office's offset.
    pub slot_start: String,
    /// Name.
    pub name: String,
    /// Last four digits of the NIK, the rest hidden.
    pub nik_masked: String,
    /// Booking status.
    pub status: String,
    /// Certificate status.
    pub certificate_status: String,
    /// The day's queue number once checked in.
    pub queue_number: Option<i64>,
    /// Registered at the desk without a booking.
    pub walk_in: bool,
    /// While a first reading above the limit waits for its retest: when it is due.
    pub retest_due: Option<String>,
}

/// A booking as the desk sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeskBookingView {
    /// Booking code.
    pub code: String,
    /// Office slug.
    pub office: String,
    /// Slot start with the office's offset.
    pub slot_start: String,
    /// Slot end.
    pub slot_end: String,
    /// Status.
    pub status: &'static str,
    /// The day's queue number once checked in.
    pub queue_number: Option<i64>,
    /// Name.
    pub name: String,
    /// NIK, masked.
    pub nik_masked: String,
    /// The whole NIK: the operator types it into SIAK (every read is audited; lists show
    /// it masked).
    pub nik: String,
    /// Phone, `+628…`: to reach the applicant another way.
    pub phone: String,
    /// E-mail, if given.
    pub email: Option<String>,
    /// Declared married (an applicant under the minimum age: the desk asks for the
    /// proof).
    pub married: bool,
    /// Birth date.
    pub birth_date: String,
    /// Under 18 on the day of the visit.
    pub minor: bool,
    /// A parent or guardian agrees, as confirmed when booking.
    pub guardian_consent: bool,
    /// Certificate kind.
    pub certificate_kind: String,
    /// Certificate review status.
    pub certificate_status: &'static str,
    /// Why it was rejected.
    pub certificate_reason: Option<String>,
    /// Last instant the certificate covers.
    pub certificate_valid_until: Option<String>,
    /// First temperature, °C.
    pub temperature_c: Option<f64>,
    /// Second temperature, °C.
    pub retest_c: Option<f64>,
    /// Why the visit ended as it did.
    pub reason: Option<String>,
    /// Registered at the desk.
    pub walk_in: bool,
    /// Every temperature taken, oldest first.
    pub readings: Vec<ReadingView>,
    /// While a first reading above the limit waits for its retest: when it is due.
    pub retest_due: Option<String>,
}

/// A temperature taken at the door.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadingView {
    /// °C.
    pub temperature_c: f64,
    /// When it was taken, with the office's offset.
    pub at: String,
}

impl DeskBookingView {
    fn new(b: &Booking, office: &Office, readings: &[TakenReading]) -> Self {
        let tz = office.spec.timezone;
        let valid_until = office
            .spec
            .certificates
            .valid_until(&b.certificate.kind, b.certificate.issued_at);
        Self {
            code: b.code.to_string(),
            office: b.office_slug.to_string(),
            slot_start: local_rfc3339(b.slot_start, tz),
            slot_end: local_rfc3339(b.slot_end, tz),
            status: b.status.as_str(),
            queue_number: b.visit.queue_number,
            name: b.name.clone(),
            nik_masked: b.nik.masked(),
            nik: b.nik.as_str().to_string(),
            phone: b.phone.as_str().to_string(),
            email: b.email.clone(),
            married: b.married,
            birth_date: b.birth_date.to_string(),
            minor: !crate::domain::old_enough(b.birth_date, false, b.local_date, 18),
            guardian_consent: b.guardian_consent,
            certificate_kind: b.certificate.kind.clone(),
            certificate_status: b.certificate.status.as_str(),
            certificate_reason: b.certificate.reason.clone(),
            certificate_valid_until: valid_until.map(|t| local_rfc3339(t, tz)),
            temperature_c: b.visit.temperature_dc.map(|t| t as f64 / 10.0),
            retest_c: b.visit.retest_dc.map(|t| t as f64 / 10.0),
            // Staff read the API: the office's language.
            reason: b
                .visit
                .outcome
                .as_ref()
                .map(|r| crate::usecases::say(Lang::Id, r)),
            walk_in: b.visit.walk_in,
            readings: readings
                .iter()
                .map(|r| ReadingView {
                    temperature_c: r.temperature.celsius(),
                    at: local_rfc3339(r.at, tz),
                })
                .collect(),
            retest_due: readings
                .last()
                .filter(|_| b.status == crate::domain::BookingStatus::Confirmed)
                .and_then(|r| r.retest_due)
                .map(|t| local_rfc3339(t, tz)),
        }
    }
}

async fn view(state: &AppState, b: &Booking) -> Result<Json<DeskBookingView>, AppError> {
    let office = state.store.office(b.office_slug.as_str()).await?;
    let readings = desk::readings(state, b).await?;
    Ok(Json(DeskBookingView::new(b, &office, &readings)))
}

/// The day's bookings of an office, by time (NIK masked). With `Accept: text/csv`, the day's
/// export for the recording operators: the same bookings with the **full** NIK, which they
/// type into SIAK (audited as an export).
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/days/{date}/bookings", tag = "desk",
    params(("slug" = String, Path), ("date" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content(([DayListRow] = "application/json"), (String = "text/csv"))),
        (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn day_list(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, date)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let who = desk::office(&state, &staff.0, &slug).await?;
    let office = who.office();
    let date = parse_date(&date, "date")?;
    let csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    if csv {
        let body = crate::usecases::reports::day_export(&state, &who, date).await?;
        let name = format!("attachment; filename=\"rekam-{slug}-{date}.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response());
    }
    let rows = desk::day_list(&state, &who, date).await?;
    let tz = office.spec.timezone;
    Ok(Json(
        rows.into_iter()
            .map(|r| DayListRow {
                code: r.code,
                slot_start: local_rfc3339(
                    chrono::DateTime::from_timestamp(r.slot_start, 0).unwrap_or_default(),
                    tz,
                ),
                name: r.name,
                nik_masked: mask_nik(&r.nik),
                status: r.status,
                certificate_status: r.certificate_status,
                queue_number: r.queue_number,
                walk_in: r.walk_in != 0,
                retest_due: r
                    .retest_due
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|t| local_rfc3339(t, tz)),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// A booking, for the desk of its office (the read is audited).
#[utoipa::path(get, path = "/api/v1/staff/bookings/{code}", tag = "desk",
    params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = DeskBookingView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_booking(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<DeskBookingView>, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    Ok(Json(DeskBookingView::new(
        &d.booking,
        &d.office,
        &d.readings,
    )))
}

/// Temperatures read at the door.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CheckIn {
    /// First reading, °C.
    temperature_c: f64,
    /// Second reading after a rest, °C; needed when the first is above the limit.
    retest_c: Option<f64>,
    /// `true`: the desk asked a minor's parent or guardian, who agree (recorded).
    #[serde(default)]
    guardian_confirmed: bool,
}

/// Check a booking in with the temperature; the answer carries the day's queue number.
#[utoipa::path(post, path = "/api/v1/staff/bookings/{code}/check-in", tag = "desk",
    params(("code" = String, Path)), request_body = CheckIn, security(("bearer" = [])),
    responses((status = 200, body = DeskBookingView), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 415), (status = 422)))]
pub async fn check_in(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    let body: CheckIn = parse_json(&headers, &bytes)?;
    let run = async {
        let reading = desk::Reading {
            first: Some(body.temperature_c),
            retest: body.retest_c,
            guardian_confirmed: body.guardian_confirmed,
            channel: Channel::Api,
        };
        let b = desk::check_in(&state, &d, reading).await?;
        Ok((StatusCode::OK, view(&state, &b).await?))
    };
    once(
        &state,
        &headers,
        &format!("desk.check_in:{code}"),
        &digest(&bytes),
        run,
    )
    .await
}

/// A request's digest, binding an Idempotency-Key to it.
fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs a desk write once per Idempotency-Key (API.md, "Conventions"): sent again with
/// the same key and request, it answers as the first time and changes nothing; with
/// another request, 422 `idempotency_key_reused`. Only successful answers are kept, as
/// for bookings. (Two copies racing each other: one wins, the other gets the refusal the
/// first one's change causes.)
async fn once(
    state: &AppState,
    headers: &HeaderMap,
    scope: &str,
    request: &str,
    run: impl std::future::Future<Output = Result<(StatusCode, Json<DeskBookingView>), AppError>>,
) -> Result<Response, AppError> {
    let key = super::applicant::idempotency_key(headers)?;
    let key = key.as_deref().map(|key| crate::store::IdempotencyKey {
        key,
        scope,
        request,
    });
    let json = [(header::CONTENT_TYPE, "application/json")];
    if let Some((status, body)) = desk::replay(state, key).await? {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return Ok((status, json, body).into_response());
    }
    let (status, Json(view)) = run.await?;
    let body = serde_json::to_string(&view).map_err(AppError::internal)?;
    desk::remember(state, key, status.as_u16(), &body).await?;
    Ok((status, json, body).into_response())
}

/// How a visit ended.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OutcomeBody {
    /// `recorded`, `no_show` or `turned_away`.
    outcome: String,
    /// Why (required for `turned_away`).
    reason: Option<String>,
}

/// Record how a visit ended.
#[utoipa::path(post, path = "/api/v1/staff/bookings/{code}/outcome", tag = "desk",
    params(("code" = String, Path)), request_body = OutcomeBody, security(("bearer" = [])),
    responses((status = 200, body = DeskBookingView), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 415), (status = 422)))]
pub async fn outcome(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    let body: OutcomeBody = parse_json(&headers, &bytes)?;
    let run = async {
        let reason = body.reason.as_deref();
        let b = desk::outcome(&state, &d, &body.outcome, reason).await?;
        Ok((StatusCode::OK, view(&state, &b).await?))
    };
    once(
        &state,
        &headers,
        &format!("desk.outcome:{code}"),
        &digest(&bytes),
        run,
    )
    .await
}

/// A cancellation at the desk.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelBody {
    /// Why (required, at most 500 characters): e.g. the NIK's owner came with the KK and
    /// did not make this booking.
    reason: String,
}

/// Cancel a booking at the desk, with the reason (kept, shown on the booking and in the
/// audit log); its seat is freed and offered to the first person waiting. A booking that
/// a stranger made with someone's NIK is ended this way when its owner shows the KK.
#[utoipa::path(post, path = "/api/v1/staff/bookings/{code}/cancel", tag = "desk",
    params(("code" = String, Path)),
    request_body = CancelBody, security(("bearer" = [])),
    responses((status = 200, body = DeskBookingView), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 415), (status = 422)))]
pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    let body: CancelBody = parse_json(&headers, &bytes)?;
    let run = async {
        let b = desk::cancel(&state, &d, Some(&body.reason)).await?;
        Ok((StatusCode::OK, view(&state, &b).await?))
    };
    once(
        &state,
        &headers,
        &format!("desk.cancel:{code}"),
        &digest(&bytes),
        run,
    )
    .await
}

/// A certificate review.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewBody {
    /// `accepted` or `rejected`.
    decision: String,
    /// Why (required for `rejected`; the applicant is shown it).
    reason: Option<String>,
}

/// Accept or reject a booking's certificate.
#[utoipa::path(post, path = "/api/v1/staff/bookings/{code}/certificate-review", tag = "desk",
    params(("code" = String, Path)), request_body = ReviewBody, security(("bearer" = [])),
    responses((status = 200, body = DeskBookingView), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 415), (status = 422)))]
pub async fn review(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    let body: ReviewBody = parse_json(&headers, &bytes)?;
    let run = async {
        let reason = body.reason.as_deref();
        let b = desk::review(&state, &d, &body.decision, reason).await?;
        Ok((StatusCode::OK, view(&state, &b).await?))
    };
    once(
        &state,
        &headers,
        &format!("desk.review:{code}"),
        &digest(&bytes),
        run,
    )
    .await
}

/// The stored certificate file, served so that no browser runs it: an attachment for a
/// PDF, `nosniff`, and a CSP that sandboxes it. Every read is in the audit log.
#[utoipa::path(get, path = "/api/v1/staff/bookings/{code}/certificate", tag = "desk",
    params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The file as stored: a PDF, JPEG or PNG (anything \
        else as an octet-stream attachment)", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/octet-stream"))), (status = 401),
        (status = 403), (status = 404)))]
pub async fn certificate(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let d = desk::open(&state, &staff.0, &code).await?;
    let file = desk::certificate(&state, &d).await?;
    Ok(certificate_response(&code, file))
}

/// A certificate file as an HTTP answer that no browser will run.
pub fn certificate_response(code: &str, file: crate::store::CertificateFile) -> Response {
    // Only the types sniffed at upload are served as themselves; anything else that ever
    // reached the table is bytes to download, never a page.
    let (content_type, ext) = match file.content_type.as_str() {
        "application/pdf" => ("application/pdf", "pdf"),
        "image/jpeg" => ("image/jpeg", "jpg"),
        "image/png" => ("image/png", "png"),
        _ => ("application/octet-stream", "bin"),
    };
    let inline = content_type.starts_with("image/");
    let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let disposition = format!(
        "{}; filename=\"surat-{code}.{ext}\"",
        if inline { "inline" } else { "attachment" }
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
                    .to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        file.content,
    )
        .into_response()
}

/// Submitted certificates of an office waiting for review, the earliest slot first.
#[utoipa::path(get, path = "/api/v1/staff/offices/{slug}/review-queue", tag = "desk",
    params(("slug" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [super::dto::ReviewQueueRow]), (status = 401), (status = 403), (status = 404)))]
pub async fn review_queue(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let who = desk::office(&state, &staff.0, &slug).await?;
    let office = who.office();
    let rows = desk::review_queue(&state, &who).await?;
    let tz = office.spec.timezone;
    let rows: Vec<super::dto::ReviewQueueRow> = rows
        .into_iter()
        .map(|r| super::dto::ReviewQueueRow {
            code: r.code,
            slot_start: local_rfc3339(
                chrono::DateTime::from_timestamp(r.slot_start, 0).unwrap_or_default(),
                tz,
            ),
            name: r.name,
            certificate_kind: r.kind,
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// Register a person who came without a booking into today's remaining capacity and
/// check them in: the booking's fields without `slot_start`, plus `temperature_c`.
#[utoipa::path(post, path = "/api/v1/staff/offices/{slug}/walk-ins", tag = "desk",
    params(("slug" = String, Path)), security(("bearer" = [])),
    request_body(content = super::dto::WalkInForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DeskBookingView), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)))]
pub async fn walk_in(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let who = desk::office(&state, &staff.0, &slug).await?;
    let office = who.office();
    let form = read_form(multipart).await?;
    let request = form.fingerprint();
    let run = async {
        let b = crate::usecases::walk_in::walk_in(&state, &who, &form, Channel::Api)
            .await
            .map_err(|e| {
                e.into_iter()
                    .next()
                    .unwrap_or_else(|| AppError::new(Code::Invalid, "err-required"))
            })?;
        let readings = desk::readings(&state, &b).await?;
        Ok((
            StatusCode::CREATED,
            Json(DeskBookingView::new(&b, office, &readings)),
        ))
    };
    once(
        &state,
        &headers,
        &format!("desk.walk_in:{slug}"),
        &request,
        run,
    )
    .await
}
