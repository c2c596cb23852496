//! The billing-admin parts of the catalog on the Settings page: each pool's price per
//! credit, and grants given by hand.

use super::fields::{field, select_field, typed_field};
use super::settings_forms::{Act, credits, pool_select, send};
use crate::admin::{AdminAction, GrantAdminRow};
use crate::catalog::PoolDoc;
use leptos::prelude::*;

/// Billing admins (who do not edit the catalog) set prices here.
#[component]
pub fn PoolPrices(pools: Vec<PoolDoc>, act: Act) -> impl IntoView {
    view! {
        <section class="card" data-testid="prices">
            <h2>"Prices"</h2>
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Pool"</th>
                            <th>"Price per credit"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {pools
                            .into_iter()
                            .map(|p| {
                                let price = RwSignal::new(p.price_per_credit.0.clone());
                                let key = p.key.clone();
                                view! {
                                    <tr data-key=p.key.clone()>
                                        <td>{p.name.clone()}</td>
                                        <td>
                                            <input
                                                aria-label="Price per credit"
                                                inputmode="decimal"
                                                prop:value=price
                                                on:input=move |ev| price.set(event_target_value(&ev))
                                            />
                                            " "
                                            {p.currency.clone()}
                                        </td>
                                        <td>
                                            <button
                                                type="button"
                                                on:click=move |_| send(
                                                    act,
                                                    AdminAction::SetPoolPrice {
                                                        pool: key.clone(),
                                                        price_per_credit: price.get(),
                                                    },
                                                )
                                            >
                                                "Save"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
pub fn Grants(rows: Vec<GrantAdminRow>, pools: Vec<(String, String)>, act: Act) -> impl IntoView {
    view! {
        <section class="card" id="grants" data-testid="grants">
            <h2>"Grants"</h2>
            <AddGrantForm pools act />
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Granted"</th>
                            <th>"Pool"</th>
                            <th>"Kind"</th>
                            <th>"Description"</th>
                            <th>"Expires"</th>
                            <th>"Priority"</th>
                            <th>"Original"</th>
                            <th>"Remaining"</th>
                            <th>"Status"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|g| view! { <GrantRow g act /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn GrantRow(g: GrantAdminRow, act: Act) -> impl IntoView {
    let id = g.id;
    view! {
        <tr data-key=g.id.to_string()>
            <td>{g.granted}</td>
            <td>{g.pool}</td>
            <td>{g.kind}</td>
            <td>{g.description}</td>
            <td>{g.expires.unwrap_or_else(|| "never".into())}</td>
            <td class="num">{g.priority}</td>
            <td class="num">{g.original.display()}</td>
            <td class="num">{g.remaining.display()}</td>
            <td>
                <span class=format!("status {}", g.status)>{g.status.clone()}</span>
            </td>
            <td>
                {g
                    .voidable
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                on:click=move |_| send(act, AdminAction::VoidGrant { id })
                            >
                                "Void"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

/// An optional whole number; a bad one shows its reason instead of being sent.
fn optional_priority(text: &str, error: RwSignal<Option<String>>) -> Result<Option<i32>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim().parse::<i32>().map(Some).map_err(|_| {
        error.set(Some("Priority: a whole number".into()));
    })
}

#[component]
fn AddGrantForm(pools: Vec<(String, String)>, act: Act) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let kind = RwSignal::new("promotional".to_string());
    let (amount, expires, priority, description) = (
        RwSignal::new("100".to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let error = RwSignal::new(None::<String>);
    let kinds = vec![
        ("promotional".to_string(), "Promotional".to_string()),
        ("allowance".to_string(), "Allowance".to_string()),
        (
            "adjustment".to_string(),
            "Adjustment (adds, with reason)".to_string(),
        ),
        (
            "debit".to_string(),
            "Debit (takes away, with reason)".to_string(),
        ),
    ];
    view! {
        <form
            class="row"
            on:submit=move |ev| {
                ev.prevent_default();
                let Some(c) = credits(&amount.get(), error) else { return };
                let Ok(priority) = optional_priority(&priority.get(), error) else { return };
                let e = expires.get();
                send(
                    act,
                    AdminAction::AddGrant {
                        pool: pool.get(),
                        kind: kind.get(),
                        credits: c,
                        expires: (!e.trim().is_empty()).then_some(e),
                        priority,
                        description: description.get(),
                    },
                );
            }
        >
            <label>
                <span>"Pool"</span>
                {pool_select(pools, pool)}
            </label>
            {select_field("Kind", "grant-kind", kinds, kind)}
            {field("Credits", "grant-credits".into(), amount)}
            {typed_field("Expires (last day)", "grant-expires".into(), Some("date"), expires)}
            {field("Priority (lower burns first)", "grant-priority".into(), priority)}
            {field("Description", "grant-description".into(), description)}
            <button type="submit" class="primary">
                "Add grant"
            </button>
        </form>
        {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
    }
}
