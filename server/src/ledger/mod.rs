//! The credit ledger's rules, pure: no database, no HTTP, no clock. The database layer feeds
//! it state and applies its decisions inside one transaction per batch.

pub mod burn;
pub mod period;

pub use burn::{Burn, GrantKind, GrantState, burn, burn_order};
pub use period::{Period, local_day, period_containing};
