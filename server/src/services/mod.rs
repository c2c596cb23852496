//! Server-only query services. Pages (through server functions), the REST API and the CSV
//! exports all call these; there is no second copy of a query.

pub mod activity;
pub mod allocations;
pub mod balance;
pub mod companies;
pub mod credits;
pub mod flows;
pub mod getting_started;
mod keyset;
pub mod models;
pub mod names;
pub mod overview;
pub mod periods;
pub mod range;
pub mod requests;
mod shares;
mod sql;
pub mod teams;
pub mod usage;
pub mod users;
pub mod value;
