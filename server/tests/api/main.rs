//! The server's integration tests, one binary (one link step): black-box over real HTTP and
//! against the query services, each on SQLite and on PostgreSQL. `helpers` has the test
//! databases, the seeded demo data and typed clients.

mod helpers;

mod accounts;
mod api_v1;
mod catalog;
mod database;
mod hardening;
mod http;
mod ingest;
mod models;
mod money;
mod overview;
mod pages;
mod rates;
mod rollups;
mod security;
