//! Platform keys: instance-wide keys of the vendor that runs the meter, for provisioning
//! organizations (`cmp_<prefix>_<secret>`). Hashed like API keys; never accepted on an
//! organization's routes, and an organization's key is never accepted here.

use crate::api_keys::{hash_key, key_name, new_secret};
use crate::entities::platform_key;
use crate::error::Result;
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub const TAG: &str = "cmp";

pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    now: DateTime<Utc>,
) -> Result<crate::api_keys::CreatedKey> {
    let name = key_name(name)?;
    let (prefix, secret) = new_secret(TAG);
    let row = platform_key::ActiveModel {
        name: Set(name.to_string()),
        prefix: Set(prefix.clone()),
        secret_hash: Set(hash_key(&secret)),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(crate::api_keys::CreatedKey {
        id: row.id,
        prefix,
        secret,
    })
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<platform_key::Model>> {
    Ok(platform_key::Entity::find()
        .order_by_asc(platform_key::Column::Id)
        .all(db)
        .await?)
}

/// Revokes the key with this prefix; it stops working at once.
pub async fn revoke<C: ConnectionTrait>(db: &C, prefix: &str, now: DateTime<Utc>) -> Result<()> {
    let done = platform_key::Entity::update_many()
        .col_expr(platform_key::Column::RevokedAt, Expr::value(now))
        .filter(platform_key::Column::Prefix.eq(prefix))
        .filter(platform_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::not_found(format!("live platform key {prefix}")).into());
    }
    Ok(())
}

/// The live key a bearer token is, if any.
pub async fn verify<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<Option<platform_key::Model>> {
    let mut parts = token.splitn(3, '_');
    let (Some(TAG), Some(prefix), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let hash = hash_key(token);
    Ok(platform_key::Entity::find()
        .filter(platform_key::Column::Prefix.eq(prefix))
        .all(db)
        .await?
        .into_iter()
        .find(|k| k.secret_hash == hash && k.revoked_at.is_none()))
}
