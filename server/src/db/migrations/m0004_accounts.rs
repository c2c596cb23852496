//! Accounts and governance: which roles may open the dashboard, login sessions, credit
//! requests and the audit log of admin actions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tenant_table;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_accounts"
    }
}

/// Every role may open the dashboard until an owner decides otherwise.
pub const DEFAULT_DASHBOARD_ROLES: &str = "owner,billing_admin,admin,member";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.alter_table(
            Table::alter()
                .table("organizations")
                .add_column(string("dashboard_roles").default(DEFAULT_DASHBOARD_ROLES))
                .to_owned(),
        )
        .await?;

        // Login sessions (tower-sessions records). Keyed by a random id, not by tenant: on a
        // distributed PostgreSQL this is a local table of the coordinator.
        m.create_table(
            Table::create()
                .table("sessions")
                .col(string("id").primary_key())
                .col(text("data"))
                .col(timestamp_with_time_zone("expiry_date"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table(b, "credit_requests")
                .col(big_integer("pool_id"))
                .col(big_integer("requested_by"))
                .col(big_integer("amount_milli"))
                .col(string("note"))
                // pending, approved or declined
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(big_integer_null("purchase_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_credit_requests_status")
                .table("credit_requests")
                .col("organization_id")
                .col("status")
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table(b, "audit_log")
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("actor_id"))
                // Email of the actor, or `cli` for the command line.
                .col(string("actor"))
                .col(string("action"))
                .col(text("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_at")
                .table("audit_log")
                .col("organization_id")
                .col("at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_log", "credit_requests", "sessions"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table("organizations")
                .drop_column("dashboard_roles")
                .to_owned(),
        )
        .await
    }
}
