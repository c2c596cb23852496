//! The credit meter's server: configuration, database, ledger, query services, REST API,
//! demo data and the command line. `main.rs` only dispatches the CLI.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod export;
pub mod grants;
pub mod ingest;
pub mod insights;
pub mod ledger;
pub mod ledger_store;
pub mod meter;
pub mod money;
pub mod payment;
pub mod platform_keys;
pub mod provision;
pub mod rates;
pub mod services;
pub mod setup;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
