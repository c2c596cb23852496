//! A second daily rollup with the source's action and token counts, for the flows, actions,
//! pilots and agents reports. It has every event (absent dimensions are 0), so its totals
//! equal `usage_daily`'s; pool and company are left out to keep it small.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_action_rollup"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("usage_action_daily")
                .col(big_integer("organization_id"))
                .col(date("day"))
                .col(big_integer("feature_id"))
                .col(big_integer("user_id"))
                .col(big_integer("end_user_id"))
                .col(big_integer("source_id"))
                .col(big_integer("action_id"))
                .col(big_integer("credits_milli"))
                .col(big_integer("overage_milli"))
                .col(big_integer("quantity"))
                .col(big_integer("events"))
                .col(big_integer("input_tokens"))
                .col(big_integer("output_tokens"))
                .primary_key(
                    Index::create()
                        .col("organization_id")
                        .col("day")
                        .col("feature_id")
                        .col("user_id")
                        .col("end_user_id")
                        .col("source_id")
                        .col("action_id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("usage_action_daily").to_owned())
            .await
    }
}
