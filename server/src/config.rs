//! Configuration from the environment, with defaults that just work.

/// Default: an SQLite file under `data/` (created on first start).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/credit-meter.db";

/// Whether an empty database is filled with the demo organizations on `serve`.
pub fn seed_when_empty() -> bool {
    std::env::var("SEED_DEMO")
        .map(|v| v != "0" && v != "false")
        .unwrap_or(true)
}

/// `PUBLIC_URL`: where users reach the dashboard. Served over `https://`, the session
/// cookie is marked `Secure`.
pub fn secure_cookies() -> bool {
    std::env::var("PUBLIC_URL").is_ok_and(|u| u.starts_with("https://"))
}

/// `PUBLIC_URL` without a trailing slash, for links the server hands out.
pub fn public_url() -> Option<String> {
    std::env::var("PUBLIC_URL")
        .ok()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(|u| u.trim_end_matches('/').to_string())
}
