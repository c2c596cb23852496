//! Lookups of the tenant aggregates, one module per aggregate. Everything above reads an
//! organization, its pools and its grants through here; this layer depends only on the
//! entities and the error type.

pub mod grants;
pub mod organizations;
pub mod pool_prices;
pub mod pools;
pub mod rates;
