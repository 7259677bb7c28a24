//! Staff bearer tokens (API.md: every `/api/v1/staff/` and `/api/v1/admin/` route is 401
//! without a valid token, 403 with a role too low; a desk token sees only its office).

use crate::store::StaffMember;
use crate::usecases::{AppError, Code, accounts};
use crate::web::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

/// The authenticated staff member of an API request.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffMember);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unauthorized = || AppError::new(Code::Unauthorized, "err-unauthorized");
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthorized)?;
        accounts::member(state, token, "api")
            .await?
            .map(Staff)
            .ok_or_else(unauthorized)
    }
}
