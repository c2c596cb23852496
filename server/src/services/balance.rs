//! The balance of a pool: what its grants hold now, and the current period's included credits.

use crate::entities::{auto_recharge_rule, grant, organization, pool};
use crate::error::Result;
use crate::ledger::{self, GrantKind};
use app::credits::Credits;
use app::error::AppError;
use app::model::BalanceCard;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

pub fn org_tz(org: &organization::Model) -> Result<Tz> {
    org.time_zone
        .parse()
        .map_err(|_| AppError::Internal(format!("organization has an unknown time zone {}", org.time_zone)).into())
}

/// The pool a dashboard shows by default: `ai_credits`, else the organization's first pool.
pub async fn main_pool<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<pool::Model> {
    let pools = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org_id))
        .order_by_asc(pool::Column::Id)
        .all(db)
        .await?;
    let chosen = pools.iter().find(|p| p.key == "ai_credits").or(pools.first()).cloned();
    chosen.ok_or_else(|| AppError::not_found("pool").into())
}

pub async fn balance_card<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    now: DateTime<Utc>,
) -> Result<BalanceCard> {
    let tz = org_tz(org)?;
    let period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let grants = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org.id))
        .filter(grant::Column::PoolId.eq(pool.id))
        .filter(grant::Column::Status.ne("voided"))
        .all(db)
        .await?;
    let by_kind = |kind: GrantKind| -> Credits {
        grants
            .iter()
            .filter(|g| g.kind == kind.as_str())
            // Expiry is applied here, at query time, whether or not a job has marked it.
            .filter(|g| g.granted_at <= now && g.expires_at.is_none_or(|e| now < e))
            .map(|g| Credits(g.remaining_milli))
            .sum()
    };
    let included_remaining = by_kind(GrantKind::Included);
    let purchased_remaining = by_kind(GrantKind::Purchased);
    let promotional_remaining = by_kind(GrantKind::Promotional);
    let this_period: Vec<&grant::Model> = grants
        .iter()
        .filter(|g| g.kind == GrantKind::Included.as_str() && g.granted_at >= period.start && g.granted_at < period.end)
        .collect();
    let included_granted: Credits = this_period.iter().map(|g| Credits(g.original_milli)).sum();
    let included_used: Credits = this_period.iter().map(|g| Credits(g.original_milli - g.remaining_milli)).sum();
    let auto_recharge_enabled = auto_recharge_rule::Entity::find()
        .filter(auto_recharge_rule::Column::OrganizationId.eq(org.id))
        .filter(auto_recharge_rule::Column::PoolId.eq(pool.id))
        .one(db)
        .await?
        .is_some_and(|r| r.enabled);
    Ok(BalanceCard {
        pool_key: pool.key.clone(),
        pool_name: pool.name.clone(),
        remaining: included_remaining + purchased_remaining + promotional_remaining,
        included_remaining,
        purchased_remaining,
        promotional_remaining,
        included_granted,
        included_used,
        period_start: period.start_date,
        period_end: period.last_day(),
        days_left: period.days_left(ledger::local_day(tz, now)),
        auto_recharge_enabled,
    })
}
