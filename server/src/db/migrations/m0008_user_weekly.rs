//! `usage_user_weekly`: the per-person rollup summed per week (Monday to Sunday, local days;
//! `day` is the Monday). A range's whole weeks are read from it and only the days at its
//! edges from `usage_user_daily`, so the users page reads about a fifth of the rows for 30
//! days. Filled from the raw events at start-up when data exists.

use sea_orm_migration::prelude::*;

use super::m0006_rollups_by_question::user_rollup;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_user_weekly"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(user_rollup("usage_user_weekly")).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("usage_user_weekly").to_owned())
            .await
    }
}
