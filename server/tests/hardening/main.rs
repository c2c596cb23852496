//! Hardening over real HTTP on both backends: what an attacker or a faulty client sends, and
//! what several servers on one database must agree on. `login` has sign-in limits, proxies
//! and sessions; `input` has event bounds and the backfill window.

mod faults;
#[path = "../helpers/mod.rs"]
mod helpers;
mod input;
mod login;
mod ops;
mod payments;
mod rebuild;
mod replicas;
