//! The Credits page: pools, grants (status as of now), purchases and billing-period records.

use super::balance::balance_of;
use super::periods::{PeriodRecord, periods_back, records, usage_by_day};
use crate::entities::grant::{self, GrantStatus};
use crate::entities::{allocation, organization, pool, purchase};
use crate::error::{Error, Result};
use crate::store::{organizations, pools};
use app::credits::Credits;
use app::ids::OrgId;
use app::model::{CreditsView, GrantRow, PeriodRow, PoolRow, PurchaseRow};
use chrono::{DateTime, Utc};
use futures::TryFutureExt;
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

pub const PERIODS_SHOWN: usize = 5;

/// A grant's status as of `now`: expiry counts whether or not anything marked it.
pub fn status_now(g: &grant::Model, now: DateTime<Utc>) -> GrantStatus {
    match g.status {
        GrantStatus::Voided => GrantStatus::Voided,
        _ if g.expires_at.is_some_and(|e| e <= now) && g.remaining_milli > 0 => {
            GrantStatus::Expired
        }
        _ if g.remaining_milli == 0 => GrantStatus::Exhausted,
        _ => GrantStatus::Active,
    }
}

/// Everything the Credits page shows but the use, read once.
struct Records {
    org: organization::Model,
    pools: Vec<pool::Model>,
    grants: Vec<grant::Model>,
    purchases: Vec<purchase::Model>,
    allocations: Vec<allocation::Model>,
}

impl Records {
    /// Read side by side (separate pooled connections).
    async fn load<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<Records> {
        let (org, pools, grants, purchases, allocations) = futures::try_join!(
            organizations::get(db, org_id),
            pools::list(db, org_id),
            grant::Entity::find()
                .filter(grant::Column::OrganizationId.eq(org_id))
                .order_by_desc(grant::Column::GrantedAt)
                .all(db)
                .err_into::<Error>(),
            purchase::Entity::find()
                .filter(purchase::Column::OrganizationId.eq(org_id))
                .order_by_desc(purchase::Column::CreatedAt)
                .all(db)
                .err_into::<Error>(),
            allocation::Entity::find()
                .filter(allocation::Column::OrganizationId.eq(org_id))
                .all(db)
                .err_into::<Error>()
        )?;
        Ok(Records {
            org,
            pools,
            grants,
            purchases,
            allocations,
        })
    }
}

pub async fn credits_view<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    now: DateTime<Utc>,
) -> Result<CreditsView> {
    let r = Records::load(db, org_id).await?;
    let tz = organizations::tz(&r.org)?;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let main_id = pools::pick_main(&r.pools).map(|p| p.id);
    let pool_key: HashMap<i64, &str> = r.pools.iter().map(|p| (p.id, p.key.as_str())).collect();
    let per_pool = period_records(db, &r, main_id, now).await?;
    let mut history = Vec::new();
    let mut pool_rows = Vec::new();
    for (p, records) in r.pools.iter().zip(per_pool) {
        pool_rows.push(pool_row(&r, p, &records[0], now));
        if Some(p.id) == main_id {
            history = records;
        }
    }
    Ok(CreditsView {
        restricted: None,
        time_zone: r.org.time_zone.clone(),
        pools: pool_rows,
        grants: grant_rows(&r, &pool_key, &local, now),
        purchases: purchase_rows(&r, &pool_key, &local),
        periods: history.into_iter().map(period_row).collect(),
    })
}

/// Each pool's period records: the main pool's history, the current period of the others;
/// each pool's use per day read side by side.
async fn period_records<C: ConnectionTrait>(
    db: &C,
    r: &Records,
    main_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<Vec<PeriodRecord>>> {
    let history = periods_back(&r.org, PERIODS_SHOWN - 1, now)?;
    let current = history[..1].to_vec();
    futures::future::try_join_all(r.pools.iter().map(|p| {
        let periods = if Some(p.id) == main_id {
            &history
        } else {
            &current
        };
        async move {
            let days = usage_by_day(db, r.org.id, p.id, periods).await?;
            let records = records(p, periods.clone(), &r.grants, &r.purchases, &days, now);
            Ok::<_, Error>(records)
        }
    }))
    .await
}

fn pool_row(r: &Records, p: &pool::Model, current: &PeriodRecord, now: DateTime<Utc>) -> PoolRow {
    let b = balance_of(p, current.period, &r.grants, current.overage, now);
    let in_pool = |pool_id: i64| pool_id == p.id;
    PoolRow {
        key: p.key.clone(),
        name: p.name.clone(),
        purchased: r
            .purchases
            .iter()
            .filter(|x| in_pool(x.pool_id))
            .map(|x| Credits(x.amount_milli))
            .sum(),
        allocated: r
            .allocations
            .iter()
            .filter(|a| in_pool(a.pool_id))
            .map(|a| Credits(a.cap_milli))
            .sum(),
        used: current.used,
        remaining: b.remaining(),
        expired: r
            .grants
            .iter()
            .filter(|g| in_pool(g.pool_id) && status_now(g, now) == GrantStatus::Expired)
            .map(|g| Credits(g.remaining_milli))
            .sum(),
    }
}

fn period_row(r: PeriodRecord) -> PeriodRow {
    PeriodRow {
        start: r.period.start_date,
        end: r.period.last_day(),
        current: r.current,
        included: r.included,
        purchased: r.purchased,
        adjusted: r.adjusted,
        used: r.used,
        overage: r.overage,
        expired: r.expired,
        end_user_used: r.end_user_used,
    }
}

fn grant_rows(
    r: &Records,
    pool_key: &HashMap<i64, &str>,
    local: &dyn Fn(DateTime<Utc>) -> String,
    now: DateTime<Utc>,
) -> Vec<GrantRow> {
    r.grants
        .iter()
        .map(|g| GrantRow {
            pool: pool_key
                .get(&g.pool_id)
                .map(|k| k.to_string())
                .unwrap_or_default(),
            description: g.description.clone(),
            kind: g.kind.to_string(),
            granted: local(g.granted_at),
            expires: g.expires_at.map(local),
            status: status_now(g, now).to_value(),
            original: Credits(g.original_milli),
            remaining: Credits(g.remaining_milli),
        })
        .collect()
}

/// Each purchase at the price (and in the currency) of its pool.
fn purchase_rows(
    r: &Records,
    pool_key: &HashMap<i64, &str>,
    local: &dyn Fn(DateTime<Utc>) -> String,
) -> Vec<PurchaseRow> {
    let price: HashMap<i64, app::credits::Price> = r
        .pools
        .iter()
        .map(|p| (p.id, crate::money::price_of(p)))
        .collect();
    r.purchases
        .iter()
        .map(|x| PurchaseRow {
            pool: pool_key
                .get(&x.pool_id)
                .map(|k| k.to_string())
                .unwrap_or_default(),
            date: local(x.created_at),
            amount: Credits(x.amount_milli),
            origin: x.origin.to_value(),
            price: price.get(&x.pool_id).map_or_else(
                || crate::money::money(x.price_cents, "USD"),
                |p| crate::money::money(x.price_cents, &p.currency),
            ),
            status: x.status.to_value(),
        })
        .collect()
}
