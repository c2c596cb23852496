//! The one filter type shared by the page URLs, the server functions, the REST API and the
//! CSV exports: date range, team, user, feature/category, compare-with, frequency, time zone.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangePreset {
    #[serde(rename = "last_7")]
    Last7,
    #[default]
    #[serde(rename = "last_30")]
    Last30,
    #[serde(rename = "last_90")]
    Last90,
    CurrentPeriod,
    PreviousPeriod,
    Custom,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    #[default]
    None,
    PreviousPeriod,
    PreviousYear,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    Company,
}

impl GroupBy {
    pub const ALL: [GroupBy; 9] = [
        GroupBy::Day,
        GroupBy::Week,
        GroupBy::Month,
        GroupBy::Feature,
        GroupBy::Category,
        GroupBy::User,
        GroupBy::Team,
        GroupBy::Source,
        GroupBy::Company,
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
            GroupBy::Company => "company",
        }
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
                .ok_or_else(|| format!("unknown grouping {word:?}; use any of day, week, month, feature, category, user, team, source, company"))?;
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
    #[serde(default)]
    pub compare: Compare,
    #[serde(default)]
    pub frequency: Frequency,
    /// IANA time zone; only the organization's own zone can be answered from daily rollups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

impl Filter {
    pub fn is_custom(&self) -> bool {
        self.range == RangePreset::Custom || self.from.is_some() || self.to.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lists_parse_and_name_bad_words() {
        assert_eq!(GroupBy::parse_list("day, feature,day"), Ok(vec![GroupBy::Day, GroupBy::Feature]));
        assert!(GroupBy::parse_list("hour").unwrap_err().contains("hour"));
        assert!(GroupBy::parse_list("day,week").is_err());
        assert_eq!(GroupBy::parse_list(""), Ok(vec![]));
    }

    #[test]
    fn filter_round_trips_through_json() {
        let f = Filter { range: RangePreset::Last7, team: Some("Sales".into()), compare: Compare::PreviousYear, ..Default::default() };
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Filter>(&text).unwrap(), f);
        assert_eq!(serde_json::from_str::<Filter>("{}").unwrap(), Filter::default());
    }
}
