//! Purchases carry the idempotency key their payment was charged with (one charge per key,
//! at the provider and here) and the provider's reference; `pending` and `failed` join the
//! statuses, so a purchase is recorded before it is charged and a refusal stays visible.
//! API keys name the member who made them (keys belong to the organization and outlive
//! their maker's membership; the settings page shows who made each).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_payments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["idempotency_key", "reference"] {
            m.alter_table(
                Table::alter()
                    .table("purchases")
                    .add_column(string_null(col))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table("api_keys")
                .add_column(big_integer_null("created_by"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_purchases_idempotency_key")
                .table("purchases")
                .col("organization_id")
                .col("idempotency_key")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_purchases_idempotency_key")
                .to_owned(),
        )
        .await?;
        for col in ["idempotency_key", "reference"] {
            m.alter_table(
                Table::alter()
                    .table("purchases")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table("api_keys")
                .drop_column("created_by")
                .to_owned(),
        )
        .await
    }
}
