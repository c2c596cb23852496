use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub pool_id: i64,
    pub kind: crate::ledger::GrantKind,
    pub description: String,
    pub granted_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub priority: i32,
    pub original_milli: i64,
    pub remaining_milli: i64,
    pub status: GrantStatus,
    pub purchase_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Whether a grant can still be burned; a voided grant no longer counts anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum GrantStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "exhausted")]
    Exhausted,
    #[sea_orm(string_value = "expired")]
    Expired,
    #[sea_orm(string_value = "voided")]
    Voided,
}
