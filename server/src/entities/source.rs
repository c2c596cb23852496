use app::ids::OrgId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: OrgId,
    pub kind: SourceKind,
    pub key: String,
    pub name: String,
    pub flow_type: Option<String>,
    pub status: Option<FlowStatus>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What sent usage besides a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SourceKind {
    #[sea_orm(string_value = "agent")]
    Agent,
    #[sea_orm(string_value = "flow")]
    Flow,
    #[sea_orm(string_value = "pilot")]
    Pilot,
    #[sea_orm(string_value = "tool")]
    Tool,
    #[sea_orm(string_value = "session")]
    Session,
}

/// A flow's state as its sender reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FlowStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "paused")]
    Paused,
}

impl SourceKind {
    /// The stored word, without allocating (as `ActiveEnum::to_value` would); a test keeps
    /// the two equal.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Agent => "agent",
            SourceKind::Flow => "flow",
            SourceKind::Pilot => "pilot",
            SourceKind::Tool => "tool",
            SourceKind::Session => "session",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn each_kind_reads_as_it_is_stored() {
        for k in SourceKind::iter() {
            assert_eq!(k.as_str(), k.to_value());
        }
    }
}
