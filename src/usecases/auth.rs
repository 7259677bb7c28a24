//! Authorization that cannot be forgotten: every use case that changes something takes an
//! [`Authorized`] value, and only the checks here make one. A handler that skips the
//! check has nothing to pass.
//!
//! The scopes: an office at a role ([`AtOffice`]: admins everywhere, desk officers and
//! supervisors at their own office), every office ([`Nationwide`]: admins, the CLI), and
//! one's own booking ([`OwnBooking`]: the applicant holding its code and token; see
//! [`super::booking::owned`]).

use super::{AppError, Code};
use crate::domain::{Actor, Booking, Role};
use crate::store::{Office, StaffMember};
use std::marker::PhantomData;

/// Proof that `actor` passed the check of scope `S`. Its fields are private: only this
/// module (and [`super::booking::owned`], through [`own_booking`]) makes one.
#[derive(Debug, Clone)]
pub struct Authorized<S> {
    actor: Actor,
    scope: S,
}

impl<S> Authorized<S> {
    /// Who.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// For what.
    pub fn scope(&self) -> &S {
        &self.scope
    }
}

/// A role at least as high as another, as a type: [`Desk`], [`Supervisor`].
pub trait Grant {
    /// The lowest role with this grant.
    const ROLE: Role;
}

/// Desk work: check-ins, walk-ins, certificates, the day's list.
#[derive(Debug, Clone, Copy)]
pub struct Desk;
impl Grant for Desk {
    const ROLE: Role = Role::Desk;
}

/// Supervision: levels, closures, office settings, messages, the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Supervisor;
impl Grant for Supervisor {
    const ROLE: Role = Role::Supervisor;
}

/// One office, at a role.
#[derive(Debug, Clone)]
pub struct AtOffice<R> {
    office: Office,
    role: PhantomData<R>,
}

impl<R> AtOffice<R> {
    /// The office.
    pub fn office(&self) -> &Office {
        &self.office
    }
}

/// Every office and the national data (rules, holidays), and staff accounts.
#[derive(Debug, Clone, Copy)]
pub struct Nationwide;

/// The applicant's own booking, with its office.
#[derive(Debug, Clone)]
pub struct OwnBooking {
    /// The booking.
    pub booking: Booking,
    /// Its office.
    pub office: Office,
}

fn forbidden() -> AppError {
    AppError::new(Code::Forbidden, "err-forbidden")
}

/// `forbidden` unless the member's role is at least `role`. (No value: a role alone
/// authorizes reading, never a change.)
pub fn has_role(member: &StaffMember, role: Role) -> Result<(), AppError> {
    if member.role >= role {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// May `member` act for `office` with grant `R` (admins everywhere, others at their own
/// office)? `forbidden` otherwise.
pub fn at_office<R: Grant>(
    member: &StaffMember,
    office: Office,
) -> Result<Authorized<AtOffice<R>>, AppError> {
    has_role(member, R::ROLE)?;
    if member.role == Role::Admin || member.office_id == Some(office.id) {
        Ok(Authorized {
            actor: member.actor(),
            scope: AtOffice {
                office,
                role: PhantomData,
            },
        })
    } else {
        Err(forbidden())
    }
}

/// The office `slug`, if `member` may act for it with grant `R`.
pub async fn office<R: Grant>(
    ctx: &super::Context,
    member: &StaffMember,
    slug: &str,
) -> Result<Authorized<AtOffice<R>>, AppError> {
    has_role(member, R::ROLE)?;
    let office = ctx.store.office(slug).await?;
    at_office(member, office)
}

/// Admins act for every office.
pub fn nationwide(member: &StaffMember) -> Result<Authorized<Nationwide>, AppError> {
    has_role(member, Role::Admin)?;
    Ok(Authorized {
        actor: member.actor(),
        scope: Nationwide,
    })
}

/// Whoever runs `rekam` on the server's machine holds the database: the CLI acts for
/// every office. (Only the command line names this: `checks.rs` fails the build's tests
/// when the web layer or a use case does.)
pub fn cli() -> Authorized<Nationwide> {
    Authorized {
        actor: Actor::Cli,
        scope: Nationwide,
    }
}

/// The applicant's own booking; made only by [`super::booking::owned`] once the token
/// matched.
pub(super) fn own_booking(booking: Booking, office: Office) -> Authorized<OwnBooking> {
    Authorized {
        actor: Actor::Applicant,
        scope: OwnBooking { booking, office },
    }
}

impl<R> Authorized<AtOffice<R>> {
    /// The office.
    pub fn office(&self) -> &Office {
        &self.scope.office
    }
}

impl Authorized<OwnBooking> {
    /// The booking.
    pub fn booking(&self) -> &Booking {
        &self.scope.booking
    }

    /// Its office.
    pub fn office(&self) -> &Office {
        &self.scope.office
    }
}

impl Authorized<AtOffice<Supervisor>> {
    /// A supervisor may do desk work at their office.
    pub fn at_desk(&self) -> Authorized<AtOffice<Desk>> {
        Authorized {
            actor: self.actor.clone(),
            scope: AtOffice {
                office: self.scope.office.clone(),
                role: PhantomData,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, office_id: Option<i64>) -> StaffMember {
        StaffMember::for_tests(role, office_id)
    }

    fn office(id: i64) -> Office {
        let input: crate::domain::office::OfficeInput = serde_json::from_value(serde_json::json!({
            "name": "UPT", "timezone": "Asia/Jakarta", "address": "",
            "recording_sets": 1, "minutes_per_recording": 10, "waiting_room_seats": 4,
            "slot_minutes": 30, "max_visitors_per_day": null, "booking_horizon_days": 7,
            "hours": {"mon": ["08:00", "12:00"]}
        }))
        .unwrap();
        Office {
            id,
            slug: format!("upt-{id}"),
            spec: input.parse().unwrap(),
            updated_at: chrono::DateTime::UNIX_EPOCH,
            plan_version: 1,
            calendar: Default::default(),
        }
    }

    #[test]
    fn staff_act_at_their_own_office_and_admins_everywhere() {
        let desk = member(Role::Desk, Some(1));
        assert!(at_office::<Desk>(&desk, office(1)).is_ok());
        assert!(
            at_office::<Desk>(&desk, office(2)).is_err(),
            "another office"
        );
        assert!(
            at_office::<Supervisor>(&desk, office(1)).is_err(),
            "role too low"
        );
        let supervisor = member(Role::Supervisor, Some(1));
        assert!(at_office::<Supervisor>(&supervisor, office(1)).is_ok());
        assert!(nationwide(&supervisor).is_err());
        let admin = member(Role::Admin, None);
        assert!(at_office::<Supervisor>(&admin, office(2)).is_ok());
        let who = nationwide(&admin).unwrap();
        assert_eq!(who.actor().audit_name(), "staff:petugas");
        assert_eq!(cli().actor().audit_name(), "cli");
    }
}
