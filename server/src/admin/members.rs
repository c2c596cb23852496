//! Member actions: invite (with an initial password), change role, move between teams,
//! deactivate — and the API keys of the organization.

use crate::accounts;
use crate::entities::{api_key, team, team_member, user};
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
use app::roles::Role;
use app::service::Viewer;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

/// A member of the viewer's organization (never of another one).
async fn member<C: ConnectionTrait>(db: &C, viewer: &Viewer, user_id: i64) -> Result<user::Model> {
    Ok(user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganizationId.eq(viewer.organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("member"))?)
}

async fn team_ids<C: ConnectionTrait>(db: &C, org: OrgId, names: &[String]) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let t = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(team::Column::Name.eq(name.trim()))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("team", format!("no team named {name:?}")))?;
        ids.push(t.id);
    }
    Ok(ids)
}

/// Owners may not disappear: the last active owner keeps the role and stays active.
async fn keep_an_owner<C: ConnectionTrait>(db: &C, target: &user::Model) -> Result<()> {
    if target.role != crate::entities::user::Role::Owner || !target.active {
        return Ok(());
    }
    let owners = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(target.organization_id))
        .filter(user::Column::Role.eq(Role::Owner.as_str()))
        .filter(user::Column::Active.eq(true))
        .count(db)
        .await?;
    if owners <= 1 {
        return Err(AppError::forbidden("the organization's last owner cannot be removed").into());
    }
    Ok(())
}

/// Adds a member without a password; the one-time set-password link's token for them.
pub async fn invite<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    email: &str,
    name: &str,
    role: Role,
    team: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let teams = team_ids(
        db,
        viewer.organization_id,
        &team.map(str::to_string).into_iter().collect::<Vec<_>>(),
    )
    .await?;
    let org = viewer.organization_id;
    let u = accounts::create_user_without_password(db, org, email, name, role, now).await?;
    set_memberships(db, org, u.id, &teams).await?;
    accounts::password_link(db, org, u.id, now).await
}

pub async fn change_role<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    user_id: i64,
    role: Role,
) -> Result<()> {
    let target = member(db, viewer, user_id).await?;
    // Only an owner changes an owner.
    if target.role == crate::entities::user::Role::Owner && !viewer.role.governs() {
        return Err(AppError::forbidden("only an owner changes an owner's role").into());
    }
    if role != Role::Owner {
        keep_an_owner(db, &target).await?;
    }
    let mut row: user::ActiveModel = target.into();
    row.role = Set(role.into());
    row.update(db).await?;
    Ok(())
}

async fn set_memberships<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    user_id: i64,
    teams: &[i64],
) -> Result<()> {
    team_member::Entity::delete_many()
        .filter(team_member::Column::OrganizationId.eq(org))
        .filter(team_member::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    for t in teams {
        team_member::ActiveModel {
            organization_id: Set(org),
            team_id: Set(*t),
            user_id: Set(user_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn set_teams<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    user_id: i64,
    teams: &[String],
) -> Result<()> {
    let target = member(db, viewer, user_id).await?;
    let ids = team_ids(db, viewer.organization_id, teams).await?;
    set_memberships(db, viewer.organization_id, target.id, &ids).await
}

pub async fn deactivate<C: ConnectionTrait>(db: &C, viewer: &Viewer, user_id: i64) -> Result<()> {
    let target = member(db, viewer, user_id).await?;
    if target.id == viewer.user_id {
        return Err(AppError::forbidden("you cannot deactivate yourself").into());
    }
    if target.role == crate::entities::user::Role::Owner && !viewer.role.governs() {
        return Err(AppError::forbidden("only an owner deactivates an owner").into());
    }
    keep_an_owner(db, &target).await?;
    let mut row: user::ActiveModel = target.into();
    row.active = Set(false);
    row.update(db).await?;
    Ok(())
}

pub async fn create_key<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    name: &str,
) -> Result<crate::api_keys::CreatedKey> {
    crate::api_keys::create_for(db, viewer.organization_id, name, Some(viewer.user_id)).await
}

/// Revoked keys are refused at once (the API checks `revoked_at` on every request).
pub async fn revoke_key<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let changed = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::OrganizationId.eq(viewer.organization_id))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::not_found("active API key").into());
    }
    Ok(())
}
