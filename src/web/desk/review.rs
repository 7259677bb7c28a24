//! Certificate review that flows: the queue with each certificate's validity against its
//! slot, the first (or chosen) one shown inline, and accept or reject moving on to the
//! next. A PDF is shown as an image rendered on the server by poppler's `pdftoppm`, a
//! bounded subprocess, so that nothing is saved to the reviewer's device and no script in
//! the file runs; an image is shown as itself.

use super::{kind_name, my_desk};
use crate::domain::Validity;
use crate::usecases::desk;
use crate::usecases::{AppError, Code};
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError, short_when};
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::time::Duration;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/offices/{slug}/review",
            get(review_page).post(review_submit),
        )
        .route(
            "/staff/bookings/{code}/certificate/preview",
            get(certificate_preview),
        )
}

/// A certificate waiting in the queue, ready to show.
struct Row {
    code: String,
    when: String,
    name: String,
    kind: String,
    /// "Valid until Sun 6 Dec, 09:00: covers the slot", or why it does not.
    validity: String,
    covers: bool,
}

/// The certificate under review.
struct Current {
    row: Row,
    issued: String,
    /// Shown inline (an image, or a PDF's first page rendered); a paper seen at the desk
    /// has nothing to show.
    preview: bool,
    /// Which certificate was shown (its issue time): a decision is about that one.
    seen: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/review.html")]
struct ReviewPage {
    frame: Frame,
    office: crate::store::Office,
    current: Option<Current>,
    /// The others waiting, after the current one.
    rows: Vec<Row>,
    notice: Option<String>,
    error: Option<String>,
    reason: String,
    accepted: &'static str,
    rejected: &'static str,
}

/// What the page is asked: which certificate, and what was just done or refused.
#[derive(Default)]
struct Ask {
    code: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    reason: String,
}

async fn review_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<ReviewPage, PageError> {
    let notice = q.get("done").map(|done| {
        let code: String = done.chars().filter(char::is_ascii_alphanumeric).collect();
        let rejected = crate::domain::CertificateStatus::Rejected.as_str();
        let key = if q.get("m").is_some_and(|m| m == rejected) {
            "review-rejected"
        } else {
            "review-accepted"
        };
        lang.format(key, &[("code", code)])
    });
    let ask = Ask {
        code: q.get("code").cloned(),
        notice,
        ..Ask::default()
    };
    view(&state, lang, &me, &slug, ask).await
}

async fn view(
    state: &AppState,
    lang: Lang,
    me: &crate::store::StaffMember,
    slug: &str,
    ask: Ask,
) -> Result<ReviewPage, PageError> {
    let who = my_desk(state, lang, me, slug).await?;
    let office = who.office().clone();
    let queue = desk::review_queue(state, &who).await.or_page(lang)?;
    let tz = office.spec.timezone;
    let now = state.clock.now();
    let mut rows: Vec<Row> = queue
        .iter()
        .map(|r| {
            let at = chrono::DateTime::from_timestamp(r.slot_start, 0).unwrap_or_default();
            let issued = chrono::DateTime::from_timestamp(r.issued_at, 0).unwrap_or_default();
            let certificates = &office.spec.certificates;
            let until = certificates
                .valid_until(&r.kind, issued)
                .map(|t| short_when(lang, tz, t))
                .unwrap_or_default();
            let covers = certificates.judge(&r.kind, issued, at, now) == Validity::Valid;
            let key = if covers {
                "review-covers-slot"
            } else {
                "review-misses-slot"
            };
            Row {
                code: r.code.clone(),
                when: short_when(lang, tz, at),
                name: r.name.clone(),
                kind: kind_name(lang, &r.kind),
                validity: lang.format(key, &[("until", until)]),
                covers,
            }
        })
        .collect();
    // The one asked for, if it still waits; else the first.
    let at = ask
        .code
        .as_ref()
        .and_then(|c| rows.iter().position(|r| r.code.eq_ignore_ascii_case(c)))
        .unwrap_or(0);
    let current = if rows.is_empty() {
        None
    } else {
        let row = rows.remove(at);
        let d = desk::open(state, me, &row.code).await.or_page(lang)?;
        let c = &d.booking.certificate;
        Some(Current {
            issued: short_when(lang, tz, c.issued_at),
            preview: !c.on_paper,
            seen: c.issued_at.timestamp(),
            row,
        })
    };
    Ok(ReviewPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/offices/{slug}/review"),
            me,
            Some(slug),
        ),
        office,
        current,
        rows,
        notice: ask.notice,
        error: ask.error,
        reason: ask.reason,
        accepted: crate::domain::CertificateStatus::Accepted.as_str(),
        rejected: crate::domain::CertificateStatus::Rejected.as_str(),
    })
}

/// Accept or reject from the queue, then the next one.
async fn review_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let code = f.get("code").map(|c| c.trim()).unwrap_or_default();
    let decision = f.get("decision").map_or("", String::as_str);
    let reason = f.get("review_reason").cloned().unwrap_or_default();
    let d = desk::open(&state, &me, code).await.or_page(lang)?;
    if d.office.slug != slug {
        return Err(PageError(lang, AppError::not_found()));
    }
    // Decided meanwhile by someone else, or replaced by the applicant since it was shown:
    // the decision was about something else; the page shows what is there now.
    let seen = f.get("seen").and_then(|s| s.parse::<i64>().ok());
    let c = &d.booking.certificate;
    if c.status != crate::domain::CertificateStatus::Submitted
        || seen.is_some_and(|t| t != c.issued_at.timestamp())
    {
        let ask = Ask {
            error: Some(lang.text("review-changed-meanwhile")),
            ..Ask::default()
        };
        let page = view(&state, lang, &me, &slug, ask).await?;
        return Ok((axum::http::StatusCode::CONFLICT, page).into_response());
    }
    match desk::review(&state, &d, decision, Some(&reason)).await {
        Ok(b) => {
            let m = b.certificate.status.as_str();
            let to = format!(
                "/staff/offices/{slug}/review?m={m}&done={}",
                b.code.as_str()
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if matches!(e.code, Code::NotFound | Code::Forbidden | Code::Internal) => {
            Err(PageError(lang, e))
        }
        Err(e) => {
            let status = crate::web::kit::error::status(e.code);
            let ask = Ask {
                code: Some(d.booking.code.as_str().to_string()),
                error: Some(e.text(lang)),
                reason,
                ..Ask::default()
            };
            Ok((status, view(&state, lang, &me, &slug, ask).await?).into_response())
        }
    }
}

/// The certificate as an image to show inline: an image as itself, a PDF's first page
/// rendered. Every read is audited like the file's.
async fn certificate_preview(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let d = desk::open(&state, &me, &code).await.or_page(lang)?;
    let file = desk::certificate(&state, &d).await.or_page(lang)?;
    if file.content_type != "application/pdf" {
        return Ok(crate::web::api::desk::certificate_response(&code, file));
    }
    match render_first_page(file.content).await {
        Some(png) => Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CONTENT_DISPOSITION, "inline"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'",
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response()),
        None => Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response()),
    }
}

/// At most this many PDFs are rendered at once (two cores).
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// A render that takes longer is killed.
const RENDER_TIME: Duration = Duration::from_secs(10);
/// Largest image a render may give.
const RENDER_BYTES: usize = 8 * 1024 * 1024;

/// The first page of a PDF as a PNG at most 1400 px on its longer side, by `pdftoppm`
/// (reading the file on its standard input, writing the image on its output), killed
/// after [`RENDER_TIME`]; `None` when poppler is not installed, the file does not render,
/// or the image would be too large.
async fn render_first_page(pdf: Vec<u8>) -> Option<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _turn = RENDERING.acquire().await.ok()?;
    let mut child = tokio::process::Command::new("pdftoppm")
        .args([
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-scale-to",
            "1400",
            "-singlefile",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::warn!("pdftoppm cannot run ({e}): PDF certificates are not previewed")
        })
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let mut stdout = child.stdout.take()?;
    let work = async move {
        let feed = async move {
            // A renderer that stops reading early is no error of ours.
            let _ = stdin.write_all(&pdf).await;
        };
        let mut png = Vec::new();
        let read = async {
            let mut limited = (&mut stdout).take(RENDER_BYTES as u64 + 1);
            limited.read_to_end(&mut png).await
        };
        let ((), read) = tokio::join!(feed, read);
        read.ok()?;
        let status = child.wait().await.ok()?;
        (status.success() && png.len() <= RENDER_BYTES && png.starts_with(b"\x89PNG"))
            .then_some(png)
    };
    tokio::time::timeout(RENDER_TIME, work).await.ok().flatten()
}
