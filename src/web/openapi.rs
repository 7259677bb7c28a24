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
        super::api::claim_offer,
        super::api::join_waitlist,
        super::staff_api::get_levels,
        super::staff_api::put_level,
        super::staff_api::put_closure,
        super::staff_api::delete_closure,
        super::staff_api::get_plan,
        super::staff_api::get_rules,
        super::staff_api::put_rule,
        super::staff_api::get_rule_history,
        super::staff_api::get_holidays,
        super::staff_api::put_holidays,
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
        super::views::OfferView,
        super::staff_api::LevelChange,
        super::staff_api::ClosureBody,
        super::staff_api::Plan,
        super::staff_api::PlanDay,
        super::staff_api::RuleEdit,
        crate::domain::LevelRule,
        crate::store::ReplanReport,
        crate::store::DayImpact,
        crate::store::DisplacedBooking,
        crate::store::LevelScheduleRow,
        crate::store::RuleVersion,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
