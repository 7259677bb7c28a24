//! What the pages and the API share: error answers, the page frame and forms, the
//! language, staff authentication, form reading and rate limits.

pub mod auth;
pub mod error;
pub mod form;
pub mod hosts;
pub mod lang;
pub mod limits;
pub mod multipart;
pub mod page;
pub mod session;
