use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub pool_id: i64,
    /// `end_user` or `member`.
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    /// Cap per billing period.
    pub cap_milli: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Whom an allocation caps: a member of the organization or an end user of the SaaS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SubjectKind {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "end_user")]
    EndUser,
}
