//! Allocations: a cap per billing period for an end user (or member) in a pool, and what
//! they used of it — read from the daily rollup, whose days are the period's local days.

use super::balance::pool_balance;
use super::range::DateRange;
use super::sql::sum_i64;
use super::usage::{Scope, totals};
use crate::entities::allocation::{self, SubjectKind};
use crate::entities::{end_user, feature, pool, usage_user_daily, user};
use crate::error::Result;
use crate::ingest::resolve;
use crate::ledger::{self, Period, allocation::Decision};
use crate::store::{organizations, pools};
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;

/// A subject of usage: a member of the organization or an end user of the SaaS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Member(i64),
    EndUser(i64),
}

impl Subject {
    fn kind(self) -> (SubjectKind, i64) {
        match self {
            Subject::Member(id) => (SubjectKind::Member, id),
            Subject::EndUser(id) => (SubjectKind::EndUser, id),
        }
    }
}

/// A member email or end-user external id; `None` when unknown.
pub async fn find_subject<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    name: &str,
) -> Result<Option<Subject>> {
    if let Some(m) = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .filter(user::Column::Email.eq(name))
        .one(db)
        .await?
    {
        return Ok(Some(Subject::Member(m.id)));
    }
    let e = end_user::Entity::find()
        .filter(end_user::Column::OrganizationId.eq(org))
        .filter(end_user::Column::ExternalId.eq(name))
        .one(db)
        .await?;
    Ok(e.map(|e| Subject::EndUser(e.id)))
}

/// Credits `subject` used in `pool` during `period`.
pub async fn used_in_period<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    pool_id: i64,
    subject: Subject,
    period: &Period,
) -> Result<Credits> {
    let scope = match subject {
        Subject::Member(id) => Scope::pool_subject(pool_id, Some(id), None),
        Subject::EndUser(id) => Scope::pool_subject(pool_id, None, Some(id)),
    };
    Ok(totals(db, org, DateRange::of_period(period), &scope)
        .await?
        .credits)
}

/// What every member and end user used of one pool in `period`, in one grouped query.
#[derive(Default)]
pub struct UsedBySubject {
    pub members: HashMap<i64, Credits>,
    pub end_users: HashMap<i64, Credits>,
}

pub async fn used_by_subject<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    pool_id: i64,
    period: &Period,
) -> Result<UsedBySubject> {
    let mut by_pool = used_by_pool_and_subject(db, org, Some(pool_id), period).await?;
    Ok(by_pool.remove(&pool_id).unwrap_or_default())
}

/// [`used_by_subject`] for every pool (`None`) or one, still in one grouped query.
pub async fn used_by_pool_and_subject<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    pool_id: Option<i64>,
    period: &Period,
) -> Result<HashMap<i64, UsedBySubject>> {
    let mut q = usage_user_daily::Entity::find()
        .select_only()
        .column(usage_user_daily::Column::PoolId)
        .column(usage_user_daily::Column::UserId)
        .column(usage_user_daily::Column::EndUserId)
        .column_as(sum_i64(usage_user_daily::Column::CreditsMilli), "used")
        .filter(usage_user_daily::Column::OrganizationId.eq(org))
        .filter(usage_user_daily::Column::Day.gte(period.start_date))
        .filter(usage_user_daily::Column::Day.lt(period.end_date));
    if let Some(pool_id) = pool_id {
        q = q.filter(usage_user_daily::Column::PoolId.eq(pool_id));
    }
    let rows: Vec<(i64, i64, i64, Option<i64>)> = q
        .group_by(usage_user_daily::Column::PoolId)
        .group_by(usage_user_daily::Column::UserId)
        .group_by(usage_user_daily::Column::EndUserId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i64, UsedBySubject> = HashMap::new();
    for (pool, member, end_user, used) in rows {
        let used = Credits(used.unwrap_or(0));
        let of_pool = out.entry(pool).or_default();
        if member != 0 {
            *of_pool.members.entry(member).or_default() += used;
        }
        if end_user != 0 {
            *of_pool.end_users.entry(end_user).or_default() += used;
        }
    }
    Ok(out)
}

pub async fn cap<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    pool_id: i64,
    subject: Subject,
) -> Result<Option<Credits>> {
    let (kind, id) = subject.kind();
    Ok(allocation::Entity::find()
        .filter(allocation::Column::OrganizationId.eq(org))
        .filter(allocation::Column::PoolId.eq(pool_id))
        .filter(allocation::Column::SubjectKind.eq(kind))
        .filter(allocation::Column::SubjectId.eq(id))
        .one(db)
        .await?
        .map(|a| Credits(a.cap_milli)))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationState {
    pub pool: String,
    pub cap: Credits,
    pub used: Credits,
    pub remaining: Credits,
    pub period: Period,
}

/// Sets an end user's cap in a pool (registering the end user if new).
pub async fn set_end_user_cap<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    external_id: &str,
    pool_key: Option<&str>,
    cap_credits: Credits,
    now: DateTime<Utc>,
) -> Result<AllocationState> {
    if external_id.trim().is_empty() || external_id.len() > 256 {
        return Err(AppError::invalid("end_user", "must be 1 to 256 characters").into());
    }
    let org = organizations::get(db, org_id).await?;
    let all = pools::list(db, org_id).await?;
    let pool: pool::Model = match pool_key {
        Some(k) => all
            .into_iter()
            .find(|p| p.key == k)
            .ok_or_else(|| AppError::invalid("pool", format!("unknown pool key {k:?}")))?,
        None => crate::store::pools::main(db, org_id).await?,
    };
    let key = external_id.to_string();
    let ids = resolve::end_users(db, org_id, &[&key], now).await?;
    let subject = Subject::EndUser(ids[&key]);
    let (kind, id) = subject.kind();
    allocation::Entity::insert(allocation::ActiveModel {
        organization_id: Set(org_id),
        pool_id: Set(pool.id),
        subject_kind: Set(kind),
        subject_id: Set(id),
        cap_milli: Set(cap_credits.0),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            allocation::Column::OrganizationId,
            allocation::Column::PoolId,
            allocation::Column::SubjectKind,
            allocation::Column::SubjectId,
        ])
        .update_columns([allocation::Column::CapMilli, allocation::Column::UpdatedAt])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let period =
        ledger::period_containing(org.period_anchor_day as u32, organizations::tz(&org)?, now);
    let used = used_in_period(db, org_id, pool.id, subject, &period).await?;
    Ok(AllocationState {
        pool: pool.key,
        cap: cap_credits,
        used,
        remaining: ledger::allocation::allocation_left(cap_credits, used),
        period,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub decision: Decision,
    pub remaining: Credits,
    pub pool: String,
}

/// May `user` spend `credits` on `feature_key` now?
pub async fn authorize<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    user_name: Option<&str>,
    feature_key: &str,
    credits: Credits,
    now: DateTime<Utc>,
) -> Result<Authorization> {
    let org = organizations::get(db, org_id).await?;
    let f = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org_id))
        .filter(feature::Column::Key.eq(feature_key))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid("feature", format!("unknown feature key {feature_key:?}"))
        })?;
    let pool = pool::Entity::find_by_id(f.pool_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("pool"))?;
    let balance = pool_balance(db, &org, &pool, now).await?;
    let mut allocation = None;
    if let Some(name) = user_name
        && let Some(subject) = find_subject(db, org_id, name).await?
        && let Some(c) = cap(db, org_id, pool.id, subject).await?
    {
        allocation = Some((
            c,
            used_in_period(db, org_id, pool.id, subject, &balance.period).await?,
        ));
    }
    let (decision, remaining) =
        ledger::allocation::authorize(credits, balance.remaining(), allocation);
    Ok(Authorization {
        decision,
        remaining,
        pool: pool.key,
    })
}
