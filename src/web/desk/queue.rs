//! The waiting room's queue: the screen on a TV across the room (`/o/{slug}/antrean`,
//! public, numbers only) and the page where a desk calls the next number.
//!
//! The screen is its own page, without the applicant's menu or footer. Without scripts it
//! reloads itself every 15 s; with ours (`antrean.js`) it asks `antrean.json` every 3 s,
//! keeps the last numbers when the server or the network is away, says so, and goes on by
//! itself when they are back.

use super::my_desk;
use crate::domain::desk::queue_label;
use crate::store::{Call, QueueBoard};
use crate::usecases::queue;
use crate::web::AppState;
use crate::web::kit::form::Form;
use crate::web::kit::lang::Lang;
use crate::web::kit::page::{Frame, OrPage, PageError};
use crate::web::kit::session::StaffSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;
use std::collections::HashMap;

/// The screen's routes: public, numbers only.
pub(super) fn screen_router() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/antrean", get(screen))
        .route("/o/{slug}/antrean.json", get(screen_json))
        .route("/static/antrean.js", get(screen_js))
}

/// The call page's routes (desk).
pub(super) fn call_router() -> Router<AppState> {
    Router::new().route(
        "/staff/offices/{slug}/call",
        get(call_page).post(call_submit),
    )
}

/// A desk on the screen: its latest call.
#[derive(Serialize)]
struct DeskView {
    desk: i64,
    /// "Meja 2".
    name: String,
    /// "017", or "–" before its first call.
    label: String,
    /// The newest call of the day, highlighted (and announced).
    newest: bool,
}

/// What the screen shows, as the page and as JSON for its script.
#[derive(Serialize)]
struct Board {
    desks: Vec<DeskView>,
    waiting: Vec<String>,
    /// The newest call, as said aloud by the screen: "Nomor 017, ke Meja 2".
    announce: String,
    /// Changes with every call: the script highlights and chimes when it does.
    newest_id: i64,
    updated: String,
}

fn board(lang: Lang, desks: i64, b: QueueBoard, updated: String) -> Board {
    let desk_name = |n: i64| lang.format("queue-desk", &[("desk", n.to_string())]);
    let latest = |n: i64| b.desks.iter().find(|c| c.desk == n);
    let newest: Option<&Call> = b.newest.as_ref();
    // Every desk of today, and any desk that called beyond them (the sets changed).
    let mut numbers: Vec<i64> = (1..=desks).collect();
    numbers.extend(b.desks.iter().map(|c| c.desk).filter(|d| *d > desks));
    Board {
        desks: numbers
            .into_iter()
            .map(|n| DeskView {
                desk: n,
                name: desk_name(n),
                label: latest(n).map_or("–".to_string(), |c| queue_label(c.queue_number)),
                newest: newest.is_some_and(|c| c.desk == n),
            })
            .collect(),
        waiting: b.waiting.iter().take(12).map(|n| queue_label(*n)).collect(),
        announce: newest.map_or(String::new(), |c| {
            lang.format(
                "queue-announce",
                &[
                    ("number", queue_label(c.queue_number)),
                    ("desk", desk_name(c.desk)),
                ],
            )
        }),
        newest_id: newest.map_or(0, |c| c.id),
        updated,
    }
}

/// The board of the office of `slug`, now.
async fn board_of(state: &AppState, lang: Lang, slug: &str) -> Result<(String, Board), PageError> {
    let office = crate::usecases::availability::office(state, slug)
        .await
        .or_page(lang)?;
    let b = queue::board(state, &office).await.or_page(lang)?;
    let now = state.clock.now();
    let tz = office.spec.timezone;
    let updated = lang.format(
        "queue-updated",
        &[(
            "time",
            format!(
                "{} {}",
                crate::i18n::hm(lang, now, tz),
                crate::domain::office::zone_abbreviation(tz)
            ),
        )],
    );
    let desks = queue::desks(state, &office);
    Ok((office.spec.name.clone(), board(lang, desks, b, updated)))
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
struct Screen {
    frame: Frame,
    slug: String,
    office_name: String,
    board: Board,
}

async fn screen(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Screen, PageError> {
    let (office_name, board) = board_of(&state, lang, &slug).await?;
    Ok(Screen {
        frame: Frame::new(lang, &format!("/o/{slug}/antrean")),
        slug,
        office_name,
        board,
    })
}

async fn screen_json(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (_, board) = board_of(&state, lang, &slug).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(board)).into_response())
}

async fn screen_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/antrean.js"),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/call.html")]
struct CallPage {
    frame: Frame,
    slug: String,
    office_name: String,
    desks: Vec<i64>,
    desk: i64,
    /// "Meja 2 called 017", and the booking code of who was called.
    called: Option<(String, String)>,
    nobody: bool,
    waiting: usize,
}

async fn call_page(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<CallPage, PageError> {
    let who = my_desk(&state, lang, &me, &slug).await?;
    let office = who.office();
    let desks = queue::desks(&state, office);
    let desk = q
        .get("desk")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (1..=desks).contains(d))
        .unwrap_or(1);
    let board = queue::board(&state, office).await.or_page(lang)?;
    let called = match (q.get("number"), q.get("code")) {
        (Some(n), Some(code)) => {
            let n: String = n.chars().filter(char::is_ascii_digit).take(4).collect();
            let code: String = code
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(12)
                .collect();
            Some((
                lang.format(
                    "call-called",
                    &[
                        (
                            "desk",
                            lang.format("queue-desk", &[("desk", desk.to_string())]),
                        ),
                        ("number", n),
                    ],
                ),
                code,
            ))
        }
        _ => None,
    };
    Ok(CallPage {
        frame: Frame::staff_menu(
            lang,
            &format!("/staff/offices/{slug}/call"),
            &me,
            Some(&slug),
        ),
        office_name: office.spec.name.clone(),
        desks: (1..=desks).collect(),
        desk,
        called,
        nobody: q.get("m").is_some_and(|m| m == "nobody"),
        waiting: board.waiting.len(),
        slug,
    })
}

async fn call_submit(
    State(state): State<AppState>,
    lang: Lang,
    StaffSession(me): StaffSession,
    Path(slug): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = my_desk(&state, lang, &me, &slug).await?;
    let desk = f
        .get("desk")
        .and_then(|d| d.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let to = match queue::call_next(&state, &who, desk).await.or_page(lang)? {
        Some(c) => format!(
            "/staff/offices/{slug}/call?desk={desk}&number={}&code={}",
            queue_label(c.queue_number),
            c.code
        ),
        None => format!("/staff/offices/{slug}/call?desk={desk}&m=nobody"),
    };
    Ok(Redirect::to(&to).into_response())
}
