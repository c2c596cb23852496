use app::ids::OrgId;
use sea_orm::entity::prelude::*;

/// Daily rollup by source and action, with token counts (see migration m0003).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_action_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: OrgId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub feature_id: i64,
    /// 0 when absent (likewise for the other dimensions).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub end_user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub action_id: i64,
    /// 0 when the event named no model.
    #[sea_orm(primary_key, auto_increment = false)]
    pub model_id: i64,
    pub credits_milli: i64,
    pub overage_milli: i64,
    pub quantity: i64,
    pub events: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
