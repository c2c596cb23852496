//! `usage_user_weekly`: the per-person rollup summed per closed week (Monday to Sunday, local
//! days; `day` is the Monday), and `organizations.weekly_until`: the Monday of the first week
//! not in it. A range's closed whole weeks are read from it and the other days from
//! `usage_user_daily`, so the users page reads about a fifth of the rows for 30 days. Weeks
//! are closed once, by the first ingest of a new week (`ingest::rollup::close_weeks`), so
//! the ingest of the open week writes no weekly rows. Filled at start-up when data exists.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
        m.create_table(user_rollup("usage_user_weekly")).await?;
        m.alter_table(
            Table::alter()
                .table("organizations")
                .add_column(date_null("weekly_until"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("organizations")
                .drop_column("weekly_until")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("usage_user_weekly").to_owned())
            .await
    }
}
