//! The Credits page: pools, grants (status as of now), purchases and billing-period records.

use super::balance::{main_pool, org_tz, organization, pool_balance, pools};
use super::periods::period_records;
use crate::entities::{allocation, grant, purchase};
use crate::error::Result;
use app::credits::Credits;
use app::model::{CreditsView, GrantRow, PeriodRow, PoolRow, PurchaseRow};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

pub const PERIODS_SHOWN: usize = 5;

/// A grant's status as of `now`: expiry counts whether or not anything marked it.
pub fn status_now(g: &grant::Model, now: DateTime<Utc>) -> &'static str {
    match g.status.as_str() {
        "voided" => "voided",
        _ if g.expires_at.is_some_and(|e| e <= now) && g.remaining_milli > 0 => "expired",
        _ if g.remaining_milli == 0 => "exhausted",
        _ => "active",
    }
}

pub async fn credits_view<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    now: DateTime<Utc>,
) -> Result<CreditsView> {
    let org = organization(db, org_id).await?;
    let tz = org_tz(&org)?;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let all_pools = pools(db, org_id).await?;
    let pool_key: HashMap<i64, String> = all_pools.iter().map(|p| (p.id, p.key.clone())).collect();
    // Independent reads run side by side on separate pooled connections.
    let (grants, purchases, allocations) = futures::try_join!(
        grant::Entity::find()
            .filter(grant::Column::OrganizationId.eq(org_id))
            .order_by_desc(grant::Column::GrantedAt)
            .all(db),
        purchase::Entity::find()
            .filter(purchase::Column::OrganizationId.eq(org_id))
            .order_by_desc(purchase::Column::CreatedAt)
            .all(db),
        allocation::Entity::find()
            .filter(allocation::Column::OrganizationId.eq(org_id))
            .all(db)
    )?;
    let main = main_pool(db, org_id).await?;
    let org_ref = &org;
    let per_pool = futures::future::try_join_all(all_pools.iter().map(|p| async move {
        futures::try_join!(
            pool_balance(db, org_ref, p, now),
            period_records(db, org_ref, p, 0, now)
        )
    }));
    let history = period_records(db, &org, &main, PERIODS_SHOWN - 1, now);
    let (per_pool, history) = futures::try_join!(per_pool, history)?;

    let mut pool_rows = Vec::new();
    for (p, (b, current)) in all_pools.iter().zip(per_pool) {
        pool_rows.push(PoolRow {
            key: p.key.clone(),
            name: p.name.clone(),
            purchased: purchases
                .iter()
                .filter(|x| x.pool_id == p.id)
                .map(|x| Credits(x.amount_milli))
                .sum(),
            allocated: allocations
                .iter()
                .filter(|a| a.pool_id == p.id)
                .map(|a| Credits(a.cap_milli))
                .sum(),
            used: current.first().map_or(Credits::ZERO, |r| r.used),
            remaining: b.remaining(),
            expired: grants
                .iter()
                .filter(|g| g.pool_id == p.id && status_now(g, now) == "expired")
                .map(|g| Credits(g.remaining_milli))
                .sum(),
        });
    }
    let periods = history
        .into_iter()
        .map(|r| PeriodRow {
            start: r.period.start_date,
            end: r.period.last_day(),
            current: r.current,
            included: r.included,
            purchased: r.purchased,
            used: r.used,
            overage: r.overage,
            expired: r.expired,
            end_user_used: r.end_user_used,
        })
        .collect();
    Ok(CreditsView {
        restricted: None,
        time_zone: org.time_zone.clone(),
        pools: pool_rows,
        grants: grants
            .iter()
            .map(|g| GrantRow {
                pool: pool_key.get(&g.pool_id).cloned().unwrap_or_default(),
                description: g.description.clone(),
                kind: g.kind.clone(),
                granted: local(g.granted_at),
                expires: g.expires_at.map(local),
                status: status_now(g, now).into(),
                original: Credits(g.original_milli),
                remaining: Credits(g.remaining_milli),
            })
            .collect(),
        purchases: purchases
            .iter()
            .map(|x| PurchaseRow {
                pool: pool_key.get(&x.pool_id).cloned().unwrap_or_default(),
                date: local(x.created_at),
                amount: Credits(x.amount_milli),
                origin: x.origin.clone(),
                price_cents: x.price_cents,
                status: x.status.clone(),
            })
            .collect(),
        periods,
    })
}
