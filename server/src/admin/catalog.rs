//! The settings page's catalog, price and grant actions: each goes through the same code as
//! the catalog file, the CLI and the REST API.

use crate::audit::Actor;
use crate::entities::{organization, team, team_member};
use crate::error::Result;
use crate::grants::{self, NewGrant};
use app::admin::AdminAction;
use app::error::AppError;
use app::ids::OrgId;
use app::service::Viewer;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Runs one of the catalog actions; the sentence for the page.
pub async fn perform<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    actor: &Actor,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<String> {
    let org = crate::store::organizations::get(db, viewer.organization_id).await?;
    match action {
        AdminAction::ApplyCatalog { catalog } => {
            let r = crate::catalog::apply(db, &org, catalog, false, actor, now).await?;
            Ok(if r.is_noop() {
                "Nothing changed.".into()
            } else {
                format!(
                    "Catalog saved: {}.",
                    r.lines()[..r.lines().len() - 1].join("; ")
                )
            })
        }
        AdminAction::SetPoolPrice {
            pool,
            price_per_credit,
        } => {
            let mut found = false;
            crate::catalog::store::edit(db, &org, actor, now, |doc| {
                for p in doc.pools.iter_mut().filter(|p| &p.key == pool) {
                    p.price_per_credit = app::catalog::Decimal(price_per_credit.trim().into());
                    found = true;
                }
            })
            .await
            .map_err(|e| {
                e.rename_field(|f| f.starts_with("pools[").then(|| "price_per_credit".into()))
            })?;
            if !found {
                return Err(AppError::invalid("pool", format!("unknown pool key {pool:?}")).into());
            }
            Ok(format!(
                "New price of {pool}: {price_per_credit} per credit."
            ))
        }
        AdminAction::AddGrant {
            pool,
            kind,
            credits,
            expires,
            priority,
            description,
        } => {
            let new = NewGrant {
                pool: pool.clone(),
                kind: kind.clone(),
                credits: *credits,
                expires_at: expires.as_deref().map(|e| expiry(&org, e)).transpose()?,
                priority: *priority,
                description: Some(description.clone()),
            };
            // The page's field is `expires`, the API's `expires_at`.
            grants::add(db, org.id, &new, now)
                .await
                .map_err(|e| e.rename_field(|f| (f == "expires_at").then(|| "expires".into())))?;
            Ok(format!("Granted {} {kind} credits.", credits.display()))
        }
        AdminAction::VoidGrant { id } => {
            grants::void(db, org.id, *id).await?;
            Ok("Grant voided.".into())
        }
        AdminAction::RemoveTeam { key } => remove_team(db, org.id, key).await,
        other => Err(AppError::internal(format!("{} is no catalog action", other.name())).into()),
    }
}

/// An expiry as typed: RFC 3339, or a date meaning the end of that day in the organization's
/// time zone.
fn expiry(org: &organization::Model, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .ok_or_else(|| {
            AppError::invalid("expires", "must be a date (2027-01-31) or an RFC 3339 time")
        })?;
    let tz = crate::store::organizations::tz(org)?;
    Ok(crate::ledger::period::local_midnight(tz, day))
}

async fn remove_team<C: ConnectionTrait>(db: &C, org_id: OrgId, key: &str) -> Result<String> {
    let t = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org_id))
        .filter(team::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("team {key:?}")))?;
    let members = team_member::Entity::find()
        .filter(team_member::Column::OrganizationId.eq(org_id))
        .filter(team_member::Column::TeamId.eq(t.id))
        .count(db)
        .await?;
    if members > 0 {
        return Err(AppError::invalid(
            "team",
            format!(
                "{} has {members} member(s); move them to another team first",
                t.name
            ),
        )
        .into());
    }
    team::Entity::delete_many()
        .filter(team::Column::OrganizationId.eq(org_id))
        .filter(team::Column::Id.eq(t.id))
        .exec(db)
        .await?;
    Ok(format!("Team {} removed.", t.name))
}
