//! Buying credits exactly once. A purchase is recorded (`pending`, with its idempotency
//! key) before any money moves, charged outside every transaction under that key, then
//! settled: the provider's status and a purchased grant, or `failed` and no credits. A
//! retry with the same key finds the purchase instead of paying twice; a charge cut short
//! (a crash) is charged again under the same key, which a provider honours once.

use crate::entities::grant::{self, GrantStatus};
use crate::entities::purchase::{self, PurchaseOrigin, PurchaseStatus};
use crate::entities::{organization, pool};
use crate::error::Result;
use crate::ledger::{self, GrantKind};
use crate::ledger_store::lock_organization;
use crate::payment::PaymentProvider;
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

pub const MAX_KEY_LEN: usize = 100;

/// What to buy, for whom.
pub struct Order<'a> {
    pub org_id: OrgId,
    pub pool_key: &'a str,
    pub credits: Credits,
    pub created_by: Option<i64>,
    /// `None`: a fresh key (a purchase that no retry will repeat).
    pub key: Option<&'a str>,
}

/// Buys `order` once; the purchase's id.
pub async fn buy_once(
    db: &DatabaseConnection,
    provider: &dyn PaymentProvider,
    order: Order<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let key = match order.key {
        Some(k) if k.is_empty() || k.len() > MAX_KEY_LEN || k.chars().any(char::is_control) => {
            let why = format!("must be 1 to {MAX_KEY_LEN} characters without control characters");
            return Err(AppError::invalid("idempotency_key", why).into());
        }
        Some(k) => k.to_string(),
        None => format!("buy-{:032x}", rand::random::<u128>()),
    };
    let (org, pool, p) = record(db, &order, &key, now).await?;
    match p.status {
        PurchaseStatus::Pending => {}
        PurchaseStatus::Failed => return Err(refused(&p)),
        PurchaseStatus::Invoiced | PurchaseStatus::Paid => return Ok(p.id),
    }
    let amount = Credits(p.amount_milli);
    let charged = provider
        .charge(&org, amount, p.price_cents, &key, now)
        .await;
    match charged {
        // No answer is not a refusal: the purchase stays pending, and a retry under its
        // key charges (or learns the charge) once.
        Err(e) if e.status() == 503 => Err(e.into()),
        charged => settle(db, &pool, &p, charged, now).await,
    }
}

fn refused(p: &purchase::Model) -> crate::error::Error {
    let why = p
        .reference
        .clone()
        .unwrap_or_else(|| "the payment was refused".into());
    AppError::invalid("payment", why).into()
}

/// The purchase under `key`: found, or recorded now as `pending`.
async fn record(
    db: &DatabaseConnection,
    order: &Order<'_>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(organization::Model, pool::Model, purchase::Model)> {
    let txn = db.begin().await?;
    lock_organization(&txn, order.org_id).await?;
    let org = organization::Entity::find_by_id(order.org_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let pool = crate::grants::active_pool(&txn, org.id, order.pool_key).await?;
    let found = purchase::Entity::find()
        .filter(purchase::Column::OrganizationId.eq(org.id))
        .filter(purchase::Column::IdempotencyKey.eq(key))
        .one(&txn)
        .await?;
    let p = match found {
        Some(p) if p.pool_id != pool.id || p.amount_milli != order.credits.0 => {
            let why = "was used for another purchase";
            return Err(AppError::invalid("idempotency_key", why).into());
        }
        Some(p) => p,
        None => {
            purchase::ActiveModel {
                organization_id: Set(org.id),
                pool_id: Set(pool.id),
                amount_milli: Set(order.credits.0),
                price_cents: Set(crate::money::cost_minor(&pool, order.credits)?),
                origin: Set(PurchaseOrigin::Manual),
                status: Set(PurchaseStatus::Pending),
                created_by: Set(order.created_by),
                created_at: Set(now),
                idempotency_key: Set(Some(key.to_string())),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok((org, pool, p))
}

/// Records the charge's outcome; only the first settlement of a purchase grants credits.
async fn settle(
    db: &DatabaseConnection,
    pool: &pool::Model,
    p: &purchase::Model,
    charged: Result<crate::payment::Payment, AppError>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let txn = db.begin().await?;
    lock_organization(&txn, p.organization_id).await?;
    let (status, reference) = match &charged {
        Ok(payment) => (payment.status, payment.reference.clone()),
        Err(e) => (PurchaseStatus::Failed, e.to_string()),
    };
    let first = purchase::Entity::update_many()
        .col_expr(purchase::Column::Status, Expr::value(status))
        .col_expr(purchase::Column::Reference, Expr::value(reference.clone()))
        .filter(purchase::Column::OrganizationId.eq(p.organization_id))
        .filter(purchase::Column::Id.eq(p.id))
        .filter(purchase::Column::Status.eq(PurchaseStatus::Pending))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if first && charged.is_ok() {
        purchased_grant(pool, p.id, Credits(p.amount_milli), &reference, now)
            .insert(&txn)
            .await?;
    }
    txn.commit().await?;
    match charged {
        Ok(_) => Ok(p.id),
        Err(e) => Err(AppError::invalid("payment", e.to_string()).into()),
    }
}

/// The grant a paid purchase adds: usable at once, never expiring.
pub fn purchased_grant(
    pool: &pool::Model,
    purchase_id: i64,
    credits: Credits,
    reference: &str,
    now: DateTime<Utc>,
) -> grant::ActiveModel {
    grant::ActiveModel {
        organization_id: Set(pool.organization_id),
        pool_id: Set(pool.id),
        kind: Set(GrantKind::Purchased),
        description: Set(format!("Top-up {reference}")),
        granted_at: Set(now),
        expires_at: Set(None),
        priority: Set(ledger::recharge::PURCHASE_PRIORITY),
        original_milli: Set(credits.0),
        remaining_milli: Set(credits.0),
        status: Set(GrantStatus::Active),
        purchase_id: Set(Some(purchase_id)),
        ..Default::default()
    }
}
