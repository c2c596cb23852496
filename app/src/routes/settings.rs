//! The Settings page (route `/settings`): buy credits, auto-recharge, credit requests,
//! rates, allocations, members and teams, API keys, dashboard access, recalculation, audit log —
//! each section only for the roles that may use it; every action checked on the server.

use crate::admin::{AdminOutcome, SettingsView};
use crate::components::billing_forms::*;
use crate::components::catalog_forms::CatalogEditor;
use crate::components::grant_forms::{Grants, PoolPrices};
use crate::components::load_error::LoadError;
use crate::components::member_forms::*;
use crate::components::rate_forms::Rates;
use crate::components::settings_forms::*;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings", output = crate::data::Postcard)]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .settings(&viewer)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let data = crate::data::resource(|| (), |_| get_settings());
    view! {
        <h1>"Settings"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading settings…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <LoadError what="settings" error /> }.into_any(),
                    Ok(v) => view! { <SettingsForms v /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Every section of the page: a finished action answers in place and
/// reloads what the sections show, without a page load (a new API key's secret stays).
#[component]
fn SettingsForms(v: SettingsView) -> impl IntoView {
    let act = ServerAction::<AdminActionFn>::new();
    let data = RwSignal::new(v);
    let answer: Answer = RwSignal::new(None);
    // An action's answer shows once the sections are rebuilt with its effect, so nothing
    // typed after it appears is lost to that rebuild.
    let reload = move |answered: Option<Option<Result<AdminOutcome, AppError>>>| {
        leptos::task::spawn_local(async move {
            if let Ok(v) = get_settings().await {
                data.set(v);
            }
            if let Some(value) = answered {
                answer.set(value);
            }
        })
    };
    Effect::new(move |seen: Option<usize>| {
        let version = act.version().get();
        if seen.is_some_and(|s| s != version) {
            reload(Some(act.value().get_untracked()));
        }
        version
    });
    // While a recalculation runs, the page follows its progress.
    Effect::new(move |_| {
        let running = data.with(|v| v.recalculation.is_some_and(|(_, _, done)| !done));
        if running {
            set_timeout(move || reload(None), std::time::Duration::from_millis(700));
        }
    });
    view! {
        <Outcome answer />
        {move || view! { <Sections v=data.get() act /> }}
    }
}

#[component]
fn Sections(v: SettingsView, act: ServerAction<AdminActionFn>) -> impl IntoView {
    let role = v.role;
    // Each section is type-erased: one nested type for the whole page overflows the
    // compiler's query depth in release builds (and costs wasm size).
    let mut sections: Vec<AnyView> = Vec::new();
    if role.governs() {
        if let Some(doc) = v.catalog.clone() {
            let sizes = v.team_sizes.clone();
            sections.push(view! { <CatalogEditor doc team_sizes=sizes act /> }.into_any());
        }
    } else if let (true, Some(doc)) = (role.billing(), v.catalog.clone()) {
        sections.push(view! { <PoolPrices pools=doc.pools act /> }.into_any());
    }
    if role.billing() {
        sections.push(
            view! { <BuyCredits pools=v.pools.clone() prices=v.prices.clone() act /> }.into_any(),
        );
        sections.push(view! { <AutoRecharge rows=v.auto_recharge.clone() act /> }.into_any());
        sections
            .push(view! { <Grants rows=v.grants.clone() pools=v.pools.clone() act /> }.into_any());
    }
    // Everyone reads the prices; billing roles (who see the catalog) add versions.
    let features: Vec<(String, String)> = match (&v.catalog, role.billing()) {
        (Some(doc), true) => doc
            .features
            .iter()
            .map(|f| (f.key.clone(), f.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    sections.push(view! { <Rates rows=v.rates.clone() features act /> }.into_any());
    sections.push(view! { <CreditRequests v=v.clone() act /> }.into_any());
    if role.allocates() {
        sections.push(view! { <Allocation pools=v.pools.clone() act /> }.into_any());
    }
    if role.administers() {
        sections.push(view! { <Members v=v.clone() act /> }.into_any());
        sections.push(view! { <ApiKeys keys=v.api_keys.clone() act /> }.into_any());
        sections.push(view! { <Recalculate progress=v.recalculation act /> }.into_any());
    }
    if role.governs() {
        sections.push(view! { <Governance roles=v.dashboard_roles.clone() act /> }.into_any());
    }
    if role.administers() {
        sections.push(view! { <Audit rows=v.audit.clone() /> }.into_any());
    }
    sections
}
