//! An organization: by id, by slug, and its time zone.

use crate::entities::organization;
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub async fn get<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<organization::Model> {
    Ok(organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?)
}

pub async fn by_slug<C: ConnectionTrait>(db: &C, slug: &str) -> Result<organization::Model> {
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("organization {slug:?}")).into())
}

/// The zone its days, weeks and periods are counted in (checked when it is set).
pub fn tz(org: &organization::Model) -> Result<Tz> {
    org.time_zone.parse().map_err(|_| {
        AppError::Internal(format!(
            "organization has an unknown time zone {}",
            org.time_zone
        ))
        .into()
    })
}
