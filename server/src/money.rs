//! Money: what a pool's credits cost, exactly, in the minor units of its ISO 4217 currency.

use crate::entities::pool;
use crate::error::Result;
use app::credits::{Credits, Money, Price};
use app::error::AppError;

/// The price of one credit of `pool`, with its currency's minor unit and sign.
pub fn price_of(pool: &pool::Model) -> Price {
    let currency = iso_currency::Currency::from_code(&pool.currency);
    Price {
        micros: pool.price_micros,
        currency: pool.currency.clone(),
        exponent: currency.and_then(|c| c.exponent()).unwrap_or(2) as u8,
        symbol: currency.map_or_else(|| pool.currency.clone(), |c| c.symbol().to_string()),
    }
}

/// `minor` units of `currency` (e.g. cents of USD) as money to show.
pub fn money(minor: i64, currency: &str) -> Money {
    let c = iso_currency::Currency::from_code(currency);
    Money {
        minor,
        currency: currency.to_string(),
        exponent: c.and_then(|c| c.exponent()).unwrap_or(2) as u8,
        symbol: c.map_or_else(|| currency.to_string(), |c| c.symbol().to_string()),
    }
}

/// What `credits` of `pool` cost, in minor units of its currency.
pub fn cost_minor(pool: &pool::Model, credits: Credits) -> Result<i64> {
    price_of(pool)
        .cost(credits)
        .map(|m| m.minor)
        .ok_or_else(|| AppError::invalid("credits", "is too large to price").into())
}

/// Pools' price versions, to value credits at the price in effect when they were used or
/// bought. Before a pool's first version its first price applies (the price it was made with).
#[derive(Clone, Debug, Default)]
pub struct PriceBook {
    /// pool id → (from, price in micros), oldest first.
    versions: std::collections::HashMap<i64, Vec<(chrono::DateTime<chrono::Utc>, i64)>>,
}

impl PriceBook {
    pub fn new(rows: impl IntoIterator<Item = crate::entities::pool_price::Model>) -> Self {
        let mut book = PriceBook::default();
        for r in rows {
            book.versions
                .entry(r.pool_id)
                .or_default()
                .push((r.effective_from, r.price_micros));
        }
        for v in book.versions.values_mut() {
            v.sort_unstable();
        }
        book
    }

    /// The pool's price per credit at `at`, in micros (`pool`'s own when it has no version).
    pub fn micros_at(&self, pool: &pool::Model, at: chrono::DateTime<chrono::Utc>) -> i64 {
        let Some(v) = self.versions.get(&pool.id).filter(|v| !v.is_empty()) else {
            return pool.price_micros;
        };
        let n = v.partition_point(|(from, _)| *from <= at);
        v[n.saturating_sub(1)].1
    }

    /// The one price of the pool over `from..=to` (a version starting inside that changes
    /// it: `None`).
    pub fn micros_over(
        &self,
        pool: &pool::Model,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Option<i64> {
        let first = self.micros_at(pool, from);
        let changes = self.versions.get(&pool.id).is_some_and(|v| {
            v.iter()
                .any(|(at, micros)| *at > from && *at <= to && *micros != first)
        });
        (!changes).then_some(first)
    }
}
