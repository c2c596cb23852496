//! One module per route, each with the server functions its view uses.
pub mod activity;
pub mod credits;
pub mod usage;
