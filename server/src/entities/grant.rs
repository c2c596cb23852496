use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub pool_id: i64,
    /// `included`, `purchased`, `promotional` or `allowance`.
    pub kind: String,
    pub description: String,
    pub granted_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub priority: i32,
    pub original_milli: i64,
    pub remaining_milli: i64,
    /// `active`, `exhausted`, `expired` or `voided`.
    pub status: String,
    pub purchase_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
