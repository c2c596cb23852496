//! State that several servers on one database share: login rate limits (keyed by a hash, so
//! no submitted text is stored) and the one-rebuild-per-organization guard.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_shared_state"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // GCRA state: the theoretical arrival time of the next allowed attempt.
        m.create_table(
            Table::create()
                .table("rate_limits")
                .col(string_len("bucket", 64).primary_key())
                .col(big_integer("tat_ms"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("rebuild_locks")
                .col(big_integer("organization_id").primary_key())
                .col(string("holder"))
                .col(timestamp_with_time_zone("heartbeat_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("rebuild_locks").to_owned())
            .await?;
        m.drop_table(Table::drop().table("rate_limits").to_owned())
            .await
    }
}
