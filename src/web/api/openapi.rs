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
        super::applicant::list_offices,
        super::applicant::availability,
        super::staff::put_office,
        super::staff::get_office,
        super::applicant::create_booking,
        super::applicant::get_booking,
        super::applicant::cancel_booking,
        super::applicant::reschedule_booking,
        super::applicant::replace_certificate,
        super::applicant::claim_offer,
        super::applicant::join_waitlist,
        super::staff::get_levels,
        super::staff::put_level,
        super::staff::put_closure,
        super::staff::delete_closure,
        super::staff::get_plan,
        super::staff::get_rules,
        super::staff::put_rule,
        super::staff::get_rule_history,
        super::staff::get_holidays,
        super::staff::put_holidays,
    ),
    components(schemas(
        crate::domain::office::OfficeInput,
        super::applicant::OfficeSummary,
        super::applicant::BookingForm,
        super::applicant::RescheduleBody,
        super::dto::Availability,
        super::dto::DayView,
        super::dto::SlotView,
        super::dto::BookingView,
        super::dto::OfferView,
        super::staff::LevelChange,
        super::staff::ClosureBody,
        super::dto::Plan,
        super::dto::PlanDay,
        super::staff::RuleEdit,
        crate::domain::LevelRule,
        super::dto::ReplanReport,
        super::dto::DayImpact,
        super::dto::DisplacedBooking,
        super::dto::LevelScheduleRow,
        super::dto::RuleVersion,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
