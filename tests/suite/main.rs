//! The black-box suite: the real application on a random port, over a real SQLite file
//! or a real PostgreSQL database, driven over HTTP (and through Chromium).

pub(crate) mod access;
mod attacks;
mod bad_input;
mod booking;
pub(crate) mod browser;
mod concurrency;
mod contract;
mod desk;
mod desk_pages;
pub(crate) mod durability;
mod helpers;
mod hostile;
mod journey;
mod metrics;
pub(crate) mod multiprocess;
pub(crate) mod outbox;
mod outputs;
pub(crate) mod planner;
mod plans;
mod queue_screen;
mod report_pages;
mod retention;
mod schema;
pub(crate) mod security;
mod shutdown;
pub(crate) mod staff_pages;
pub(crate) mod verification;
