//! What a new organization sees before its first event: the balance card of a pool-less
//! organization, and the hints that lead to a first event (a feature, a key, a `curl`).

use super::balance::balance_card;
use crate::entities::{feature, organization, usage_feature_daily};
use crate::error::Result;
use crate::ledger;
use crate::store::{organizations, pools};
use app::credits::Credits;
use app::ids::OrgId;
use app::model::{BalanceCard, GettingStarted};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The main pool's card and id; with no pool yet, an empty card of the current period.
pub async fn main_card<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    now: DateTime<Utc>,
) -> Result<(BalanceCard, Option<i64>)> {
    let all = pools::list(db, org.id).await?;
    let live: Vec<_> = all
        .into_iter()
        .filter(|p| p.archived_at.is_none())
        .collect();
    if let Some(pool) = pools::pick_main(&live) {
        return Ok((balance_card(db, org, pool, now).await?, Some(pool.id)));
    }
    let tz = organizations::tz(org)?;
    let period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let card = BalanceCard {
        pool_key: String::new(),
        pool_name: "credits".into(),
        remaining: Credits::ZERO,
        included_remaining: Credits::ZERO,
        purchased_remaining: Credits::ZERO,
        promotional_remaining: Credits::ZERO,
        allowance_remaining: Credits::ZERO,
        adjusted_remaining: Credits::ZERO,
        included_granted: Credits::ZERO,
        included_used: Credits::ZERO,
        period_start: period.start_date,
        period_end: period.last_day(),
        days_left: period.days_left(ledger::local_day(tz, now)),
        auto_recharge_enabled: false,
    };
    Ok((card, None))
}

/// Hints until the organization has both features and its first event; `None` after.
pub async fn getting_started<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
) -> Result<Option<GettingStarted>> {
    let (used, first_feature) = futures::try_join!(
        usage_feature_daily::Entity::find()
            .filter(usage_feature_daily::Column::OrganizationId.eq(org_id))
            .one(db),
        feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org_id))
            .filter(feature::Column::ArchivedAt.is_null())
            .order_by_asc(feature::Column::Id)
            .one(db)
    )?;
    if used.is_some() && first_feature.is_some() {
        return Ok(None);
    }
    Ok(Some(GettingStarted {
        has_usage: used.is_some(),
        feature: first_feature.map(|f| f.key),
        origin: String::new(),
        now: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
}
