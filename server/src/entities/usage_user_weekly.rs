use app::ids::OrgId;
use sea_orm::entity::prelude::*;

/// Weekly rollup by pool, feature, member and end user (migration m0008): `usage_user_daily`
/// summed over Monday to Sunday.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_user_weekly")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: OrgId,
    /// The Monday that starts the week (a local day, as in the daily rollups).
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pool_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub feature_id: i64,
    /// 0 when no member was named.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// 0 when no end user was named.
    #[sea_orm(primary_key, auto_increment = false)]
    pub end_user_id: i64,
    pub credits_milli: i64,
    pub overage_milli: i64,
    pub quantity: i64,
    pub events: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
