//! One module per route, each with the server functions its view uses.
pub mod activity;
pub mod credits;
pub mod flows;
pub mod login;
pub mod requests;
pub mod settings;
pub mod setup;
pub mod usage;
pub mod users;
