//! Checks a catalog document and turns it into typed entries. Every problem names the
//! field (`features[2].pool`) and the entry's key.

use crate::ledger::rate::{Price as RatePrice, model_name, parse_price};
use app::catalog::{CatalogDoc, Decimal, RateDoc};
use app::credits::Credits;
use std::collections::HashSet;

/// The largest amount a catalog may state per period: a trillion credits.
pub const MAX_CREDITS: Credits = Credits(1_000_000_000_000_000);
/// The largest price per credit: a million of the currency's units.
pub const MAX_PRICE_MICROS: i64 = 1_000_000_000_000;
/// Entries per table of a document.
pub const MAX_ENTRIES: usize = 1_000;
pub const MAX_NAME: usize = 100;
pub const MAX_KEY: usize = 64;
pub const MAX_UNIT: usize = 32;

/// One thing wrong with a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, e.g. `features[2].pool`.
    pub field: String,
    /// The key of the entry it is in, when it has one.
    pub key: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, key: Option<&str>, message: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            key: key.map(str::to_string),
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSpec {
    pub key: String,
    pub name: String,
    pub price_micros: i64,
    pub currency: String,
    pub included: Credits,
    pub allowance: Credits,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategorySpec {
    pub key: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureSpec {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub category: String,
    pub pool: String,
}

pub type TeamSpec = CategorySpec;

/// A feature's price for one model (`None`: any model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateSpec {
    pub feature: String,
    pub model: Option<String>,
    pub price: RatePrice,
}

/// A document that passed every check; entries in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub pools: Vec<PoolSpec>,
    pub categories: Vec<CategorySpec>,
    pub features: Vec<FeatureSpec>,
    pub teams: Vec<TeamSpec>,
    pub rates: Vec<RateSpec>,
}

pub fn check(doc: &CatalogDoc) -> Result<Checked, Problem> {
    for (table, n) in [
        ("pools", doc.pools.len()),
        ("categories", doc.categories.len()),
        ("features", doc.features.len()),
        ("teams", doc.teams.len()),
        ("rates", doc.rates.len()),
    ] {
        if n > MAX_ENTRIES {
            return Err(Problem::new(
                table,
                None,
                format!("has {n} entries; at most {MAX_ENTRIES}"),
            ));
        }
    }
    let mut out = Checked::default();
    let mut keys = HashSet::new();
    for (i, p) in doc.pools.iter().enumerate() {
        let at = |f: &str| format!("pools[{i}].{f}");
        let key = entry_key(&at("key"), &p.key, &mut keys)?;
        let k = Some(key.as_str());
        out.pools.push(PoolSpec {
            name: name(&at("name"), k, &p.name)?,
            price_micros: price(&at("price_per_credit"), k, &p.price_per_credit)?,
            currency: currency(&at("currency"), k, &p.currency)?,
            included: amount(&at("included_per_period"), k, &p.included_per_period)?,
            allowance: amount(&at("allowance_per_period"), k, &p.allowance_per_period)?,
            key,
        });
    }
    keys.clear();
    for (i, c) in doc.categories.iter().enumerate() {
        let key = entry_key(&format!("categories[{i}].key"), &c.key, &mut keys)?;
        let name = name(&format!("categories[{i}].name"), Some(&key), &c.name)?;
        out.categories.push(CategorySpec { key, name });
    }
    out.features = features(doc, &out)?;
    keys.clear();
    for (i, t) in doc.teams.iter().enumerate() {
        let key = entry_key(&format!("teams[{i}].key"), &t.key, &mut keys)?;
        let name = name(&format!("teams[{i}].name"), Some(&key), &t.name)?;
        out.teams.push(TeamSpec { key, name });
    }
    out.rates = rates(&doc.rates, &out.features)?;
    let mut team_names = HashSet::new();
    for (i, t) in out.teams.iter().enumerate() {
        if !team_names.insert(t.name.to_lowercase()) {
            return Err(Problem::new(
                format!("teams[{i}].name"),
                Some(&t.key),
                format!("{:?} is the name of another team", t.name),
            ));
        }
    }
    Ok(out)
}

/// The features, each naming a pool and a category of the document (already checked).
fn features(doc: &CatalogDoc, checked: &Checked) -> Result<Vec<FeatureSpec>, Problem> {
    let pools: HashSet<&str> = checked.pools.iter().map(|p| p.key.as_str()).collect();
    let categories: HashSet<&str> = checked.categories.iter().map(|c| c.key.as_str()).collect();
    let mut feature_keys = HashSet::new();
    let mut out = Vec::new();
    for (i, f) in doc.features.iter().enumerate() {
        let at = |x: &str| format!("features[{i}].{x}");
        let key = entry_key(&at("key"), &f.key, &mut feature_keys)?;
        let k = Some(key.as_str());
        let refer = |field: &str, v: &str, known: &HashSet<&str>, what: &str| {
            if known.contains(v) {
                Ok(v.to_string())
            } else {
                Err(Problem::new(
                    at(field),
                    k,
                    format!("names {what} {v:?}, which the document does not define"),
                ))
            }
        };
        out.push(FeatureSpec {
            name: name(&at("name"), k, &f.name)?,
            unit: unit(&at("unit"), k, &f.unit)?,
            category: refer("category", &f.category, &categories, "category")?,
            pool: refer("pool", &f.pool, &pools, "pool")?,
            key,
        });
    }
    Ok(out)
}

/// Each rate names a feature of the document, at most once per model; every part is a price.
fn rates(docs: &[RateDoc], features: &[FeatureSpec]) -> Result<Vec<RateSpec>, Problem> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, r) in docs.iter().enumerate() {
        let at = |x: &str| format!("rates[{i}].{x}");
        let k = Some(r.feature.as_str());
        if !features.iter().any(|f| f.key == r.feature) {
            let why = format!(
                "names feature {:?}, which the document does not define",
                r.feature
            );
            return Err(Problem::new(at("feature"), k, why));
        }
        let model = r
            .model
            .as_deref()
            .map(|m| model_name(m).map_err(|why| Problem::new(at("model"), k, why)))
            .transpose()?;
        if !seen.insert((r.feature.clone(), model.clone())) {
            let why = "prices the same feature and model twice";
            return Err(Problem::new(at("model"), k, why));
        }
        let part = |field: &str, d: &Decimal| {
            parse_price(&d.0).map_err(|e| Problem::new(at(field), k, e.to_string()))
        };
        let price = RatePrice {
            per_unit: part("per_unit", &r.per_unit)?,
            per_1k_input_tokens: part("per_1k_input_tokens", &r.per_1k_input_tokens)?,
            per_1k_output_tokens: part("per_1k_output_tokens", &r.per_1k_output_tokens)?,
            per_1k_cached_input_tokens: part(
                "per_1k_cached_input_tokens",
                &r.per_1k_cached_input_tokens,
            )?,
            minimum: part("minimum", &r.minimum)?,
        };
        out.push(RateSpec {
            feature: r.feature.clone(),
            model,
            price,
        });
    }
    Ok(out)
}

/// A key: 1–64 of a-z, 0-9, `_` and `-`, starting with a letter or digit; unique in its table.
pub fn entry_key(field: &str, key: &str, seen: &mut HashSet<String>) -> Result<String, Problem> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        return Err(Problem::new(
            field,
            None,
            format!("{key:?} is not a key: use 1 to {MAX_KEY} of a-z, 0-9, _ and -"),
        ));
    }
    if !seen.insert(key.to_string()) {
        return Err(Problem::new(
            field,
            Some(key),
            format!("{key:?} appears twice"),
        ));
    }
    Ok(key.to_string())
}

pub fn name(field: &str, key: Option<&str>, name: &str) -> Result<String, Problem> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Problem::new(
            field,
            key,
            format!("must be 1 to {MAX_NAME} characters, without control characters"),
        ));
    }
    Ok(name.to_string())
}

fn unit(field: &str, key: Option<&str>, unit: &str) -> Result<String, Problem> {
    let ok = !unit.is_empty()
        && unit.len() <= MAX_UNIT
        && unit.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !ok {
        return Err(Problem::new(
            field,
            key,
            format!(
                "{unit:?} is not a unit: use 1 to {MAX_UNIT} of a-z and _ (message, run, session, call, minute…)"
            ),
        ));
    }
    Ok(unit.to_string())
}

/// Credits per period: a decimal with at most 3 decimals, up to [`MAX_CREDITS`].
pub fn amount(field: &str, key: Option<&str>, d: &Decimal) -> Result<Credits, Problem> {
    let c = Credits::parse(&d.0).map_err(|e| Problem::new(field, key, e.to_string()))?;
    if c > MAX_CREDITS {
        return Err(Problem::new(
            field,
            key,
            format!("must be at most {}", MAX_CREDITS.to_decimal_string()),
        ));
    }
    Ok(c)
}

pub fn price(field: &str, key: Option<&str>, d: &Decimal) -> Result<i64, Problem> {
    let p = app::credits::Price::parse_micros(&d.0).map_err(|e| Problem::new(field, key, e))?;
    if p > MAX_PRICE_MICROS {
        return Err(Problem::new(field, key, "must be at most 1000000"));
    }
    Ok(p)
}

pub fn currency(field: &str, key: Option<&str>, code: &str) -> Result<String, Problem> {
    iso_currency::Currency::from_code(code)
        .map(|c| c.code().to_string())
        .ok_or_else(|| {
            Problem::new(
                field,
                key,
                format!("{code:?} is not an ISO 4217 currency code such as USD or EUR"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::catalog::{CategoryDoc, FeatureDoc, PoolDoc, RateDoc};

    fn doc() -> CatalogDoc {
        CatalogDoc {
            pools: vec![PoolDoc {
                key: "ai_credits".into(),
                name: "AI credits".into(),
                price_per_credit: Decimal("0.10".into()),
                currency: "USD".into(),
                included_per_period: Decimal("10000".into()),
                allowance_per_period: Decimal::zero(),
            }],
            categories: vec![CategoryDoc {
                key: "ai_messages".into(),
                name: "AI generated messages".into(),
            }],
            features: vec![FeatureDoc {
                key: "personalized_email".into(),
                name: "Personalized email".into(),
                unit: "message".into(),
                category: "ai_messages".into(),
                pool: "ai_credits".into(),
            }],
            teams: vec![],
            rates: vec![RateDoc {
                feature: "personalized_email".into(),
                model: None,
                per_unit: Decimal::zero(),
                per_1k_input_tokens: Decimal("0.15".into()),
                per_1k_output_tokens: Decimal("0.6".into()),
                per_1k_cached_input_tokens: Decimal::zero(),
                minimum: Decimal::zero(),
            }],
        }
    }

    #[test]
    fn a_good_document_becomes_typed_entries() {
        let c = check(&doc()).unwrap();
        assert_eq!(c.pools[0].price_micros, 100_000);
        assert_eq!(c.pools[0].included, Credits::whole(10_000));
        assert_eq!(c.features[0].pool, "ai_credits");
    }

    #[test]
    fn every_problem_names_its_field_and_key() {
        type Break = fn(&mut CatalogDoc);
        let cases: Vec<(Break, &str)> = vec![
            (|d| d.features[0].pool = "nope".into(), "features[0].pool"),
            (
                |d| d.features[0].category = "x".into(),
                "features[0].category",
            ),
            (|d| d.pools[0].currency = "usd".into(), "pools[0].currency"),
            (|d| d.pools[0].currency = "XYZ".into(), "pools[0].currency"),
            (
                |d| d.pools[0].price_per_credit = Decimal("-1".into()),
                "pools[0].price_per_credit",
            ),
            (
                |d| d.pools[0].price_per_credit = Decimal("0.1234567".into()),
                "pools[0].price_per_credit",
            ),
            (
                |d| d.pools[0].included_per_period = Decimal("1e9".into()),
                "pools[0].included_per_period",
            ),
            (
                |d| d.pools[0].included_per_period = Decimal("9223372036854775807".into()),
                "pools[0].included_per_period",
            ),
            (|d| d.pools[0].key = "AI".into(), "pools[0].key"),
            (|d| d.features[0].name = " ".into(), "features[0].name"),
            (|d| d.features[0].name = "a\0b".into(), "features[0].name"),
            (|d| d.features[0].unit = "Msg".into(), "features[0].unit"),
            (
                |d| d.features.push(d.features[0].clone()),
                "features[1].key",
            ),
            (|d| d.rates[0].feature = "nope".into(), "rates[0].feature"),
            (
                |d| d.rates[0].per_1k_input_tokens = Decimal("-1".into()),
                "rates[0].per_1k_input_tokens",
            ),
            (
                |d| d.rates[0].minimum = Decimal("0.0000000001".into()),
                "rates[0].minimum",
            ),
            (|d| d.rates[0].model = Some("a\nb".into()), "rates[0].model"),
            (|d| d.rates.push(d.rates[0].clone()), "rates[1].model"),
        ];
        for (edit, field) in cases {
            let mut d = doc();
            edit(&mut d);
            let p = check(&d).unwrap_err();
            assert_eq!(p.field, field, "{p:?}");
        }
    }
}
