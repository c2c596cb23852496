use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A member's role as stored; [`app::roles::Role`] holds what each may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "owner")]
    Owner,
    #[sea_orm(string_value = "billing_admin")]
    BillingAdmin,
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "member")]
    Member,
}

impl From<Role> for app::roles::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => app::roles::Role::Owner,
            Role::BillingAdmin => app::roles::Role::BillingAdmin,
            Role::Admin => app::roles::Role::Admin,
            Role::Member => app::roles::Role::Member,
        }
    }
}

impl From<app::roles::Role> for Role {
    fn from(r: app::roles::Role) -> Self {
        match r {
            app::roles::Role::Owner => Role::Owner,
            app::roles::Role::BillingAdmin => Role::BillingAdmin,
            app::roles::Role::Admin => Role::Admin,
            app::roles::Role::Member => Role::Member,
        }
    }
}
