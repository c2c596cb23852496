//! The Credits page: pools, grants (status as of now), purchases and billing-period records.

use super::balance::{balance_of, org_tz, organization, pick_main, pools};
use super::periods::{periods_back, records, usage_by_day};
use crate::entities::{allocation, grant, purchase};
use crate::error::{Error, Result};
use app::credits::Credits;
use app::model::{CreditsView, GrantRow, PeriodRow, PoolRow, PurchaseRow};
use chrono::{DateTime, Utc};
use futures::TryFutureExt;
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
    // Everything the page shows but the use, read once and side by side (separate pooled
    // connections); then each pool's use per day, also side by side.
    let (org, all_pools, grants, purchases, allocations) = futures::try_join!(
        organization(db, org_id),
        pools(db, org_id),
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
    let tz = org_tz(&org)?;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let pool_key: HashMap<i64, String> = all_pools.iter().map(|p| (p.id, p.key.clone())).collect();
    let price: HashMap<i64, app::credits::Price> = all_pools
        .iter()
        .map(|p| (p.id, crate::money::price_of(p)))
        .collect();
    let main_id = pick_main(&all_pools).map(|p| p.id);
    // The main pool's history; the current period of the others.
    let history = periods_back(&org, PERIODS_SHOWN - 1, now)?;
    let current = history[..1].to_vec();
    let (grants_ref, purchases_ref) = (&grants, &purchases);
    let per_pool = futures::future::try_join_all(all_pools.iter().map(|p| {
        let periods = if Some(p.id) == main_id {
            &history
        } else {
            &current
        };
        async move {
            let days = usage_by_day(db, org_id, p.id, periods).await?;
            Ok::<_, crate::error::Error>(records(
                p,
                periods.clone(),
                grants_ref,
                purchases_ref,
                &days,
                now,
            ))
        }
    }))
    .await?;
    let mut history = Vec::new();
    let mut pool_rows = Vec::new();
    for (p, records) in all_pools.iter().zip(per_pool) {
        let current = &records[0];
        let b = balance_of(p, current.period.clone(), &grants, current.overage, now);
        let used = current.used;
        if Some(p.id) == main_id {
            history = records;
        }
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
            used,
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
                price: price.get(&x.pool_id).map_or_else(
                    || crate::money::money(x.price_cents, "USD"),
                    |p| crate::money::money(x.price_cents, &p.currency),
                ),
                status: x.status.clone(),
            })
            .collect(),
        periods,
    })
}
