use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub pool_id: i64,
    pub amount_milli: i64,
    pub price_cents: i64,
    /// `manual` or `auto_recharge`.
    pub origin: String,
    pub status: String,
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
