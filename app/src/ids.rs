//! Typed ids: an organization's id cannot be passed where a pool's is meant. Each is a
//! BIGINT in the database; on the server each is a SeaORM value type, so entities, queries
//! and `Set(..)` take them as they are.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A tenant: every tenant table and unique key carries it.
    OrgId
);
