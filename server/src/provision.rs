//! Provisioning an organization in one transaction: the organization, its catalog, and an
//! owner who chooses a password through a one-time link. The platform API, the CLI, the
//! first-run setup page and the demo all create organizations here.

use crate::accounts;
use crate::audit::Actor;
use crate::catalog;
use crate::entities::{organization, user};
use crate::error::Result;
use app::catalog::{CatalogDoc, CatalogReport};
use app::roles::Role;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

#[derive(Clone, Debug, Default)]
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    /// IANA zone; UTC when missing.
    pub time_zone: Option<String>,
    /// 1–28; the 1st when missing.
    pub anchor_day: Option<u32>,
    pub catalog: Option<CatalogDoc>,
    /// An owner to invite: they set their password through the returned link.
    pub owner_email: Option<String>,
    pub owner_name: Option<String>,
}

pub struct Provisioned {
    pub organization: organization::Model,
    pub catalog: Option<CatalogReport>,
    /// The invited owner and their one-time set-password token.
    pub owner: Option<(user::Model, String)>,
}

pub async fn create_organization(
    db: &DatabaseConnection,
    new: &NewOrganization,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Provisioned> {
    let txn = db.begin().await?;
    let out = create_in(&txn, new, actor, now).await?;
    txn.commit().await?;
    Ok(out)
}

/// [`create_organization`] inside the caller's transaction.
pub async fn create_in<C: ConnectionTrait>(
    db: &C,
    new: &NewOrganization,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Provisioned> {
    let organization = accounts::create_organization(
        db,
        &new.slug,
        &new.name,
        new.time_zone.as_deref().unwrap_or("UTC"),
        new.anchor_day.unwrap_or(1),
        now,
    )
    .await?;
    let catalog = match &new.catalog {
        Some(doc) => Some(catalog::apply(db, &organization, doc, false, actor, now).await?),
        None => None,
    };
    let owner = match &new.owner_email {
        Some(email) => {
            let name = new.owner_name.as_deref().unwrap_or("Owner");
            let u = accounts::create_user_without_password(
                db,
                organization.id,
                email,
                name,
                Role::Owner,
                now,
            )
            .await
            .map_err(|e| e.rename_field(|f| (f == "email").then(|| "owner_email".into())))?;
            let token = accounts::password_link(db, organization.id, u.id, now).await?;
            Some((u, token))
        }
        None => None,
    };
    Ok(Provisioned {
        organization,
        catalog,
        owner,
    })
}
