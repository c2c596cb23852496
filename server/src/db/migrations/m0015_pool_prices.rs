//! A pool's price per credit in versions from `effective_from`: a purchase is made at the
//! version in effect, and usage is valued at the version in effect on its day. Each pool's
//! price so far becomes its first version, from the start of time.

use super::tenant_table;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_pool_prices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table(m.get_database_backend(), "pool_prices")
                .col(big_integer("pool_id"))
                .col(timestamp_with_time_zone("effective_from"))
                .col(big_integer("price_micros"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_pool_prices_version")
                .table("pool_prices")
                .col("organization_id")
                .col("pool_id")
                .col("effective_from")
                .unique()
                .to_owned(),
        )
        .await?;
        let start = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let first = Query::select()
            .column("organization_id")
            .column("id")
            .expr(Expr::val(start))
            .column("price_micros")
            .expr(Expr::val(start))
            .from("pools")
            .to_owned();
        let insert = Query::insert()
            .into_table("pool_prices")
            .columns([
                "organization_id",
                "pool_id",
                "effective_from",
                "price_micros",
                "created_at",
            ])
            .select_from(first)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("pool_prices").to_owned())
            .await
    }
}
