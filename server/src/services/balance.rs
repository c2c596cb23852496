//! The balance of a pool: what its grants hold now, and the current period's included credits.

use crate::entities::{auto_recharge_rule, grant, organization, pool};
use crate::error::{Error, Result};
use crate::ledger::{self, GrantKind, Period};
use crate::store::{grants, organizations};
use app::credits::Credits;
use app::model::BalanceCard;
use chrono::{DateTime, Utc};
use futures::TryFutureExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A pool's balance now, split by grant kind.
#[derive(Clone, Debug)]
pub struct PoolBalance {
    pub pool: pool::Model,
    pub period: Period,
    pub included: Credits,
    pub purchased: Credits,
    pub promotional: Credits,
    pub allowance: Credits,
    /// Left on adjustments (corrections that added credits).
    pub adjusted: Credits,
    pub included_granted: Credits,
    pub included_used: Credits,
    /// Usage beyond every grant in the current period.
    pub overage: Credits,
}

impl PoolBalance {
    pub fn remaining(&self) -> Credits {
        self.included + self.purchased + self.promotional + self.allowance + self.adjusted
    }
}

pub async fn pool_balance<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    now: DateTime<Utc>,
) -> Result<PoolBalance> {
    let tz = organizations::tz(org)?;
    let period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let days = super::range::DateRange::of_period(&period);
    let scope = super::usage::Scope::pool(pool.id);
    let (grants, used) = futures::try_join!(
        grants::in_pool(db, org.id, pool.id),
        super::usage::totals(db, org.id, days, &scope)
    )?;
    Ok(balance_of(pool, period, &grants, used.overage, now))
}

/// The balance from the pool's grants (voided ones are skipped) and the overage of the
/// current `period`.
pub fn balance_of(
    pool: &pool::Model,
    period: Period,
    grants: &[grant::Model],
    overage: Credits,
    now: DateTime<Utc>,
) -> PoolBalance {
    let grants: Vec<&grant::Model> = grants
        .iter()
        .filter(|g| grants::counts_in(g, pool.id))
        .collect();
    let by_kind = |kind: GrantKind| -> Credits {
        grants
            .iter()
            .filter(|g| g.kind == kind)
            // Expiry is applied here, at query time, whether or not a job has marked it.
            .filter(|g| g.granted_at <= now && g.expires_at.is_none_or(|e| now < e))
            .map(|g| Credits(g.remaining_milli))
            .sum()
    };
    let this_period: Vec<&&grant::Model> = grants
        .iter()
        .filter(|g| {
            g.kind == GrantKind::Included
                && g.granted_at >= period.start
                && g.granted_at < period.end
        })
        .collect();
    let mut included = by_kind(GrantKind::Included);
    let mut included_granted: Credits = this_period.iter().map(|g| Credits(g.original_milli)).sum();
    let included_used: Credits = this_period
        .iter()
        .map(|g| Credits(g.original_milli - g.remaining_milli))
        .sum();
    if this_period.is_empty() && pool.included_per_period_milli > 0 {
        // The period's included grant is written by the first ingest of the period; until
        // then the plan's amount is simply all there.
        included += Credits(pool.included_per_period_milli);
        included_granted = Credits(pool.included_per_period_milli);
    }
    PoolBalance {
        pool: pool.clone(),
        period,
        included,
        purchased: by_kind(GrantKind::Purchased),
        promotional: by_kind(GrantKind::Promotional),
        allowance: by_kind(GrantKind::Allowance),
        adjusted: by_kind(GrantKind::Adjustment),
        included_granted,
        included_used,
        overage,
    }
}

pub async fn balance_card<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    now: DateTime<Utc>,
) -> Result<BalanceCard> {
    let tz = organizations::tz(org)?;
    let (b, rule) = futures::try_join!(
        pool_balance(db, org, pool, now),
        auto_recharge_rule::Entity::find()
            .filter(auto_recharge_rule::Column::OrganizationId.eq(org.id))
            .filter(auto_recharge_rule::Column::PoolId.eq(pool.id))
            .one(db)
            .err_into::<Error>()
    )?;
    let auto_recharge_enabled = rule.is_some_and(|r| r.enabled);
    Ok(BalanceCard {
        pool_key: pool.key.clone(),
        pool_name: pool.name.clone(),
        remaining: b.remaining(),
        included_remaining: b.included,
        purchased_remaining: b.purchased,
        promotional_remaining: b.promotional,
        allowance_remaining: b.allowance,
        adjusted_remaining: b.adjusted,
        included_granted: b.included_granted,
        included_used: b.included_used,
        period_start: b.period.start_date,
        period_end: b.period.last_day(),
        days_left: b.period.days_left(ledger::local_day(tz, now)),
        auto_recharge_enabled,
    })
}
