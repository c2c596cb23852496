//! Data shapes that travel from the query services to the pages (serialised by server functions).

use crate::credits::Credits;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The balance card of one pool in the current billing period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BalanceCard {
    pub pool_key: String,
    pub pool_name: String,
    /// included + purchased + promotional + allowance still available now.
    pub remaining: Credits,
    pub included_remaining: Credits,
    pub purchased_remaining: Credits,
    pub promotional_remaining: Credits,
    /// Background / automatic-work allowance, shown separately.
    pub allowance_remaining: Credits,
    /// Included credits granted for the current period, and how many of them were burned.
    pub included_granted: Credits,
    pub included_used: Credits,
    pub period_start: NaiveDate,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    pub days_left: i64,
    pub auto_recharge_enabled: bool,
}

impl BalanceCard {
    /// Share of included credits used, in whole percent (0–100+).
    pub fn included_used_percent(&self) -> i64 {
        if self.included_granted.0 <= 0 {
            return 0;
        }
        (self.included_used.0 as i128 * 100 / self.included_granted.0 as i128) as i64
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyPoint {
    pub day: NaiveDate,
    pub credits: Credits,
}

/// Everything the first dashboard page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub organization_name: String,
    pub time_zone: String,
    pub balance: BalanceCard,
    pub daily: Vec<DailyPoint>,
}
