//! Configuration from the environment, with defaults that just work.

/// Default: an SQLite file under `data/` (created on first start).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/credit-meter.db";

/// Whether an empty database is filled with the demo organizations on `serve`.
pub fn seed_when_empty() -> bool {
    std::env::var("SEED_DEMO")
        .map(|v| v != "0" && v != "false")
        .unwrap_or(true)
}

/// `DASHBOARD_ORG`: the organization the dashboard shows until sign-in exists.
pub fn dashboard_org() -> Option<String> {
    std::env::var("DASHBOARD_ORG")
        .ok()
        .filter(|s| !s.is_empty())
}
