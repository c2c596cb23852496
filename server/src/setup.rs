//! First run: while no organization exists, the setup page creates the first one and its
//! owner — but only with the one-time token that `serve` prints to its log (as Jenkins or
//! Grafana do), never for whoever finds the page first. The token's hash lives in the
//! database, so any replica accepts it, and it is spent by the setup that uses it.

use crate::accounts;
use crate::audit::Actor;
use crate::entities::{organization, setup_token};
use crate::error::Result;
use crate::provision::{self, NewOrganization};
use app::admin::SetupForm;
use app::error::AppError;
use app::roles::Role;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

/// The catalog the setup page starts an organization with (owners edit it afterwards).
pub const STARTER_CATALOG: &str = include_str!("../demo/starter.toml");

pub async fn is_open<C: ConnectionTrait>(db: &C) -> Result<bool> {
    Ok(organization::Entity::find().count(db).await? == 0)
}

/// A fresh setup token while no organization exists (earlier ones stay valid).
pub async fn issue_token(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Option<String>> {
    if !is_open(db).await? {
        return Ok(None);
    }
    let (_, token) = crate::api_keys::new_secret("setup");
    setup_token::ActiveModel {
        token_hash: Set(crate::api_keys::hash_key(&token)),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Some(token))
}

/// Creates the first organization (with the starter catalog when asked) and its owner, who
/// signs in with the chosen password. Spends every setup token.
pub async fn run(db: &DatabaseConnection, form: &SetupForm, now: DateTime<Utc>) -> Result<String> {
    let txn = db.begin().await?;
    // Deleting the token is the lock: a second setup with it waits, then finds none.
    let spent = setup_token::Entity::delete_many()
        .filter(setup_token::Column::TokenHash.eq(crate::api_keys::hash_key(form.token.trim())))
        .exec(&txn)
        .await?;
    if spent.rows_affected == 0 || !is_open(&txn).await? {
        return Err(AppError::invalid(
            "token",
            "this setup link is not valid: use the one the server printed at start, while no organization exists",
        )
        .into());
    }
    let anchor_day = form
        .anchor_day
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("anchor_day", "must be a day from 1 to 28"))?;
    let catalog = if form.starter_catalog {
        Some(crate::catalog::parse_toml(STARTER_CATALOG).map_err(AppError::internal)?)
    } else {
        None
    };
    let new = NewOrganization {
        slug: form.slug.trim().to_string(),
        name: form.organization.clone(),
        time_zone: Some(form.time_zone.trim().to_string()),
        anchor_day: Some(anchor_day),
        catalog,
        ..Default::default()
    };
    let made = provision::create_in(&txn, &new, &Actor::named("first-run setup"), now).await?;
    let owner = accounts::create_user(
        &txn,
        made.organization.id,
        &form.email,
        &form.name,
        Role::Owner,
        &form.password,
        now,
    )
    .await?;
    setup_token::Entity::delete_many().exec(&txn).await?;
    txn.commit().await?;
    Ok(owner.email)
}
