//! The coarse daily rollup: day × pool × feature × source, nothing per person. Its size does
//! not grow with users or events, so the questions that need no person filter (the overview
//! without team / user) read a few thousand rows whatever the volume.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_feature_rollup"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("usage_feature_daily")
                .col(big_integer("organization_id"))
                .col(date("day"))
                .col(big_integer("pool_id"))
                .col(big_integer("feature_id"))
                .col(big_integer("source_id"))
                .col(big_integer("credits_milli"))
                .col(big_integer("overage_milli"))
                .col(big_integer("quantity"))
                .col(big_integer("events"))
                .primary_key(
                    Index::create()
                        .col("organization_id")
                        .col("day")
                        .col("pool_id")
                        .col("feature_id")
                        .col("source_id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("usage_feature_daily").to_owned())
            .await
    }
}
