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
        if frac.len() > 3 {
            return Err(CreditsError::TooPrecise);
        }
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
/// The price of purchased credits: $0.10 per credit, in whole cents (smaller parts of a
/// cent round down). Shown at checkout and charged by the payment provider.
pub fn price_cents(amount: Credits) -> i64 {
    amount.0 / 100
}

pub fn group_thousands(digits: &str) -> String {
    let len = digits.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
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
    fn round_trips() {
        for m in [0, 1, 10, 999, 1000, 1001, 123_456_789] {
            let c = Credits(m);
            assert_eq!(Credits::parse(&c.to_decimal_string()), Ok(c));
        }
    }
}
