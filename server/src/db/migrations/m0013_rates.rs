//! Rate cards: a feature's price (per unit, per 1,000 tokens of each kind, a minimum per
//! event), optionally for one model, in versions from `effective_from` (never rewritten).
//! Prices are decimal text, exact. Events carry the model, cached input tokens, and whether
//! the sender priced them (every event before this one did).

use super::tenant_table;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_rates"
    }
}

const PRICE_PARTS: [&str; 5] = [
    "per_unit",
    "per_1k_input_tokens",
    "per_1k_output_tokens",
    "per_1k_cached_input_tokens",
    "minimum",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut rates = tenant_table(m.get_database_backend(), "rates");
        rates
            .col(big_integer("feature_id"))
            // "" for the feature's price for any model (a unique key cannot hold NULLs apart).
            .col(string("model"))
            .col(timestamp_with_time_zone("effective_from"));
        for part in PRICE_PARTS {
            rates.col(string(part));
        }
        m.create_table(rates.col(timestamp_with_time_zone("created_at")).to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ux_rates_version")
                .table("rates")
                .col("organization_id")
                .col("feature_id")
                .col("model")
                .col("effective_from")
                .unique()
                .to_owned(),
        )
        .await?;
        let columns = [
            string_null("model"),
            big_integer_null("cached_input_tokens"),
            boolean("priced_by_sender").default(true).to_owned(),
        ];
        for mut col in columns {
            m.alter_table(
                Table::alter()
                    .table("usage_events")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["model", "cached_input_tokens", "priced_by_sender"] {
            m.alter_table(
                Table::alter()
                    .table("usage_events")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table("rates").to_owned()).await
    }
}
