//! Billing actions: buying credits through the payment provider, auto-recharge settings,
//! and credit requests (anyone asks; billing admins approve — which buys — or decline).

use super::purchase::{Order, buy_once};
use crate::entities::credit_request::{self, RequestStatus};
use crate::entities::{auto_recharge_rule, pool};
use crate::error::Result;
use crate::payment::PaymentProvider;
use app::credits::Credits;
use app::error::AppError;
use app::service::Viewer;
use chrono::{DateTime, Utc};
use sea_orm::ActiveEnum;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

/// One purchase: at most a million credits, at least one.
const MAX_PURCHASE: Credits = Credits(1_000_000_000);

fn check_amount(field: &str, c: Credits) -> Result<()> {
    if c.0 < 1_000 || c > MAX_PURCHASE {
        return Err(AppError::invalid(field, "must be from 1 to 1,000,000 credits").into());
    }
    Ok(())
}

/// Buys `credits` for the viewer's organization through the provider, once per `key`
/// (see `purchase`); the purchase's id.
pub async fn buy(
    db: &DatabaseConnection,
    provider: &dyn PaymentProvider,
    viewer: &Viewer,
    pool_key: &str,
    credits: Credits,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    check_amount("credits", credits)?;
    let order = Order {
        org_id: viewer.organization_id,
        pool_key,
        credits,
        created_by: Some(viewer.user_id),
        key,
    };
    buy_once(db, provider, order, now).await
}

pub async fn set_auto_recharge<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    pool_key: &str,
    enabled: bool,
    threshold: Credits,
    amount: Credits,
    max_per_period: i32,
) -> Result<()> {
    let pool = crate::grants::active_pool(db, viewer.organization_id, pool_key).await?;
    if threshold.0 < 0 {
        return Err(AppError::invalid("threshold", "must not be negative").into());
    }
    check_amount("amount", amount)?;
    if !(1..=100).contains(&max_per_period) {
        return Err(AppError::invalid("max_per_period", "must be from 1 to 100").into());
    }
    let existing = auto_recharge_rule::Entity::find()
        .filter(auto_recharge_rule::Column::OrganizationId.eq(viewer.organization_id))
        .filter(auto_recharge_rule::Column::PoolId.eq(pool.id))
        .one(db)
        .await?;
    let mut row = match existing {
        Some(r) => r.into(),
        None => auto_recharge_rule::ActiveModel {
            organization_id: Set(viewer.organization_id),
            pool_id: Set(pool.id),
            ..Default::default()
        },
    };
    row.enabled = Set(enabled);
    row.threshold_milli = Set(threshold.0);
    row.amount_milli = Set(amount.0);
    row.max_per_period = Set(max_per_period);
    row.save(db).await?;
    Ok(())
}

pub async fn request_credits<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    pool_key: &str,
    credits: Credits,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    check_amount("credits", credits)?;
    if note.len() > 500 {
        return Err(AppError::invalid("note", "must be at most 500 characters").into());
    }
    let pool = crate::grants::active_pool(db, viewer.organization_id, pool_key).await?;
    let r = credit_request::ActiveModel {
        organization_id: Set(viewer.organization_id),
        pool_id: Set(pool.id),
        requested_by: Set(viewer.user_id),
        amount_milli: Set(credits.0),
        note: Set(note.trim().into()),
        status: Set(RequestStatus::Pending),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(r.id)
}

/// Approving buys the requested credits (through the provider); declining only records it.
/// A request is decided once.
pub async fn decide(
    db: &DatabaseConnection,
    provider: &dyn PaymentProvider,
    viewer: &Viewer,
    id: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let r = credit_request::Entity::find_by_id(id)
        .filter(credit_request::Column::OrganizationId.eq(viewer.organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("credit request"))?;
    if r.status != RequestStatus::Pending {
        let why = format!("this request is already {}", r.status.to_value());
        return Err(AppError::invalid("id", why).into());
    }
    let purchase_id = if approve {
        let pool = pool::Entity::find_by_id(r.pool_id)
            .filter(pool::Column::OrganizationId.eq(viewer.organization_id))
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found("pool"))?;
        // One purchase per request, however many admins approve it at once.
        let key = format!("credit-request-{}", r.id);
        let credits = Credits(r.amount_milli);
        Some(buy(db, provider, viewer, &pool.key, credits, Some(&key), now).await?)
    } else {
        None
    };
    // Only a still-pending row changes: two admins deciding at once cannot both win.
    let changed = credit_request::Entity::update_many()
        .col_expr(
            credit_request::Column::Status,
            Expr::value(if approve {
                RequestStatus::Approved
            } else {
                RequestStatus::Declined
            }),
        )
        .col_expr(
            credit_request::Column::DecidedBy,
            Expr::value(viewer.user_id),
        )
        .col_expr(credit_request::Column::DecidedAt, Expr::value(now))
        .col_expr(credit_request::Column::PurchaseId, Expr::value(purchase_id))
        .filter(credit_request::Column::OrganizationId.eq(viewer.organization_id))
        .filter(credit_request::Column::Id.eq(id))
        .filter(credit_request::Column::Status.eq(RequestStatus::Pending))
        .exec(db)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::invalid("id", "this request was decided meanwhile").into());
    }
    Ok(())
}
