use app::ids::OrgId;
use sea_orm::entity::prelude::*;

/// A one-click ask for more credits, decided by a billing admin.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub pool_id: i64,
    pub requested_by: i64,
    pub amount_milli: i64,
    pub note: String,
    pub status: RequestStatus,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub purchase_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A credit request waits for a billing admin, then is approved or declined once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RequestStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "declined")]
    Declined,
}

impl From<RequestStatus> for app::admin::RequestStatus {
    fn from(s: RequestStatus) -> Self {
        match s {
            RequestStatus::Pending => app::admin::RequestStatus::Pending,
            RequestStatus::Approved => app::admin::RequestStatus::Approved,
            RequestStatus::Declined => app::admin::RequestStatus::Declined,
        }
    }
}
