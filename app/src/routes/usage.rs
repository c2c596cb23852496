//! The usage dashboard (route `/usage`): filter bar, balance, where the credits went, credits
//! per feature over time (with the compare period), agents, credits per day.

use crate::components::filter_bar::{FilterBarLoader, LoadError, use_filter};
use crate::components::{balance::BalanceCardView, chart::EChart};
use crate::credits::{Credits, format_count};
use crate::filter::Filter;
use crate::model::{FilterOptions, Overview, ShareRow, change_percent};
use charming::{
    Chart,
    component::{Axis, Grid, Legend},
    element::{AxisType, LineStyle, LineStyleType, Tooltip, Trigger},
    series::Line,
};
use leptos::prelude::*;

#[server]
pub async fn get_overview(filter: Filter) -> Result<Overview, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .overview(&viewer, &filter)
        .await
        .map_err(crate::service::into_server_error)
}

#[server]
pub async fn get_filter_options() -> Result<FilterOptions, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .filter_options(&viewer)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let filter = use_filter();
    let overview = Resource::new(move || filter.get(), get_overview);
    view! {
        <FilterBarLoader filter/>
        // Transition keeps the current numbers on screen while a new filter loads.
        <Transition fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <OverviewView o/> }.into_any(),
                    Err(error) => view! { <LoadError what="usage" error retry=Callback::new(move |_| overview.refetch())/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn change_badge(change: Option<f64>) -> impl IntoView {
    change.map(|c| {
        let (class, sign) = if c > 0.0 {
            ("change up", "+")
        } else if c < 0.0 {
            ("change down", "")
        } else {
            ("change", "")
        };
        view! { <span class=class data-testid="change">{format!("{sign}{c:.1}%")}</span> }
    })
}

#[component]
fn OverviewView(o: Overview) -> impl IntoView {
    let daily_total: Credits = o.daily.iter().map(|p| p.credits).sum();
    let feature_chart = feature_chart(&o);
    let daily_chart = daily_chart(&o);
    let total = o.total;
    let range_text = format!(
        "{} – {}",
        o.from.format("%b %-d, %Y"),
        o.to.format("%b %-d, %Y")
    );
    let compare_text = o.compare_from.zip(o.compare_to).map(|(f, t)| {
        format!(
            " · vs {} – {}",
            f.format("%b %-d, %Y"),
            t.format("%b %-d, %Y")
        )
    });
    let empty = o.total.0 == 0;
    view! {
        <h1>{o.organization_name.clone()} " · Usage"</h1>
        <p class="muted">{range_text} {compare_text} " · dates in " {o.time_zone.clone()}</p>
        <div class="grid">
            <BalanceCardView card=o.balance.clone()/>
        </div>
        <section class="card" aria-labelledby="used-title">
            <h2 id="used-title">"Credits used"</h2>
            <p class="big">
                <span data-testid="total-used">{o.total.display()}</span>
                " " {change_badge(o.compare_total.and_then(|c| change_percent(o.total, c)))}
            </p>
            <p class="muted">{format_count(o.total_events)} " events"
                {o.compare_total.map(|c| view! { " · " <span data-testid="compare-total">{c.display()}</span> " in the compare period" })}
            </p>
            {if empty {
                view! { <p class="empty" data-testid="empty">"No usage in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="two">
                        <ShareTable title="By category" rows=o.categories.clone() total testid="by-category"/>
                        <ShareTable title="By feature" rows=o.features.clone() total testid="by-feature"/>
                    </div>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="agents-title">
            <h2 id="agents-title" class="section-title">"Agents"</h2>
            <div class="agents">
                {o.agents.iter().map(|a| view! {
                    <div class="card agent" data-testid=format!("agent-{}", a.key)>
                        <h3>{a.name.clone()}</h3>
                        <p class="big">{a.credits.display()}</p>
                        <p class="muted">{format_count(a.quantity)} " units · " {format_count(a.events)} " events " {change_badge(a.change_percent())}</p>
                    </div>
                }).collect_view()}
            </div>
        </section>
        <section class="card" aria-labelledby="features-title">
            <h2 id="features-title">"Credits by feature over time"</h2>
            <EChart id="feature-chart" chart=feature_chart label="Credits per feature over time"/>
        </section>
        <section class="card" aria-labelledby="daily-title">
            <h2 id="daily-title">
                "Credits per day · " {o.daily.len()} " days · "
                <span data-testid="daily-total">{daily_total.display()}</span> " credits"
            </h2>
            <EChart id="daily-chart" chart=daily_chart label="Credits used per day"/>
            <details>
                <summary>"Show as table"</summary>
                <table class="data">
                    <thead><tr><th scope="col">"Day"</th><th scope="col" class="num">"Credits"</th></tr></thead>
                    <tbody>
                        {o.daily.iter().map(|p| view! {
                            <tr><td>{p.day.to_string()}</td><td class="num">{p.credits.display()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

#[component]
fn ShareTable(
    title: &'static str,
    rows: Vec<ShareRow>,
    total: Credits,
    testid: &'static str,
) -> impl IntoView {
    let compare = rows.iter().any(|r| r.compare_credits.is_some());
    view! {
        <div class="table-wrap">
        <table class="data" data-testid=testid>
            <caption>{title}</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col" class="num">"Credits"</th>
                    <th scope="col" class="num">"Share"</th>
                    <th scope="col" class="num">"Count"</th>
                    {compare.then(|| view! { <th scope="col" class="num">"Change"</th> })}
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-key=r.key.clone()>
                        <td>{r.name.clone()}</td>
                        <td class="num">{r.credits.display()}</td>
                        <td class="num">{format!("{:.1}%", r.share_percent(total))}</td>
                        <td class="num">{format_count(r.quantity)} {r.unit.clone().map(|u| format!(" {u}s"))}</td>
                        {compare.then(|| view! { <td class="num">{change_badge(r.change_percent())}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

const MAX_LINES: usize = 6;

fn feature_chart(o: &Overview) -> Chart {
    let mut chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(
            Legend::new()
                .type_(charming::component::LegendType::Scroll)
                .top(0),
        )
        .grid(Grid::new().left(56).right(16).top(40).bottom(32))
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(o.buckets.clone()),
        )
        .y_axis(Axis::new().type_(AxisType::Value));
    let totals: Vec<f64> = (0..o.buckets.len())
        .map(|i| o.series.iter().map(|s| s.values[i].as_chart_value()).sum())
        .collect();
    chart = chart.series(
        Line::new()
            .name("All features")
            .data(totals)
            .show_symbol(false)
            .line_style(LineStyle::new().width(3)),
    );
    for s in o.series.iter().take(MAX_LINES) {
        chart = chart.series(
            Line::new()
                .name(s.name.clone())
                .data(
                    s.values
                        .iter()
                        .map(|c| c.as_chart_value())
                        .collect::<Vec<f64>>(),
                )
                .show_symbol(false),
        );
    }
    if let Some(prev) = &o.compare_series {
        chart = chart.series(
            Line::new()
                .name("Compare period")
                .data(
                    prev.iter()
                        .map(|c| c.as_chart_value())
                        .collect::<Vec<f64>>(),
                )
                .show_symbol(false)
                .line_style(LineStyle::new().type_(LineStyleType::Dashed).width(2)),
        );
    }
    chart
}

fn daily_chart(o: &Overview) -> Chart {
    let days: Vec<String> = o
        .daily
        .iter()
        .map(|p| p.day.format("%b %-d").to_string())
        .collect();
    let values: Vec<f64> = o.daily.iter().map(|p| p.credits.as_chart_value()).collect();
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(56).right(16).top(16).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(days))
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(Line::new().name("Credits").data(values).show_symbol(false))
}
