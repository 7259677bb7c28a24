//! The contract as OpenAPI 3, generated from the handlers' annotations (utoipa).

use super::contract::Contract;
use utoipa::OpenApi;

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
        super::applicant::recover_link,
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
        super::desk::cancel,
        super::desk::review,
        super::desk::certificate,
        super::desk::review_queue,
        super::desk::walk_in,
        super::reports::report,
        super::reports::audit,
    ),
    components(schemas(
        crate::domain::office::OfficeInput,
        super::applicant::OfficeSummary,
        super::applicant::BookingForm,
        super::applicant::RescheduleBody,
        super::applicant::VerifyBody,
        super::applicant::RecoverBody,
        super::applicant::RecoverAnswer,
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
        crate::domain::LevelRuleInput,
        super::dto::ReplanReport,
        super::dto::OfficeReport,
        super::supervisor::RuleChange,
        super::dto::DayImpact,
        super::dto::DisplacedBooking,
        super::dto::LevelScheduleRow,
        super::dto::RuleVersion,
        super::desk::DayListRow,
        super::desk::DeskBookingView,
        super::desk::ReadingView,
        super::desk::CheckIn,
        super::desk::OutcomeBody,
        super::desk::ReviewBody,
        super::dto::WalkInForm,
        super::dto::ReviewQueueRow,
    )),
    modifiers(&Contract)
)]
pub struct ApiDoc;

/// The document as JSON. utoipa 5.5 writes a link's fields in snake case
/// (`operation_ref`, `request_body`); OpenAPI spells them in camel case, so they are
/// renamed here.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    let links = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .flat_map(|item| {
            item.as_object_mut()
                .into_iter()
                .flat_map(|i| i.values_mut())
        })
        .filter_map(|op| op.get_mut("responses")?.as_object_mut())
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links")?.as_object_mut());
    for links in links {
        for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
            for (from, to) in [
                ("operation_ref", "operationRef"),
                ("operation_id", "operationId"),
                ("request_body", "requestBody"),
            ] {
                if let Some(v) = link.remove(from) {
                    link.insert(to.to_string(), v);
                }
            }
        }
    }
    doc
}

/// `GET /api/v1/openapi.json`: made once per process (it does not change while it runs;
/// making it for every request let a client keep the server's cores busy with it).
pub async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    static RENDERED: std::sync::LazyLock<axum::body::Bytes> = std::sync::LazyLock::new(|| {
        serde_json::to_vec(&document())
            .expect("the document serialises")
            .into()
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        RENDERED.clone(),
    )
        .into_response()
}
