//! Organizations and their members, as created from the command line (and, for members, by
//! admins in the dashboard). Outside the demo no account has a default password.

use crate::auth::password;
use crate::entities::{organization, user};
use crate::error::Result;
use app::error::AppError;
use app::roles::Role;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub async fn create_organization<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    name: &str,
    time_zone: &str,
    anchor_day: u32,
    now: DateTime<Utc>,
) -> Result<organization::Model> {
    let ok_slug = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok_slug {
        return Err(AppError::invalid("slug", "use 1 to 40 of a-z, 0-9 and -").into());
    }
    if name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty").into());
    }
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(
            AppError::invalid("time_zone", "must be an IANA zone such as Europe/Berlin").into(),
        );
    }
    if !(1..=28).contains(&anchor_day) {
        return Err(AppError::invalid("anchor_day", "must be a day from 1 to 28").into());
    }
    let taken = organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid("slug", "is taken").into());
    }
    Ok(organization::ActiveModel {
        slug: Set(slug.into()),
        name: Set(name.trim().into()),
        time_zone: Set(time_zone.into()),
        period_anchor_day: Set(anchor_day as i32),
        is_agency: Set(false),
        created_at: Set(now),
        ingest_seq: Set(0),
        dashboard_roles: Set(crate::db::migrations::m0004_accounts::DEFAULT_DASHBOARD_ROLES.into()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A new member with a password (argon2id); the email must be new in the organization.
pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    email: &str,
    name: &str,
    role: Role,
    initial_password: &str,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let email = email.trim().to_lowercase();
    let at = email.find('@');
    if email.len() > 254 || !at.is_some_and(|i| i > 0 && i + 1 < email.len()) {
        return Err(AppError::invalid("email", "must be an email address").into());
    }
    if name.trim().is_empty() || name.len() > 100 {
        return Err(AppError::invalid("name", "must be 1 to 100 characters").into());
    }
    let exists = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org_id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if exists.is_some() {
        return Err(AppError::invalid("email", "is already a member").into());
    }
    let hash = password::hash_blocking(initial_password.to_string()).await?;
    Ok(user::ActiveModel {
        organization_id: Set(org_id),
        email: Set(email),
        name: Set(name.trim().into()),
        role: Set(role.as_str().into()),
        password_hash: Set(Some(hash)),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
