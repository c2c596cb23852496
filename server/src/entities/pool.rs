use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pools")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub key: String,
    pub name: String,
    pub included_per_period_milli: i64,
    /// Price of one credit in millionths of the currency's unit (100000 = 0.10).
    pub price_micros: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Background allowance granted every period.
    pub allowance_per_period_milli: i64,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
