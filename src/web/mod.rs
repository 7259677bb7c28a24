//! HTTP: routers grouped by who uses them (the applicant's pages in `applicant`, the
//! front desk's pages in `desk`, the supervisor's and admin's pages in `supervisor`, the
//! JSON API in `api`, `/metrics`), what they share (`kit`), the shared state and the
//! layers. Handlers only translate HTTP to a use case (`crate::usecases`) and back.

pub mod api;
pub mod applicant;
pub mod desk;
pub mod kit;
pub mod metrics;
pub mod supervisor;

use crate::clock::Clock;
use crate::config::Settings;
use crate::store::Store;
use crate::usecases::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kit::lang::Lang;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach: the use cases' context and the rate limits.
#[derive(Clone)]
pub struct AppState {
    /// Store, clock and settings.
    pub ctx: Context,
    /// Rate limits of the lookup and the login.
    pub limits: Arc<kit::limits::Limits>,
    /// The host names served.
    pub hosts: Arc<kit::hosts::AllowedHosts>,
    /// The year of missing holidays staff pages warn of, as last worked out.
    pub holidays_missing: Arc<kit::page::HolidaysMissing>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(store: Store, clock: Clock, settings: Settings) -> Self {
        Self {
            limits: Arc::new(kit::limits::Limits::new(&settings)),
            hosts: Arc::new(kit::hosts::AllowedHosts::new(
                &settings.public_url,
                &settings.allowed_hosts,
            )),
            ctx: Context::new(store, clock, settings),
            holidays_missing: Arc::default(),
        }
    }
}

/// Handlers hand the state to use cases as their context.
impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

pub use crate::domain::code::manage_path;

/// Largest request body: a 5 MB certificate plus the form's text fields.
pub const MAX_BODY_BYTES: usize = crate::domain::certificate::MAX_CERTIFICATE_BYTES + 64 * 1024;

/// Largest body of an applicant page's upload form (booking, waiting list, a new
/// certificate): the whole body is read so that a photo over 5 MB re-shows the form with
/// everything typed and the file's error at its field; only 5 MB of the file is kept.
pub const PAGE_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// Is this request an applicant page's upload form?
fn page_upload(req: &Request) -> bool {
    let path = req.uri().path();
    let parts: Vec<&str> = path.split('/').collect();
    req.method() == axum::http::Method::POST
        && matches!(
            parts.as_slice(),
            ["", "o", _, "book" | "waitlist"] | ["", "b", _, "certificate"]
        )
}

/// Largest oversized body that is still read (and dropped) so that the client sees the
/// 413 rather than a reset connection.
const DRAIN_AT_MOST: u64 = 4 * MAX_BODY_BYTES as u64;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_pause = state.settings.client_timeout();
    kit::page::set_retention(
        state.settings.certificate_retention_days,
        state.settings.personal_data_retention_days,
    );
    let grace = body_pause.max(std::time::Duration::from_secs(10));
    let min_rate = u64::from(state.settings.min_upload_bytes_per_second);
    // Published over HTTPS: browsers are told to use nothing else for a year.
    let hsts = state.settings.https().then_some("max-age=31536000");
    Router::new()
        .merge(applicant::router())
        .merge(api::router())
        .merge(supervisor::router())
        .merge(desk::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/static/style.css", get(stylesheet))
        .fallback(not_found)
        // Staff pages warn when next year's holidays are missing: worked out beforehand.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::page::holiday_check,
        ))
        // Requests counted by route template and status, and timed.
        .route_layer(axum::middleware::from_fn(metrics::track))
        // Every audited action records the client address it came from.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_origin,
        ))
        // A path naming something with a control character names nothing of ours (a NUL
        // reached PostgreSQL from a username in the path).
        .layer(axum::middleware::from_fn(refuse_control_in_path))
        // Only the configured host names (DNS rebinding).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host_check,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A client that stops in the middle of its body is cut off after this pause (the
        // pause, not the whole upload: a slow phone may take minutes for 5 MB).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_pause,
        ))
        .layer(axum::middleware::from_fn(refuse_oversized))
        // A body must keep coming at --min-upload-bytes-per-second on average once the
        // grace (the client timeout, at least 10 s) has passed.
        .layer(axum::middleware::map_request(
            move |req: Request| async move {
                req.map(|body| {
                    axum::body::Body::new(kit::limits::MinRate::new(body, grace, min_rate))
                })
            },
        ))
        // The span names the route template, never the URI: manage links carry a token.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
                .unwrap_or("unmatched");
            tracing::info_span!("http", method = %req.method(), route)
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        // Pages and answers carry names, tokens and NIKs: no cache keeps them (the
        // stylesheet says otherwise for itself).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // Manage links carry the secret token: never send them to another site.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower::util::option_layer(hsts.map(|v| {
            SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(v),
            )
        })))
        .with_state(state)
}

/// A body announced (by `Content-Length`) over the limit is refused from its headers,
/// before any of it is read: the client gets the 413 while it is still about to send,
/// instead of a connection closed in the middle of its upload. (A body without a length
/// is read up to the limit, then refused by the form reader.)
/// Runs the request with its client address known to the audit log.
async fn audit_origin(
    kit::limits::ClientIp(ip): kit::limits::ClientIp,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    crate::store::with_origin(ip.to_string(), next.run(req)).await
}

/// 404 for a path whose decoded text holds a character no text of ours takes.
async fn refuse_control_in_path(
    lang: Lang,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let refused = percent_encoding::percent_decode_str(req.uri().path())
        .decode_utf8()
        .is_ok_and(|p| !crate::domain::text::text_ok(&p));
    if !refused {
        return next.run(req).await;
    }
    let e = crate::usecases::AppError::not_found();
    if req.uri().path().starts_with("/api/") {
        e.into_response()
    } else {
        kit::page::error_page(lang, &e)
    }
}

/// 421 for a `Host` this service does not answer for (see `kit::hosts`).
async fn host_check(
    State(state): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if state.hosts.allows(req.headers()) {
        return next.run(req).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "421 Misdirected Request: this server does not serve that host name.\n",
    )
        .into_response()
}

async fn refuse_oversized(lang: Lang, req: Request, next: axum::middleware::Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit = if page_upload(&req) {
        PAGE_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    };
    if let Some(n) = announced.filter(|n| *n > limit as u64) {
        // Only the forms with an upload accept bodies anywhere near this size.
        let e = crate::usecases::AppError::field(
            crate::usecases::Code::TooLarge,
            "certificate",
            "err-too-large",
        );
        let api = req.uri().path().starts_with("/api/");
        // A client that sends its whole body before reading the answer (most do, browsers
        // included) would find the connection closed under it and never see the 413:
        // read and drop a moderately oversized body while the answer goes out, as
        // nginx's lingering close does; a huge one is not worth the bandwidth.
        if n <= DRAIN_AT_MOST {
            let mut body = req.into_body().into_data_stream();
            tokio::spawn(async move {
                use futures_util::StreamExt;
                let drain = async { while let Some(Ok(_)) = body.next().await {} };
                let _ = tokio::time::timeout(std::time::Duration::from_secs(60), drain).await;
            });
        }
        return if api {
            e.into_response()
        } else {
            kit::page::error_page(lang, &e)
        };
    }
    next.run(req).await
}

async fn healthz(State(state): State<AppState>) -> Response {
    match crate::usecases::healthy(&state).await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

async fn not_found(lang: Lang, req: Request) -> Response {
    let e = crate::usecases::AppError::not_found();
    if req.uri().path().starts_with("/api/") {
        e.into_response()
    } else {
        kit::page::error_page(lang, &e)
    }
}
