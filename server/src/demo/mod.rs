//! Deterministic demo data: the same seed and the same `now` give the same rows.

pub mod catalog;
mod generator;
mod rating;
mod setup;

pub use generator::{DEFAULT_EVENTS, DemoOptions, OrgSummary, seed_demo};
