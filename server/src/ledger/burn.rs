//! Burning usage against grants.
//!
//! Order: lower priority number first, then soonest expiry (no expiry last), then included
//! before promotional, allowance and purchased, then oldest grant. Whatever no grant covers is
//! overage: recorded, never dropped.

use app::credits::Credits;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::{DeriveActiveEnum, EnumIter, StringLen};
use std::cmp::Ordering;

/// Stored as its word in `grants.kind` (the derive is the only database part of the ledger).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum GrantKind {
    #[sea_orm(string_value = "included")]
    Included,
    #[sea_orm(string_value = "promotional")]
    Promotional,
    /// A correction: credits added with a reason, or (negative, nothing left on it) a debit.
    #[sea_orm(string_value = "adjustment")]
    Adjustment,
    #[sea_orm(string_value = "allowance")]
    Allowance,
    #[sea_orm(string_value = "purchased")]
    Purchased,
}

impl GrantKind {
    pub const ALL: [GrantKind; 5] = [
        GrantKind::Included,
        GrantKind::Promotional,
        GrantKind::Adjustment,
        GrantKind::Allowance,
        GrantKind::Purchased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::Included => "included",
            GrantKind::Promotional => "promotional",
            GrantKind::Adjustment => "adjustment",
            GrantKind::Allowance => "allowance",
            GrantKind::Purchased => "purchased",
        }
    }

    pub fn parse(s: &str) -> Option<GrantKind> {
        GrantKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Tie-break between grants of equal priority and expiry: what the plan included goes
    /// first, what the customer paid for goes last.
    fn rank(self) -> u8 {
        match self {
            GrantKind::Included => 0,
            GrantKind::Promotional => 1,
            GrantKind::Adjustment => 2,
            GrantKind::Allowance => 3,
            GrantKind::Purchased => 4,
        }
    }
}

impl std::fmt::Display for GrantKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the ledger needs to know of one grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantState {
    pub id: i64,
    pub kind: GrantKind,
    pub priority: i32,
    pub granted_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub remaining: Credits,
}

impl GrantState {
    /// A grant counts from its grant instant until (excluding) its expiry instant.
    pub fn is_live_at(&self, at: DateTime<Utc>) -> bool {
        self.granted_at <= at && self.expires_at.is_none_or(|e| at < e)
    }

    /// Whether usage that happened at `at`, booked at `now`, may burn this grant: the grant
    /// exists by now (a top-up bought a second after the usage covers it) and had not
    /// expired when the usage happened.
    pub fn covers(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.granted_at <= now.max(at) && self.expires_at.is_none_or(|e| at < e)
    }
}

fn burn_cmp(a: &GrantState, b: &GrantState) -> Ordering {
    let expiry = match (a.expires_at, b.expires_at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    a.priority
        .cmp(&b.priority)
        .then(expiry)
        .then(a.kind.rank().cmp(&b.kind.rank()))
        .then(a.granted_at.cmp(&b.granted_at))
        .then(a.id.cmp(&b.id))
}

/// Indices of `grants` in burn order.
pub fn burn_order(grants: &[GrantState]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..grants.len()).collect();
    idx.sort_by(|&i, &j| burn_cmp(&grants[i], &grants[j]));
    idx
}

/// How one amount was burned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Burn {
    /// (index into the grants slice, credits taken from it), in burn order.
    pub portions: Vec<(usize, Credits)>,
    pub overage: Credits,
}

/// Sum of what the grants live at `now` still hold.
pub fn balance_at(grants: &[GrantState], now: DateTime<Utc>) -> Credits {
    grants
        .iter()
        .filter(|g| g.is_live_at(now))
        .map(|g| g.remaining)
        .sum()
}

/// Burns `amount` of usage that happened at `at`, booked at `now`, against the grants that
/// cover it (see [`GrantState::covers`]), updating their remaining.
pub fn burn(
    grants: &mut [GrantState],
    amount: Credits,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Burn {
    let mut left = amount;
    let mut out = Burn::default();
    if left.0 <= 0 {
        return out;
    }
    for i in burn_order(grants) {
        let g = &mut grants[i];
        if g.remaining.0 <= 0 || !g.covers(at, now) {
            continue;
        }
        let take = Credits(left.0.min(g.remaining.0));
        g.remaining = g.remaining - take;
        left = left - take;
        out.portions.push((i, take));
        if left.0 == 0 {
            break;
        }
    }
    out.overage = left;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap()
    }

    fn grant(
        id: i64,
        kind: GrantKind,
        priority: i32,
        granted: u32,
        expires: Option<u32>,
        credits: i64,
    ) -> GrantState {
        GrantState {
            id,
            kind,
            priority,
            granted_at: t(granted),
            expires_at: expires.map(t),
            remaining: Credits::whole(credits),
        }
    }

    #[test]
    fn lower_priority_number_burns_first() {
        let mut g = vec![
            grant(1, GrantKind::Included, 10, 1, Some(28), 100),
            grant(2, GrantKind::Purchased, 5, 2, None, 100),
        ];
        let b = burn(&mut g, Credits::whole(30), t(3), t(3));
        assert_eq!(b.portions, vec![(1, Credits::whole(30))]);
        assert_eq!(g[1].remaining, Credits::whole(70));
    }

    #[test]
    fn soonest_expiry_then_included_before_purchased_then_oldest() {
        let mut g = vec![
            grant(1, GrantKind::Purchased, 10, 2, None, 10),
            grant(2, GrantKind::Purchased, 10, 1, Some(20), 10),
            grant(3, GrantKind::Included, 10, 2, Some(20), 10),
            grant(4, GrantKind::Purchased, 10, 1, Some(15), 10),
            grant(5, GrantKind::Purchased, 10, 1, None, 10),
        ];
        let order: Vec<i64> = burn_order(&g).into_iter().map(|i| g[i].id).collect();
        assert_eq!(order, vec![4, 3, 2, 5, 1]);
        let b = burn(&mut g, Credits::whole(25), t(3), t(3));
        assert_eq!(
            b.portions,
            vec![
                (3, Credits::whole(10)),
                (2, Credits::whole(10)),
                (1, Credits::whole(5))
            ]
        );
        assert_eq!(b.overage, Credits::ZERO);
    }

    #[test]
    fn beyond_every_grant_is_overage() {
        let mut g = vec![grant(1, GrantKind::Included, 10, 1, None, 5)];
        let b = burn(&mut g, Credits(7_500), t(2), t(2));
        assert_eq!(b.overage, Credits(2_500));
        assert_eq!(g[0].remaining, Credits::ZERO);
    }

    #[test]
    fn expired_and_future_grants_do_not_count() {
        let mut g = vec![
            grant(1, GrantKind::Included, 1, 1, Some(5), 100),
            grant(2, GrantKind::Purchased, 1, 10, None, 100),
        ];
        // At the expiry instant the first grant no longer counts; the second is not yet granted.
        let b = burn(&mut g, Credits::whole(1), t(5), t(5));
        assert_eq!(b.overage, Credits::whole(1));
        assert!(b.portions.is_empty());
    }

    #[test]
    fn a_grant_bought_after_the_usage_covers_it_when_booked_later() {
        let mut g = vec![grant(1, GrantKind::Purchased, 10, 5, None, 10)];
        let b = burn(&mut g, Credits::whole(4), t(4), t(6));
        assert_eq!(b.overage, Credits::ZERO);
        // …but an expired grant does not cover usage after its expiry.
        let mut g = vec![grant(1, GrantKind::Included, 10, 1, Some(5), 10)];
        assert_eq!(
            burn(&mut g, Credits::whole(4), t(5), t(6)).overage,
            Credits::whole(4)
        );
    }

    #[test]
    fn zero_burns_nothing() {
        let mut g = vec![grant(1, GrantKind::Included, 1, 1, None, 100)];
        assert_eq!(burn(&mut g, Credits::ZERO, t(2), t(2)), Burn::default());
    }
}
