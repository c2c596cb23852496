//! The one filter type shared by the page URLs, the server functions, the REST API and the
//! CSV exports: date range, team, user, feature/category, company, flow / source, model,
//! compare-with, frequency, time zone.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RangePreset {
    #[serde(rename = "last_7")]
    #[strum(serialize = "last_7")]
    Last7,
    #[default]
    #[serde(rename = "last_30")]
    #[strum(serialize = "last_30")]
    Last30,
    #[serde(rename = "last_90")]
    #[strum(serialize = "last_90")]
    Last90,
    CurrentPeriod,
    PreviousPeriod,
    Custom,
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Compare {
    #[default]
    None,
    PreviousPeriod,
    PreviousYear,
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Frequency {
    #[default]
    Day,
    Week,
    Month,
}

/// What usage can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Day,
    Week,
    Month,
    Feature,
    Category,
    User,
    Team,
    Source,
    /// The action of a flow (or other source) that did the work.
    Action,
    Company,
    /// The model the usage ran on.
    Model,
}

impl GroupBy {
    pub const ALL: [GroupBy; 11] = [
        GroupBy::Day,
        GroupBy::Week,
        GroupBy::Month,
        GroupBy::Feature,
        GroupBy::Category,
        GroupBy::User,
        GroupBy::Team,
        GroupBy::Source,
        GroupBy::Action,
        GroupBy::Company,
        GroupBy::Model,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Feature => "feature",
            GroupBy::Category => "category",
            GroupBy::User => "user",
            GroupBy::Team => "team",
            GroupBy::Source => "source",
            GroupBy::Action => "action",
            GroupBy::Company => "company",
            GroupBy::Model => "model",
        }
    }

    /// Whether rows grouped by this carry token sums (the rollups with tokens answer them).
    pub fn has_tokens(self) -> bool {
        matches!(self, GroupBy::Action | GroupBy::Model)
    }

    pub fn is_time(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }

    /// `"day,feature"` → `[Day, Feature]`; the error names the unknown word.
    pub fn parse_list(text: &str) -> Result<Vec<GroupBy>, String> {
        let mut out = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let g = GroupBy::ALL
                .into_iter()
                .find(|g| g.as_str() == word)
                .ok_or_else(|| format!("unknown grouping {word:?}; use any of day, week, month, feature, category, user, team, source, action, company, model"))?;
            if !out.contains(&g) {
                out.push(g);
            }
        }
        if out.iter().filter(|g| g.is_time()).count() > 1 {
            return Err("at most one of day, week, month".into());
        }
        Ok(out)
    }
}

impl From<Frequency> for GroupBy {
    fn from(f: Frequency) -> GroupBy {
        match f {
            Frequency::Day => GroupBy::Day,
            Frequency::Week => GroupBy::Week,
            Frequency::Month => GroupBy::Month,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub range: RangePreset,
    /// First and last day (inclusive) of a custom range; either one given means custom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Team name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Member email or end-user external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Feature key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Category key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Company key (agencies tag usage by the company it was for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Key of a flow (a source of kind `flow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// Key of a source of any kind (agent, flow, pilot, tool, session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Name of the model the usage ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub compare: Compare,
    #[serde(default)]
    pub frequency: Frequency,
    /// IANA time zone; only the organization's own zone can be answered from daily rollups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

/// The filter keys whose values are words or dates.
const WORD_KEYS: [&str; 5] = ["range", "from", "to", "compare", "frequency"];
/// The filter keys whose values are names or keys (a team, a feature…), not words
/// (`scope` is the filter form's category / feature menu).
const TEXT_KEYS: [&str; 10] = [
    "team", "user", "feature", "category", "company", "flow", "source", "model", "scope", "tz",
];
/// Every query key a filter is read from.
pub const KEYS: [&str; WORD_KEYS.len() + TEXT_KEYS.len()] = concat(WORD_KEYS, TEXT_KEYS);

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; N] {
    assert!(A + B == N);
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { a[i] } else { b[i - A] };
        i += 1;
    }
    out
}
/// A name or key longer than any the meter stores cannot match: refused rather than echoed.
pub const MAX_TEXT: usize = 200;
const TEXT_BOUND: &str = "must be at most 200 characters, without control characters";

impl Filter {
    pub fn is_custom(&self) -> bool {
        self.range == RangePreset::Custom || self.from.is_some() || self.to.is_some()
    }

    /// Reads the filter from URL query pairs; unknown or malformed values fall back to the
    /// defaults so that an edited link still opens a page.
    /// The filter of a query, refusing a value it cannot read: `Err((field, reason))`.
    /// Other keys (a page's `sort`, an export's own words) are left to the caller.
    pub fn try_from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Filter, (String, String)> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        for (k, v) in &pairs {
            let bad = |why: &str| Err((k.to_string(), why.to_string()));
            match *k {
                "range" if v.parse::<RangePreset>().is_err() => {
                    return bad(
                        "must be last_7, last_30, last_90, current_period, previous_period or custom",
                    );
                }
                "from" | "to"
                    if !v.is_empty() && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() =>
                {
                    return bad("must be a date such as 2026-11-01");
                }
                "compare" if v.parse::<Compare>().is_err() => {
                    return bad("must be none, previous_period or previous_year");
                }
                "frequency" if v.parse::<Frequency>().is_err() => {
                    return bad("must be day, week or month");
                }
                k if TEXT_KEYS.contains(&k)
                    && (v.chars().count() > MAX_TEXT || v.chars().any(char::is_control)) =>
                {
                    return bad(TEXT_BOUND);
                }
                _ => {}
            }
        }
        Ok(Filter::from_pairs(pairs))
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Filter {
        let mut f = Filter::default();
        for (k, v) in pairs {
            let text = || (!v.is_empty()).then(|| v.to_string());
            match k {
                "range" => f.range = v.parse().unwrap_or_default(),
                "from" => f.from = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
                "to" => f.to = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
                "team" => f.team = text(),
                "user" => f.user = text(),
                "feature" => f.feature = text(),
                "category" => f.category = text(),
                "company" => f.company = text(),
                "flow" => f.flow = text(),
                "source" => f.source = text(),
                "model" => f.model = text(),
                // The filter form's one menu for both: `c:<category>` or `f:<feature>`.
                "scope" => {
                    (f.category, f.feature) = match v.split_once(':') {
                        Some(("c", key)) if !key.is_empty() => (Some(key.to_string()), None),
                        Some(("f", key)) if !key.is_empty() => (None, Some(key.to_string())),
                        _ => (None, None),
                    }
                }
                "compare" => f.compare = v.parse().unwrap_or_default(),
                "frequency" => f.frequency = v.parse().unwrap_or_default(),
                "tz" => f.tz = text(),
                _ => {}
            }
        }
        f
    }

    /// This filter narrowed to `field` = `value` (a drill-down), other fields kept.
    pub fn with(&self, field: &str, value: &str) -> Filter {
        // `from_pairs` keeps a key's last value: the drill-down's.
        let pairs = self.to_pairs();
        let pairs = pairs.iter().map(|(k, v)| (*k, v.as_str()));
        let mut f = Filter::from_pairs(pairs.chain([(field, value)]));
        // A category and a feature of another category cannot both hold.
        match field {
            "category" => f.feature = None,
            "feature" => f.category = None,
            _ => {}
        }
        f
    }

    /// The query pairs for this filter, leaving defaults out (short, stable links).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.range != RangePreset::default() {
            out.push(("range", self.range.to_string()));
        }
        for (k, v) in [("from", self.from), ("to", self.to)] {
            if let Some(d) = v {
                out.push((k, d.to_string()));
            }
        }
        for (k, v) in [
            ("team", &self.team),
            ("user", &self.user),
            ("feature", &self.feature),
            ("category", &self.category),
            ("company", &self.company),
            ("flow", &self.flow),
            ("source", &self.source),
            ("model", &self.model),
            ("tz", &self.tz),
        ] {
            if let Some(v) = v {
                out.push((k, v.clone()));
            }
        }
        if self.compare != Compare::default() {
            out.push(("compare", self.compare.to_string()));
        }
        if self.frequency != Frequency::default() {
            out.push(("frequency", self.frequency.to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lists_parse_and_name_bad_words() {
        assert_eq!(
            GroupBy::parse_list("day, feature,day"),
            Ok(vec![GroupBy::Day, GroupBy::Feature])
        );
        assert!(GroupBy::parse_list("hour").unwrap_err().contains("hour"));
        assert!(GroupBy::parse_list("day,week").is_err());
        assert_eq!(GroupBy::parse_list(""), Ok(vec![]));
    }

    #[test]
    fn names_with_control_characters_or_past_the_bound_are_refused_by_field() {
        let long = "x".repeat(MAX_TEXT + 1);
        for (k, v) in [
            ("team", "Sa\0les"),
            ("user", "a\nb"),
            ("flow", long.as_str()),
        ] {
            assert_eq!(Filter::try_from_pairs([(k, v)]).unwrap_err().0, k);
        }
        let longest = "é".repeat(MAX_TEXT);
        let f = Filter::try_from_pairs([("feature", longest.as_str())]).unwrap();
        assert_eq!(f.feature.as_deref(), Some(longest.as_str()));
    }

    #[test]
    fn a_drill_down_narrows_one_field_and_keeps_the_rest() {
        let f = Filter {
            team: Some("Sales".into()),
            category: Some("ai_messages".into()),
            compare: Compare::PreviousPeriod,
            ..Default::default()
        };
        let g = f.with("feature", "personalized_email");
        assert_eq!(g.feature.as_deref(), Some("personalized_email"));
        assert_eq!(g.category, None, "a feature replaces the category");
        assert_eq!(
            (g.team.as_deref(), g.compare),
            (Some("Sales"), Compare::PreviousPeriod)
        );
        assert_eq!(f.with("team", "Support").team.as_deref(), Some("Support"));
    }

    #[test]
    fn filter_round_trips_through_the_url() {
        let f = Filter {
            range: RangePreset::CurrentPeriod,
            team: Some("Customer Success".into()),
            compare: Compare::PreviousPeriod,
            frequency: Frequency::Week,
            from: None,
            ..Default::default()
        };
        let pairs = f.to_pairs();
        assert_eq!(
            Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))),
            f
        );
        assert!(Filter::default().to_pairs().is_empty());
        let odd = Filter::from_pairs([
            ("range", "forever"),
            ("from", "2026-02-30"),
            ("compare", "previous_year"),
        ]);
        assert_eq!(
            (odd.range, odd.from, odd.compare),
            (RangePreset::Last30, None, Compare::PreviousYear)
        );
    }

    #[test]
    fn filter_round_trips_through_json() {
        let f = Filter {
            range: RangePreset::Last7,
            team: Some("Sales".into()),
            compare: Compare::PreviousYear,
            ..Default::default()
        };
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Filter>(&text).unwrap(), f);
        assert_eq!(
            serde_json::from_str::<Filter>("{}").unwrap(),
            Filter::default()
        );
    }
}
