//! Organizations and their members, as created from the command line (and, for members, by
//! admins in the dashboard). Outside the demo no account has a default password.

use crate::auth::password;
use crate::entities::{organization, password_token, user};
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
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
    let name = crate::catalog::check::name("name", None, name).map_err(AppError::from)?;
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
        name: Set(name),
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
    org_id: OrgId,
    email: &str,
    name: &str,
    role: Role,
    initial_password: &str,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let hash = password::hash_blocking(initial_password.to_string()).await?;
    insert_user(db, org_id, email, name, role, Some(hash), now).await
}

/// A new member who signs in once they chose a password through [`password_link`].
pub async fn create_user_without_password<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    email: &str,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    insert_user(db, org_id, email, name, role, None, now).await
}

async fn insert_user<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    email: &str,
    name: &str,
    role: Role,
    hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let email = email.trim().to_lowercase();
    let at = email.find('@');
    if email.len() > 254
        || email.chars().any(|c| c.is_control() || c.is_whitespace())
        || !at.is_some_and(|i| i > 0 && i + 1 < email.len())
    {
        return Err(AppError::invalid("email", "must be an email address").into());
    }
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "must be 1 to 100 characters, without control characters",
        )
        .into());
    }
    let exists = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org_id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if exists.is_some() {
        return Err(AppError::invalid("email", "is already a member").into());
    }
    Ok(user::ActiveModel {
        organization_id: Set(org_id),
        email: Set(email),
        name: Set(name.trim().into()),
        role: Set(role.into()),
        password_hash: Set(hash),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// How long a set-password link works.
pub const LINK_DAYS: i64 = 7;

/// The page where the holder of `token` chooses a password, under `base` (the server's
/// public address, or empty for a path).
pub fn set_password_url(base: &str, token: &str) -> String {
    format!("{base}/set-password?token={token}")
}

/// A one-time token that lets `user` choose a password (`/set-password?token=…`). Only its
/// hash is stored; the token names its organization, so it is looked up only there.
pub async fn password_link<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let (_, secret) = crate::api_keys::new_secret("pw");
    let token = format!("{org_id}-{secret}");
    password_token::ActiveModel {
        organization_id: Set(org_id),
        user_id: Set(user_id),
        token_hash: Set(crate::api_keys::hash_key(&token)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::days(LINK_DAYS)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Sets the password of the link's member and spends the link. Returns the member.
pub async fn set_password_with_link<C: ConnectionTrait>(
    db: &C,
    token: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    use sea_orm::sea_query::Expr;
    let bad = || {
        AppError::invalid(
            "token",
            "this link is not valid (used, expired or mistyped)",
        )
    };
    let org_id: OrgId = token
        .split_once('-')
        .and_then(|(o, _)| o.parse().ok())
        .ok_or_else(bad)?;
    let link = password_token::Entity::find()
        .filter(password_token::Column::OrganizationId.eq(org_id))
        .filter(password_token::Column::TokenHash.eq(crate::api_keys::hash_key(token)))
        .one(db)
        .await?
        .filter(|l| l.used_at.is_none() && l.expires_at > now)
        .ok_or_else(bad)?;
    let hash = password::hash_blocking(new_password.to_string()).await?;
    let spent = password_token::Entity::update_many()
        .col_expr(password_token::Column::UsedAt, Expr::value(now))
        .filter(password_token::Column::OrganizationId.eq(org_id))
        .filter(password_token::Column::Id.eq(link.id))
        .filter(password_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected == 0 {
        return Err(bad().into());
    }
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::OrganizationId.eq(org_id))
        .filter(user::Column::Id.eq(link.user_id))
        .exec(db)
        .await?;
    user::Entity::find_by_id(link.user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("member").into())
}
