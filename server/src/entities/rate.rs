use app::ids::OrgId;
use sea_orm::entity::prelude::*;

/// One version of a feature's price, for one model or (`model` = "") any model. Prices are
/// decimal text, read by `ledger::rate::parse_price`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub feature_id: i64,
    pub model: String,
    pub effective_from: DateTimeUtc,
    pub per_unit: String,
    pub per_1k_input_tokens: String,
    pub per_1k_output_tokens: String,
    pub per_1k_cached_input_tokens: String,
    pub minimum: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
