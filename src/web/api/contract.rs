//! What every operation of the OpenAPI document says beyond its handler's annotation,
//! derived from the operation's shape so that no handler can forget it: the answers the
//! extractors, the guards and the store give on any route of that shape (404 for unknown
//! names in the path or a wrong booking token, 401/403 for staff routes, 413/415/422 for a
//! body, 422 for query parameters, 409 for a write that loses a race), each with the error
//! body and its codes; the security scheme of each route; an operation id that is unique;
//! and links from a new booking to the operations that take its code and token.

use super::super::kit::error::status;
use crate::usecases::Code;
use utoipa::Modify;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

/// The modifier of [`super::openapi::ApiDoc`].
pub struct Contract;

/// The applicant's own booking: the secret token in a header.
const TOKEN_HEADER: &str = "X-Booking-Token";

/// The error body of every 4xx answer, with the codes of the contract.
fn error_schema() -> utoipa::openapi::Schema {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    ObjectBuilder::new()
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes)),
        )
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .property(
            "field",
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .description(Some("The request field at fault (a form or JSON field, a query or path parameter, or a header), if one is.")),
        )
        .required("error")
        .required("message")
        .required("field")
        .into()
}

/// What an error status means, for its description.
fn meaning(code: u16) -> &'static str {
    match code {
        400 => "The request could not be read.",
        401 => "No valid staff session or token.",
        403 => "The account may not do this (role or office).",
        404 => "No such office, date, year or booking (or a wrong booking token).",
        409 => "The state does not allow it now, or it lost a race with another change.",
        413 => "The body is larger than allowed.",
        415 => "The body is not of the documented media type.",
        422 => "A field is invalid: `field` names it.",
        429 => "Too many requests: wait `Retry-After` seconds.",
        _ => "An error.",
    }
}

fn error_response(code: u16) -> RefOr<Response> {
    let mut r = Response::new(meaning(code));
    r.content.insert(
        "application/json".to_string(),
        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
    );
    RefOr::T(r)
}

/// The schemas of request bodies (their fields are constrained as the server checks them).
const REQUESTS: [&str; 12] = [
    "OfficeInput",
    "WalkInForm",
    "LevelChange",
    "ClosureBody",
    "RuleEdit",
    "LevelRule",
    "CheckIn",
    "OutcomeBody",
    "ReviewBody",
    "RescheduleBody",
    "VerifyBody",
    "BookingForm",
];

/// The forms that carry an applicant's identity.
const APPLICANT_FORMS: [&str; 2] = ["BookingForm", "WalkInForm"];

/// `YYYY-MM-DD` within the years the server takes.
fn date_pattern() -> String {
    let (first, last) = (
        *crate::usecases::form::YEARS.start(),
        *crate::usecases::form::YEARS.end(),
    );
    // 2000–2100: the years of the form (a test checks the range is this one).
    assert_eq!(
        (first, last),
        (2000, 2100),
        "the date pattern below spells 2000–2100"
    );
    "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$".to_string()
}

/// The constraints the server checks on a field of this name, from the definitions it
/// checks them with, written into its schema.
fn constrain(owner: &str, name: &str, schema: &mut utoipa::openapi::schema::Object) {
    use crate::domain::desk::{Outcome, Temperature};
    use crate::domain::{CertificateStatus, Level};
    use utoipa::openapi::KnownFormat;
    use utoipa::openapi::schema::SchemaFormat;
    let strings = |v: Vec<&str>| Some(v.into_iter().map(serde_json::Value::from).collect());
    match name {
        "level" => schema.enum_values = strings(Level::ALL.iter().map(|l| l.as_str()).collect()),
        "outcome" => {
            schema.enum_values = strings(Outcome::ALL.iter().map(|o| o.status().as_str()).collect())
        }
        "decision" => {
            let decided = [CertificateStatus::Accepted, CertificateStatus::Rejected];
            schema.enum_values = strings(decided.iter().map(|c| c.as_str()).collect());
        }
        "effective_from" | "effective_to" | "date" | "from" | "to" | "from_date" | "to_date" => {
            schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date));
            schema.pattern = Some(date_pattern());
        }
        // A birth date may be of any year (a married applicant may be older).
        "birth_date" => schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
        "slot_start" => schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)),
        "year" => {
            let years = crate::usecases::form::YEARS;
            schema.minimum = Some(f64::from(*years.start()).into());
            schema.maximum = Some(f64::from(*years.end()).into());
        }
        // `OfficeSlug::parse`: 2–40 lowercase letters, digits and inner dashes.
        "slug" if owner.is_empty() => {
            schema.pattern = Some("^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$".to_string());
        }
        // The audit log's text filters: at most 100 characters, no control characters.
        "actor" | "action" | "booking" if owner.is_empty() => {
            schema.max_length = Some(100);
            schema.pattern = Some("^[^\\u0000-\\u001f\\u007f-\\u009f]*$".to_string());
        }
        // The applicant's identity, as the domain parses it (its tests check the patterns).
        "nik" if APPLICANT_FORMS.contains(&owner) => {
            schema.pattern = Some(crate::domain::nik::SHAPE_PATTERN.to_string());
            schema.description = Some(
                "16 digits (spaces, dots or dashes allowed) whose region, birth date (day + 40 \
                 for women) and serial are real and agree with `birth_date`."
                    .to_string(),
            );
        }
        "phone" if APPLICANT_FORMS.contains(&owner) => {
            schema.pattern = Some(crate::domain::phone::PATTERN.to_string());
        }
        "email" if APPLICANT_FORMS.contains(&owner) => {
            schema.pattern = Some(crate::domain::email::email_pattern());
            schema.description = Some("Optional; at most 254 bytes.".to_string());
        }
        "name" if APPLICANT_FORMS.contains(&owner) => {
            schema.pattern = Some(crate::domain::name_pattern());
            schema.description =
                Some("1–100 characters once runs of blanks are one space.".to_string());
        }
        // An office's numbers.
        _ if owner == "OfficeInput" => {
            let bounds = crate::domain::office::BOUNDS;
            if let Some((_, lo, hi)) = bounds.into_iter().find(|(f, _, _)| *f == name) {
                schema.minimum = Some((lo as f64).into());
                schema.maximum = Some((hi as f64).into());
            }
        }
        // `LevelRule::validate`: `HH:MM`.
        "latest_close" => schema.pattern = Some("^([01][0-9]|2[0-3]):[0-5][0-9]$".to_string()),
        "reason" if ["OutcomeBody", "ReviewBody"].contains(&owner) => {
            schema.max_length = Some(crate::usecases::desk::DESK_REASON_MAX);
        }
        "reason" | "source" => {
            let max = crate::usecases::changes::REASON_MAX;
            schema.min_length = Some(1);
            schema.max_length = Some(max);
            // Something besides spaces, and no control characters.
            schema.pattern = Some("^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$".to_string());
        }
        "temperature_c" | "retest_c" => {
            schema.minimum = Some((*Temperature::READABLE.start()).into());
            schema.maximum = Some((*Temperature::READABLE.end()).into());
        }
        "wfo_percent" | "occupancy_percent" => {
            schema.minimum = Some(1.0.into());
            schema.maximum = Some(100.0.into());
        }
        "code"
            if schema
                .description
                .as_deref()
                .is_some_and(|d| d.contains("six digits")) =>
        {
            schema.pattern = Some("^\\s*[0-9]{6}\\s*$".to_string());
        }
        _ => {}
    }
}

/// Adds what the shape of `op` implies (see the module's text).
fn complete(path: &str, method: &str, op: &mut Operation) {
    let mut statuses = Vec::new();
    let params = op.parameters.get_or_insert_with(Vec::new);
    if params.iter().any(|p| p.parameter_in == ParameterIn::Path) {
        statuses.push(404);
    }
    // A query parameter, or a date or year in the path, is parsed: 422 naming it.
    let parsed = |p: &utoipa::openapi::path::Parameter| {
        p.parameter_in == ParameterIn::Query
            || (p.parameter_in == ParameterIn::Path && !["slug", "code"].contains(&p.name.as_str()))
    };
    if params.iter().any(parsed) {
        statuses.push(422);
    }
    let own_booking = params.iter().any(|p| p.name == TOKEN_HEADER);
    let staff = path.starts_with("/api/v1/staff/") || path.starts_with("/api/v1/admin/");
    if own_booking {
        op.security = Some(vec![SecurityRequirement::new(
            "booking_token",
            Vec::<String>::new(),
        )]);
        statuses.push(404);
    } else if staff {
        op.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
        statuses.extend([401, 403]);
    } else {
        op.security = Some(Vec::new());
    }
    if op.request_body.is_some() {
        statuses.extend([413, 415, 422]);
    }
    if method != "get" {
        statuses.push(409);
    }
    // Limited per client address or phone (bookings, waiting list) or per booking and day
    // (new certificates).
    let limited = ["/api/v1/bookings", "/api/v1/offices/{slug}/waitlist"].contains(&path)
        || path.ends_with("/certificate") && method == "post";
    if limited {
        statuses.push(429);
    }
    // Desk writes take an Idempotency-Key, as booking does (API.md).
    let desk_write = method == "post"
        && (path.starts_with("/api/v1/staff/bookings/") || path.ends_with("/walk-ins"));
    if desk_write && !params.iter().any(|p| p.name == "Idempotency-Key") {
        params.push(
            utoipa::openapi::path::ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .description(Some(
                    "Retry-safe key: a repeat gets the first answer again; the same key \
                     with another request is 422 `idempotency_key_reused`. Kept 24 hours.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(100)),
                ))
                .build(),
        );
    }
    for code in statuses {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| error_response(code));
    }
    // Every error answer, declared by the handler or added here, carries the error body.
    for (code, answer) in op.responses.responses.iter_mut() {
        let code: u16 = code.parse().unwrap_or(0);
        if let RefOr::T(r) = answer {
            if code >= 400 && r.content.is_empty() {
                *answer = error_response(code);
            }
        }
    }
    // utoipa names operations after their functions, which repeat across modules.
    let tag = op.tags.as_ref().and_then(|t| t.first()).cloned();
    if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
}

/// From a new booking (201) to each operation on it: its code in the path, its token in
/// the header.
fn link_new_booking(doc: &mut OpenApi) {
    let targets: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .filter(|(path, _)| path.starts_with("/api/v1/bookings/{code}"))
        .flat_map(|(path, item)| {
            let pointer = path.replace('~', "~0").replace('/', "~1");
            [("get", item.get.as_ref()), ("post", item.post.as_ref())]
                .into_iter()
                .filter_map(move |(method, op)| {
                    let id = op?.operation_id.clone()?;
                    Some((id, format!("#/paths/{pointer}/{method}")))
                })
        })
        .collect();
    let Some(create) = doc
        .paths
        .paths
        .get_mut("/api/v1/bookings")
        .and_then(|item| item.post.as_mut())
    else {
        return;
    };
    let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
        return;
    };
    for (id, reference) in targets {
        let link = LinkBuilder::new()
            .operation_ref(reference)
            .parameter("code", "$response.body#/code")
            .parameter(TOKEN_HEADER, "$response.body#/token")
            .description("The new booking, with its code and secret token.")
            .build();
        created.links.insert(id, RefOr::T(link));
    }
}

impl Modify for Contract {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "booking_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(TOKEN_HEADER))),
        );
        components
            .schemas
            .insert("ErrorBody".to_string(), RefOr::T(error_schema()));
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, op) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ] {
                if let Some(op) = op.as_mut() {
                    complete(path, method, op);
                }
            }
        }
        // The statuses an answer can carry, from the rules that spell them.
        for owner in ["BookingView", "DeskBookingView", "DayListRow"] {
            let Some(RefOr::T(utoipa::openapi::Schema::Object(object))) =
                components.schemas.get_mut(owner)
            else {
                continue;
            };
            let spell = |v: Vec<&str>| Some(v.into_iter().map(serde_json::Value::from).collect());
            let booking = spell(
                crate::domain::BookingStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
            );
            let certificate = spell(
                crate::domain::CertificateStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
            );
            for (name, values) in [("status", booking), ("certificate_status", certificate)] {
                if let Some(RefOr::T(utoipa::openapi::Schema::Object(field))) =
                    object.properties.get_mut(name)
                {
                    field.enum_values = values;
                }
            }
        }
        // The request bodies' fields, and every parameter.
        for (owner, schema) in components.schemas.iter_mut() {
            if !REQUESTS.contains(&owner.as_str()) {
                continue;
            }
            if let RefOr::T(utoipa::openapi::Schema::Object(object)) = schema {
                for (name, field) in object.properties.iter_mut() {
                    if let RefOr::T(utoipa::openapi::Schema::Object(field)) = field {
                        constrain(owner, name, field);
                    }
                }
            }
        }
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ] {
                let params = op.as_mut().and_then(|op| op.parameters.as_mut());
                for p in params.into_iter().flatten() {
                    if let Some(RefOr::T(utoipa::openapi::Schema::Object(object))) =
                        p.schema.as_mut()
                    {
                        constrain("", &p.name, object);
                    }
                }
            }
        }
        link_new_booking(doc);
        // Every status used is one the error type can give, or a success.
        debug_assert!(Code::ALL.iter().all(|c| status(*c).as_u16() >= 400));
    }
}
