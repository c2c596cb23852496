//! The catalog as data: pools get a price per credit, a currency and a background allowance
//! per period; pools, categories and features can be archived (history keeps their names);
//! teams get an immutable key. Instance-wide platform keys for the vendor's provisioning,
//! the one-time first-run setup token, and one-time set-password links.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tenant_table;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_catalog"
    }
}

/// $0.10 per credit, the price every pool had before prices were data.
pub const DEFAULT_PRICE_MICROS: i64 = 100_000;

/// SQLite adds one column per `ALTER TABLE`.
async fn add(m: &SchemaManager<'_>, table: &'static str, col: &mut ColumnDef) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table(table)
            .add_column(col.take())
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        add(
            m,
            "pools",
            big_integer("price_micros").default(DEFAULT_PRICE_MICROS),
        )
        .await?;
        add(m, "pools", string("currency").default("USD")).await?;
        add(
            m,
            "pools",
            big_integer("allowance_per_period_milli").default(0),
        )
        .await?;
        for table in ["pools", "categories", "features"] {
            add(m, table, &mut timestamp_with_time_zone_null("archived_at")).await?;
        }
        add(m, "teams", string("key").default("")).await?;
        fill_team_keys(m).await?;
        m.create_index(
            Index::create()
                .name("ux_teams_key")
                .table("teams")
                .col("organization_id")
                .col("key")
                .unique()
                .to_owned(),
        )
        .await?;

        // Instance-wide, not a tenant's: on a distributed PostgreSQL a coordinator table.
        m.create_table(
            Table::create()
                .table("platform_keys")
                .col(big_pk_auto("id"))
                .col(string("name"))
                .col(string("prefix"))
                .col(string("secret_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_platform_keys_prefix")
                .table("platform_keys")
                .col("prefix")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("setup_tokens")
                .col(string("token_hash").primary_key())
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table(b, "password_tokens")
                .col(big_integer("user_id"))
                .col(string("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_password_tokens_hash")
                .table("password_tokens")
                .col("organization_id")
                .col("token_hash")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["password_tokens", "setup_tokens", "platform_keys"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.drop_index(Index::drop().name("ux_teams_key").table("teams").to_owned())
            .await?;
        let cols: &[(&str, &str)] = &[
            ("teams", "key"),
            ("features", "archived_at"),
            ("categories", "archived_at"),
            ("pools", "archived_at"),
            ("pools", "allowance_per_period_milli"),
            ("pools", "currency"),
            ("pools", "price_micros"),
        ];
        for (t, c) in cols {
            m.alter_table(Table::alter().table(*t).drop_column(*c).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Existing teams get a key made from their name (`Customer Success` → `customer_success`).
async fn fill_team_keys(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = m.get_connection();
    let b = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(b, "SELECT id, name FROM teams"))
        .await?;
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let name: String = row.try_get("", "name")?;
        let key = key_from_name(&name, id);
        db.execute_raw(Statement::from_sql_and_values(
            b,
            match b {
                sea_orm::DbBackend::Postgres => "UPDATE teams SET key = $1 WHERE id = $2",
                _ => "UPDATE teams SET key = ? WHERE id = ?",
            },
            [key.into(), id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The longest key the catalog took when this migration was written.
const MAX_KEY: usize = 64;

/// A team key from a team's name: `Customer Success` → `customer_success`; `id` keeps names
/// without letters or digits apart.
fn key_from_name(name: &str, id: i64) -> String {
    let mut key = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_');
    if key.is_empty() {
        format!("team_{id}")
    } else {
        key.chars().take(MAX_KEY).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::key_from_name;

    #[test]
    fn team_keys_from_names() {
        assert_eq!(key_from_name("Customer Success", 1), "customer_success");
        assert_eq!(key_from_name("  R&D / Labs ", 1), "r_d_labs");
        assert_eq!(key_from_name("???", 7), "team_7");
    }
}
