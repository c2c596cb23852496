//! Configuration from the environment, read once at start-up into [`Config`], with defaults
//! that just work. A value that cannot be read stops the start with the variable's name.

use ipnet::IpNet;
use std::time::Duration;

/// Default: an SQLite file under `data/` (created on first start).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/credit-meter.db";

/// The serving process's settings (each documented in the README's configuration table).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `TRUSTED_PROXIES`: comma-separated CIDRs (`10.0.0.0/8,127.0.0.1/32`). Only a peer
    /// inside one of them may name the client with `X-Forwarded-For` or `Forwarded`.
    pub trusted_proxies: Vec<IpNet>,
    /// `BACKFILL_DAYS` (default 35): events older than this are refused.
    pub backfill_days: u32,
    /// `REQUEST_LOG_RETENTION_DAYS` (default 90): older API request log rows are deleted.
    pub request_log_retention_days: u32,
    /// `REQUEST_TIMEOUT_SECS` (default 30): a request still running after this answers 503.
    pub request_timeout: Duration,
    /// `MAX_IN_FLIGHT` (default 256): requests served at once; more answer 503 at once.
    pub max_in_flight: usize,
    /// `SHUTDOWN_TIMEOUT_SECS` (default 30): how long SIGTERM waits for queued work.
    pub shutdown_timeout: Duration,
    /// `PAYMENT_TIMEOUT_SECS` (default 10): how long a charge may wait for the payment
    /// provider. An auto-recharge is charged while its organization's ingest waits.
    pub payment_timeout: Duration,
    /// `SQLITE_SYNCHRONOUS`: `full` (default: an answered batch survives a power loss) or
    /// `normal` (faster; a power loss may drop the last answered batches).
    pub sqlite_synchronous: crate::db::Synchronous,
    /// `PUBLIC_URL`: where users reach the dashboard, without a trailing slash, for the links
    /// the server hands out. Served over `https://`, the session cookie is marked `Secure`.
    pub public_url: Option<String>,
    /// `SEED_DEMO` (default on; `0` or `false` turns it off): `serve` fills an empty database
    /// with the demo organizations.
    pub seed_demo: bool,
    /// `LOGIN_HINT`: a line for the login page (e.g. the demo accounts); none by default.
    pub login_hint: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            trusted_proxies: Vec::new(),
            backfill_days: 35,
            request_log_retention_days: 90,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 256,
            shutdown_timeout: Duration::from_secs(30),
            payment_timeout: Duration::from_secs(10),
            sqlite_synchronous: crate::db::Synchronous::Full,
            public_url: None,
            seed_demo: true,
            login_hint: None,
        }
    }
}

impl Config {
    /// Whether the session cookie is marked `Secure`: the dashboard is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// Reads the environment; `Err` names the variable that could not be read.
    pub fn from_env() -> Result<Config, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let d = Config::default();
        let number = |name: &str, default: u64, max: u64| -> Result<u64, String> {
            match var(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| format!("{name}: must be a whole number from 1 to {max}")),
            }
        };
        let trusted_proxies = match var("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => parse_cidrs(&v).map_err(|e| format!("TRUSTED_PROXIES: {e}"))?,
        };
        let sqlite_synchronous = match var("SQLITE_SYNCHRONOUS").as_deref().map(str::trim) {
            None => d.sqlite_synchronous,
            Some(v) if v.eq_ignore_ascii_case("full") => crate::db::Synchronous::Full,
            Some(v) if v.eq_ignore_ascii_case("normal") => crate::db::Synchronous::Normal,
            Some(_) => return Err("SQLITE_SYNCHRONOUS: must be full or normal".into()),
        };
        Ok(Config {
            sqlite_synchronous,
            public_url: var("PUBLIC_URL")
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .map(|u| u.trim_end_matches('/').to_string()),
            seed_demo: var("SEED_DEMO").is_none_or(|v| v != "0" && v != "false"),
            login_hint: var("LOGIN_HINT").filter(|h| !h.trim().is_empty()),
            trusted_proxies,
            backfill_days: number("BACKFILL_DAYS", d.backfill_days.into(), 3660)? as u32,
            request_log_retention_days: number(
                "REQUEST_LOG_RETENTION_DAYS",
                d.request_log_retention_days.into(),
                36600,
            )? as u32,
            request_timeout: Duration::from_secs(number("REQUEST_TIMEOUT_SECS", 30, 3600)?),
            max_in_flight: number("MAX_IN_FLIGHT", d.max_in_flight as u64, 100_000)? as usize,
            shutdown_timeout: Duration::from_secs(number("SHUTDOWN_TIMEOUT_SECS", 30, 3600)?),
            payment_timeout: Duration::from_secs(number("PAYMENT_TIMEOUT_SECS", 10, 600)?),
        })
    }
}

/// `10.0.0.0/8, 192.168.1.7` → networks; a bare address is a network of one.
fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an address or a CIDR such as 10.0.0.0/8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| owned.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn nothing_set_is_the_default() {
        assert_eq!(with(&[]).unwrap(), Config::default());
    }

    #[test]
    fn proxies_and_numbers_are_read() {
        let c = with(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            ("BACKFILL_DAYS", "400"),
        ])
        .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(c.backfill_days, 400);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        assert!(
            with(&[("TRUSTED_PROXIES", "10.0.0.0/33")])
                .unwrap_err()
                .starts_with("TRUSTED_PROXIES")
        );
        assert!(
            with(&[("BACKFILL_DAYS", "0")])
                .unwrap_err()
                .starts_with("BACKFILL_DAYS")
        );
        assert!(
            with(&[("MAX_IN_FLIGHT", "lots")])
                .unwrap_err()
                .starts_with("MAX_IN_FLIGHT")
        );
    }
}
