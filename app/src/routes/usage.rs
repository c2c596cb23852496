//! The usage dashboard (route `/usage`): filter bar, balance with gauge, forecast and alerts,
//! where the credits went (category, feature, agent, source), credits per feature over time
//! (with the compare period), and credits per day with unusual days marked.

use crate::components::balance::BalanceCardView;
use crate::components::chart::EChart;
use crate::components::data_table::{DataTable, export_href};
use crate::components::filter_bar::FilterBarLoader;
use crate::components::getting_started::GettingStartedCard;
use crate::components::loaded::Loaded;
use crate::components::url::{query_string, use_filter};
use crate::credits::{Credits, format_count};
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::{
    BalanceCard, Charts, Forecast, Overview, OverviewPage, ShareRow, change_percent,
};
use crate::table::TableId;
use crate::tables;
use leptos::prelude::*;

#[server(endpoint = "overview", output = crate::data::Postcard)]
pub async fn get_overview(filter: Filter) -> Result<OverviewPage, AppError> {
    let (services, viewer) = crate::service::current().await?;
    let mut overview = services
        .overview(&viewer, &filter)
        .await
        .map_err(crate::service::into_server_error)?;
    if let Some(g) = &mut overview.getting_started {
        g.origin = crate::service::origin().await?;
    }
    let charts = crate::components::usage_charts::charts(&overview);
    Ok(OverviewPage { overview, charts })
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let filter = use_filter();
    let overview = crate::data::resource(move || filter.get(), get_overview);
    view! {
        <FilterBarLoader filter />
        <Loaded
            what="usage"
            data=overview
            render=move |p: OverviewPage| {
                let f = filter.get_untracked();
                view! { <OverviewView o=p.overview charts=p.charts f /> }
            }
        />
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
        view! {
            <span class=class data-testid="change">
                {format!("{sign}{c:.1}%")}
            </span>
        }
    })
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// In-app alert at 80 % and 100 % of the period's included credits.
#[component]
fn IncludedAlert(card: BalanceCard) -> impl IntoView {
    let used = card.included_used_percent();
    (card.included_granted.0 > 0 && used >= 80).then(|| {
        let (class, text) = if used >= 100 {
            ("alert danger", format!(
                "All included {} credits of this period are used; usage now burns purchased credits{}.",
                card.pool_name,
                if card.auto_recharge_enabled { " and auto-recharge tops up" } else { "" }
            ))
        } else {
            ("alert warn", format!(
                "{used}% of the included {} credits of this period are used ({} left, {} days to go).",
                card.pool_name, card.included_remaining.display(), card.days_left
            ))
        };
        view! {
            <div class=class role="alert" data-testid="alert">
                {text}
            </div>
        }
    })
}

#[component]
fn ForecastCard(card: BalanceCard, forecast: Forecast) -> impl IntoView {
    let used = card.included_used_percent();
    let text = match forecast.runs_out_on {
        None => "Nothing burned recently; the balance is not running down.".to_string(),
        Some(day) if forecast.before_period_end => format!(
            "At this rate the balance runs out on {} — before the period ends on {}.",
            date(day),
            date(card.period_end)
        ),
        Some(day) => format!(
            "At this rate the balance lasts past the period end ({}); it would run out on {}.",
            date(card.period_end),
            date(day)
        ),
    };
    view! {
        <section class="card" aria-labelledby="gauge-title">
            <h2 id="gauge-title">"Included credits used"</h2>
            <Gauge percent=used />
            <p
                data-testid="forecast"
                class=if forecast.before_period_end { "forecast warn" } else { "forecast" }
            >
                <strong>{forecast.daily_rate.display()}</strong>
                {match forecast.window_days {
                    0 => " credits burned so far today. ".to_string(),
                    1 => " credits/day over the last day. ".to_string(),
                    n => format!(" credits/day over the last {n} days. "),
                }}
                {text}
            </p>
        </section>
    }
}

/// Share of included credits used as a dial (more than all shows as a full dial, in red).
/// Drawn as SVG by the view itself: no chart library for one number.
#[component]
fn Gauge(percent: i64) -> impl IntoView {
    let level = match percent {
        p if p >= 100 => "gauge over",
        p if p >= 80 => "gauge high",
        _ => "gauge",
    };
    // The arc's length is declared as 100, so the dash is the percentage.
    let dash = format!("{} 100", percent.clamp(0, 100));
    let arc = "M 14 66 A 46 46 0 0 1 106 66";
    view! {
        <svg
            id="gauge-chart"
            class=level
            viewBox="0 0 120 76"
            role="img"
            aria-label=format!("{percent}% of included credits used")
        >
            <path class="gauge-track" d=arc pathLength="100" />
            <path class="gauge-value" d=arc pathLength="100" stroke-dasharray=dash />
            <text class="gauge-text" x="60" y="62" text-anchor="middle">
                {format!("{percent}%")}
            </text>
        </svg>
    }
}

/// The daily chart with its widget-level choice: the last week of the range, or all of it.
#[component]
fn DailyChart(daily: String, week: String, children: Children) -> impl IntoView {
    let short = RwSignal::new(false);
    view! {
        <div class="table-head">
            {children()} <div class="segmented" role="group" aria-label="Days shown">
                <button
                    type="button"
                    aria-pressed=move || short.get().to_string()
                    on:click=move |_| short.set(true)
                >
                    "Last 7 days"
                </button>
                <button
                    type="button"
                    aria-pressed=move || (!short.get()).to_string()
                    on:click=move |_| short.set(false)
                >
                    "Whole range"
                </button>
            </div>
        </div>
        {move || {
            let option = if short.get() { week.clone() } else { daily.clone() };
            view! { <EChart id="daily-chart" option label="Credits used per day" /> }
        }}
    }
}

#[component]
fn OverviewView(o: Overview, charts: Charts, f: Filter) -> impl IntoView {
    let compare_text = o
        .compare_from
        .zip(o.compare_to)
        .map(|(a, b)| format!(" · vs {} – {}", date(a), date(b)));
    view! {
        <h1>{o.organization_name.clone()} " · Usage"</h1>
        <p class="muted">
            {date(o.from)} " – " {date(o.to)} {compare_text} " · dates in " {o.time_zone.clone()}
        </p>
        {o.getting_started.clone().map(|g| view! { <GettingStartedCard g /> })}
        <IncludedAlert card=o.balance.clone() />
        <div class="grid">
            <BalanceCardView card=o.balance.clone() />
            <ForecastCard card=o.balance.clone() forecast=o.forecast.clone() />
        </div>
        <CreditsUsed o=o.clone() charts=charts.clone() f=f.clone() />
        {(!o.agents.is_empty()).then(|| view! { <Agents agents=o.agents.clone() f=f.clone() /> })}
        <section class="card">
            <DataTable
                table=tables::sources(&o)
                export=export_href(TableId::Sources, &f)
                page_size=10
                filter=f.clone()
            />
        </section>
        {(!o.companies.is_empty())
            .then(|| {
                view! {
                    <section class="card">
                        <DataTable
                            table=tables::companies(&o)
                            export=export_href(TableId::Companies, &f)
                            page_size=10
                            filter=f.clone()
                        />
                    </section>
                }
            })}
        {(!o.teams.is_empty())
            .then(|| {
                view! {
                    <section class="card">
                        <DataTable
                            table=tables::teams(&o)
                            export=export_href(TableId::Teams, &f)
                            page_size=10
                            filter=f.clone()
                        />
                    </section>
                }
            })}
        {(!o.models.is_empty())
            .then(|| {
                view! {
                    <section class="card">
                        <DataTable
                            table=tables::overview_models(&o)
                            export=export_href(TableId::Models, &f)
                            page_size=10
                            filter=f.clone()
                        />
                    </section>
                }
            })}
        <section class="card" aria-labelledby="features-title">
            <h2 id="features-title">"Credits by feature over time"</h2>
            <EChart
                id="feature-chart"
                option=charts.features.clone()
                label="Credits per feature over time"
                drill=charts.feature_drill.clone()
            />
        </section>
        <PerDay o charts f />
    }
}

/// The range's total against the compare period, and where it went by category and feature.
#[component]
fn CreditsUsed(o: Overview, charts: Charts, f: Filter) -> impl IntoView {
    let total = o.total;
    view! {
        <section class="card" aria-labelledby="used-title">
            <h2 id="used-title">"Credits used"</h2>
            <p class="big">
                <span data-testid="total-used">{total.display()}</span>
                " "
                {change_badge(o.compare_total.and_then(|c| change_percent(total, c)))}
            </p>
            <p class="muted">
                {format_count(o.total_events)} " events"
                {(!o.money.is_empty())
                    .then(|| {
                        let money: Vec<String> = o.money.iter().map(|m| m.display()).collect();
                        view! {
                            " · "
                            <span data-testid="money-used">{money.join(" + ")}</span>
                        }
                    })}
                {o
                    .rated
                    .filter(|r| r.0 > 0)
                    .map(|r| {
                        view! {
                            " · "
                            <span data-testid="rated">{r.display()}</span>
                            " rated by the meter, "
                            {(total - r).display()}
                            " priced by the sender"
                        }
                    })}
                {o
                    .compare_total
                    .map(|c| {
                        view! {
                            " · "
                            <span data-testid="compare-total">{c.display()}</span>
                            " in the compare period"
                        }
                    })}
            </p>
            {if total.0 == 0 {
                view! {
                    <p class="empty" data-testid="empty">
                        "No usage in this range."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div class="two">
                        <DataTable
                            table=tables::categories(&o)
                            export=export_href(TableId::Categories, &f)
                            filter=f.clone()
                        />
                        <EChart
                            id="category-chart"
                            option=charts.categories
                            label="Credits by category"
                            drill=charts.category_drill
                        />
                    </div>
                    <DataTable
                        table=tables::features(&o)
                        export=export_href(TableId::Features, &f)
                        filter=f.clone()
                    />
                }
                    .into_any()
            }}
        </section>
    }
}

/// One card per agent, each a link that filters the page to it.
#[component]
fn Agents(agents: Vec<ShareRow>, f: Filter) -> impl IntoView {
    view! {
        <section aria-labelledby="agents-title">
            <h2 id="agents-title" class="section-title">
                "Agents"
            </h2>
            <div class="agents">
                {agents
                    .into_iter()
                    .map(|a| {
                        let href = format!(
                            "/usage{}",
                            query_string(&f.with("source", &format!("agent:{}", a.key))),
                        );
                        view! {
                            <div class="card agent" data-testid=format!("agent-{}", a.key)>
                                <h3>
                                    <a href=href data-testid="drill">
                                        {a.name.clone()}
                                    </a>
                                </h3>
                                <p class="big">{a.credits.display()}</p>
                                <p class="muted">
                                    {format_count(a.quantity)} " units · " {format_count(a.events)}
                                    " events " {change_badge(a.change_percent())}
                                </p>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

/// Credits per day with unusual days marked, and the same as a table.
#[component]
fn PerDay(o: Overview, charts: Charts, f: Filter) -> impl IntoView {
    let daily_total: Credits = o.daily.iter().map(|p| p.credits).sum();
    let days = o.daily.len();
    let anomaly_count = o.anomalies.len();
    view! {
        <section class="card" aria-labelledby="daily-title">
            <DailyChart daily=charts.daily week=charts.daily_week>
                <h2 id="daily-title">
                    "Credits per day · " {days} " days · "
                    <span data-testid="daily-total">{daily_total.display()}</span> " credits"
                </h2>
            </DailyChart>
            {(anomaly_count > 0)
                .then(|| {
                    view! {
                        <p class="muted" data-testid="anomalies">
                            {format!(
                                "{anomaly_count} unusually high day(s) marked (more than twice the usual day).",
                            )}
                        </p>
                    }
                })}
            <details>
                <summary>"Show as table"</summary>
                <DataTable
                    table=tables::daily(&o)
                    export=export_href(TableId::Daily, &f)
                    page_size=100
                />
            </details>
        </section>
    }
}
