use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub pool_id: i64,
    pub amount_milli: i64,
    pub price_cents: i64,
    pub origin: PurchaseOrigin,
    pub status: PurchaseStatus,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// One charge per key (m0012): a retry of the same purchase finds it instead of paying twice.
    pub idempotency_key: Option<String>,
    /// The payment provider's reference, once charged.
    pub reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Who started a purchase: a person, or the auto-recharge rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PurchaseOrigin {
    #[sea_orm(string_value = "manual")]
    Manual,
    #[sea_orm(string_value = "auto_recharge")]
    AutoRecharge,
}

/// A purchase waits for its charge; then its provider's answer (invoiced or paid: its grant
/// exists) or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PurchaseStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "invoiced")]
    Invoiced,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "failed")]
    Failed,
}
