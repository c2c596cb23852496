//! All schema changes, in order. Applied at start-up and by `server migrate`.

mod m0001_schema_v1;
mod m0002_ledger_api;

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m0001_schema_v1::Migration), Box::new(m0002_ledger_api::Migration)]
    }
}
