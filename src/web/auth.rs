//! Staff bearer tokens (API.md: every `/api/v1/staff/` and `/api/v1/admin/` route is 401
//! without a valid token, 403 with a role too low; a desk token sees only its office).

use super::AppState;
use super::error::{AppError, Code};
use crate::domain::Role;
use crate::domain::code::hash_secret;
use crate::store::{StaffMember, StoreError};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

/// The authenticated staff member of a request.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffMember);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unauthorized = || AppError::new(Code::Unauthorized, "err.unauthorized");
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthorized)?;
        match state
            .store
            .staff_by_token(&hash_secret(token), "api", state.clock.now())
            .await
        {
            Ok(member) => Ok(Staff(member)),
            Err(StoreError::NotFound) => Err(unauthorized()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Staff {
    /// 403 unless the role is at least `role`.
    pub fn require(&self, role: Role) -> Result<&StaffMember, AppError> {
        if self.0.role >= role {
            Ok(&self.0)
        } else {
            Err(AppError::new(Code::Forbidden, "err.forbidden"))
        }
    }

    /// 403 unless the member may act for `office_id` (admins everywhere, others at
    /// their own office).
    pub fn require_office(&self, role: Role, office_id: i64) -> Result<&StaffMember, AppError> {
        let member = self.require(role)?;
        if member.role == Role::Admin || member.office_id == Some(office_id) {
            Ok(member)
        } else {
            Err(AppError::new(Code::Forbidden, "err.forbidden"))
        }
    }
}
