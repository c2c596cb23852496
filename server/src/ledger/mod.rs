//! The credit ledger's rules, pure: no database, no HTTP, no clock. The database layer feeds
//! it state and applies its decisions inside one transaction per batch.

pub mod allocation;
pub mod burn;
pub mod period;
pub mod recharge;

pub use burn::{Burn, GrantKind, GrantState, balance_at, burn, burn_order};
pub use period::{Period, local_day, period_containing};
pub use recharge::{BatchOutcome, PoolLedger, Recharge, RechargeRule, apply};

/// The price of purchased credits: $0.10 per credit, in whole cents (exact for any amount
/// of milli-credits that is a multiple of 0.1 credit; smaller parts round down).
pub fn price_cents(amount: app::credits::Credits) -> i64 {
    amount.0 / 100
}
