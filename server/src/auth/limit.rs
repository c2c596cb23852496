//! Login attempts are rate-limited in the database (GCRA: one row per bucket holding the
//! theoretical arrival time), so every server on one database shares the budgets. Buckets
//! are SHA-256 hashes: no submitted text is stored, and a bucket is 64 characters whatever
//! was sent. Idle buckets are pruned (`prune`).
//!
//! The policy, checked in this order (a refused attempt spends nothing further down):
//! - per client address: 20 a minute — one address cannot spray many accounts;
//! - per account and address: 5 a minute — a burst of wrong passwords locks the account
//!   out from that address only, not for its owner signing in from elsewhere;
//! - per account over all addresses: 30 at once, then 60 an hour — bounds a guess spread
//!   over many addresses; the owner is locked out only while such an attack lasts.

use crate::error::Result;
use app::error::AppError;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use sea_orm::{ConnectionTrait, Statement};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;

/// A budget: `burst` attempts at once, then one per `interval_ms`.
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub scope: &'static str,
    pub burst: u32,
    pub interval_ms: i64,
}

pub const PER_ADDRESS: Quota = Quota {
    scope: "login:address",
    burst: 20,
    interval_ms: 3_000,
};
pub const PER_ACCOUNT_ADDRESS: Quota = Quota {
    scope: "login:account+address",
    burst: 5,
    interval_ms: 12_000,
};
pub const PER_ACCOUNT: Quota = Quota {
    scope: "login:account",
    burst: 30,
    interval_ms: 60_000,
};

#[derive(Clone, Default)]
pub struct LoginLimits {
    trusted_proxies: Arc<Vec<IpNet>>,
}

impl LoginLimits {
    pub fn new(trusted_proxies: Vec<IpNet>) -> Self {
        LoginLimits {
            trusted_proxies: Arc::new(trusted_proxies),
        }
    }

    /// The client's address: the TCP peer, or what a trusted proxy says it forwarded for.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_address(peer, headers, &self.trusted_proxies)
    }

    /// Counts one attempt at signing in as `email`; refuses it (with the wait) when a budget
    /// is spent.
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        email: &str,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let account = email.trim().to_lowercase();
        let mut checks = Vec::with_capacity(3);
        if let Some(ip) = address {
            checks.push((PER_ADDRESS, ip.to_string()));
            checks.push((PER_ACCOUNT_ADDRESS, format!("{account}\0{ip}")));
        }
        checks.push((PER_ACCOUNT, account));
        for (quota, subject) in checks {
            if let Err(retry_after_secs) = take(db, quota, &subject, now).await? {
                return Err(AppError::RateLimited { retry_after_secs }.into());
            }
        }
        Ok(())
    }
}

fn bucket(quota: Quota, subject: &str) -> String {
    hex::encode(Sha256::digest(format!("{}\0{subject}", quota.scope)))
}

/// Spends one attempt from `subject`'s bucket; `Err(seconds)` when it must wait.
pub async fn take<C: ConnectionTrait>(
    db: &C,
    quota: Quota,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), u64>> {
    let key = bucket(quota, subject);
    let now_ms = now.timestamp_millis();
    let interval = quota.interval_ms;
    let limit = now_ms.saturating_add(i64::from(quota.burst).saturating_mul(interval));
    // One statement: concurrent attempts (on any server) cannot both take the last token.
    let sql = "INSERT INTO rate_limits (bucket, tat_ms) VALUES ($1, $2) \
        ON CONFLICT (bucket) DO UPDATE SET tat_ms = \
          (CASE WHEN rate_limits.tat_ms > $3 THEN rate_limits.tat_ms ELSE $3 END) + $4 \
        WHERE (CASE WHEN rate_limits.tat_ms > $3 THEN rate_limits.tat_ms ELSE $3 END) + $4 <= $5 \
        RETURNING tat_ms";
    let backend = db.get_database_backend();
    let sql = crate::db::numbered(backend, sql);
    let values = [
        key.clone().into(),
        (now_ms + interval).into(),
        now_ms.into(),
        interval.into(),
        limit.into(),
    ];
    let taken = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    if taken.is_some() {
        return Ok(Ok(()));
    }
    let q = crate::db::numbered(backend, "SELECT tat_ms FROM rate_limits WHERE bucket = $1");
    let tat: i64 = db
        .query_one_raw(Statement::from_sql_and_values(backend, q, [key.into()]))
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(now_ms);
    let wait_ms = tat.saturating_add(interval).saturating_sub(limit).max(1000);
    Ok(Err((wait_ms as u64).div_ceil(1000)))
}

/// Deletes buckets idle long enough to be full again (the same as no row); returns how many.
pub async fn prune<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64> {
    let backend = db.get_database_backend();
    let sql = crate::db::numbered(backend, "DELETE FROM rate_limits WHERE tat_ms < $1");
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [now.timestamp_millis().into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// From the nearest hop back, the first address that is not a trusted proxy. A peer that
/// is not trusted is the client, whatever its headers say.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    if !is_trusted(&peer) {
        return client;
    }
    for hop in forwarded_chain(headers).into_iter().rev() {
        // An element that is not an address (`unknown`, an obfuscated name) ends the chain.
        let Some(ip) = hop else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// The addresses a request passed through, the client first: RFC 7239 `Forwarded` when
/// present, else `X-Forwarded-For`.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let forwarded = joined("forwarded");
    if !forwarded.trim().is_empty() {
        return forwarded
            .split(',')
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| node_address(v.trim().trim_matches('"')))
            })
            .collect();
    }
    joined("x-forwarded-for")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(node_address)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1` → the address.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_peer_may_name_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.1.1.1")]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("203.0.113.9")
        );
        // The same headers from an untrusted peer are ignored.
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &[]),
            ip("198.51.100.7")
        );
        assert_eq!(client_address(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn a_spoofed_leftmost_entry_does_not_win() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client sent "1.2.3.4" itself; the proxy appended the address it saw.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::7]:4711\";proto=https, for=10.2.2.2",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("2001:db8::7")
        );
        let hidden = headers(&[("forwarded", "for=_hidden, for=192.0.2.60:80")]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &hidden, &trusted),
            ip("192.0.2.60")
        );
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &unknown, &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn buckets_have_one_length_whatever_was_sent() {
        let long = "x".repeat(2 << 20);
        assert_eq!(bucket(PER_ACCOUNT, &long).len(), 64);
        assert_ne!(bucket(PER_ACCOUNT, "a"), bucket(PER_ADDRESS, "a"));
    }
}
