//! Allocations (a cap per period for an end user or member in a pool) and the authorize
//! decision.

use app::credits::Credits;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    PoolExhausted,
    AllocationExhausted,
}

/// What is left under an allocation this period (never negative).
pub fn allocation_left(cap: Credits, used_this_period: Credits) -> Credits {
    Credits((cap.0 - used_this_period.0).max(0))
}

/// May `credits` be spent now? The pool must cover it after all grants, and so must the
/// subject's allocation when it has one. Returns the decision and what is left to spend.
pub fn authorize(
    credits: Credits,
    pool_balance: Credits,
    allocation: Option<(Credits, Credits)>,
) -> (Decision, Credits) {
    let pool_left = Credits(pool_balance.0.max(0));
    let alloc_left = allocation.map(|(cap, used)| allocation_left(cap, used));
    let remaining = alloc_left.map_or(pool_left, |a| a.min(pool_left));
    let decision = if alloc_left.is_some_and(|a| a < credits) {
        Decision::AllocationExhausted
    } else if pool_left < credits {
        Decision::PoolExhausted
    } else {
        Decision::Allowed
    };
    (decision, remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_allocation_both_have_to_cover() {
        let c = Credits::whole;
        assert_eq!(authorize(c(5), c(10), None), (Decision::Allowed, c(10)));
        assert_eq!(
            authorize(c(11), c(10), None),
            (Decision::PoolExhausted, c(10))
        );
        assert_eq!(
            authorize(c(5), c(10), Some((c(20), c(17)))),
            (Decision::AllocationExhausted, c(3))
        );
        assert_eq!(
            authorize(c(3), c(10), Some((c(20), c(17)))),
            (Decision::Allowed, c(3))
        );
        assert_eq!(
            authorize(c(1), c(10), Some((c(20), c(25)))),
            (Decision::AllocationExhausted, c(0))
        );
        assert_eq!(authorize(c(0), c(-5), None), (Decision::Allowed, c(0)));
    }
}
