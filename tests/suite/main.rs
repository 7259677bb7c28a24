//! The black-box suite: the real application on a random port, over a real SQLite file
//! or a real PostgreSQL database, driven over HTTP (and through Chromium).

mod access;
mod bad_input;
mod booking;
mod browser;
mod concurrency;
mod desk;
mod desk_pages;
mod durability;
mod helpers;
mod hostile;
mod metrics;
pub(crate) mod multiprocess;
mod outbox;
mod outputs;
pub(crate) mod planner;
mod retention;
pub(crate) mod security;
