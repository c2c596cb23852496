//! Rebuilding the daily rollups from the raw events, organization by organization, each in
//! one transaction (readers see the old or the new rollup, never a half-built one).

use super::rollup::{Counted, DailyRollup};
use crate::entities::{organization, usage_event};
use crate::error::Result;
use crate::ledger;
use crate::services::balance::org_tz;
use app::credits::Credits;
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
        let tz = org_tz(&org)?;
        let txn = db.begin().await?;
        for table in super::rollup::TABLES.iter().chain([&super::rollup::WEEKLY]) {
            let sql = format!("DELETE FROM {table} WHERE organization_id = {}", org.id);
            txn.execute_unprepared(&sql).await?;
        }
        let mut after_id = 0i64;
        loop {
            // Keyset pagination: constant cost per page however deep.
            let page = usage_event::Entity::find()
                .filter(usage_event::Column::OrganizationId.eq(org.id))
                .filter(usage_event::Column::Id.gt(after_id))
                .order_by_asc(usage_event::Column::Id)
                .limit(PAGE)
                .all(&txn)
                .await?;
            let Some(last) = page.last() else { break };
            after_id = last.id;
            let mut rollup = DailyRollup::default();
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
                    credits: Credits(e.credits_milli),
                    overage: Credits(e.overage_milli),
                    quantity: e.quantity,
                    input_tokens: e.input_tokens,
                    output_tokens: e.output_tokens,
                });
            }
            rollup.upsert(&txn, org.id).await?;
            counted += page.len() as u64;
            bar.inc(page.len() as u64);
        }
        // The weekly twin is rebuilt from the daily rows: every week closed by now.
        let rebuilt = organization::Model {
            weekly_until: None,
            ..org
        };
        super::rollup::close_weeks(&txn, &rebuilt, chrono::Utc::now()).await?;
        txn.commit().await?;
    }
    Ok(counted)
}
