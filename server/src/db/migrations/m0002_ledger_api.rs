//! Ledger and API: allocations, the API request log, and a per-organization ingest sequence
//! whose row update serialises ingest batches of one organization on both backends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tenant_table;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_ledger_api"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.alter_table(
            Table::alter()
                .table("organizations")
                .add_column(big_integer("ingest_seq").default(0))
                .to_owned(),
        )
        .await?;

        // A cap per billing period for one subject (`end_user` or `member`) in one pool.
        m.create_table(
            tenant_table(b, "allocations")
                .col(big_integer("pool_id"))
                .col(string("subject_kind"))
                .col(big_integer("subject_id"))
                .col(big_integer("cap_milli"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_allocations_subject")
                .table("allocations")
                .unique()
                .col("organization_id")
                .col("pool_id")
                .col("subject_kind")
                .col("subject_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table(b, "request_log")
                .col(timestamp_with_time_zone("at"))
                .col(string("method"))
                .col(string("endpoint"))
                .col(string_null("end_user"))
                .col(string_null("api_key_prefix"))
                .col(integer("status"))
                .col(integer("latency_us"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_request_log_at")
                .table("request_log")
                .col("organization_id")
                .col("at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("request_log").to_owned())
            .await?;
        m.drop_table(Table::drop().table("allocations").to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table("organizations")
                .drop_column("ingest_seq")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
