//! The overview page's numbers.

use super::balance::{balance_card, main_pool, org_tz};
use super::sql::sum_i64;
use crate::entities::{organization, usage_daily};
use crate::error::Result;
use crate::ledger;
use app::credits::Credits;
use app::error::AppError;
use app::model::{DailyPoint, Overview};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

pub const DAILY_WINDOW_DAYS: i64 = 30;

pub async fn overview<C: ConnectionTrait>(db: &C, org_id: i64, now: DateTime<Utc>) -> Result<Overview> {
    let org = organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let tz = org_tz(&org)?;
    let pool = main_pool(db, org.id).await?;
    let balance = balance_card(db, &org, &pool, now).await?;
    let today = ledger::local_day(tz, now);
    let from = today - Duration::days(DAILY_WINDOW_DAYS - 1);
    let daily = daily_credits(db, org.id, pool.id, from, today).await?;
    Ok(Overview { organization_name: org.name, time_zone: org.time_zone, balance, daily })
}

/// Credits per local day in `[from, to]` from the daily rollup, with empty days as zero.
pub async fn daily_credits<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    pool_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyPoint>> {
    let rows: Vec<(NaiveDate, i64)> = usage_daily::Entity::find()
        .select_only()
        .column(usage_daily::Column::Day)
        .column_as(sum_i64(usage_daily::Column::CreditsMilli), "credits")
        .filter(usage_daily::Column::OrganizationId.eq(org_id))
        .filter(usage_daily::Column::PoolId.eq(pool_id))
        .filter(usage_daily::Column::Day.between(from, to))
        .group_by(usage_daily::Column::Day)
        .order_by_asc(usage_daily::Column::Day)
        .into_tuple()
        .all(db)
        .await?;
    let by_day: HashMap<NaiveDate, i64> = rows.into_iter().collect();
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|day| DailyPoint { day, credits: Credits(by_day.get(&day).copied().unwrap_or(0)) })
        .collect())
}
