use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub period_anchor_day: i32,
    pub is_agency: bool,
    pub created_at: DateTimeUtc,
    /// Bumped by every ingest batch: the row lock serialises one organization's batches.
    pub ingest_seq: i64,
    /// Roles that may open the usage dashboard, comma-separated (owners always may).
    pub dashboard_roles: String,
    /// The Monday of the first week not summed into `usage_user_weekly` (m0008); `None`: none is.
    pub weekly_until: Option<Date>,
    /// Lifetime usage totals (m0011), each kept under `ingest::totals::CAP`.
    pub lifetime_credits_milli: i64,
    pub lifetime_quantity: i64,
    pub lifetime_tokens: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
