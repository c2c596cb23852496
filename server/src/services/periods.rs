//! Billing period records: per period, what was included, purchased, adjusted, used, expired
//! and used by end users — derived from grants, purchases and the daily rollup, so they can never
//! disagree with the ledger.

use super::range::DateRange;
use super::usage::{Scope, UsageRow, daily_totals};
use crate::entities::{grant, organization, pool, purchase};
use crate::error::{Error, Result};
use crate::ledger::{self, GrantKind, Period};
use crate::store::{grants, organizations};
use app::credits::Credits;
use app::ids::OrgId;
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryFutureExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRecord {
    pub period: Period,
    pub included: Credits,
    pub purchased: Credits,
    /// Corrections made in the period: adjustments added, less debits.
    pub adjusted: Credits,
    pub used: Credits,
    pub overage: Credits,
    /// Left on grants that expired during the period (only once expired).
    pub expired: Credits,
    pub end_user_used: Credits,
    pub current: bool,
}

/// The current period and up to `previous` before it, newest first.
pub async fn period_records<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    previous: usize,
    now: DateTime<Utc>,
) -> Result<Vec<PeriodRecord>> {
    let org_id = org.id;
    let periods = periods_back(org, previous, now)?;
    // Independent reads, side by side on pooled connections.
    let (grants, purchases, days) = futures::try_join!(
        grants::in_pool(db, org_id, pool.id),
        purchase::Entity::find()
            .filter(purchase::Column::OrganizationId.eq(org_id))
            .filter(purchase::Column::PoolId.eq(pool.id))
            .all(db)
            .err_into::<Error>(),
        usage_by_day(db, org_id, pool.id, &periods)
    )?;
    Ok(records(pool, periods, &grants, &purchases, &days, now))
}

/// The period containing `now` and `previous` periods before it, newest first.
pub fn periods_back(
    org: &organization::Model,
    previous: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Period>> {
    let tz = organizations::tz(org)?;
    let anchor = org.period_anchor_day as u32;
    let mut periods = vec![ledger::period_containing(anchor, tz, now)];
    for _ in 0..previous {
        let before = periods[periods.len() - 1].previous(anchor, tz);
        periods.push(before);
    }
    Ok(periods)
}

/// A pool's use per local day over `periods` (newest first): everyone's and end users'.
pub struct DailyUse {
    all: Vec<(NaiveDate, UsageRow)>,
    end_users: Vec<(NaiveDate, UsageRow)>,
}

/// Every period's use from two day-grouped queries over the whole span (not two per period),
/// both from the coarse rollup.
pub async fn usage_by_day<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    pool_id: i64,
    periods: &[Period],
) -> Result<DailyUse> {
    let span = DateRange {
        from: DateRange::of_period(&periods[periods.len() - 1]).from,
        to: DateRange::of_period(&periods[0]).to,
    };
    let (all_scope, end_user_scope) = (Scope::pool(pool_id), Scope::pool_end_users(pool_id));
    let (all, end_users) = futures::try_join!(
        daily_totals(db, org_id, span, &all_scope),
        daily_totals(db, org_id, span, &end_user_scope)
    )?;
    Ok(DailyUse { all, end_users })
}

/// The records of `periods` from the pool's grants and purchases (others' are skipped,
/// voided grants too) and its daily use.
pub fn records(
    pool: &pool::Model,
    periods: Vec<Period>,
    grants: &[grant::Model],
    purchases: &[purchase::Model],
    days: &DailyUse,
    now: DateTime<Utc>,
) -> Vec<PeriodRecord> {
    let grants: Vec<&grant::Model> = grants
        .iter()
        .filter(|g| grants::counts_in(g, pool.id))
        .collect();
    let within = |days: &[(NaiveDate, UsageRow)], r: DateRange| {
        let mut sum = (Credits::ZERO, Credits::ZERO);
        for (_, row) in days.iter().filter(|(d, _)| *d >= r.from && *d <= r.to) {
            sum.0 += row.credits;
            sum.1 += row.overage;
        }
        sum
    };
    let mut out = Vec::new();
    for (i, p) in periods.into_iter().enumerate() {
        let in_period = |t: DateTime<Utc>| t >= p.start && t < p.end;
        let included_grants: Vec<&&grant::Model> = grants
            .iter()
            .filter(|g| g.kind == GrantKind::Included && in_period(g.granted_at))
            .collect();
        let mut included: Credits = included_grants
            .iter()
            .map(|g| Credits(g.original_milli))
            .sum();
        if i == 0 && included_grants.is_empty() {
            included = Credits(pool.included_per_period_milli);
        }
        let expired = grants
            .iter()
            .filter(|g| {
                g.expires_at
                    .is_some_and(|e| e > p.start && e <= p.end && e <= now)
            })
            .map(|g| Credits(g.remaining_milli))
            .sum();
        let range = DateRange::of_period(&p);
        let ((used, overage), (end_user_used, _)) =
            (within(&days.all, range), within(&days.end_users, range));
        out.push(PeriodRecord {
            period: p,
            included,
            purchased: purchases
                .iter()
                .filter(|x| x.pool_id == pool.id && in_period(x.created_at))
                .map(|x| Credits(x.amount_milli))
                .sum(),
            adjusted: grants
                .iter()
                .filter(|g| g.kind == GrantKind::Adjustment && in_period(g.granted_at))
                .map(|g| Credits(g.original_milli))
                .sum(),
            used,
            overage,
            expired,
            end_user_used,
            current: i == 0,
        });
    }
    out
}
