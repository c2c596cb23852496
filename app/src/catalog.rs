//! The catalog document: what an organization meters (pools, categories, features, teams)
//! and the rates that price its features.
//! One schema for the TOML file, the JSON of the REST API and the settings page. Keys are
//! immutable ids; names, units and amounts may change. Checked by `server::catalog`.

use serde::{Deserialize, Serialize};

/// A decimal amount as text (`"0.10"`, `"10000"`); a TOML or JSON integer is read as its
/// digits. Never a float: the amount stays exact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(value_type = String, example = "10000"))]
#[serde(transparent)]
pub struct Decimal(pub String);

impl Decimal {
    pub fn zero() -> Self {
        Decimal("0".into())
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal string such as \"0.10\", or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Decimal, E> {
                Err(E::custom(
                    "write decimals as strings (\"0.10\"): a float is not exact",
                ))
            }
        }
        // A binary format (the server functions' postcard) cannot say which type comes next:
        // it carries the text this type serialises to.
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_string(V)
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogDoc {
    #[serde(default)]
    pub pools: Vec<PoolDoc>,
    #[serde(default)]
    pub categories: Vec<CategoryDoc>,
    #[serde(default)]
    pub features: Vec<FeatureDoc>,
    #[serde(default)]
    pub teams: Vec<TeamDoc>,
    /// Prices of the features: a changed one becomes a new version from the time it is
    /// applied; a rate the document leaves out keeps its versions.
    // Never skipped when empty: the server functions' postcard has no field names.
    #[serde(default)]
    pub rates: Vec<RateDoc>,
}

/// A feature's price, for one model or any: each part a decimal of credits (0 to 1000000,
/// at most 9 decimals), omitted parts 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateDoc {
    /// A feature key of the document.
    #[cfg_attr(feature = "ssr", schema(example = "personalized_email"))]
    pub feature: String,
    /// The model this price is for; omitted: any model the feature has no own price for.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "gpt-4o-mini"))]
    pub model: Option<String>,
    #[serde(default = "Decimal::zero")]
    pub per_unit: Decimal,
    #[serde(default = "Decimal::zero")]
    #[cfg_attr(feature = "ssr", schema(example = "0.15"))]
    pub per_1k_input_tokens: Decimal,
    #[serde(default = "Decimal::zero")]
    #[cfg_attr(feature = "ssr", schema(example = "0.6"))]
    pub per_1k_output_tokens: Decimal,
    #[serde(default = "Decimal::zero")]
    pub per_1k_cached_input_tokens: Decimal,
    /// The least an event is rated at.
    #[serde(default = "Decimal::zero")]
    pub minimum: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PoolDoc {
    #[cfg_attr(feature = "ssr", schema(example = "ai_credits"))]
    pub key: String,
    #[cfg_attr(feature = "ssr", schema(example = "AI credits"))]
    pub name: String,
    /// Price of one credit in `currency`, at most 6 decimals.
    #[cfg_attr(feature = "ssr", schema(example = "0.10"))]
    pub price_per_credit: Decimal,
    /// ISO 4217 code.
    #[cfg_attr(feature = "ssr", schema(example = "USD"))]
    pub currency: String,
    /// Credits included every billing period (an `included` grant each period).
    #[serde(default = "Decimal::zero")]
    pub included_per_period: Decimal,
    /// Background allowance every billing period (an `allowance` grant each period).
    #[serde(default = "Decimal::zero")]
    pub allowance_per_period: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryDoc {
    #[cfg_attr(feature = "ssr", schema(example = "ai_messages"))]
    pub key: String,
    #[cfg_attr(feature = "ssr", schema(example = "AI generated messages"))]
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeatureDoc {
    #[cfg_attr(feature = "ssr", schema(example = "personalized_email"))]
    pub key: String,
    #[cfg_attr(feature = "ssr", schema(example = "Personalized email"))]
    pub name: String,
    /// What one unit of `quantity` is: message, run, session, call, minute…
    #[cfg_attr(feature = "ssr", schema(example = "message"))]
    pub unit: String,
    /// A category key of the document.
    #[cfg_attr(feature = "ssr", schema(example = "ai_messages"))]
    pub category: String,
    /// A pool key of the document.
    #[cfg_attr(feature = "ssr", schema(example = "ai_credits"))]
    pub pool: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamDoc {
    #[cfg_attr(feature = "ssr", schema(example = "sales"))]
    pub key: String,
    #[cfg_attr(feature = "ssr", schema(example = "Sales"))]
    pub name: String,
}

/// What kind of catalog entry a report line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Pool,
    Category,
    Feature,
    Team,
    Rate,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Pool => "pool",
            EntryKind::Category => "category",
            EntryKind::Feature => "feature",
            EntryKind::Team => "team",
            EntryKind::Rate => "rate",
        }
    }
}

/// One line of an apply report, e.g. feature `ai_rewrite`: "name: Rewrite → AI rewrite".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReportItem {
    pub kind: EntryKind,
    pub key: String,
    /// What changed, in words (empty for additions).
    pub detail: String,
}

/// What applying a document did (or, on a dry run, would do). Applying the same document
/// again reports nothing added, changed, archived or removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatalogReport {
    pub dry_run: bool,
    pub added: Vec<ReportItem>,
    pub changed: Vec<ReportItem>,
    /// Left out of the document but with history: kept under their names, refused for new use.
    pub archived: Vec<ReportItem>,
    /// Left out of the document and never used: deleted.
    pub removed: Vec<ReportItem>,
    /// Entries the document repeats exactly as stored.
    pub unchanged: usize,
}

impl CatalogReport {
    pub fn is_noop(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.archived.is_empty()
            && self.removed.is_empty()
    }

    /// The report as lines for a terminal or a page.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let verb =
            |done: &'static str, would: &'static str| if self.dry_run { would } else { done };
        let mut section = |title: &str, items: &[ReportItem]| {
            for i in items {
                let detail = if i.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", i.detail)
                };
                out.push(format!("{title} {} {}{detail}", i.kind.as_str(), i.key));
            }
        };
        section(verb("added", "would add"), &self.added);
        section(verb("changed", "would change"), &self.changed);
        section(verb("archived", "would archive"), &self.archived);
        section(verb("removed", "would remove"), &self.removed);
        out.push(format!("{} unchanged", self.unchanged));
        out
    }
}
