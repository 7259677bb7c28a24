//! Page infrastructure: the frame every page has, forms re-shown with what was typed and
//! each error beside its field, errors as pages, and the role guard of staff pages.

use super::error::status;
use super::lang::Lang;
use crate::domain::Role;
use crate::store::StaffMember;
use crate::usecases::form::RawForm;
use crate::usecases::{AppError, Code};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::HashMap;

/// What every page needs for its frame.
pub struct Frame {
    /// Language.
    pub lang: Lang,
    /// The link that switches language and comes back here.
    pub switch_href: String,
    /// A staff page: wider, with the staff's own header (logout at the top).
    pub staff: bool,
    /// The staff menu: (link, label, this page).
    pub nav: Vec<(String, String, bool)>,
    /// A warning for supervisors and admins on every staff page (next year's holidays).
    pub warning: Option<String>,
}

impl Frame {
    /// The frame of the applicant's page at `here`.
    pub fn new(lang: Lang, here: &str) -> Self {
        Self {
            lang,
            switch_href: format!(
                "/lang/{}?next={}",
                lang.other().code(),
                utf8_percent_encode(here, NON_ALPHANUMERIC)
            ),
            staff: false,
            nav: Vec::new(),
            warning: None,
        }
    }

    /// The frame of the staff page at `here`.
    pub fn staff(lang: Lang, here: &str) -> Self {
        Self {
            staff: true,
            ..Self::new(lang, here)
        }
    }

    /// The frame of a staff page with the menu of what `me` may use at `office`.
    pub fn staff_menu(lang: Lang, here: &str, me: &StaffMember, office: Option<&str>) -> Self {
        let mut nav = Vec::new();
        if let Some(slug) = office {
            for (path, key) in [
                ("desk", "menu-today"),
                ("review", "menu-review"),
                ("call", "menu-call"),
                ("walk-in", "menu-walk-in"),
                ("report", "menu-report"),
                ("", "menu-plan"),
            ] {
                let href = if path.is_empty() {
                    format!("/staff/offices/{slug}")
                } else {
                    format!("/staff/offices/{slug}/{path}")
                };
                nav.push((href, lang.text(key), false));
            }
            nav.push((format!("/o/{slug}/antrean"), lang.text("menu-queue"), false));
        }
        if me.role >= Role::Supervisor {
            nav.push(("/staff/audit".to_string(), lang.text("menu-audit"), false));
            nav.push(("/staff/rules".to_string(), lang.text("menu-rules"), false));
        }
        if me.role >= Role::Admin {
            nav.push((
                "/staff/accounts".to_string(),
                lang.text("menu-accounts"),
                false,
            ));
            nav.push(("/staff".to_string(), lang.text("staff-offices"), false));
        }
        nav.push((
            "/staff/account".to_string(),
            lang.text("menu-account"),
            false,
        ));
        let path = here.split('?').next().unwrap_or(here);
        for item in &mut nav {
            item.2 = item.0 == path;
        }
        let missing = WARN_OF.try_with(|y| *y).ok().flatten();
        let warning = missing
            .filter(|_| me.role >= Role::Supervisor)
            .map(|year| lang.format("staff-holidays-missing", &[("year", year.to_string())]));
        Self {
            nav,
            warning,
            ..Self::staff(lang, here)
        }
    }
}

/// The year of missing holidays that supervisors and admins are warned of, as last worked
/// out (by [`holiday_check`], at most every 30 seconds) and when; one per application.
#[derive(Default)]
pub struct HolidaysMissing(std::sync::Mutex<(Option<std::time::Instant>, Option<i32>)>);

impl HolidaysMissing {
    /// After holidays are loaded: the next staff page works the warning out again.
    pub fn changed(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0 = None;
    }
}

tokio::task_local! {
    /// The year of missing holidays, for the frames of the staff page being answered.
    static WARN_OF: Option<i32>;
}

/// Works out, before a staff page, whether the booking horizon reaches a year without
/// holidays (at most every 30 seconds; at once after holidays are loaded here), and lets
/// the page's frame know.
pub async fn holiday_check(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !req.uri().path().starts_with("/staff") {
        return next.run(req).await;
    }
    let held = *state
        .holidays_missing
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let missing = match held {
        (Some(at), missing) if at.elapsed() < std::time::Duration::from_secs(30) => missing,
        _ => match crate::usecases::plan::holidays_missing(&state).await {
            Ok(missing) => {
                *state
                    .holidays_missing
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) =
                    (Some(std::time::Instant::now()), missing);
                missing
            }
            Err(_) => held.1,
        },
    };
    WARN_OF.scope(missing, next.run(req)).await
}

/// The staff frame of a page of no one office (the account, the rules): the menu still
/// leads to the member's own office.
pub async fn home_frame(
    state: &crate::web::AppState,
    lang: Lang,
    here: &str,
    me: &StaffMember,
) -> Frame {
    let slug = match me.office_id {
        Some(id) => state.store.office_by_id(id).await.ok().map(|o| o.slug),
        None => None,
    };
    Frame::staff_menu(lang, here, me, slug.as_deref())
}

/// The retention periods the pages state (days: certificate files, personal data), from
/// the settings of the server (set once when its router is built).
static RETENTION: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();

/// Records the retention periods the pages state.
pub fn set_retention(certificate_days: u32, personal_days: u32) {
    let _ = RETENTION.set((certificate_days, personal_days));
}

impl Frame {
    /// The footer: who sees the data, and when it is deleted.
    pub fn footer(&self) -> String {
        let (certificate, personal) = RETENTION.get().copied().unwrap_or((30, 180));
        self.lang.format(
            "site-footer",
            &[
                ("certificate_days", certificate.to_string()),
                ("personal_days", personal.to_string()),
            ],
        )
    }
}

/// Values typed and errors found, for re-showing a form.
#[derive(Default)]
pub struct FormView {
    values: HashMap<String, String>,
    errors: Vec<(String, String)>,
    /// The NIK already has a booking: its owner may have lost the link.
    active_booking: bool,
    /// The certificate kept for this correction: its reference, name and size as read.
    upload: Option<(String, String, String)>,
}

impl FormView {
    /// The form as sent, with its errors in `lang` (the first per field).
    pub fn from_errors(lang: Lang, form: &RawForm, errors: &[AppError]) -> Self {
        let mut view = Self {
            values: form.fields.clone(),
            errors: Vec::new(),
            active_booking: errors.iter().any(|e| e.code == Code::ActiveBookingExists),
            upload: None,
        };
        for e in errors {
            let field = e.field.clone().unwrap_or_default();
            if !view.errors.iter().any(|(f, _)| *f == field) {
                view.errors.push((field, e.text(lang)));
            }
        }
        view
    }

    /// The value typed into `name`.
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Is the checkbox `name` ticked?
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.value(name), "true" | "on" | "1")
    }

    /// The error shown beside `name`.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
    }

    /// All errors, for the summary at the top.
    pub fn errors(&self) -> &[(String, String)] {
        &self.errors
    }

    /// Did the NIK already have a booking?
    pub fn active_booking(&self) -> bool {
        self.active_booking
    }

    /// The summary also says the file must be chosen again (it is never kept across a
    /// refused form).
    /// The certificate kept for the correction (see `usecases::drafts`): the form shows
    /// it and carries its reference instead of asking for the file again.
    pub fn with_upload(
        mut self,
        lang: Lang,
        upload: Option<crate::usecases::drafts::Upload>,
    ) -> Self {
        self.upload = upload.map(|u| {
            let size = if u.size >= 1024 * 1024 {
                let mb = format!("{:.1} MB", u.size as f64 / (1024.0 * 1024.0));
                if lang == Lang::Id {
                    mb.replace('.', ",")
                } else {
                    mb
                }
            } else {
                format!("{} KB", u.size.div_ceil(1024))
            };
            (u.reference, u.name, size)
        });
        self
    }

    /// The certificate kept for this correction: reference, name, size.
    pub fn upload(&self) -> Option<&(String, String, String)> {
        self.upload.as_ref()
    }

    pub fn with_file_note(mut self, lang: Lang, file_lost: bool) -> Self {
        let file_lost = file_lost && self.upload.is_none();
        if file_lost && !self.errors.iter().any(|(f, _)| f == "certificate") {
            self.errors
                .push(("certificate".to_string(), lang.text("err-reupload")));
        }
        self
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    message: String,
    /// A booking was not found (a wrong or replaced link): offer the lost-link page.
    lost_link: bool,
}

/// Renders an error as a page with the right status.
pub fn error_page(lang: Lang, e: &AppError) -> Response {
    render_error(lang, e, Frame::new(lang, "/"))
}

fn render_error(lang: Lang, e: &AppError, frame: Frame) -> Response {
    let staff = frame.staff;
    let page = ErrorPage {
        frame,
        message: e.text(lang),
        lost_link: e.code == Code::NotFound && !staff,
    };
    let mut response = (status(e.code), page).into_response();
    response
        .extensions_mut()
        .insert(RenderedError(lang, e.clone()));
    response
}

/// Marks a response as an error page, so that the staff routes can show it in their own
/// frame (staff header, no applicant links).
#[derive(Clone)]
struct RenderedError(Lang, AppError);

/// Layer for staff routes: an error page is shown in the staff frame.
pub async fn staff_error_frame(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(req).await;
    match response.extensions().get::<RenderedError>().cloned() {
        Some(RenderedError(lang, e)) => {
            // The page again in the staff frame, with every header of the first answer
            // (Retry-After, cookies, …) but those of its body.
            let mut page = render_error(lang, &e, Frame::staff(lang, "/staff"));
            let body_header = |n: &axum::http::HeaderName| {
                n == axum::http::header::CONTENT_LENGTH || n == axum::http::header::CONTENT_TYPE
            };
            for name in response.headers().keys().filter(|n| !body_header(n)) {
                page.headers_mut().remove(name);
            }
            for (name, value) in response.headers().iter().filter(|(n, _)| !body_header(n)) {
                page.headers_mut().append(name.clone(), value.clone());
            }
            page
        }
        None => response,
    }
}

/// An error rendered as a page.
pub struct PageError(pub Lang, pub AppError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

/// Turns any error of a use case into an error page.
pub trait OrPage<T> {
    /// The value, or the error as a page in `lang`.
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError(lang, e.into()))
    }
}

/// The status to re-show a form with, after its errors; an internal error becomes the
/// error page instead (the cause is logged, never shown).
pub fn form_status(lang: Lang, errors: &[AppError]) -> Result<StatusCode, PageError> {
    if let Some(e) = errors.iter().find(|e| e.code == Code::Internal) {
        return Err(PageError(lang, e.clone()));
    }
    Ok(errors
        .first()
        .map(|e| status(e.code))
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY))
}

/// A page answering `errors`, with `Retry-After` when one of them says how long to wait.
pub fn with_retry_after(mut resp: Response, errors: &[AppError]) -> Response {
    if let Some(wait) = errors.iter().find_map(|e| e.retry_after) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// 429 with `Retry-After`, as a page.
pub fn too_many(lang: Lang, wait: std::time::Duration) -> Response {
    too_many_saying(lang, wait, "err-rate-limited")
}

/// 429 as a page saying `message`, with `Retry-After`.
pub fn too_many_saying(lang: Lang, wait: std::time::Duration, message: &'static str) -> Response {
    let mut resp = error_page(lang, &AppError::new(Code::RateLimited, message));
    let secs = wait.as_secs().max(1).to_string();
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The key of the text naming a limit.
pub fn limit_key(limit: crate::planner::Limit) -> &'static str {
    match limit {
        crate::planner::Limit::WaitingRoom => "office-binding-waiting-room",
        crate::planner::Limit::DailyMaximum => "office-binding-daily-maximum",
        crate::planner::Limit::LevelMaximum => "office-binding-level-maximum",
        crate::planner::Limit::Throughput => "office-binding-throughput",
    }
}

/// A level's name: "Tanpa PPKM", "Level 3", "PPKM Darurat".
pub fn level_name(lang: Lang, level: crate::domain::Level) -> String {
    use crate::domain::Level;
    match level {
        Level::None => lang.text("ppkm-none"),
        Level::L1 => lang.n("ppkm-n", 1),
        Level::L2 => lang.n("ppkm-n", 2),
        Level::L3 => lang.n("ppkm-n", 3),
        Level::L4 => lang.n("ppkm-n", 4),
        Level::Darurat => lang.text("ppkm-darurat"),
    }
}

/// "Sel, 1 Des, 08:00 WIB": an instant in an office's zone, for staff lists.
pub fn short_when(lang: Lang, tz: chrono_tz::Tz, t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}, {} {}",
        lang.short_date(t.with_timezone(&tz).date_naive()),
        crate::i18n::hm(lang, t, tz),
        crate::domain::office::zone_abbreviation(tz)
    )
}

/// A QR code of `text` as inline SVG (a ticket, an authenticator's `otpauth://` link).
pub fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// "Come in person … above 37,3 °C": the limit as `--max-temperature-c` sets it, written
/// as the reader's language writes decimals. Two readings five minutes apart decide
/// (KMK HK.01.07/MENKES/382/2020); a reading of exactly the limit passes ("di atas").
pub fn bring_self(lang: Lang, settings: &crate::config::Settings) -> String {
    let limit = format!("{:.1}", settings.max_temperature_c);
    let limit = if lang == Lang::Id {
        limit.replace('.', ",")
    } else {
        limit
    };
    lang.format("booking-bring-self", &[("limit", limit)])
}
