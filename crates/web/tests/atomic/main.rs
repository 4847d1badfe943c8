//! One transaction per use-case: a failure injected after a use-case's cause (a job, an audit row
//! or a stage change that the database refuses) leaves nothing of the cause behind.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod booking;
mod cases;
