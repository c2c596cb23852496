//! Each organization's lifetime usage totals. Ingest refuses an event that would take one
//! past its documented cap, so every sum of an organization's usage (rollup rows, pages,
//! exports, the ledger) stays far inside 64 bits whatever a client sends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_usage_totals"
    }
}

const COLUMNS: [(&str, &str); 3] = [
    ("lifetime_credits_milli", "credits_milli"),
    ("lifetime_quantity", "quantity"),
    (
        "lifetime_tokens",
        "COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (column, expr) in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(big_integer(column).default(0))
                    .to_owned(),
            )
            .await?;
            let sql = format!(
                "UPDATE organizations SET {column} = COALESCE((SELECT CAST(SUM({expr}) AS BIGINT) \
                 FROM usage_events e WHERE e.organization_id = organizations.id), 0)"
            );
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table("organizations")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
