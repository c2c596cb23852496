//! Names by id (member emails, end users' external ids, keys of sources, actions…), for the
//! reports that show who or what used credits.

use crate::entities::{end_user, user};
use crate::error::Result;
use app::ids::OrgId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Ids per query: keeps `IN (…)` lists well below every backend's parameter limit.
const CHUNK: usize = 500;

/// `name(row)` by id for rows of `E` in one organization: of `ids`, or all with `None`.
pub(crate) async fn by_id<C, E>(
    db: &C,
    org_col: E::Column,
    org: OrgId,
    id_col: E::Column,
    ids: Option<&[i64]>,
    name: fn(E::Model) -> (i64, String),
) -> Result<HashMap<i64, String>>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    let q = || E::find().filter(org_col.eq(org));
    let Some(ids) = ids else {
        return Ok(q().all(db).await?.into_iter().map(name).collect());
    };
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found = q().filter(id_col.is_in(chunk.to_vec())).all(db).await?;
        out.extend(found.into_iter().map(name));
    }
    Ok(out)
}

/// Member emails: of `ids`, or of every member with `None`.
pub async fn member_emails<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, String>> {
    by_id::<C, user::Entity>(
        db,
        user::Column::OrganizationId,
        org,
        user::Column::Id,
        ids,
        |u| (u.id, u.email),
    )
    .await
}

/// End users' external ids: of `ids`, or of every end user with `None`.
pub async fn end_user_names<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, String>> {
    by_id::<C, end_user::Entity>(
        db,
        end_user::Column::OrganizationId,
        org,
        end_user::Column::Id,
        ids,
        |u| (u.id, u.external_id),
    )
    .await
}
