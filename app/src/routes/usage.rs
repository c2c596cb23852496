//! The usage dashboard (route `/usage`).

use crate::components::{balance::BalanceCardView, chart::EChart};
use crate::credits::Credits;
use crate::model::{DailyPoint, Overview};
use charming::{
    Chart,
    component::{Axis, Grid},
    element::{AxisType, Tooltip, Trigger},
    series::Line,
};
use leptos::prelude::*;

#[server]
pub async fn get_overview() -> Result<Overview, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services.overview(&viewer).await.map_err(crate::service::into_server_error)
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <OverviewView o/> }.into_any(),
                    Err(e) => view! {
                        <p class="error" role="alert">"Could not load usage: " {e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OverviewView(o: Overview) -> impl IntoView {
    let total: Credits = o.daily.iter().map(|p| p.credits).sum();
    let chart = daily_chart(&o.daily);
    view! {
        <h1>{o.organization_name.clone()} " · Usage"</h1>
        <p class="muted">"Dates in " {o.time_zone.clone()}</p>
        <div class="grid">
            <BalanceCardView card=o.balance.clone()/>
        </div>
        <section class="card" aria-labelledby="daily-title">
            <h2 id="daily-title">
                "Credits per day · last " {o.daily.len()} " days · "
                <span data-testid="daily-total">{total.display()}</span> " credits"
            </h2>
            <EChart id="daily-chart" chart label="Credits used per day"/>
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

fn daily_chart(points: &[DailyPoint]) -> Chart {
    let days: Vec<String> = points.iter().map(|p| p.day.format("%b %-d").to_string()).collect();
    let values: Vec<f64> = points.iter().map(|p| p.credits.as_chart_value()).collect();
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(48).right(16).top(16).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(days))
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(Line::new().name("Credits").data(values).show_symbol(false))
}
