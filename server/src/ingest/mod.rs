//! Ingesting a batch of usage events: validate each one, then, in one transaction per batch,
//! take the organization's ingest lock, drop duplicates, resolve names, burn through the
//! ledger, and write events, rollup and grants together — a committed event is counted once.

pub mod resolve;
pub mod rollup;
pub mod recalculate;
pub mod validate;

use crate::entities::{feature, organization, pool, usage_event};
use crate::error::Result;
use crate::ledger::{self, Period};
use crate::ledger_store;
use app::credits::Credits;
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter, QuerySelect, Set, TransactionTrait};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use validate::{Rejection, ValidEvent};

const INSERT_CHUNK: usize = 1000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestOutcome {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<Rejection>,
}

/// Ingests `events` (raw JSON objects) for organization `org_id`, received at `now`.
pub async fn ingest(db: &DatabaseConnection, org_id: i64, events: &[Value], now: DateTime<Utc>) -> Result<IngestOutcome> {
    if events.len() > validate::MAX_EVENTS {
        return Err(AppError::invalid("events", format!("at most {} events per batch", validate::MAX_EVENTS)).into());
    }
    let mut out = IngestOutcome::default();
    let mut valid = Vec::with_capacity(events.len());
    for (i, v) in events.iter().enumerate() {
        match validate::validate(i, v, now) {
            Ok(e) => valid.push(e),
            Err(r) => out.rejected.push(r),
        }
    }
    if valid.is_empty() {
        return Ok(out);
    }
    let txn = db.begin().await?;
    // The row update is the lock: it serialises this organization's batches on PostgreSQL
    // and takes SQLite's write lock up front (no read-then-upgrade deadlocks).
    let locked = organization::Entity::update_many()
        .col_expr(organization::Column::IngestSeq, Expr::col(organization::Column::IngestSeq).add(1))
        .filter(organization::Column::Id.eq(org_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::not_found("organization").into());
    }
    let org = organization::Entity::find_by_id(org_id).one(&txn).await?.ok_or_else(|| AppError::not_found("organization"))?;
    let (fresh, duplicates) = drop_duplicates(&txn, org_id, valid).await?;
    out.duplicates = duplicates;

    let pools: HashMap<String, pool::Model> =
        pool::Entity::find().filter(pool::Column::OrganizationId.eq(org_id)).all(&txn).await?.into_iter().map(|p| (p.key.clone(), p)).collect();
    let features: HashMap<String, feature::Model> =
        feature::Entity::find().filter(feature::Column::OrganizationId.eq(org_id)).all(&txn).await?.into_iter().map(|f| (f.key.clone(), f)).collect();
    let pools_by_id: HashMap<i64, &pool::Model> = pools.values().map(|p| (p.id, p)).collect();

    // Known feature and pool, else rejected; (event, feature, pool id) for the rest.
    let mut placed: Vec<(&ValidEvent, &feature::Model, i64)> = Vec::with_capacity(fresh.len());
    for e in &fresh {
        let Some(f) = features.get(&e.feature) else {
            out.rejected.push(Rejection::new(e.index, Some(&e.id), "feature", format!("unknown feature key {:?}", e.feature)));
            continue;
        };
        let pool_id = match &e.pool {
            None => f.pool_id,
            Some(key) => match pools.get(key) {
                Some(p) => p.id,
                None => {
                    out.rejected.push(Rejection::new(e.index, Some(&e.id), "pool", format!("unknown pool key {key:?}")));
                    continue;
                }
            },
        };
        placed.push((e, f, pool_id));
    }
    let refs: Vec<&ValidEvent> = placed.iter().map(|p| p.0).collect();
    let names = resolve::resolve(&txn, org_id, &refs, now).await?;

    // Burn, pool by pool, in arrival order.
    let tz = crate::services::balance::org_tz(&org)?;
    let period: Period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let mut overage: Vec<Credits> = vec![Credits::ZERO; placed.len()];
    let mut by_pool: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, p) in placed.iter().enumerate() {
        by_pool.entry(p.2).or_default().push(i);
    }
    for (pool_id, idx) in &by_pool {
        let pool = pools_by_id[pool_id];
        ledger_store::ensure_included_grant(&txn, pool, &period).await?;
        let before = ledger_store::load_pool(&txn, &org, pool, &period).await?;
        let mut after = before.clone();
        let usages: Vec<(Credits, DateTime<Utc>)> = idx.iter().map(|&i| (placed[i].0.credits, placed[i].0.at)).collect();
        let outcome = ledger::apply(&mut after, &usages, now, || 0);
        for (k, &i) in idx.iter().enumerate() {
            overage[i] = outcome.burns[k].overage;
        }
        ledger_store::save_pool(&txn, org_id, *pool_id, &before, &after, &outcome, now).await?;
    }

    let mut rows = Vec::with_capacity(placed.len());
    let mut daily = rollup::DailyRollup::default();
    for (i, (e, f, pool_id)) in placed.iter().enumerate() {
        let (user_id, end_user_id) = names.subject(e.user.as_ref());
        let source_id = e.source.as_ref().map(|s| names.sources[s]);
        let action_id = e.action.as_ref().and_then(|a| names.actions.get(&(source_id?, a.clone())).copied());
        let company_id = e.company.as_ref().map(|c| names.companies[c]);
        let day = ledger::local_day(tz, e.at);
        daily.add(rollup::Key { day, pool_id: *pool_id, feature_id: f.id, user_id, end_user_id, source_id, company_id }, e.credits, overage[i], e.quantity);
        rows.push(usage_event::ActiveModel {
            id: NotSet,
            organization_id: Set(org_id),
            event_id: Set(e.id.clone()),
            occurred_at: Set(e.at),
            pool_id: Set(*pool_id),
            feature_id: Set(f.id),
            user_id: Set(user_id),
            end_user_id: Set(end_user_id),
            source_id: Set(source_id),
            action_id: Set(action_id),
            company_id: Set(company_id),
            credits_milli: Set(e.credits.0),
            overage_milli: Set(overage[i].0),
            quantity: Set(e.quantity),
            input_tokens: Set(e.input_tokens),
            output_tokens: Set(e.output_tokens),
            metadata: Set(e.metadata.clone()),
            received_at: Set(now),
        });
    }
    out.accepted = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        usage_event::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
    }
    daily.upsert(&txn, org_id).await?;
    txn.commit().await?;
    out.rejected.sort_by_key(|r| r.index);
    Ok(out)
}

/// Splits off events whose id was seen before (in the database or earlier in this batch).
async fn drop_duplicates<C: ConnectionTrait>(db: &C, org_id: i64, events: Vec<ValidEvent>) -> Result<(Vec<ValidEvent>, usize)> {
    let mut known: HashSet<String> = HashSet::new();
    for chunk in events.chunks(500) {
        let ids: Vec<String> = usage_event::Entity::find()
            .select_only()
            .column(usage_event::Column::EventId)
            .filter(usage_event::Column::OrganizationId.eq(org_id))
            .filter(usage_event::Column::EventId.is_in(chunk.iter().map(|e| e.id.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        known.extend(ids);
    }
    let before = events.len();
    let fresh: Vec<ValidEvent> = events.into_iter().filter(|e| known.insert(e.id.clone())).collect();
    let duplicates = before - fresh.len();
    Ok((fresh, duplicates))
}
