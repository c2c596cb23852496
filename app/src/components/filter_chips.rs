//! The active filters as removable chips above the page ("Team: Sales ×"): each is a plain
//! link to the same page without that filter, so a narrowed view is one click from undone.

use crate::components::url::query_string;
use crate::filter::{Compare, Filter, RangePreset};
use crate::model::FilterOptions;
use leptos::prelude::*;

/// One removable filter: its test id, its words, and the filter without it.
#[derive(Clone, Debug, PartialEq)]
struct Chip {
    id: &'static str,
    label: String,
    without: Filter,
}

fn name_of(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or_else(|| key.to_string(), |(_, n)| n.clone())
}

fn chips(f: &Filter, options: &FilterOptions) -> Vec<Chip> {
    let mut out = Vec::new();
    let mut chip = |id, label: String, drop: fn(&mut Filter)| {
        let mut without = f.clone();
        drop(&mut without);
        out.push(Chip { id, label, without });
    };
    if f.is_custom() {
        let day = |d: Option<chrono::NaiveDate>| d.map_or("…".to_string(), |d| d.to_string());
        let label = format!("Dates: {} – {}", day(f.from), day(f.to));
        chip("chip-dates", label, |w| {
            (w.range, w.from, w.to) = (RangePreset::default(), None, None)
        });
    }
    if let Some(t) = &f.team {
        chip("chip-team", format!("Team: {t}"), |w| w.team = None);
    }
    if let Some(u) = &f.user {
        chip("chip-user", format!("User: {u}"), |w| w.user = None);
    }
    if let Some(c) = &f.category {
        let label = format!("Category: {}", name_of(&options.categories, c));
        chip("chip-category", label, |w| w.category = None);
    }
    if let Some(k) = &f.feature {
        let features: Vec<(String, String)> = options
            .features
            .iter()
            .map(|o| (o.key.clone(), o.name.clone()))
            .collect();
        chip(
            "chip-feature",
            format!("Feature: {}", name_of(&features, k)),
            |w| w.feature = None,
        );
    }
    if let Some(k) = &f.company {
        let label = format!("Company: {}", name_of(&options.companies, k));
        chip("chip-company", label, |w| w.company = None);
    }
    if let Some(k) = &f.flow {
        let label = format!("Flow: {}", name_of(&options.flows, k));
        chip("chip-flow", label, |w| w.flow = None);
    }
    if let Some(k) = &f.source {
        chip("chip-source", format!("Source: {k}"), |w| w.source = None);
    }
    if let Some(m) = &f.model {
        chip("chip-model", format!("Model: {m}"), |w| w.model = None);
    }
    if f.compare != Compare::None {
        let label = match f.compare {
            Compare::PreviousYear => "Compared with the previous year",
            _ => "Compared with the previous period",
        };
        chip("chip-compare", label.to_string(), |w| {
            w.compare = Compare::None
        });
    }
    out
}

/// The chips of `filter` on the page at `path`; nothing when no filter narrows the view.
#[component]
pub fn FilterChips(filter: Filter, options: FilterOptions, path: String) -> impl IntoView {
    let chips = chips(&filter, &options);
    let everything = Filter {
        frequency: filter.frequency,
        ..Filter::default()
    };
    let clear = (chips.len() > 1).then(|| {
        let href = format!("{path}{}", query_string(&everything));
        view! {
            <a class="chip clear" href=href data-testid="chip-clear">
                "Clear all"
            </a>
        }
    });
    (!chips.is_empty()).then(|| {
        view! {
            <nav class="chips" aria-label="Active filters" data-testid="chips">
                {chips
                    .into_iter()
                    .map(|c| {
                        let href = format!("{path}{}", query_string(&c.without));
                        let remove = format!("Remove the filter {}", c.label);
                        view! {
                            <a class="chip" href=href data-testid=c.id aria-label=remove>
                                {c.label}
                                <span aria-hidden="true">" ×"</span>
                            </a>
                        }
                    })
                    .collect_view()}
                {clear}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeatureOption;

    #[test]
    fn each_chip_removes_its_filter_only() {
        let options = FilterOptions {
            features: vec![FeatureOption {
                key: "personalized_email".into(),
                name: "Personalized email".into(),
                category: "ai".into(),
            }],
            ..Default::default()
        };
        let f = Filter {
            team: Some("Sales".into()),
            feature: Some("personalized_email".into()),
            compare: Compare::PreviousPeriod,
            ..Default::default()
        };
        let c = chips(&f, &options);
        let labels: Vec<&str> = c.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Team: Sales",
                "Feature: Personalized email",
                "Compared with the previous period"
            ]
        );
        assert_eq!(
            c[0].without,
            Filter {
                team: None,
                ..f.clone()
            }
        );
        assert_eq!(c[1].without.feature, None);
        assert_eq!(c[1].without.team.as_deref(), Some("Sales"));
        assert!(chips(&Filter::default(), &options).is_empty());
    }
}
