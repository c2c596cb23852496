//! The database side of the ledger: loads a pool's state for `ledger::apply` and writes its
//! decisions back. Always called inside the caller's transaction.

use crate::entities::grant::{self, GrantStatus};
use crate::entities::purchase::{self, PurchaseOrigin, PurchaseStatus};
use crate::entities::{auto_recharge_rule, organization, pool};
use crate::error::Result;
use crate::ledger::{self, GrantKind, GrantState, Period, PoolLedger, RechargeRule};
use app::credits::Credits;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

pub const INCLUDED_PRIORITY: i32 = 10;

/// The organization's ingest lock, held until the caller's transaction ends. The row update
/// serialises the organization's batches (and catalog or grant changes) on PostgreSQL and
/// takes SQLite's write lock up front (no read-then-upgrade deadlocks).
pub async fn lock_organization<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<()> {
    let locked = organization::Entity::update_many()
        .col_expr(
            organization::Column::IngestSeq,
            sea_orm::sea_query::ExprTrait::add(Expr::col(organization::Column::IngestSeq), 1),
        )
        .filter(organization::Column::Id.eq(org_id))
        .exec(db)
        .await?;
    if locked.rows_affected == 0 {
        return Err(app::error::AppError::not_found("organization").into());
    }
    Ok(())
}

/// Makes sure the pool has this period's included and allowance grants, as its plan says
/// (idempotent; callers hold the organization's ingest lock or accept a harmless re-check).
pub async fn ensure_period_grants<C: ConnectionTrait>(
    db: &C,
    pool: &pool::Model,
    period: &Period,
) -> Result<()> {
    let plan = [
        (
            GrantKind::Included,
            pool.included_per_period_milli,
            "Included credits",
        ),
        (
            GrantKind::Allowance,
            pool.allowance_per_period_milli,
            "Background allowance",
        ),
    ];
    for (kind, amount, what) in plan {
        if amount <= 0 || pool.archived_at.is_some() {
            continue;
        }
        let exists = grant::Entity::find()
            .filter(grant::Column::OrganizationId.eq(pool.organization_id))
            .filter(grant::Column::PoolId.eq(pool.id))
            .filter(grant::Column::Kind.eq(kind))
            .filter(grant::Column::GrantedAt.eq(period.start))
            .count(db)
            .await?;
        if exists > 0 {
            continue;
        }
        grant::ActiveModel {
            organization_id: Set(pool.organization_id),
            pool_id: Set(pool.id),
            kind: Set(kind),
            description: Set(format!(
                "{what} {} – {}",
                period.start_date,
                period.last_day()
            )),
            granted_at: Set(period.start),
            expires_at: Set(Some(period.end)),
            priority: Set(INCLUDED_PRIORITY),
            original_milli: Set(amount),
            remaining_milli: Set(amount),
            status: Set(GrantStatus::Active),
            purchase_id: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Grants that can still burn, plus the recharge rule and this period's recharge count.
pub async fn load_pool<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    period: &Period,
) -> Result<PoolLedger> {
    let grants = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org.id))
        .filter(grant::Column::PoolId.eq(pool.id))
        .filter(grant::Column::RemainingMilli.gt(0))
        .filter(grant::Column::Status.ne(GrantStatus::Voided))
        .all(db)
        .await?
        .into_iter()
        .map(|g| GrantState {
            id: g.id,
            kind: g.kind,
            priority: g.priority,
            granted_at: g.granted_at,
            expires_at: g.expires_at,
            remaining: Credits(g.remaining_milli),
        })
        .collect();
    let rule = auto_recharge_rule::Entity::find()
        .filter(auto_recharge_rule::Column::OrganizationId.eq(org.id))
        .filter(auto_recharge_rule::Column::PoolId.eq(pool.id))
        .one(db)
        .await?
        .map(|r| RechargeRule {
            enabled: r.enabled,
            threshold: Credits(r.threshold_milli),
            amount: Credits(r.amount_milli),
            max_per_period: r.max_per_period.max(0) as u32,
        });
    let this_period = || {
        purchase::Entity::find()
            .filter(purchase::Column::OrganizationId.eq(org.id))
            .filter(purchase::Column::PoolId.eq(pool.id))
            .filter(purchase::Column::Origin.eq(PurchaseOrigin::AutoRecharge))
            .filter(purchase::Column::CreatedAt.gte(period.start))
            .filter(purchase::Column::CreatedAt.lt(period.end))
    };
    let recharges = this_period().count(db).await? as u32;
    // A refused charge stops auto-recharge until the next period.
    let refused = this_period()
        .filter(purchase::Column::Status.eq(PurchaseStatus::Failed))
        .count(db)
        .await?
        > 0;
    Ok(PoolLedger {
        grants,
        rule: rule.map(|r| RechargeRule {
            enabled: r.enabled && !refused,
            ..r
        }),
        recharges_this_period: recharges,
    })
}

/// The payments of a batch's auto-recharges (by key), in `period`.
#[derive(Clone, Copy)]
pub struct Charged<'a> {
    pub paid: &'a std::collections::HashMap<String, crate::payment::Payment>,
    pub period: &'a Period,
}

/// Writes the grants' balances that changed from `before` to `after` (the same grants).
pub async fn save_balances<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    before: &[GrantState],
    after: &[GrantState],
) -> Result<()> {
    for (old, new) in before.iter().zip(after) {
        if old.remaining != new.remaining {
            let status = burned_status(new.remaining);
            grant::Entity::update_many()
                .col_expr(grant::Column::RemainingMilli, Expr::value(new.remaining.0))
                .col_expr(grant::Column::Status, Expr::value(status))
                .filter(grant::Column::OrganizationId.eq(org_id))
                .filter(grant::Column::Id.eq(new.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Writes back what `ledger::apply` changed: grant balances, and for every recharge its
/// paid purchase and purchased grant.
pub async fn save_pool<C: ConnectionTrait>(
    db: &C,
    pool: &pool::Model,
    before: &PoolLedger,
    after: &PoolLedger,
    outcome: &ledger::BatchOutcome,
    charged: Charged<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (org_id, pool_id) = (pool.organization_id, pool.id);
    save_balances(db, org_id, &before.grants, &after.grants).await?;
    for (n, r) in outcome.recharges.iter().enumerate() {
        let number = before.recharges_this_period + n as u32 + 1;
        let key = ledger::recharge_key(pool_id, charged.period, number);
        let payment = charged
            .paid
            .get(&key)
            .ok_or_else(|| app::error::AppError::internal("an auto-recharge was not charged"))?;
        let purchase = purchase::ActiveModel {
            organization_id: Set(org_id),
            pool_id: Set(pool_id),
            amount_milli: Set(r.amount.0),
            price_cents: Set(crate::money::cost_minor(pool, r.amount)?),
            origin: Set(PurchaseOrigin::AutoRecharge),
            status: Set(payment.status),
            created_by: Set(None),
            created_at: Set(now),
            idempotency_key: Set(Some(key)),
            reference: Set(Some(payment.reference.clone())),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let g = &after.grants[r.grant_index];
        grant::ActiveModel {
            organization_id: Set(org_id),
            pool_id: Set(pool_id),
            kind: Set(GrantKind::Purchased),
            description: Set("Auto-recharge".into()),
            granted_at: Set(g.granted_at),
            expires_at: Set(g.expires_at),
            priority: Set(g.priority),
            original_milli: Set(r.amount.0),
            remaining_milli: Set(g.remaining.0),
            status: Set(burned_status(g.remaining)),
            purchase_id: Set(Some(purchase.id)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A grant's status after a burn: exhausted at zero, else active.
fn burned_status(remaining: Credits) -> GrantStatus {
    if remaining.0 == 0 {
        GrantStatus::Exhausted
    } else {
        GrantStatus::Active
    }
}
