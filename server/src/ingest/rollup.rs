//! The daily rollup (`usage_daily`): summed in memory per batch, then upserted so that the
//! rollup row and the events it counts commit together.

use crate::entities::usage_daily;
use crate::error::Result;
use app::credits::Credits;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use std::collections::BTreeMap;

const CHUNK: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub day: NaiveDate,
    pub pool_id: i64,
    pub feature_id: i64,
    pub user_id: Option<i64>,
    pub end_user_id: Option<i64>,
    pub source_id: Option<i64>,
    pub company_id: Option<i64>,
}

/// (credits, overage, quantity, events) per key.
#[derive(Default)]
pub struct DailyRollup(pub BTreeMap<Key, [i64; 4]>);

impl DailyRollup {
    pub fn add(&mut self, key: Key, credits: Credits, overage: Credits, quantity: i64) {
        let r = self.0.entry(key).or_insert([0; 4]);
        r[0] += credits.0;
        r[1] += overage.0;
        r[2] += quantity;
        r[3] += 1;
    }

    /// Adds these sums to the stored rows (inserting missing ones).
    pub async fn upsert<C: ConnectionTrait>(self, db: &C, org: i64) -> Result<()> {
        use usage_daily::Column as C;
        let rows: Vec<usage_daily::ActiveModel> =
            self.0.into_iter().map(|(k, v)| row(org, k, v)).collect();
        // `excluded` is the row that failed to insert, on both SQLite and PostgreSQL.
        let add = |c: &str| Expr::cust(format!("usage_daily.{c} + excluded.{c}"));
        for chunk in rows.chunks(CHUNK) {
            usage_daily::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        C::OrganizationId,
                        C::Day,
                        C::PoolId,
                        C::FeatureId,
                        C::UserId,
                        C::EndUserId,
                        C::SourceId,
                        C::CompanyId,
                    ])
                    .value(C::CreditsMilli, add("credits_milli"))
                    .value(C::OverageMilli, add("overage_milli"))
                    .value(C::Quantity, add("quantity"))
                    .value(C::Events, add("events"))
                    .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

fn row(
    org: i64,
    k: Key,
    [credits, overage, quantity, events]: [i64; 4],
) -> usage_daily::ActiveModel {
    usage_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        pool_id: Set(k.pool_id),
        feature_id: Set(k.feature_id),
        // Absent dimensions are 0 so the primary key can be the upsert target.
        user_id: Set(k.user_id.unwrap_or(0)),
        end_user_id: Set(k.end_user_id.unwrap_or(0)),
        source_id: Set(k.source_id.unwrap_or(0)),
        company_id: Set(k.company_id.unwrap_or(0)),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
    }
}
