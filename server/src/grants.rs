//! Grants given by hand (the CLI, the REST API, the settings page): promotional credits and
//! allowances, with optional expiry and priority. Voiding is for grants nothing burned yet.

use crate::catalog::check::MAX_CREDITS;
use crate::entities::grant::{self, GrantStatus};
use crate::entities::pool;
use crate::error::Result;
use crate::ledger::GrantKind;
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub const MAX_DESCRIPTION: usize = 200;
pub const MAX_PRIORITY: i32 = 1_000;

/// A grant to add, as asked for.
#[derive(Clone, Debug)]
pub struct NewGrant {
    pub pool: String,
    /// `promotional` or `allowance`.
    pub kind: String,
    pub credits: Credits,
    pub expires_at: Option<DateTime<Utc>>,
    pub priority: Option<i32>,
    pub description: Option<String>,
}

/// What kinds may be given by hand; the others come from the plan and from purchases.
pub fn manual_kind(kind: &str) -> Result<GrantKind> {
    match GrantKind::parse(kind) {
        Some(k @ (GrantKind::Promotional | GrantKind::Allowance)) => Ok(k),
        _ => Err(AppError::invalid("kind", "must be promotional or allowance").into()),
    }
}

pub async fn add<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    g: &NewGrant,
    now: DateTime<Utc>,
) -> Result<(grant::Model, pool::Model)> {
    let kind = manual_kind(&g.kind)?;
    if g.credits <= Credits::ZERO || g.credits > MAX_CREDITS {
        return Err(AppError::invalid(
            "credits",
            format!(
                "must be more than 0 and at most {}",
                MAX_CREDITS.to_decimal_string()
            ),
        )
        .into());
    }
    if g.expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::invalid("expires_at", "must be in the future").into());
    }
    // Promotions burn after the plan's credits of the same expiry, allowances with them.
    let priority = g.priority.unwrap_or(match kind {
        GrantKind::Promotional => 20,
        _ => crate::ledger_store::INCLUDED_PRIORITY,
    });
    if !(0..=MAX_PRIORITY).contains(&priority) {
        return Err(AppError::invalid(
            "priority",
            format!("must be 0 to {MAX_PRIORITY} (lower burns first)"),
        )
        .into());
    }
    let description = match g.description.as_deref().map(str::trim) {
        None | Some("") => match kind {
            GrantKind::Promotional => "Promotional credits".to_string(),
            _ => "Allowance".to_string(),
        },
        Some(d) if d.chars().count() > MAX_DESCRIPTION || d.chars().any(char::is_control) => {
            return Err(AppError::invalid(
                "description",
                format!("must be at most {MAX_DESCRIPTION} characters, without control characters"),
            )
            .into());
        }
        Some(d) => d.to_string(),
    };
    // The ingest lock first: it takes SQLite's write lock before any read (no busy snapshot)
    // and orders the grant with the organization's batches.
    crate::ledger_store::lock_organization(db, org_id).await?;
    let pool = active_pool(db, org_id, &g.pool).await?;
    let row = grant::ActiveModel {
        organization_id: Set(org_id),
        pool_id: Set(pool.id),
        kind: Set(kind),
        description: Set(description),
        granted_at: Set(now),
        expires_at: Set(g.expires_at),
        priority: Set(priority),
        original_milli: Set(g.credits.0),
        remaining_milli: Set(g.credits.0),
        status: Set(GrantStatus::Active),
        purchase_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, pool))
}

/// A pool of the organization that takes new credits.
pub async fn active_pool<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    key: &str,
) -> Result<pool::Model> {
    let p = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org_id))
        .filter(pool::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("pool", format!("unknown pool key {key:?}")))?;
    if p.archived_at.is_some() {
        return Err(AppError::invalid("pool", format!("pool {key:?} is archived")).into());
    }
    Ok(p)
}

/// Every grant of the organization, newest first, with its pool.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
) -> Result<Vec<(grant::Model, String)>> {
    let pools = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?;
    let grants = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org_id))
        .order_by_desc(grant::Column::GrantedAt)
        .order_by_desc(grant::Column::Id)
        .all(db)
        .await?;
    Ok(grants
        .into_iter()
        .map(|g| {
            let key = pools
                .iter()
                .find(|p| p.id == g.pool_id)
                .map_or_else(String::new, |p| p.key.clone());
            (g, key)
        })
        .collect())
}

/// Whether a grant may still be voided: given by hand and untouched by any burn.
pub fn voidable(g: &grant::Model) -> bool {
    matches!(g.kind, GrantKind::Promotional | GrantKind::Allowance)
        && g.status != GrantStatus::Voided
        && g.remaining_milli == g.original_milli
}

/// Voids an unused promotional or allowance grant, under the ingest lock so that no batch
/// burns it meanwhile.
pub async fn void<C: ConnectionTrait>(db: &C, org_id: OrgId, id: i64) -> Result<grant::Model> {
    crate::ledger_store::lock_organization(db, org_id).await?;
    let g = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org_id))
        .filter(grant::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("grant"))?;
    if !voidable(&g) {
        return Err(AppError::invalid(
            "grant",
            "only an unused promotional or allowance grant can be voided",
        )
        .into());
    }
    grant::Entity::update_many()
        .col_expr(grant::Column::Status, Expr::value(GrantStatus::Voided))
        .filter(grant::Column::OrganizationId.eq(org_id))
        .filter(grant::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(g)
}
