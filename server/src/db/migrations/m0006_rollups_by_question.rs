//! Rollups sized for the dashboard's questions (measured at 1 M events):
//! - `usage_feature_daily` gains the action and token sums, so the flows page without a
//!   person filter reads it instead of the per-person action rollup (rebuilt: the new key
//!   column cannot be filled from the old rows);
//! - `usage_user_daily` (day × pool × feature × member × end user): the users page, team /
//!   user filters, allocations and period records, without the source / action / company
//!   dimensions that make `usage_daily` large;
//! - an index on `usage_daily (organization_id, user_id, day)` for the team filter on the
//!   questions only `usage_daily` can answer (credits per source for one team).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_rollups_by_question"
    }
}

fn sums(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(big_integer("credits_milli"))
        .col(big_integer("overage_milli"))
        .col(big_integer("quantity"))
        .col(big_integer("events"))
}

/// `usage_feature_daily` as this migration made it, with `extra_keys` added to its key (m0007).
pub(super) fn feature_rollup(extra_keys: &[&'static str]) -> TableCreateStatement {
    let mut features = Table::create();
    features
        .table("usage_feature_daily")
        .col(big_integer("organization_id"))
        .col(date("day"))
        .col(big_integer("pool_id"))
        .col(big_integer("feature_id"))
        .col(big_integer("source_id"))
        .col(big_integer("action_id"));
    for k in extra_keys {
        features.col(big_integer(*k));
    }
    let mut key = Index::create();
    for k in [
        "organization_id",
        "day",
        "pool_id",
        "feature_id",
        "source_id",
        "action_id",
    ]
    .iter()
    .chain(extra_keys)
    {
        key.col(*k);
    }
    sums(&mut features)
        .col(big_integer("input_tokens"))
        .col(big_integer("output_tokens"))
        .primary_key(&mut key);
    features
}

/// A rollup by day (or week, m0008) × pool × feature × member × end user, named `table`.
pub(super) fn user_rollup(table: &'static str) -> TableCreateStatement {
    let mut users = Table::create();
    users
        .table(table)
        .col(big_integer("organization_id"))
        .col(date("day"))
        .col(big_integer("pool_id"))
        .col(big_integer("feature_id"))
        .col(big_integer("user_id"))
        .col(big_integer("end_user_id"));
    sums(&mut users).primary_key(
        Index::create()
            .col("organization_id")
            .col("day")
            .col("pool_id")
            .col("feature_id")
            .col("user_id")
            .col("end_user_id"),
    );
    users
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("usage_feature_daily").to_owned())
            .await?;
        m.create_table(feature_rollup(&[])).await?;
        m.create_table(user_rollup("usage_user_daily")).await?;
        m.create_index(
            Index::create()
                .name("usage_daily_user_day")
                .table("usage_daily")
                .col("organization_id")
                .col("user_id")
                .col("day")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("usage_daily_user_day")
                .table("usage_daily")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("usage_user_daily").to_owned())
            .await?;
        // The m0005 shape comes back empty; `server recalculate` refills it.
        m.drop_table(Table::drop().table("usage_feature_daily").to_owned())
            .await?;
        super::m0005_feature_rollup::Migration.up(m).await
    }
}
