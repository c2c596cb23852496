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
