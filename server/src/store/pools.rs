//! An organization's pools.

use crate::entities::pool;
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Its pools in id order.
pub async fn list<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<Vec<pool::Model>> {
    Ok(pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org_id))
        .order_by_asc(pool::Column::Id)
        .all(db)
        .await?)
}

/// The pool a dashboard shows by default: `ai_credits`, else the organization's first pool.
pub async fn main<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<pool::Model> {
    let pools = list(db, org_id).await?;
    pick_main(&pools)
        .cloned()
        .ok_or_else(|| AppError::not_found("pool").into())
}

/// [`main`] of pools already loaded (in id order).
pub fn pick_main(pools: &[pool::Model]) -> Option<&pool::Model> {
    pools
        .iter()
        .find(|p| p.key == "ai_credits")
        .or(pools.first())
}
