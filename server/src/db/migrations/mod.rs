//! All schema changes, in order. Applied at start-up and by `server migrate`.

mod m0001_schema_v1;
mod m0002_ledger_api;
mod m0003_action_rollup;
pub mod m0004_accounts;
mod m0005_feature_rollup;
mod m0006_rollups_by_question;
mod m0007_end_user_flag;
mod m0008_user_weekly;
pub mod m0009_catalog;
mod m0010_shared_state;
mod m0011_usage_totals;
mod m0012_payments;
mod m0013_rates;
mod m0014_models;
mod m0015_pool_prices;

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_schema_v1::Migration),
            Box::new(m0002_ledger_api::Migration),
            Box::new(m0003_action_rollup::Migration),
            Box::new(m0004_accounts::Migration),
            Box::new(m0005_feature_rollup::Migration),
            Box::new(m0006_rollups_by_question::Migration),
            Box::new(m0007_end_user_flag::Migration),
            Box::new(m0008_user_weekly::Migration),
            Box::new(m0009_catalog::Migration),
            Box::new(m0010_shared_state::Migration),
            Box::new(m0011_usage_totals::Migration),
            Box::new(m0012_payments::Migration),
            Box::new(m0013_rates::Migration),
            Box::new(m0014_models::Migration),
            Box::new(m0015_pool_prices::Migration),
        ]
    }
}

/// A table owned by an organization: `id` + `organization_id`. On PostgreSQL the primary key
/// is `(organization_id, id)` (ready for distribution by organization); SQLite needs a lone
/// `INTEGER PRIMARY KEY` for auto-increment. Migrations depend on this shape: never change it.
pub(crate) fn tenant_table(backend: DbBackend, name: &'static str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name);
    if backend == DbBackend::Postgres {
        t.col(big_integer("id").auto_increment())
            .col(big_integer("organization_id"))
            .primary_key(Index::create().col("organization_id").col("id"));
    } else {
        t.col(big_pk_auto("id")).col(big_integer("organization_id"));
    }
    t
}
