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
        super::admin::put_office,
        super::admin::get_office,
        super::applicant::create_booking,
        super::applicant::get_booking,
        super::applicant::cancel_booking,
        super::applicant::verify_booking,
        super::applicant::reschedule_booking,
        super::applicant::replace_certificate,
        super::applicant::claim_offer,
        super::applicant::join_waitlist,
        super::supervisor::get_levels,
        super::supervisor::put_level,
        super::supervisor::put_closure,
        super::supervisor::delete_closure,
        super::supervisor::get_plan,
        super::supervisor::get_rules,
        super::supervisor::put_rule,
        super::supervisor::get_rule_history,
        super::supervisor::get_holidays,
        super::supervisor::put_holidays,
        super::supervisor::failed_messages,
        super::desk::day_list,
        super::desk::get_booking,
        super::desk::check_in,
        super::desk::outcome,
        super::desk::review,
        super::desk::certificate,
        super::desk::review_queue,
        super::desk::walk_in,
        super::desk::report,
        super::desk::audit,
    ),
    components(schemas(
        crate::domain::office::OfficeInput,
        super::applicant::OfficeSummary,
        super::applicant::BookingForm,
        super::applicant::RescheduleBody,
        super::applicant::VerifyBody,
        super::dto::Availability,
        super::dto::DayView,
        super::dto::SlotView,
        super::dto::BookingView,
        super::dto::OfferView,
        super::supervisor::LevelChange,
        super::supervisor::ClosureBody,
        super::dto::Plan,
        super::dto::PlanDay,
        super::dto::OverCapacity,
        super::supervisor::RuleEdit,
        crate::domain::LevelRule,
        super::dto::ReplanReport,
        super::dto::OfficeReport,
        super::supervisor::RuleChange,
        super::dto::DayImpact,
        super::dto::DisplacedBooking,
        super::dto::LevelScheduleRow,
        super::dto::RuleVersion,
        super::desk::DayListRow,
        super::desk::DeskBookingView,
        super::desk::CheckIn,
        super::desk::OutcomeBody,
        super::desk::ReviewBody,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
