//! A pool's grants.

use crate::entities::grant::{self, GrantStatus};
use crate::error::Result;
use app::ids::OrgId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A pool's grants that count (all but voided ones).
pub async fn in_pool<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    pool_id: i64,
) -> Result<Vec<grant::Model>> {
    Ok(grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org_id))
        .filter(grant::Column::PoolId.eq(pool_id))
        .filter(grant::Column::Status.ne(GrantStatus::Voided))
        .all(db)
        .await?)
}

/// Whether a grant counts for `pool_id`'s balance and records: the pool's, and not voided
/// (what [`in_pool`] reads).
pub fn counts_in(g: &grant::Model, pool_id: i64) -> bool {
    g.pool_id == pool_id && g.status != GrantStatus::Voided
}
