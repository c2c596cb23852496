use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    /// The client's idempotency key, unique within the organization.
    pub event_id: String,
    pub occurred_at: DateTimeUtc,
    pub pool_id: i64,
    pub feature_id: i64,
    pub user_id: Option<i64>,
    pub end_user_id: Option<i64>,
    pub source_id: Option<i64>,
    pub action_id: Option<i64>,
    pub company_id: Option<i64>,
    pub credits_milli: i64,
    /// Part of `credits_milli` that no grant covered.
    pub overage_milli: i64,
    pub quantity: i64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cached_input_tokens: Option<i64>,
    /// The model the usage ran on (`models`).
    pub model_id: Option<i64>,
    /// Whether the sender gave the credits (else the meter rated the usage).
    pub priced_by_sender: bool,
    pub metadata: Option<String>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
