use app::ids::OrgId;
use sea_orm::entity::prelude::*;

/// The coarse daily rollup with the model in its key, for questions by model (m0014).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_model_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: OrgId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pool_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub feature_id: i64,
    /// 0 when the event had no source.
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_id: i64,
    /// 0 when the event had no action.
    #[sea_orm(primary_key, auto_increment = false)]
    pub action_id: i64,
    /// 1 when the events were end users', 0 otherwise (members' or nobody's; m0007).
    #[sea_orm(primary_key, auto_increment = false)]
    pub by_end_user: i64,
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
