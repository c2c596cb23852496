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
    /// `promotional`, `allowance`, `adjustment` (credits added, with the reason) or `debit`
    /// (credits taken away, with the reason).
    pub kind: String,
    pub credits: Credits,
    pub expires_at: Option<DateTime<Utc>>,
    pub priority: Option<i32>,
    pub description: Option<String>,
}

/// What may be given by hand; the other kinds come from the plan and from purchases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManualKind {
    Promotional,
    Allowance,
    /// Credits added as a correction.
    Adjustment,
    /// Credits taken away as a correction.
    Debit,
}

impl ManualKind {
    pub fn parse(kind: &str) -> Result<ManualKind> {
        Ok(match kind {
            "promotional" => ManualKind::Promotional,
            "allowance" => ManualKind::Allowance,
            "adjustment" => ManualKind::Adjustment,
            "debit" => ManualKind::Debit,
            _ => {
                let why = "must be promotional, allowance, adjustment or debit";
                return Err(AppError::invalid("kind", why).into());
            }
        })
    }

    fn is_correction(self) -> bool {
        matches!(self, ManualKind::Adjustment | ManualKind::Debit)
    }

    fn grant_kind(self) -> GrantKind {
        match self {
            ManualKind::Promotional => GrantKind::Promotional,
            ManualKind::Allowance => GrantKind::Allowance,
            ManualKind::Adjustment | ManualKind::Debit => GrantKind::Adjustment,
        }
    }
}

/// The grant's description: given, or the kind's; a correction must say why.
fn description_of(kind: ManualKind, given: Option<&str>) -> Result<String> {
    match given.map(str::trim) {
        None | Some("") if kind.is_correction() => {
            Err(AppError::invalid("description", "an adjustment or debit needs its reason").into())
        }
        None | Some("") => Ok(match kind {
            ManualKind::Promotional => "Promotional credits".to_string(),
            _ => "Allowance".to_string(),
        }),
        Some(d) if d.chars().count() > MAX_DESCRIPTION || d.chars().any(char::is_control) => {
            let why =
                format!("must be at most {MAX_DESCRIPTION} characters, without control characters");
            Err(AppError::invalid("description", why).into())
        }
        Some(d) => Ok(d.to_string()),
    }
}

/// The checks every field of a hand-made grant passes: credits, expiry, priority.
fn check(kind: ManualKind, g: &NewGrant, now: DateTime<Utc>) -> Result<i32> {
    if g.credits <= Credits::ZERO || g.credits > MAX_CREDITS {
        let why = format!(
            "must be more than 0 and at most {}",
            MAX_CREDITS.to_decimal_string()
        );
        return Err(AppError::invalid("credits", why).into());
    }
    if kind.is_correction() && g.expires_at.is_some() {
        return Err(
            AppError::invalid("expires_at", "an adjustment or debit does not expire").into(),
        );
    }
    if g.expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::invalid("expires_at", "must be in the future").into());
    }
    // Promotions and corrections burn after the plan's credits of the same expiry,
    // allowances with them.
    let priority = g.priority.unwrap_or(match kind {
        ManualKind::Allowance => crate::ledger_store::INCLUDED_PRIORITY,
        _ => 20,
    });
    if !(0..=MAX_PRIORITY).contains(&priority) {
        let why = format!("must be 0 to {MAX_PRIORITY} (lower burns first)");
        return Err(AppError::invalid("priority", why).into());
    }
    Ok(priority)
}

/// Adds a grant given by hand; a debit instead burns its credits from the pool now and is
/// kept as an adjustment of minus that amount.
pub async fn add<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    g: &NewGrant,
    now: DateTime<Utc>,
) -> Result<(grant::Model, pool::Model)> {
    let kind = ManualKind::parse(&g.kind)?;
    let priority = check(kind, g, now)?;
    let description = description_of(kind, g.description.as_deref())?;
    // The ingest lock first: it takes SQLite's write lock before any read (no busy snapshot)
    // and orders the grant with the organization's batches.
    crate::ledger_store::lock_organization(db, org_id).await?;
    let pool = active_pool(db, org_id, &g.pool).await?;
    let mut row = grant::ActiveModel {
        organization_id: Set(org_id),
        pool_id: Set(pool.id),
        kind: Set(kind.grant_kind()),
        description: Set(description),
        granted_at: Set(now),
        expires_at: Set(g.expires_at),
        priority: Set(priority),
        original_milli: Set(g.credits.0),
        remaining_milli: Set(g.credits.0),
        status: Set(GrantStatus::Active),
        purchase_id: Set(None),
        ..Default::default()
    };
    if kind == ManualKind::Debit {
        debit(db, &pool, g.credits, now).await?;
        row.original_milli = Set(-g.credits.0);
        row.remaining_milli = Set(0);
        row.status = Set(GrantStatus::Exhausted);
    }
    Ok((row.insert(db).await?, pool))
}

/// Takes `credits` from the pool's grants in burn order, as usage at `now` would; refused
/// when the pool holds less (a correction never makes overage).
async fn debit<C: ConnectionTrait>(
    db: &C,
    pool: &pool::Model,
    credits: Credits,
    now: DateTime<Utc>,
) -> Result<()> {
    let org = crate::store::organizations::get(db, pool.organization_id).await?;
    let tz = crate::store::organizations::tz(&org)?;
    let period = crate::ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let before = crate::ledger_store::load_pool(db, &org, pool, &period).await?;
    let mut after = before.grants.clone();
    let burn = crate::ledger::burn(&mut after, credits, now, now);
    if burn.overage > Credits::ZERO {
        let held = crate::ledger::balance_at(&before.grants, now);
        let why = format!(
            "the pool holds {} credits now; a debit cannot take more",
            held.display()
        );
        return Err(AppError::invalid("credits", why).into());
    }
    crate::ledger_store::save_balances(db, org.id, &before.grants, &after).await
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
