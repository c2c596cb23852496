//! Login attempts are rate-limited per account and per client address (governor's keyed
//! GCRA limiters, in memory: one server process answers all logins of its clients).

use app::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// Attempts per minute for one email address, and for one client address.
pub const PER_ACCOUNT: u32 = 5;
pub const PER_ADDRESS: u32 = 20;

#[derive(Clone)]
pub struct LoginLimits {
    accounts: Arc<DefaultKeyedRateLimiter<String>>,
    addresses: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("non-zero"));
        LoginLimits {
            accounts: Arc::new(RateLimiter::keyed(per_minute(PER_ACCOUNT))),
            addresses: Arc::new(RateLimiter::keyed(per_minute(PER_ADDRESS))),
        }
    }
}

impl LoginLimits {
    /// Counts one attempt; refuses it (with the wait) when either budget is spent.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), AppError> {
        let wait = |n: governor::NotUntil<_>| AppError::RateLimited {
            retry_after_secs: n
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1),
        };
        if let Some(ip) = address {
            self.addresses.check_key(&ip).map_err(wait)?;
        }
        self.accounts
            .check_key(&email.trim().to_lowercase())
            .map_err(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_one_account_waits() {
        let l = LoginLimits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..PER_ACCOUNT {
            l.check("a@x.test", Some(ip)).unwrap();
        }
        assert!(matches!(
            l.check("A@x.test ", Some(ip)),
            Err(AppError::RateLimited { .. })
        ));
        // Another account from the same address still may.
        l.check("b@x.test", Some(ip)).unwrap();
    }

    #[test]
    fn one_address_cannot_spray_many_accounts() {
        let l = LoginLimits::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for i in 0..PER_ADDRESS {
            l.check(&format!("u{i}@x.test"), Some(ip)).unwrap();
        }
        assert!(l.check("fresh@x.test", Some(ip)).is_err());
        l.check("fresh@x.test", Some("10.0.0.3".parse().unwrap()))
            .unwrap();
    }
}
