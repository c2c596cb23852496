//! Data shapes that travel from the query services to the pages (serialised by server functions).

use crate::credits::{Credits, Money};
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
    /// Left on corrections that added credits (shown when not zero).
    pub adjusted_remaining: Credits,
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
    /// What the credits cost (feature rows), at the pool's price on each day.
    pub money: Option<Money>,
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
    /// Feature key (what a click on the line drills into).
    pub key: String,
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
    /// What the range's credits cost, one amount per currency, at the pools' prices on
    /// each day.
    pub money: Vec<Money>,
    /// The part of `total` the meter rated from usage (the rest its senders priced); `None`
    /// under a team, user or company filter (those rollups do not keep the split).
    pub rated: Option<Credits>,
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
    /// Days well above the usual in `daily` (marked on the chart).
    pub anomalies: Vec<NaiveDate>,
    /// Every source (agent, flow, pilot, tool, session) with usage, highest first.
    pub sources: Vec<ShareRow>,
    /// Credits per company (empty when the organization tags no usage with companies).
    pub companies: Vec<ShareRow>,
    /// Credits and money per team (empty when the organization has no teams); a member of
    /// two teams counts in both.
    pub teams: Vec<ShareRow>,
    /// Usage that named a model, by model, most credits first.
    pub models: Vec<ModelUsage>,
    pub forecast: Forecast,
    /// Until the organization has features and its first event: how to get there.
    pub getting_started: Option<GettingStarted>,
}

/// The first steps of a new organization, shown on the usage page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GettingStarted {
    /// Whether any event arrived yet.
    pub has_usage: bool,
    /// A feature of the catalog to send the first event for; `None`: the catalog has none.
    pub feature: Option<String>,
    /// Where this dashboard is reached (`http://host:port`), for the `curl` line.
    pub origin: String,
    /// The time to put in the example event (RFC 3339).
    pub now: String,
}

impl GettingStarted {
    /// The exact command that sends a first event for [`Self::feature`].
    pub fn curl(&self) -> Option<String> {
        let feature = self.feature.as_ref()?;
        Some(format!(
            "curl -s -H \"Authorization: Bearer $KEY\" {}/api/v1/events \\\n  -d '{{\"events\": [{{\"id\": \"first-1\", \"timestamp\": \"{}\", \"feature\": \"{feature}\", \"credits\": \"1\"}}]}}'",
            self.origin, self.now
        ))
    }
}

/// The usage page's charts as ECharts options (JSON), built on the server with charming.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Charts {
    pub features: String,
    pub categories: String,
    /// Credits per day: the whole range, and its last 7 days.
    pub daily: String,
    pub daily_week: String,
    /// What a click on a feature's line or a category's slice narrows the page to.
    pub feature_drill: ChartDrill,
    pub category_drill: ChartDrill,
}

/// The filter a chart's series narrow to when clicked: series (or slice) name → value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartDrill {
    /// The filter field (`feature`, `category`).
    pub field: String,
    pub values: Vec<(String, String)>,
}

impl ChartDrill {
    pub fn new<'a>(field: &str, rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        ChartDrill {
            field: field.to_string(),
            values: rows
                .into_iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }

    pub fn value_of(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the usage page's server function answers: the numbers and their charts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverviewPage {
    pub overview: Overview,
    pub charts: Charts,
}

/// Choices for the filter bar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub teams: Vec<String>,
    /// (key, name)
    pub categories: Vec<(String, String)>,
    pub features: Vec<FeatureOption>,
    /// Member emails.
    pub users: Vec<String>,
    /// (key, name)
    pub companies: Vec<(String, String)>,
    /// (key, name)
    pub flows: Vec<(String, String)>,
    /// Model names.
    pub models: Vec<String>,
}

/// A feature in the filter bar's menu, under its category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureOption {
    pub key: String,
    pub name: String,
    pub category: String,
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

/// Order of the activity log.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActivitySort {
    #[default]
    Newest,
    Oldest,
    /// Most credits first.
    Credits,
}

/// Where a paged table is: keyset cursors from the URL, the page size and the order.
/// `before` continues in the sort order (Next), `after` goes back (Previous).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub before: Option<String>,
    pub after: Option<String>,
    pub page_size: u64,
    #[serde(default)]
    pub sort: ActivitySort,
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
    /// What was charged, in the pool's currency.
    pub price: crate::credits::Money,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodRow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub current: bool,
    pub included: Credits,
    pub purchased: Credits,
    /// Adjustments added less debits.
    pub adjusted: Credits,
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
    /// Why grants, purchases and periods are left out for this viewer, if they are.
    #[serde(default)]
    pub restricted: Option<String>,
}

/// Run-out forecast of the main pool at the recent burn rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Average credits per day over the last `window_days` full days; with `window_days` 0
    /// (nothing burned on them yet), what was burned so far today.
    pub daily_rate: Credits,
    pub window_days: i64,
    /// The day the balance reaches zero at that rate; `None` when nothing is being burned.
    pub runs_out_on: Option<NaiveDate>,
    /// Whether that day comes before the period ends (and the included grant renews).
    pub before_period_end: bool,
}

/// Usage of one member or end user, per feature (the user × subcategory table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserUsage {
    /// Member email or end-user id; `None` = usage attributed to nobody.
    pub name: Option<String>,
    /// `member` or `end user`.
    pub kind: String,
    pub total: Credits,
    pub events: i64,
    /// Aligned with `UsersView::features`.
    pub by_feature: Vec<Credits>,
}

/// An end user's (or member's) cap in a pool and what they used of it this period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocationRow {
    pub subject: String,
    pub kind: String,
    pub pool: String,
    pub cap: Credits,
    pub used: Credits,
    pub remaining: Credits,
}

impl AllocationRow {
    pub fn used_percent(&self) -> f64 {
        percent(self.used, self.cap)
    }
}

/// Everything on the Users page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsersView {
    pub time_zone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Feature columns (key, name), biggest first.
    pub features: Vec<(String, String)>,
    /// Biggest consumers first.
    pub users: Vec<UserUsage>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Closest to running out first.
    pub allocations: Vec<AllocationRow>,
}

/// One flow, AI pilot, agent, tool or browser session and what it used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceUsage {
    pub key: String,
    pub name: String,
    /// agent, flow, pilot, tool or session
    pub kind: String,
    pub flow_type: Option<String>,
    pub status: Option<String>,
    pub credits: Credits,
    pub events: i64,
    pub quantity: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub compare_credits: Option<Credits>,
}

/// One action of a flow (or another source) and what it used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionUsage {
    pub source: String,
    /// The flow (or other source) the action belongs to, as `kind:key`.
    pub source_key: String,
    pub key: String,
    pub name: String,
    pub credits: Credits,
    pub events: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// What usage on one model (e.g. `gpt-4o-mini`) came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelUsage {
    pub model: String,
    pub events: i64,
    /// Not counted for a company's usage (the rollup by company has no tokens).
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub credits: Credits,
    /// Credits in the compare range, when compare-with is on.
    pub compare_credits: Option<Credits>,
    /// What the credits cost, when they are in one currency.
    pub money: Option<Money>,
}

/// Everything on the Flows & agents page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowsView {
    pub time_zone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub compare: bool,
    pub flows: Vec<SourceUsage>,
    pub actions: Vec<ActionUsage>,
    pub pilots: Vec<SourceUsage>,
    pub agents: Vec<SourceUsage>,
    /// AI tools and browser sessions.
    pub others: Vec<SourceUsage>,
    /// Usage that named a model, by model, most credits first.
    pub models: Vec<ModelUsage>,
}

/// One call of the REST API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: i64,
    /// Local time in the organization's zone.
    pub time: String,
    pub method: String,
    pub endpoint: String,
    pub end_user: Option<String>,
    pub api_key: Option<String>,
    pub status: i32,
    pub latency_us: i32,
}

/// All requests in the range, and how many failed (status ≥ 400).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestCounts {
    pub total: i64,
    pub failed: i64,
}

/// The API page: one page of the range's requests, newest first, and (when asked) the
/// counts of all of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestLogView {
    pub time_zone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub counts: Option<RequestCounts>,
    pub rows: Vec<RequestRow>,
    /// Cursors of the older (`next`) and newer (`prev`) pages, where there are any.
    pub next: Option<String>,
    pub prev: Option<String>,
}
