//! The waiting room's queue: a desk calls the next number, and the screen shows each
//! desk's latest call (numbers only).

use super::auth::{AtOffice, Authorized, Desk};
use super::{AppError, Code, Context};
use crate::store::{Called, Office, QueueBoard};

/// How many desks call today: the recording sets staffed (at least one).
pub fn desks(ctx: &Context, office: &Office) -> i64 {
    let today = super::desk::today(ctx, office);
    crate::planner::plan_day(&office.spec, &office.calendar, today)
        .staffed_sets
        .max(1) as i64
}

/// Today's board of an office.
pub async fn board(ctx: &Context, office: &Office) -> Result<QueueBoard, AppError> {
    Ok(ctx
        .store
        .queue_board(office.id, super::desk::today(ctx, office))
        .await?)
}

/// Calls the next number checked in to `desk` (1 to [`desks`]); `None` when nobody waits.
/// The call is audited.
pub async fn call_next(
    ctx: &Context,
    who: &Authorized<AtOffice<Desk>>,
    desk: i64,
) -> Result<Option<Called>, AppError> {
    let office = who.office();
    if !(1..=desks(ctx, office)).contains(&desk) {
        return Err(AppError::field(Code::Invalid, "desk", "err-desk-number"));
    }
    let today = super::desk::today(ctx, office);
    Ok(ctx
        .store
        .call_next(office.id, today, desk, who.actor(), ctx.clock.now())
        .await?)
}
