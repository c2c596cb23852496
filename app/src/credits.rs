//! Exact credit amounts. Credits are money-like: they are stored and summed as integer
//! milli-credits, never as floats, and only turned into text at the edges.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An exact amount of credits, in milli-credits (1 credit = 1000).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Credits(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditsError {
    #[error("must be a decimal number")]
    NotANumber,
    #[error("must have at most 3 decimals")]
    TooPrecise,
    #[error("must not be negative")]
    Negative,
    #[error("is too large")]
    TooLarge,
}

impl Credits {
    pub const SCALE: i64 = 1000;
    pub const ZERO: Credits = Credits(0);

    pub const fn whole(n: i64) -> Self {
        Credits(n * Self::SCALE)
    }

    pub const fn milli(self) -> i64 {
        self.0
    }

    /// Parses a non-negative decimal such as `"12"`, `"0.25"` or `"1500.125"`.
    pub fn parse(text: &str) -> Result<Self, CreditsError> {
        let text = text.trim();
        if text.starts_with('-') {
            return Err(CreditsError::Negative);
        }
        let text = text.strip_prefix('+').unwrap_or(text);
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return Err(CreditsError::NotANumber);
        }
        // Zeros past the third decimal change nothing ("1.5000" is 1.5 exactly).
        let frac = match frac.get(3..) {
            Some(rest) if rest.bytes().all(|b| b == b'0') => &frac[..3],
            Some(_) => return Err(CreditsError::TooPrecise),
            None => frac,
        };
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| CreditsError::TooLarge)?
        };
        let mut milli_part: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| CreditsError::NotANumber)?
        };
        for _ in frac.len()..3 {
            milli_part *= 10;
        }
        whole
            .checked_mul(Self::SCALE)
            .and_then(|w| w.checked_add(milli_part))
            .map(Credits)
            .ok_or(CreditsError::TooLarge)
    }

    /// Exact decimal text without grouping, e.g. `"1234.5"`; used by the API and CSV.
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 1000, abs % 1000);
        if frac == 0 {
            format!("{sign}{whole}")
        } else {
            let f = format!("{frac:03}");
            format!("{sign}{whole}.{}", f.trim_end_matches('0'))
        }
    }

    /// Human text with thousands separators, e.g. `"12,345.5"`.
    pub fn display(self) -> String {
        let plain = self.to_decimal_string();
        let (sign, rest) = plain
            .strip_prefix('-')
            .map_or(("", plain.as_str()), |r| ("-", r));
        let (int, frac) = rest
            .split_once('.')
            .map_or((rest, None), |(i, f)| (i, Some(f)));
        let mut out = String::from(sign);
        out.push_str(&group_thousands(int));
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        out
    }

    /// Rounded to whole credits, for chart axes only (never summed again).
    pub fn as_chart_value(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    pub fn saturating_sub(self, other: Credits) -> Credits {
        Credits(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Add for Credits {
    type Output = Credits;
    fn add(self, rhs: Credits) -> Credits {
        Credits(self.0 + rhs.0)
    }
}

impl std::ops::AddAssign for Credits {
    fn add_assign(&mut self, rhs: Credits) {
        self.0 += rhs.0;
    }
}

impl std::ops::Sub for Credits {
    type Output = Credits;
    fn sub(self, rhs: Credits) -> Credits {
        Credits(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Credits {
    fn sum<I: Iterator<Item = Credits>>(iter: I) -> Credits {
        Credits(iter.map(|c| c.0).sum())
    }
}

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// `1234567` → `"1,234,567"`.
/// What one credit of a pool costs: `micros` millionths of the currency's unit. `exponent`
/// is the currency's minor-unit digits (2 for USD, 0 for JPY) and `symbol` its sign; both
/// come from ISO 4217 on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub micros: i64,
    pub currency: String,
    pub exponent: u8,
    pub symbol: String,
}

/// An exact amount of money in the currency's minor units (cents).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
    pub exponent: u8,
    pub symbol: String,
}

impl Price {
    pub const SCALE: i64 = 1_000_000;

    /// Parses a non-negative decimal with at most 6 decimals (`"0.10"`) into millionths.
    pub fn parse_micros(text: &str) -> Result<i64, String> {
        let t = text.trim();
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return Err("must be a non-negative decimal such as 0.10".into());
        }
        if frac.len() > 6 {
            return Err("must have at most 6 decimals".into());
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| "is too large")?
        };
        let mut part: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| "is not a number")?
        };
        for _ in frac.len()..6 {
            part *= 10;
        }
        whole
            .checked_mul(Self::SCALE)
            .and_then(|w| w.checked_add(part))
            .ok_or_else(|| "is too large".to_string())
    }

    /// `100000` → `"0.1"`: exact, without trailing zeros.
    pub fn micros_text(micros: i64) -> String {
        let (whole, frac) = (micros / Self::SCALE, micros % Self::SCALE);
        if frac == 0 {
            return whole.to_string();
        }
        let f = format!("{frac:06}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }

    /// What `amount` credits cost, in minor units; parts of a minor unit round down. `None`
    /// when the sum does not fit.
    pub fn cost(&self, amount: Credits) -> Option<Money> {
        let minor = i128::from(amount.0)
            .checked_mul(i128::from(self.micros))?
            .checked_mul(10i128.checked_pow(self.exponent.into())?)?
            / (i128::from(Credits::SCALE) * i128::from(Self::SCALE));
        Some(Money {
            minor: i64::try_from(minor).ok()?,
            currency: self.currency.clone(),
            exponent: self.exponent,
            symbol: self.symbol.clone(),
        })
    }

    /// `"$0.10 per credit"`.
    pub fn per_credit(&self) -> String {
        format!(
            "{}{} per credit",
            self.sign(),
            Self::micros_text(self.micros)
        )
    }

    fn sign(&self) -> String {
        sign(&self.symbol, &self.currency)
    }
}

fn sign(symbol: &str, currency: &str) -> String {
    if symbol.is_empty() || symbol == currency {
        format!("{currency} ")
    } else {
        symbol.to_string()
    }
}

impl Money {
    /// Exact decimal text without grouping, e.g. `"1234.05"`; used by CSV.
    pub fn to_decimal_string(&self) -> String {
        let scale = 10i64.pow(self.exponent.into());
        let sign = if self.minor < 0 { "-" } else { "" };
        let (whole, frac) = (
            self.minor.unsigned_abs() / scale as u64,
            self.minor.unsigned_abs() % scale as u64,
        );
        if self.exponent == 0 {
            format!("{sign}{whole}")
        } else {
            format!(
                "{sign}{whole}.{frac:0width$}",
                width = self.exponent as usize
            )
        }
    }

    /// `"$1,234.05"`, or `"CHF 1,234.05"` where the currency has no sign of its own.
    pub fn display(&self) -> String {
        let plain = self.to_decimal_string();
        let (neg, rest) = plain
            .strip_prefix('-')
            .map_or(("", plain.as_str()), |r| ("-", r));
        let (int, frac) = rest
            .split_once('.')
            .map_or((rest, None), |(i, f)| (i, Some(f)));
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        format!(
            "{neg}{}{}{frac}",
            sign(&self.symbol, &self.currency),
            group_thousands(int)
        )
    }
}

pub fn group_thousands(digits: &str) -> String {
    let len = digits.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Integer counts with separators.
pub fn format_count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(&n.unsigned_abs().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(Credits::parse("12"), Ok(Credits(12_000)));
        assert_eq!(Credits::parse("0.25"), Ok(Credits(250)));
        assert_eq!(Credits::parse("1500.125"), Ok(Credits(1_500_125)));
        assert_eq!(Credits::parse(".5"), Ok(Credits(500)));
        assert_eq!(Credits::parse("3."), Ok(Credits(3_000)));
        assert_eq!(Credits::parse("1.5000"), Ok(Credits(1_500)));
        assert_eq!(
            Credits::parse("1.0000000000000001"),
            Err(CreditsError::TooPrecise)
        );
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(Credits::parse("1.2345"), Err(CreditsError::TooPrecise));
        assert_eq!(Credits::parse("-1"), Err(CreditsError::Negative));
        assert_eq!(Credits::parse("abc"), Err(CreditsError::NotANumber));
        assert_eq!(Credits::parse("."), Err(CreditsError::NotANumber));
        assert_eq!(Credits::parse("1e3"), Err(CreditsError::NotANumber));
        assert_eq!(
            Credits::parse("99999999999999999999"),
            Err(CreditsError::TooLarge)
        );
    }

    #[test]
    fn formats_exactly_with_separators() {
        assert_eq!(Credits(1_234_567_500).display(), "1,234,567.5");
        assert_eq!(Credits(-1_000_001).display(), "-1,000.001");
        assert_eq!(Credits(0).display(), "0");
        assert_eq!(Credits(999_000).display(), "999");
        assert_eq!(Credits(1_500_125).to_decimal_string(), "1500.125");
        assert_eq!(format_count(1_000_000), "1,000,000");
    }

    #[test]
    fn prices_are_exact() {
        assert_eq!(Price::parse_micros("0.10"), Ok(100_000));
        assert_eq!(Price::parse_micros("12.000001"), Ok(12_000_001));
        assert!(Price::parse_micros("0.0000001").is_err());
        assert!(Price::parse_micros("-1").is_err());
        assert!(Price::parse_micros("99999999999999999").is_err());
        assert_eq!(Price::micros_text(100_000), "0.1");
        let usd = Price {
            micros: 100_000,
            currency: "USD".into(),
            exponent: 2,
            symbol: "$".into(),
        };
        let cost = usd.cost(Credits::whole(12_345)).unwrap();
        assert_eq!(
            (cost.minor, cost.display()),
            (123_450, "$1,234.50".to_string())
        );
        assert_eq!(
            usd.cost(Credits(99)).unwrap().minor,
            0,
            "parts of a cent round down"
        );
        let jpy = Price {
            micros: 15_000_000,
            currency: "JPY".into(),
            exponent: 0,
            symbol: "JPY".into(),
        };
        assert_eq!(jpy.cost(Credits::whole(3)).unwrap().display(), "JPY 45");
        assert!(usd.cost(Credits(i64::MAX)).is_some_and(|m| m.minor > 0));
        let huge = Price {
            micros: i64::MAX,
            ..usd
        };
        assert_eq!(huge.cost(Credits(i64::MAX)), None);
    }

    #[test]
    fn round_trips() {
        for m in [0, 1, 10, 999, 1000, 1001, 123_456_789] {
            let c = Credits(m);
            assert_eq!(Credits::parse(&c.to_decimal_string()), Ok(c));
        }
    }
}
