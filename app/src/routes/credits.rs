//! The Credits page (route `/credits`): pools, billing-period records, grants and purchases.

use crate::components::filter_bar::LoadError;
use crate::credits::{Credits, format_count};
use crate::model::CreditsView;
use leptos::prelude::*;

#[server]
pub async fn get_credits() -> Result<CreditsView, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .credits(&viewer)
        .await
        .map_err(crate::service::into_server_error)
}

fn cr(c: Credits) -> impl IntoView {
    view! { <td class="num">{c.display()}</td> }
}

#[component]
pub fn CreditsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_credits());
    view! {
        <h1>"Credits"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading credits…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <LoadError what="credits" error retry=Callback::new(move |_| data.refetch())/> }.into_any(),
                    Ok(v) => view! { <CreditsTables v/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CreditsTables(v: CreditsView) -> impl IntoView {
    view! {
        <p class="muted">"Times in " {v.time_zone.clone()}</p>
        <section class="card"><div class="table-wrap">
            <table class="data" data-testid="pools">
                <caption>"Pools"</caption>
                <thead><tr><th scope="col">"Pool"</th><th scope="col" class="num">"Purchased"</th><th scope="col" class="num">"Allocated"</th>
                    <th scope="col" class="num">"Used this period"</th><th scope="col" class="num">"Remaining"</th><th scope="col" class="num">"Expired"</th></tr></thead>
                <tbody>{v.pools.iter().map(|p| view! {
                    <tr data-key=p.key.clone()><td>{p.name.clone()}</td>{cr(p.purchased)}{cr(p.allocated)}{cr(p.used)}{cr(p.remaining)}{cr(p.expired)}</tr>
                }).collect_view()}</tbody>
            </table>
        </div></section>
        <section class="card"><div class="table-wrap">
            <table class="data" data-testid="periods">
                <caption>"Billing periods (AI credits)"</caption>
                <thead><tr><th scope="col">"Period"</th><th scope="col" class="num">"Included"</th><th scope="col" class="num">"Purchased"</th>
                    <th scope="col" class="num">"Used"</th><th scope="col" class="num">"Overage"</th><th scope="col" class="num">"Expired"</th><th scope="col" class="num">"End users"</th></tr></thead>
                <tbody>{v.periods.iter().map(|p| view! {
                    <tr>
                        <td>{format!("{} – {}", p.start.format("%b %-d, %Y"), p.end.format("%b %-d, %Y"))} {p.current.then_some(" (current)")}</td>
                        {cr(p.included)}{cr(p.purchased)}{cr(p.used)}{cr(p.overage)}{cr(p.expired)}{cr(p.end_user_used)}
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div></section>
        <section class="card"><div class="table-wrap">
            <table class="data" data-testid="grants">
                <caption>"Grants"</caption>
                <thead><tr><th scope="col">"Description"</th><th scope="col">"Kind"</th><th scope="col">"Granted"</th><th scope="col">"Expires"</th>
                    <th scope="col">"Status"</th><th scope="col" class="num">"Original"</th><th scope="col" class="num">"Remaining"</th></tr></thead>
                <tbody>{v.grants.iter().map(|g| view! {
                    <tr>
                        <td>{g.description.clone()} <span class="muted">{format!(" · {}", g.pool)}</span></td>
                        <td>{g.kind.clone()}</td><td>{g.granted.clone()}</td><td>{g.expires.clone().unwrap_or_else(|| "—".into())}</td>
                        <td><span class=format!("status {}", g.status)>{g.status.clone()}</span></td>
                        {cr(g.original)}{cr(g.remaining)}
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div></section>
        <section class="card"><div class="table-wrap">
            <table class="data" data-testid="purchases">
                <caption>"Purchases"</caption>
                <thead><tr><th scope="col">"Date"</th><th scope="col">"Pool"</th><th scope="col">"Origin"</th><th scope="col">"Status"</th>
                    <th scope="col" class="num">"Credits"</th><th scope="col" class="num">"Price"</th></tr></thead>
                <tbody>{v.purchases.iter().map(|p| view! {
                    <tr>
                        <td>{p.date.clone()}</td><td>{p.pool.clone()}</td>
                        <td>{if p.origin == "auto_recharge" { "Auto-recharge" } else { "Top-up" }}</td><td>{p.status.clone()}</td>
                        {cr(p.amount)}
                        <td class="num">{format!("${}.{:02}", format_count(p.price_cents / 100), p.price_cents % 100)}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div></section>
    }
}
