//! The global filter bar. Its state lives in the URL query: a change navigates (in the app,
//! keeping the scroll position) to the page for the new query, so links reproduce the view
//! and back/forward work. Without JavaScript the bar is a plain GET form with an Apply button.

use crate::components::url::{query_string, use_go};
use crate::error::AppError;
use crate::filter::{Compare, Filter, Frequency, RangePreset};
use crate::model::FilterOptions;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

fn parse<T: std::str::FromStr + Default>(v: &str) -> T {
    v.parse().unwrap_or_default()
}

/// Makes the menus' change handlers: each applies its edit to the bar's filter and shows
/// the page for the result.
#[derive(Clone)]
struct Changes {
    filter: StoredValue<Filter>,
    path: String,
    go: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
}

impl Changes {
    fn on(&self, change: fn(&mut Filter, String)) -> impl FnMut(leptos::ev::Event) + use<> {
        let this = self.clone();
        move |ev| {
            let mut f = this.filter.get_value();
            change(&mut f, event_target_value(&ev));
            (this.go)(&format!("{}{}", this.path, query_string(&f)));
        }
    }
}

fn same(names: &[String]) -> Vec<(String, String)> {
    names.iter().map(|n| (n.clone(), n.clone())).collect()
}

/// `path` is the page the bar sits on; a change shows it with the new filter.
#[component]
pub fn FilterBar(filter: Filter, options: FilterOptions, path: String) -> impl IntoView {
    let changes = Changes {
        filter: StoredValue::new(filter.clone()),
        path: path.clone(),
        go: std::sync::Arc::new(use_go()),
    };
    let on = |change| changes.on(change);
    view! {
        // With JavaScript each change applies at once (the submit is only Enter in a field).
        <form
            class="filters"
            method="get"
            action=path
            aria-label="Filters"
            on:submit=|ev| ev.prevent_default()
        >
            <RangeMenu filter=filter.clone() changes=changes.clone() />
            <OneOf
                label="Team"
                name="team"
                all="All teams"
                choices=same(&options.teams)
                current=filter.team.clone()
                on_change=on(|f, v| f.team = (!v.is_empty()).then_some(v))
            />
            <OneOf
                label="User"
                name="user"
                all="All users"
                choices=same(&options.users)
                current=filter.user.clone()
                on_change=on(|f, v| f.user = (!v.is_empty()).then_some(v))
            />
            <ScopeMenu
                categories=options.categories.clone()
                features=options.features.clone()
                category=filter.category.clone()
                feature=filter.feature.clone()
                on_change=on(|f, v| {
                    f.category = v.strip_prefix("c:").map(str::to_string);
                    f.feature = v.strip_prefix("f:").map(str::to_string);
                })
            />
            <TaggedMenus filter=filter.clone() options=options.clone() changes=changes.clone() />
            <ViewMenus filter=filter.clone() changes=changes.clone() />
            {kept_fields(&filter)}
            <button type="submit" class="no-js-only" data-testid="apply">
                "Apply"
            </button>
        </form>
    }
}

/// A filter field's menu: label, name, the choice of none, choices, current value, setter.
type Menu = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(String, String)>,
    Option<String>,
    fn(&mut Filter, String),
);

/// The menus of what only some organizations tag usage with (agencies' companies, flows,
/// models): an organization without any sees no such menu.
#[component]
fn TaggedMenus(filter: Filter, options: FilterOptions, changes: Changes) -> impl IntoView {
    let menus: [Menu; 3] = [
        (
            "Company",
            "company",
            "All companies",
            options.companies,
            filter.company,
            |f, v| f.company = (!v.is_empty()).then_some(v),
        ),
        (
            "Flow",
            "flow",
            "All flows",
            options.flows,
            filter.flow,
            |f, v| f.flow = (!v.is_empty()).then_some(v),
        ),
        (
            "Model",
            "model",
            "All models",
            same(&options.models),
            filter.model,
            |f, v| f.model = (!v.is_empty()).then_some(v),
        ),
    ];
    menus
        .into_iter()
        .filter(|m| !m.3.is_empty())
        .map(|(label, name, all, choices, current, set)| {
            view! { <OneOf label name all choices current on_change=changes.on(set) /> }
        })
        .collect_view()
}

/// Kept through the form: filters the bar has no menu for.
fn kept_fields(filter: &Filter) -> impl IntoView + use<> {
    [("tz", filter.tz.clone()), ("source", filter.source.clone())]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| view! { <input type="hidden" name=name value=v /> }))
        .collect_view()
}

/// The date range menu, and its first and last day when the range is custom.
#[component]
fn RangeMenu(filter: Filter, changes: Changes) -> impl IntoView {
    let (range, custom) = (filter.range, filter.is_custom());
    let ranges = [
        (RangePreset::Last7, "Last 7 days"),
        (RangePreset::Last30, "Last 30 days"),
        (RangePreset::Last90, "Last 90 days"),
        (RangePreset::CurrentPeriod, "Current billing period"),
        (RangePreset::PreviousPeriod, "Previous billing period"),
        (RangePreset::Custom, "Custom…"),
    ];
    let on_range = changes.on(|f, v| {
        f.range = parse(&v);
        if f.range != RangePreset::Custom {
            f.from = None;
            f.to = None;
        }
    });
    view! {
        <label>
            <span>"Date range"</span>
            <select name="range" on:change=on_range>
                {word_options(ranges, move |r| range == r && (r == RangePreset::Custom || !custom))}
            </select>
        </label>
        {custom
            .then(|| {
                view! {
                    <CustomDates
                        from=filter.from
                        to=filter.to
                        on_from=changes
                            .on(|f, v| {
                                f.range = RangePreset::Custom;
                                f.from = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
                            })
                        on_to=changes
                            .on(|f, v| {
                                f.range = RangePreset::Custom;
                                f.to = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
                            })
                    />
                }
            })}
    }
}

/// How the numbers are shown: the compare period and the chart's frequency.
#[component]
fn ViewMenus(filter: Filter, changes: Changes) -> impl IntoView {
    let (compare, frequency) = (filter.compare, filter.frequency);
    let compares = [
        (Compare::None, "No comparison"),
        (Compare::PreviousPeriod, "Previous period"),
        (Compare::PreviousYear, "Previous year"),
    ];
    let freqs = [
        (Frequency::Day, "Daily"),
        (Frequency::Week, "Weekly"),
        (Frequency::Month, "Monthly"),
    ];
    view! {
        <label>
            <span>"Compare with"</span>
            <select name="compare" on:change=changes.on(|f, v| f.compare = parse(&v))>
                {word_options(compares, move |c| compare == c)}
            </select>
        </label>
        <label>
            <span>"Frequency"</span>
            <select name="frequency" on:change=changes.on(|f, v| f.frequency = parse(&v))>
                {word_options(freqs, move |q| frequency == q)}
            </select>
        </label>
    }
}

/// The options of a menu of filter words, `selected` marking the current one.
fn word_options<T: std::fmt::Display + Copy + 'static, const N: usize>(
    choices: [(T, &'static str); N],
    selected: impl Fn(T) -> bool,
) -> impl IntoView {
    choices
        .into_iter()
        .map(|(w, text)| {
            view! {
                <option value=w.to_string() selected=selected(w)>
                    {text}
                </option>
            }
        })
        .collect_view()
}

/// The custom range's first and last day.
#[component]
fn CustomDates(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    on_from: impl FnMut(leptos::ev::Event) + 'static,
    on_to: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <label>
            <span>"From"</span>
            <input type="date" name="from" value=day(from) on:change=on_from />
        </label>
        <label>
            <span>"To"</span>
            <input type="date" name="to" value=day(to) on:change=on_to />
        </label>
    }
}

/// Everything, a category, or one feature under its category.
#[component]
fn ScopeMenu(
    categories: Vec<(String, String)>,
    features: Vec<crate::model::FeatureOption>,
    category: Option<String>,
    feature: Option<String>,
    on_change: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    let groups = categories
        .into_iter()
        .map(|(ck, cn)| {
            let in_cat = features
                .iter()
                .filter(|f| f.category == ck)
                .map(|f| {
                    view! {
                        <option
                            value=format!("f:{}", f.key)
                            selected=feature.as_ref() == Some(&f.key)
                        >
                            {f.name.clone()}
                        </option>
                    }
                })
                .collect_view();
            view! {
                <optgroup label=cn.clone()>
                    <option value=format!("c:{ck}") selected=category.as_ref() == Some(&ck)>
                        {format!("All of {cn}")}
                    </option>
                    {in_cat}
                </optgroup>
            }
        })
        .collect_view();
    view! {
        <label>
            <span>"Category / feature"</span>
            <select name="scope" on:change=on_change>
                <option value="" selected=category.is_none() && feature.is_none()>
                    "Everything"
                </option>
                {groups}
            </select>
        </label>
    }
}

/// The menu of one filter field: every value (`choices`: value, text) or one.
#[component]
fn OneOf(
    label: &'static str,
    name: &'static str,
    /// The choice of no value ("All teams").
    all: &'static str,
    choices: Vec<(String, String)>,
    current: Option<String>,
    on_change: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <select name=name on:change=on_change>
                <option value="" selected=current.is_none()>
                    {all}
                </option>
                {choices
                    .into_iter()
                    .map(|(value, text)| {
                        let on = current.as_ref() == Some(&value);
                        view! {
                            <option value=value selected=on>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The filter bar's choices: the organization's teams, users, features, companies, flows.
#[server(endpoint = "filter_options", output = crate::data::Postcard)]
pub async fn get_filter_options() -> Result<FilterOptions, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .filter_options(&viewer)
        .await
        .map_err(crate::service::into_server_error)
}

/// The filter bar with its choices loaded from the server, redrawn for each filter.
#[component]
pub fn FilterBarLoader(filter: Memo<Filter>) -> impl IntoView {
    let options = crate::data::resource(|| (), |_| get_filter_options());
    let path = use_location().pathname.get_untracked();
    view! {
        <Suspense fallback=|| {
            view! { <div class="filters skeleton" aria-hidden="true"></div> }
        }>
            {move || {
                let (path, f) = (path.clone(), filter.get());
                Suspend::new(async move {
                    let options = options.await.unwrap_or_default();
                    view! {
                        <FilterBar filter=f.clone() options=options.clone() path=path.clone() />
                        <crate::components::filter_chips::FilterChips filter=f options path />
                    }
                })
            }}
        </Suspense>
    }
}
