//! The contract as OpenAPI 3, generated from the handlers' annotations (utoipa).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "rekam", version = "1",
        description = "Appointments for first-time e-KTP biometric recording. Errors are \
            {\"error\", \"message\", \"field\"} with the codes of API.md."),
    paths(
        super::api::list_offices,
        super::api::availability,
        super::api::put_office,
        super::api::get_office,
        super::api::create_booking,
        super::api::get_booking,
        super::api::cancel_booking,
        super::api::reschedule_booking,
        super::api::replace_certificate,
    ),
    components(schemas(
        crate::domain::office::OfficeInput,
        super::api::OfficeSummary,
        super::api::BookingForm,
        super::api::RescheduleBody,
        super::views::Availability,
        super::views::DayView,
        super::views::SlotView,
        super::views::BookingView,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
