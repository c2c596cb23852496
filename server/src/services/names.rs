//! Display names of members and end users by id, for the reports that show who used what.

use crate::entities::{end_user, user};
use crate::error::Result;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Ids per query: keeps `IN (…)` lists well below every backend's parameter limit.
const CHUNK: usize = 500;

/// Member emails: of `ids`, or of every member with `None`.
pub async fn member_emails<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, String>> {
    let q = || user::Entity::find().filter(user::Column::OrganizationId.eq(org));
    let mut out = HashMap::new();
    let Some(ids) = ids else {
        return Ok(q()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect());
    };
    for chunk in ids.chunks(CHUNK) {
        let found = q()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        out.extend(found.into_iter().map(|u| (u.id, u.email)));
    }
    Ok(out)
}

/// End users' external ids: of `ids`, or of every end user with `None`.
pub async fn end_user_names<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, String>> {
    let q = || end_user::Entity::find().filter(end_user::Column::OrganizationId.eq(org));
    let mut out = HashMap::new();
    let Some(ids) = ids else {
        return Ok(q()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.external_id))
            .collect());
    };
    for chunk in ids.chunks(CHUNK) {
        let found = q()
            .filter(end_user::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        out.extend(found.into_iter().map(|u| (u.id, u.external_id)));
    }
    Ok(out)
}
