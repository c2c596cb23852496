//! Rating: what an event's usage (units, tokens, model) comes to in credits, by the rate
//! version in effect at its time. Pure: the versions are given, nothing is looked up.
//!
//! The rule, once per event: per unit × quantity, plus each token price per 1,000 × its
//! tokens / 1000 (input, output, cached input), all exact in decimal; raised to the
//! minimum when below it; then rounded half-up to the milli-credit. Parts are never
//! rounded on their own, so a sum of rated events is the sum of each event's one rounding.

use app::credits::Credits;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;

/// The most decimals a price may have (a billionth of a credit).
pub const MAX_SCALE: u32 = 9;
/// The most a price part may be, in credits: far above any real price, low enough that
/// the largest event (10¹⁰ tokens) stays exact in a 96-bit decimal.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// The longest model name (e.g. `gpt-4o-mini-2024-07-18`), in bytes.
pub const MAX_MODEL_LEN: usize = 128;

/// A model name as a rate or an event names it, or why it is refused.
pub fn model_name(m: &str) -> Result<String, String> {
    if m.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if m.len() > MAX_MODEL_LEN || m.chars().any(char::is_control) {
        return Err(format!(
            "must be at most {MAX_MODEL_LEN} characters, without control characters"
        ));
    }
    Ok(m.to_string())
}

/// A price: credits per unit, per 1,000 tokens of each kind, and a minimum per event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Price {
    pub per_unit: Decimal,
    pub per_1k_input_tokens: Decimal,
    pub per_1k_output_tokens: Decimal,
    pub per_1k_cached_input_tokens: Decimal,
    pub minimum: Decimal,
}

/// What an event used, as sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub quantity: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cached_input_tokens: i64,
}

/// Why a price text is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("must be a decimal number such as 0.5 or 0.0025")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("must have at most 9 decimals")]
    TooPrecise,
    #[error("must be at most 1000000 credits")]
    TooLarge,
}

/// Reads one price part: a plain decimal (no exponent), 0 ≤ value ≤ [`MAX_PRICE`],
/// at most [`MAX_SCALE`] decimals.
pub fn parse_price(text: &str) -> Result<Decimal, PriceError> {
    let t = text.trim();
    let plain = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    let d = plain
        .then(|| Decimal::from_str_exact(t).ok())
        .flatten()
        .ok_or(PriceError::NotANumber)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(PriceError::Negative);
    }
    if d.normalize().scale() > MAX_SCALE {
        return Err(PriceError::TooPrecise);
    }
    if d > MAX_PRICE {
        return Err(PriceError::TooLarge);
    }
    Ok(d.normalize())
}

impl Price {
    /// The event's credits, or `None` when they do not fit an event (never for bounded
    /// prices and usage).
    pub fn rate(&self, u: Usage) -> Option<Credits> {
        let per_1k = |price: Decimal, tokens: i64| price.checked_mul(Decimal::from(tokens));
        let tokens = per_1k(self.per_1k_input_tokens, u.input_tokens)?
            .checked_add(per_1k(self.per_1k_output_tokens, u.output_tokens)?)?
            .checked_add(per_1k(
                self.per_1k_cached_input_tokens,
                u.cached_input_tokens,
            )?)?
            .checked_div(Decimal::from(1000))?;
        let exact = self
            .per_unit
            .checked_mul(Decimal::from(u.quantity))?
            .checked_add(tokens)?
            .max(self.minimum);
        let milli = exact
            .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
            .checked_mul(Decimal::from(1000))?;
        i64::try_from(milli).ok().map(Credits)
    }
}

/// One version of a feature's price for one model (`None`: any model), from `effective_from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateVersion {
    pub feature_id: i64,
    pub model: Option<String>,
    pub effective_from: DateTime<Utc>,
    pub price: Price,
}

/// The rate versions of a batch's features, looked up once per batch.
#[derive(Clone, Debug, Default)]
pub struct RateBook {
    /// (feature, model) → versions, oldest first.
    versions: HashMap<(i64, Option<String>), Vec<RateVersion>>,
}

impl RateBook {
    pub fn new(rates: impl IntoIterator<Item = RateVersion>) -> Self {
        let mut versions: HashMap<(i64, Option<String>), Vec<RateVersion>> = HashMap::new();
        for r in rates {
            versions
                .entry((r.feature_id, r.model.clone()))
                .or_default()
                .push(r);
        }
        for v in versions.values_mut() {
            v.sort_by_key(|r| r.effective_from);
        }
        RateBook { versions }
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The price in effect at `at` for the feature and model: the model's own version if
    /// one is in effect, else the feature's any-model version.
    pub fn price(&self, feature_id: i64, model: Option<&str>, at: DateTime<Utc>) -> Option<Price> {
        let in_effect = |model: Option<String>| {
            current(self.versions.get(&(feature_id, model))?, at).map(|r| r.price)
        };
        model
            .and_then(|m| in_effect(Some(m.to_string())))
            .or_else(|| in_effect(None))
    }

    /// The version in effect at `at` of every (feature, model) that has one.
    pub fn in_effect(&self, at: DateTime<Utc>) -> impl Iterator<Item = &RateVersion> {
        self.versions.values().filter_map(move |v| current(v, at))
    }
}

/// The last of `versions` (oldest first) that has begun by `at`.
fn current(versions: &[RateVersion], at: DateTime<Utc>) -> Option<&RateVersion> {
    let n = versions.partition_point(|r| r.effective_from <= at);
    n.checked_sub(1).map(|i| &versions[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        parse_price(s).unwrap()
    }

    #[test]
    fn rounds_half_up_once_per_event() {
        let p = Price {
            per_1k_input_tokens: d("0.0025"),
            ..Price::default()
        };
        // 0.0025 × 1.8 = 0.0045 → 0.005; 0.0025 × 1.7 = 0.00425 → 0.004.
        let at = |input| {
            p.rate(Usage {
                input_tokens: input,
                ..Usage::default()
            })
        };
        assert_eq!(at(1800), Some(Credits(5)));
        assert_eq!(at(1700), Some(Credits(4)));
        assert_eq!(at(0), Some(Credits(0)));
    }

    #[test]
    fn the_minimum_applies_before_rounding() {
        let p = Price {
            per_unit: d("0.0001"),
            minimum: d("0.0015"),
            ..Price::default()
        };
        let one = Usage {
            quantity: 1,
            ..Usage::default()
        };
        assert_eq!(p.rate(one), Some(Credits(2)));
        let many = Usage {
            quantity: 100,
            ..Usage::default()
        };
        assert_eq!(p.rate(many), Some(Credits(10)));
    }

    #[test]
    fn prices_are_plain_bounded_decimals() {
        assert_eq!(parse_price("0.000000001"), Ok(d("0.000000001")));
        assert_eq!(parse_price("1e3"), Err(PriceError::NotANumber));
        assert_eq!(parse_price(""), Err(PriceError::NotANumber));
        assert_eq!(parse_price("NaN"), Err(PriceError::NotANumber));
        assert_eq!(parse_price("-1"), Err(PriceError::Negative));
        assert_eq!(parse_price("0.0000000001"), Err(PriceError::TooPrecise));
        assert_eq!(parse_price("1000000.1"), Err(PriceError::TooLarge));
        assert_eq!(parse_price("1.50000000000"), Ok(d("1.5")));
    }

    #[test]
    fn versions_change_at_effective_from_and_models_fall_back() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let t1 = t0 + Duration::days(10);
        let price = |s: &str| Price {
            per_unit: d(s),
            ..Price::default()
        };
        let v = |model: Option<&str>, at, p: &str| RateVersion {
            feature_id: 7,
            model: model.map(str::to_string),
            effective_from: at,
            price: price(p),
        };
        let book = RateBook::new([
            v(None, t1, "2"),
            v(None, t0, "1"),
            v(Some("gpt-4o"), t1, "5"),
        ]);
        let before = t1 - Duration::milliseconds(1);
        assert_eq!(book.price(7, None, before), Some(price("1")));
        assert_eq!(book.price(7, None, t1), Some(price("2")));
        assert_eq!(book.price(7, Some("gpt-4o"), before), Some(price("1")));
        assert_eq!(book.price(7, Some("gpt-4o"), t1), Some(price("5")));
        assert_eq!(book.price(7, Some("other"), t1), Some(price("2")));
        assert_eq!(book.price(7, None, t0 - Duration::milliseconds(1)), None);
        assert_eq!(book.price(8, None, t1), None);
    }

    /// A price part with up to 9 decimals, as an integer count of billionths.
    fn nanos() -> impl Strategy<Value = i64> {
        prop_oneof![Just(0i64), 0i64..=1_000_000_000_000i64, 0i64..=10_000i64]
    }

    fn price_of(n: [i64; 5]) -> Price {
        let p = |v: i64| Decimal::new(v, 9).normalize();
        Price {
            per_unit: p(n[0]),
            per_1k_input_tokens: p(n[1]),
            per_1k_output_tokens: p(n[2]),
            per_1k_cached_input_tokens: p(n[3]),
            minimum: p(n[4]),
        }
    }

    /// The same rule in integers: billionths × units, and × tokens / 1000, in 10⁻¹² credits.
    fn reference(n: [i64; 5], u: Usage) -> i64 {
        let exact = (n[0] as i128 * u.quantity as i128 * 1000
            + n[1] as i128 * u.input_tokens as i128
            + n[2] as i128 * u.output_tokens as i128
            + n[3] as i128 * u.cached_input_tokens as i128)
            .max(n[4] as i128 * 1000);
        // Milli-credits are 10⁹ of these; half-up.
        ((exact + 500_000_000) / 1_000_000_000) as i64
    }

    proptest! {
        #[test]
        fn rating_is_exact_and_sums_are_the_sum_of_rounded_events(
            n in proptest::array::uniform5(nanos()),
            events in proptest::collection::vec(
                (0i64..=1_000_000, 0i64..=10_000_000, 0i64..=10_000_000, 0i64..=10_000_000),
                1..20,
            ),
        ) {
            let price = price_of(n);
            let mut sum = 0i64;
            let mut expected = 0i64;
            for (quantity, input_tokens, output_tokens, cached_input_tokens) in events {
                let u = Usage { quantity, input_tokens, output_tokens, cached_input_tokens };
                let rated = price.rate(u).expect("bounded prices fit").0;
                prop_assert_eq!(rated, reference(n, u));
                sum += rated;
                expected += reference(n, u);
            }
            prop_assert_eq!(sum, expected);
        }
    }
}
