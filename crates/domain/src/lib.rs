//! The practice's rules and types: pure functions, no I/O, no async.

pub mod absence;
pub mod account;
pub mod agreement;
pub mod attendance;
pub mod audit;
pub mod availability;
pub mod bank;
pub mod booking;
pub mod calendar;
pub mod case;
pub mod claims;
pub mod content;
pub mod crisis;
pub mod ending;
pub mod focus;
pub mod genogram;
pub mod ids;
pub mod inquiry;
pub mod intake;
pub mod invoice;
pub mod jobs;
pub mod markdown;
pub mod measures;
pub mod messaging;
pub mod money;
pub mod notes;
pub mod outbox;
pub mod params;
pub mod practice;
pub mod room;
pub mod series;
pub mod slug;
pub mod validation;
pub mod workspace;
pub mod zones;

pub use validation::{FieldErrors, Validated};
