//! Rebuilding the rollups from the raw events, one organization at a time, as a good
//! neighbour: the events are read and summed in keyset pages outside any write lock; the
//! sums then replace the stored rollup in one short transaction under the organization's
//! ingest lock, together with the events ingested meanwhile. So other organizations keep
//! ingesting (on SQLite too, whose one write lock is held only for the swap), readers see
//! the old or the new rollup, never a half-built one, and an event ingested during the
//! rebuild counts exactly once. `rebuild_lock` keeps it to one rebuild per organization
//! across servers.

use super::rebuild_lock::RebuildLock;
use super::rollup::{Counted, DailyRollup};
use crate::entities::{organization, usage_event};
use crate::error::Result;
use crate::ledger;
use crate::ledger_store::lock_organization;
use crate::store::organizations;
use app::credits::Credits;
use chrono::Utc;
use indicatif::ProgressBar;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

const PAGE: u64 = 20_000;

/// Rebuilds the rollup of every organization (or of `only`); returns events counted.
pub async fn recalculate(
    db: &DatabaseConnection,
    only: Option<&str>,
    bar: &ProgressBar,
) -> Result<u64> {
    let mut orgs = organization::Entity::find().order_by_asc(organization::Column::Id);
    if let Some(slug) = only {
        orgs = orgs.filter(organization::Column::Slug.eq(slug));
    }
    let orgs = orgs.all(db).await?;
    let total: u64 = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.is_in(orgs.iter().map(|o| o.id)))
        .count(db)
        .await?;
    bar.set_length(total);
    let mut counted = 0;
    for org in orgs {
        let lock = RebuildLock::claim(db, org.id, Utc::now()).await?;
        let rebuilt = rebuild(db, &org, &lock, bar).await;
        lock.release(db).await?;
        counted += rebuilt?;
    }
    Ok(counted)
}

async fn rebuild(
    db: &DatabaseConnection,
    org: &organization::Model,
    lock: &RebuildLock,
    bar: &ProgressBar,
) -> Result<u64> {
    // Under the ingest lock no batch of the organization is half-written: every event up
    // to this id is committed, every later one is not yet.
    let txn = db.begin().await?;
    lock_organization(&txn, org.id).await?;
    let upto: Option<i64> = usage_event::Entity::find()
        .select_only()
        .column_as(usage_event::Column::Id.max(), "max")
        .filter(usage_event::Column::OrganizationId.eq(org.id))
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    txn.commit().await?;
    let mut rollup = DailyRollup::default();
    let mut counted = 0;
    let mut after = 0;
    if let Some(upto) = upto {
        while let Some(last) = sum_page(db, org, after, Some(upto), &mut rollup).await? {
            counted += last.1;
            bar.inc(last.1);
            after = last.0;
            lock.heartbeat(db, Utc::now()).await?;
        }
    }
    let txn = db.begin().await?;
    lock_organization(&txn, org.id).await?;
    while let Some(last) = sum_page(&txn, org, after, None, &mut rollup).await? {
        counted += last.1;
        after = last.0;
    }
    for table in super::rollup::TABLES.iter().chain([&super::rollup::WEEKLY]) {
        let sql = format!("DELETE FROM {table} WHERE organization_id = {}", org.id);
        txn.execute_unprepared(&sql).await?;
    }
    rollup.upsert(&txn, org.id).await?;
    // The weekly twin is rebuilt from the daily rows: every week closed by now.
    let weekly = organization::Model {
        weekly_until: None,
        ..org.clone()
    };
    super::rollup::close_weeks(&txn, &weekly, Utc::now()).await?;
    super::totals::recount(&txn, org.id).await?;
    txn.commit().await?;
    Ok(counted)
}

/// Adds the events after id `after` (up to `upto`) to `rollup`, one page of them; the last
/// id read and how many, or `None` when there were none.
async fn sum_page<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    after: i64,
    upto: Option<i64>,
    rollup: &mut DailyRollup,
) -> Result<Option<(i64, u64)>> {
    let tz = organizations::tz(org)?;
    let mut q = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org.id))
        .filter(usage_event::Column::Id.gt(after));
    if let Some(upto) = upto {
        q = q.filter(usage_event::Column::Id.lte(upto));
    }
    // Keyset pagination: constant cost per page however deep.
    let page = q
        .order_by_asc(usage_event::Column::Id)
        .limit(PAGE)
        .all(db)
        .await?;
    let Some(last) = page.last() else {
        return Ok(None);
    };
    for e in &page {
        rollup.add(&Counted {
            day: ledger::local_day(tz, e.occurred_at),
            pool_id: e.pool_id,
            feature_id: e.feature_id,
            user_id: e.user_id,
            end_user_id: e.end_user_id,
            source_id: e.source_id,
            action_id: e.action_id,
            company_id: e.company_id,
            model_id: e.model_id,
            credits: Credits(e.credits_milli),
            overage: Credits(e.overage_milli),
            quantity: e.quantity,
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
            rated: !e.priced_by_sender,
        })?;
    }
    Ok(Some((last.id, page.len() as u64)))
}
