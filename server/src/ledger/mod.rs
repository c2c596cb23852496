//! The credit ledger's rules, pure: no database, no HTTP, no clock. The database layer feeds
//! it state and applies its decisions inside one transaction per batch.

pub mod allocation;
pub mod burn;
pub mod period;
pub mod rate;
pub mod recharge;

pub use burn::{Burn, GrantKind, GrantState, balance_at, burn, burn_order};
pub use period::{Period, WeekSplit, local_day, monday_of, period_containing, split_weeks};
pub use recharge::{
    BatchBurn, BatchOutcome, PoolLedger, Recharge, RechargeRule, apply, apply_batch, recharge_key,
};
