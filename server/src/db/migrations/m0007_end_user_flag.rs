//! `usage_feature_daily` gains `by_end_user` (1 when the event was an end user's, else 0) in
//! its key, so "how much did end users use" (billing-period records) reads the small rollup
//! instead of the per-person one. Rebuilt: the old rows cannot say whose usage they were;
//! start-up refills it from the raw events.

use sea_orm_migration::prelude::*;

use super::m0006_rollups_by_question::feature_rollup;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_end_user_flag"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("usage_feature_daily").to_owned())
            .await?;
        m.create_table(feature_rollup(&["by_end_user"])).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The m0006 shape comes back empty; `server recalculate` refills it.
        m.drop_table(Table::drop().table("usage_feature_daily").to_owned())
            .await?;
        m.create_table(feature_rollup(&[])).await
    }
}
