//! Billing period records: per period, what was included, purchased, used, expired and used
//! by end users — derived from grants, purchases and the daily rollup, so they can never
//! disagree with the ledger.

use super::balance::{org_tz, organization};
use super::sql::sum_i64;
use crate::entities::{grant, pool, purchase, usage_daily};
use crate::error::Result;
use crate::ledger::{self, GrantKind, Period};
use app::credits::Credits;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRecord {
    pub period: Period,
    pub included: Credits,
    pub purchased: Credits,
    pub used: Credits,
    pub overage: Credits,
    /// Left on grants that expired during the period (only once expired).
    pub expired: Credits,
    pub end_user_used: Credits,
    pub current: bool,
}

async fn rollup_sum<C: ConnectionTrait>(
    db: &C,
    org: i64,
    pool: i64,
    p: &Period,
    col: usage_daily::Column,
    end_users_only: bool,
) -> Result<Credits> {
    let mut q = usage_daily::Entity::find()
        .select_only()
        .column_as(sum_i64(col), "s")
        .filter(usage_daily::Column::OrganizationId.eq(org))
        .filter(usage_daily::Column::PoolId.eq(pool))
        .filter(usage_daily::Column::Day.gte(p.start_date))
        .filter(usage_daily::Column::Day.lt(p.end_date));
    if end_users_only {
        q = q.filter(usage_daily::Column::EndUserId.ne(0));
    }
    Ok(Credits(q.into_tuple::<i64>().one(db).await?.unwrap_or(0)))
}

/// The current period and up to `previous` before it, newest first.
pub async fn period_records<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    pool: &pool::Model,
    previous: usize,
    now: DateTime<Utc>,
) -> Result<Vec<PeriodRecord>> {
    let org = organization(db, org_id).await?;
    let tz = org_tz(&org)?;
    let anchor = org.period_anchor_day as u32;
    let grants = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org_id))
        .filter(grant::Column::PoolId.eq(pool.id))
        .filter(grant::Column::Status.ne("voided"))
        .all(db)
        .await?;
    let purchases = purchase::Entity::find()
        .filter(purchase::Column::OrganizationId.eq(org_id))
        .filter(purchase::Column::PoolId.eq(pool.id))
        .all(db)
        .await?;
    let mut out = Vec::new();
    let mut p = ledger::period_containing(anchor, tz, now);
    for i in 0..=previous {
        let in_period = |t: DateTime<Utc>| t >= p.start && t < p.end;
        let included_grants: Vec<&grant::Model> = grants
            .iter()
            .filter(|g| g.kind == GrantKind::Included.as_str() && in_period(g.granted_at))
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
        out.push(PeriodRecord {
            period: p,
            included,
            purchased: purchases
                .iter()
                .filter(|x| in_period(x.created_at))
                .map(|x| Credits(x.amount_milli))
                .sum(),
            used: rollup_sum(
                db,
                org_id,
                pool.id,
                &p,
                usage_daily::Column::CreditsMilli,
                false,
            )
            .await?,
            overage: rollup_sum(
                db,
                org_id,
                pool.id,
                &p,
                usage_daily::Column::OverageMilli,
                false,
            )
            .await?,
            expired,
            end_user_used: rollup_sum(
                db,
                org_id,
                pool.id,
                &p,
                usage_daily::Column::CreditsMilli,
                true,
            )
            .await?,
            current: i == 0,
        });
        p = p.previous(anchor, tz);
    }
    Ok(out)
}
