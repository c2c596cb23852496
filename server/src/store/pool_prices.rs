//! Pools' price versions: recorded when a price changes, read once per question.

use crate::entities::pool_price;
use crate::error::Result;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// Records `price_micros` as the pool's price from `now`, unless it is already the price in
/// effect (applying the same catalog again adds no version).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    pool_id: i64,
    price_micros: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = pool_price::Entity::find()
        .filter(pool_price::Column::OrganizationId.eq(org))
        .filter(pool_price::Column::PoolId.eq(pool_id))
        .filter(pool_price::Column::EffectiveFrom.lte(now))
        .order_by_desc(pool_price::Column::EffectiveFrom)
        .one(db)
        .await?;
    if current.is_some_and(|c| c.price_micros == price_micros) {
        return Ok(());
    }
    use pool_price::Column as C;
    pool_price::Entity::insert(pool_price::ActiveModel {
        organization_id: Set(org),
        pool_id: Set(pool_id),
        effective_from: Set(now),
        price_micros: Set(price_micros),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([C::OrganizationId, C::PoolId, C::EffectiveFrom])
            .update_columns([C::PriceMicros, C::CreatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Every version of the organization's pools, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<Vec<pool_price::Model>> {
    Ok(pool_price::Entity::find()
        .filter(pool_price::Column::OrganizationId.eq(org))
        .order_by_asc(pool_price::Column::PoolId)
        .order_by_asc(pool_price::Column::EffectiveFrom)
        .all(db)
        .await?)
}
