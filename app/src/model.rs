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

/// One line of a "where did the credits go" summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    pub key: String,
    pub name: String,
    /// Parent category key, for feature rows.
    pub category: Option<String>,
    pub credits: Credits,
    pub events: i64,
    pub quantity: i64,
    /// message, run, session, minute… (feature rows)
    pub unit: Option<String>,
    /// Credits in the compare range, when compare-with is on.
    pub compare_credits: Option<Credits>,
}

impl ShareRow {
    /// Share of `total`, in percent with one decimal.
    pub fn share_percent(&self, total: Credits) -> f64 {
        percent(self.credits, total)
    }

    /// Change against the compare range, in percent; `None` without compare or from zero.
    pub fn change_percent(&self) -> Option<f64> {
        change_percent(self.credits, self.compare_credits?)
    }
}

pub fn percent(part: Credits, total: Credits) -> f64 {
    if total.0 == 0 {
        0.0
    } else {
        (part.0 as f64 * 1000.0 / total.0 as f64).round() / 10.0
    }
}

pub fn change_percent(now: Credits, before: Credits) -> Option<f64> {
    (before.0 != 0).then(|| ((now.0 - before.0) as f64 * 1000.0 / before.0 as f64).round() / 10.0)
}

/// One line of the multi-line chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    /// One value per bucket of `Overview::buckets`.
    pub values: Vec<Credits>,
}

/// Everything the overview page shows, for one filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub organization_name: String,
    pub time_zone: String,
    pub balance: BalanceCard,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub compare_from: Option<NaiveDate>,
    pub compare_to: Option<NaiveDate>,
    pub total: Credits,
    pub total_events: i64,
    pub compare_total: Option<Credits>,
    pub categories: Vec<ShareRow>,
    pub features: Vec<ShareRow>,
    /// The six agent surfaces, always listed (zero when idle).
    pub agents: Vec<ShareRow>,
    /// Bucket labels (days, week starts or months) of the range.
    pub buckets: Vec<String>,
    /// Credits per feature per bucket, biggest features first.
    pub series: Vec<Series>,
    /// Total per bucket of the compare range, aligned by position.
    pub compare_series: Option<Vec<Credits>>,
    /// Credits per day over the range (the daily chart and its table).
    pub daily: Vec<DailyPoint>,
}

/// Choices for the filter bar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub teams: Vec<String>,
    /// (key, name)
    pub categories: Vec<(String, String)>,
    /// (key, name, category key)
    pub features: Vec<(String, String, String)>,
    /// Member emails.
    pub users: Vec<String>,
}

/// One usage event in the activity log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub event_id: String,
    /// Local time in the organization's zone, `YYYY-MM-DD HH:MM:SS`.
    pub time: String,
    pub feature: String,
    /// e.g. "Agent · Chat", "Flow · Lead nurture".
    pub source: Option<String>,
    pub action: Option<String>,
    pub user: Option<String>,
    pub company: Option<String>,
    pub credits: Credits,
    pub quantity: i64,
    pub tokens: Option<i64>,
}

/// A page of the activity log, newest first, with keyset cursors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub rows: Vec<ActivityRow>,
    /// Cursor for the next (older) page, if any.
    pub next: Option<String>,
    /// Cursor for the previous (newer) page, if any.
    pub prev: Option<String>,
    pub time_zone: String,
}

/// Where a paged table is: keyset cursors from the URL and the page size.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub before: Option<String>,
    pub after: Option<String>,
    pub page_size: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantRow {
    pub pool: String,
    pub description: String,
    pub kind: String,
    pub granted: String,
    pub expires: Option<String>,
    /// active, exhausted, expired (as of now, whatever the stored status says) or voided.
    pub status: String,
    pub original: Credits,
    pub remaining: Credits,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurchaseRow {
    pub pool: String,
    pub date: String,
    pub amount: Credits,
    /// manual or auto_recharge
    pub origin: String,
    pub price_cents: i64,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodRow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub current: bool,
    pub included: Credits,
    pub purchased: Credits,
    pub used: Credits,
    pub overage: Credits,
    pub expired: Credits,
    pub end_user_used: Credits,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolRow {
    pub key: String,
    pub name: String,
    pub purchased: Credits,
    pub allocated: Credits,
    /// This billing period.
    pub used: Credits,
    pub remaining: Credits,
    pub expired: Credits,
}

/// Everything on the Credits page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditsView {
    pub time_zone: String,
    pub pools: Vec<PoolRow>,
    pub grants: Vec<GrantRow>,
    pub purchases: Vec<PurchaseRow>,
    /// Main pool, current period first.
    pub periods: Vec<PeriodRow>,
}
