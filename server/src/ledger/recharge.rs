//! Applying a batch of usage to one pool: burn each usage in arrival order and buy exactly one
//! auto-recharge per downward crossing of the threshold.

use super::burn::{Burn, GrantKind, GrantState, balance_at, burn};
use super::period::Period;
use app::credits::Credits;
use chrono::{DateTime, Utc};

/// The idempotency key of a pool's `number`th auto-recharge (from 1) of `period`.
pub fn recharge_key(pool_id: i64, period: &Period, number: u32) -> String {
    format!(
        "auto-recharge-{pool_id}-{}-{number}",
        period.start.timestamp()
    )
}

/// Priority given to grants that purchases create.
pub const PURCHASE_PRIORITY: i32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RechargeRule {
    pub enabled: bool,
    pub threshold: Credits,
    pub amount: Credits,
    pub max_per_period: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolLedger {
    pub grants: Vec<GrantState>,
    pub rule: Option<RechargeRule>,
    /// Auto-recharges already made in the current period.
    pub recharges_this_period: u32,
}

/// One auto-recharge decided by [`apply`]: a purchased grant of `amount`, appended to the
/// pool's grants at index `grant_index`, bought right after usage number `after_usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recharge {
    pub after_usage: usize,
    pub grant_index: usize,
    pub amount: Credits,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// One per usage, in order; portions index into the pool's grants.
    pub burns: Vec<Burn>,
    pub recharges: Vec<Recharge>,
}

/// Applies `usages` (credits, instant of use) to `pool` at `now`. New recharge grants get ids
/// from `new_id` (the caller replaces them with database ids).
pub fn apply(
    pool: &mut PoolLedger,
    usages: &[(Credits, DateTime<Utc>)],
    now: DateTime<Utc>,
    mut new_id: impl FnMut() -> i64,
) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let mut balance = balance_at(&pool.grants, now);
    for (i, &(credits, at)) in usages.iter().enumerate() {
        out.burns.push(burn(&mut pool.grants, credits, at, now));
        let after = balance_at(&pool.grants, now);
        if let Some(rule) = pool.rule.filter(|r| r.enabled && r.amount.0 > 0) {
            // A crossing is the step from at-or-above the threshold to below it.
            let crossed = balance >= rule.threshold && after < rule.threshold;
            if crossed && pool.recharges_this_period < rule.max_per_period {
                pool.recharges_this_period += 1;
                pool.grants.push(GrantState {
                    id: new_id(),
                    kind: GrantKind::Purchased,
                    priority: PURCHASE_PRIORITY,
                    granted_at: now,
                    expires_at: None,
                    remaining: rule.amount,
                });
                out.recharges.push(Recharge {
                    after_usage: i,
                    grant_index: pool.grants.len() - 1,
                    amount: rule.amount,
                });
            }
        }
        balance = balance_at(&pool.grants, now);
    }
    out
}

/// A batch burned across pools: each usage's overage (in input order) and, per pool, the
/// ledger after the batch with what [`apply`] decided.
pub struct BatchBurn {
    pub overage: Vec<Credits>,
    pub pools: Vec<(i64, PoolLedger, BatchOutcome)>,
}

/// Burns `usages` (pool id, credits, instant of use), pool by pool in input order, against
/// copies of `ledgers` (which stay as they were: a batch can be burned again without some
/// of its usages). A pool missing from `ledgers` has nothing to burn: all overage.
pub fn apply_batch(
    ledgers: &std::collections::BTreeMap<i64, PoolLedger>,
    usages: &[(i64, Credits, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> BatchBurn {
    let mut by_pool: std::collections::BTreeMap<i64, Vec<usize>> = Default::default();
    for (i, u) in usages.iter().enumerate() {
        by_pool.entry(u.0).or_default().push(i);
    }
    let mut overage = vec![Credits::ZERO; usages.len()];
    let mut pools = Vec::with_capacity(by_pool.len());
    for (pool_id, idx) in by_pool {
        let mut after = ledgers.get(&pool_id).cloned().unwrap_or(PoolLedger {
            grants: vec![],
            rule: None,
            recharges_this_period: 0,
        });
        let list: Vec<(Credits, DateTime<Utc>)> =
            idx.iter().map(|&i| (usages[i].1, usages[i].2)).collect();
        let outcome = apply(&mut after, &list, now, || 0);
        for (k, &i) in idx.iter().enumerate() {
            overage[i] = outcome.burns[k].overage;
        }
        pools.push((pool_id, after, outcome));
    }
    BatchBurn { overage, pools }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn pool(balance: i64, rule: Option<RechargeRule>) -> PoolLedger {
        PoolLedger {
            grants: vec![GrantState {
                id: 1,
                kind: GrantKind::Included,
                priority: 10,
                granted_at: now() - Duration::days(10),
                expires_at: Some(now() + Duration::days(20)),
                remaining: Credits::whole(balance),
            }],
            rule,
            recharges_this_period: 0,
        }
    }

    fn rule(threshold: i64, amount: i64, max: u32) -> Option<RechargeRule> {
        Some(RechargeRule {
            enabled: true,
            threshold: Credits::whole(threshold),
            amount: Credits::whole(amount),
            max_per_period: max,
        })
    }

    #[test]
    fn a_batch_burns_each_pool_in_order_and_leaves_the_input_alone() {
        let ledgers = std::collections::BTreeMap::from([(1, pool(10, None)), (2, pool(5, None))]);
        let c = Credits::whole;
        let usages = [
            (1, c(4), now()),
            (2, c(4), now()),
            (1, c(4), now()),
            (1, c(4), now()),
            (3, c(1), now()),
        ];
        let b = apply_batch(&ledgers, &usages, now());
        // Pool 1: 10 → 6 → 2 → 0 with 2 over; pool 2: 5 → 1; pool 3 has no grants.
        assert_eq!(b.overage, vec![c(0), c(0), c(0), c(2), c(1)]);
        let left: Vec<(i64, Credits)> = b
            .pools
            .iter()
            .map(|(id, l, _)| (*id, balance_at(&l.grants, now())))
            .collect();
        assert_eq!(left, vec![(1, c(0)), (2, c(1)), (3, c(0))]);
        assert_eq!(
            balance_at(&ledgers[&1].grants, now()),
            c(10),
            "input untouched"
        );
    }

    #[test]
    fn one_recharge_per_crossing() {
        let mut p = pool(120, rule(100, 50, 5));
        // 120 → 110 → 100 → 90 (crossing: +50 = 140) → 130 → 120 → 110.
        let usages = vec![(Credits::whole(10), now()); 6];
        let mut next = -1;
        let out = apply(&mut p, &usages, now(), || {
            next -= 1;
            next
        });
        assert_eq!(out.recharges.len(), 1);
        assert_eq!(out.recharges[0].after_usage, 2);
        assert_eq!(balance_at(&p.grants, now()), Credits::whole(110));

        // A recharge too small to lift the balance back over the threshold: staying below is
        // not a new crossing, so nothing more is bought.
        let mut p = pool(105, rule(100, 2, 5));
        let out = apply(&mut p, &[(Credits::whole(10), now()); 5], now(), || 0);
        assert_eq!(out.recharges.len(), 1);
        assert_eq!(balance_at(&p.grants, now()), Credits::whole(57));
    }

    #[test]
    fn recharges_again_after_recovering_and_stops_at_the_cap() {
        let mut p = pool(105, rule(100, 60, 2));
        let usages = vec![(Credits::whole(10), now()); 20];
        let out = apply(&mut p, &usages, now(), || 0);
        // 105→95 cross (+60 = 155), 155→…→95 cross again (+60), then the cap stops it.
        assert_eq!(out.recharges.len(), 2);
        assert_eq!(p.recharges_this_period, 2);
        let total: Credits = out.burns.iter().map(|b| b.overage).sum();
        assert_eq!(total, Credits::whole(200 - 105 - 120).max(Credits::ZERO));
    }

    #[test]
    fn disabled_rule_never_buys() {
        let mut p = pool(
            50,
            Some(RechargeRule {
                enabled: false,
                ..rule(100, 50, 5).unwrap()
            }),
        );
        assert!(
            apply(&mut p, &[(Credits::whole(40), now())], now(), || 0)
                .recharges
                .is_empty()
        );
    }

    fn arb_grant() -> impl Strategy<Value = GrantState> {
        (
            0i64..1000,
            0usize..4,
            1i32..4,
            -30i64..5,
            proptest::option::of(-20i64..40),
            0i64..50_000,
        )
            .prop_map(|(id, kind, priority, granted, expires, milli)| GrantState {
                id,
                kind: GrantKind::ALL[kind],
                priority,
                granted_at: now() + Duration::days(granted),
                expires_at: expires.map(|e| now() + Duration::days(e)),
                remaining: Credits(milli),
            })
    }

    proptest! {
        /// burned + overage = used; no grant below zero or above where it started; every
        /// portion comes from a grant that covers the usage, in burn order.
        #[test]
        fn ledger_invariants(
            grants in proptest::collection::vec(arb_grant(), 0..8),
            usages in proptest::collection::vec((0i64..20_000, -40i64..2), 0..40),
            threshold in 0i64..60, amount in 0i64..60, max in 0u32..4, enabled in any::<bool>(),
        ) {
            let usages: Vec<(Credits, DateTime<Utc>)> =
                usages.into_iter().map(|(c, d)| (Credits(c), now() + Duration::days(d))).collect();
            let mut p = PoolLedger {
                grants: grants.clone(),
                rule: Some(RechargeRule { enabled, threshold: Credits::whole(threshold), amount: Credits::whole(amount), max_per_period: max }),
                recharges_this_period: 0,
            };
            let out = apply(&mut p, &usages, now(), || -1);
            let used: Credits = usages.iter().map(|u| u.0).sum();
            let burned: Credits = out.burns.iter().flat_map(|b| b.portions.iter().map(|p| p.1)).sum();
            let overage: Credits = out.burns.iter().map(|b| b.overage).sum();
            prop_assert_eq!(burned + overage, used);
            let bought: Credits = out.recharges.iter().map(|r| r.amount).sum();
            let before: Credits = grants.iter().map(|g| g.remaining).sum();
            let after: Credits = p.grants.iter().map(|g| g.remaining).sum();
            prop_assert_eq!(before + bought - burned, after);
            for (i, g) in p.grants.iter().enumerate() {
                prop_assert!(g.remaining.0 >= 0);
                let original = if i < grants.len() { grants[i].remaining } else { out.recharges.iter().find(|r| r.grant_index == i).unwrap().amount };
                prop_assert!(g.remaining <= original);
            }
            prop_assert!(out.recharges.len() as u32 <= max);
            for (burn, (_, at)) in out.burns.iter().zip(&usages) {
                for (idx, take) in &burn.portions {
                    prop_assert!(take.0 > 0);
                    prop_assert!(p.grants[*idx].covers(*at, now()));
                }
                // Burn order: each portion's grant comes no later than the next one's.
                let order = super::super::burn::burn_order(&p.grants);
                let pos: Vec<usize> = burn.portions.iter().map(|(i, _)| order.iter().position(|o| o == i).unwrap()).collect();
                prop_assert!(pos.windows(2).all(|w| w[0] < w[1]));
                // Overage only when nothing covering was left.
                if burn.overage.0 > 0 {
                    prop_assert!(burn.portions.iter().all(|(i, _)| p.grants[*i].remaining.0 == 0));
                }
            }
        }
    }
}
