//! Schema v1: organizations, members, end users, pools, grants, purchases, the feature
//! taxonomy, sources, companies, usage events, the daily rollup and API keys.
//!
//! Every tenant table carries `organization_id`, and every unique key includes it, so that
//! PostgreSQL can be distributed by organization (Citus-style). On PostgreSQL the primary
//! key itself is `(organization_id, id)`; SQLite needs a lone `INTEGER PRIMARY KEY` for
//! auto-increment. Credits are integer milli-credits (`*_milli`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tenant_table;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_schema_v1"
    }
}

fn unique(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).unique();
    for c in cols {
        i.col(*c);
    }
    i
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();

        m.create_table(
            Table::create()
                .table("organizations")
                .col(big_pk_auto("id"))
                .col(string("slug"))
                .col(string("name"))
                .col(string("time_zone"))
                .col(integer("period_anchor_day"))
                .col(boolean("is_agency"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("organizations", "ux_organizations_slug", &["slug"]))
            .await?;

        m.create_table(tenant_table(b, "teams").col(string("name")).to_owned())
            .await?;
        m.create_index(unique(
            "teams",
            "ux_teams_name",
            &["organization_id", "name"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "users")
                .col(string("email"))
                .col(string("name"))
                .col(string("role"))
                .col(string_null("password_hash"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "users",
            "ux_users_email",
            &["organization_id", "email"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("team_members")
                .col(big_integer("organization_id"))
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .primary_key(
                    Index::create()
                        .col("organization_id")
                        .col("team_id")
                        .col("user_id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "team_members",
            "ix_team_members_user",
            &["organization_id", "user_id"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "end_users")
                .col(string("external_id"))
                .col(string("name"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "end_users",
            "ux_end_users_external",
            &["organization_id", "external_id"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "pools")
                .col(string("key"))
                .col(string("name"))
                .col(big_integer("included_per_period_milli"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("pools", "ux_pools_key", &["organization_id", "key"]))
            .await?;

        m.create_table(
            tenant_table(b, "auto_recharge_rules")
                .col(big_integer("pool_id"))
                .col(boolean("enabled"))
                .col(big_integer("threshold_milli"))
                .col(big_integer("amount_milli"))
                .col(integer("max_per_period"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "auto_recharge_rules",
            "ux_auto_recharge_pool",
            &["organization_id", "pool_id"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "purchases")
                .col(big_integer("pool_id"))
                .col(big_integer("amount_milli"))
                .col(big_integer("price_cents"))
                .col(string("origin"))
                .col(string("status"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "purchases",
            "ix_purchases_created",
            &["organization_id", "created_at"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "grants")
                .col(big_integer("pool_id"))
                .col(string("kind"))
                .col(string("description"))
                .col(timestamp_with_time_zone("granted_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(integer("priority"))
                .col(big_integer("original_milli"))
                .col(big_integer("remaining_milli"))
                .col(string("status"))
                .col(big_integer_null("purchase_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "grants",
            "ix_grants_pool",
            &["organization_id", "pool_id", "status"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "categories")
                .col(string("key"))
                .col(string("name"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "categories",
            "ux_categories_key",
            &["organization_id", "key"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "features")
                .col(big_integer("category_id"))
                .col(big_integer("pool_id"))
                .col(string("key"))
                .col(string("name"))
                .col(string("unit"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "features",
            "ux_features_key",
            &["organization_id", "key"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "sources")
                .col(string("kind"))
                .col(string("key"))
                .col(string("name"))
                .col(string_null("flow_type"))
                .col(string_null("status"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "sources",
            "ux_sources_key",
            &["organization_id", "kind", "key"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "actions")
                .col(big_integer("source_id"))
                .col(string("key"))
                .col(string("name"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "actions",
            "ux_actions_key",
            &["organization_id", "source_id", "key"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "companies")
                .col(string("key"))
                .col(string("name"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "companies",
            "ux_companies_key",
            &["organization_id", "key"],
        ))
        .await?;

        m.create_table(
            tenant_table(b, "usage_events")
                .col(string("event_id"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(big_integer("pool_id"))
                .col(big_integer("feature_id"))
                .col(big_integer_null("user_id"))
                .col(big_integer_null("end_user_id"))
                .col(big_integer_null("source_id"))
                .col(big_integer_null("action_id"))
                .col(big_integer_null("company_id"))
                .col(big_integer("credits_milli"))
                .col(big_integer("overage_milli"))
                .col(big_integer("quantity"))
                .col(big_integer_null("input_tokens"))
                .col(big_integer_null("output_tokens"))
                .col(text_null("metadata"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "usage_events",
            "ux_usage_events_event",
            &["organization_id", "event_id"],
        ))
        .await?;
        m.create_index(index(
            "usage_events",
            "ix_usage_events_time",
            &["organization_id", "occurred_at", "id"],
        ))
        .await?;

        // Daily rollup, maintained in the same transaction as the events it counts. Absent
        // dimensions are 0 (not NULL) so that the unique key works as an upsert target on
        // both backends.
        m.create_table(
            Table::create()
                .table("usage_daily")
                .col(big_integer("organization_id"))
                .col(date("day"))
                .col(big_integer("pool_id"))
                .col(big_integer("feature_id"))
                .col(big_integer("user_id"))
                .col(big_integer("end_user_id"))
                .col(big_integer("source_id"))
                .col(big_integer("company_id"))
                .col(big_integer("credits_milli"))
                .col(big_integer("overage_milli"))
                .col(big_integer("quantity"))
                .col(big_integer("events"))
                .primary_key(
                    Index::create()
                        .col("organization_id")
                        .col("day")
                        .col("pool_id")
                        .col("feature_id")
                        .col("user_id")
                        .col("end_user_id")
                        .col("source_id")
                        .col("company_id"),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table(b, "api_keys")
                .col(string("name"))
                .col(string("prefix"))
                .col(string("secret_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "api_keys",
            "ux_api_keys_prefix",
            &["organization_id", "prefix"],
        ))
        .await?;
        m.create_index(index("api_keys", "ix_api_keys_prefix_lookup", &["prefix"]))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "api_keys",
            "usage_daily",
            "usage_events",
            "companies",
            "actions",
            "sources",
            "features",
            "categories",
            "grants",
            "purchases",
            "auto_recharge_rules",
            "pools",
            "end_users",
            "team_members",
            "users",
            "teams",
            "organizations",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
