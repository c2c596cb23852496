//! The billing sections of the Settings page: buying credits, auto-recharge, credit
//! requests and end users' allocations.

use super::fields::field;
use super::settings_forms::{Act, credits, pool_select, send};
use crate::admin::{AdminAction, AutoRechargeRow, SettingsView};
use crate::credits::Credits;
use leptos::prelude::*;

/// A fresh purchase key in the browser (none while rendering on the server).
fn purchase_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        format!(
            "ui-{:x}{:x}",
            (js_sys::Math::random() * 1e15) as u64,
            js_sys::Date::now() as u64
        )
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

#[component]
pub fn BuyCredits(
    pools: Vec<(String, String)>,
    prices: Vec<(String, crate::credits::Price)>,
    act: Act,
) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let amount = RwSignal::new("1000".to_string());
    let error = RwSignal::new(None::<String>);
    // One key per purchase: a resubmit or a retry after a lost answer repeats the same
    // purchase (charged once); a new key once the purchase is answered.
    let key = RwSignal::new(purchase_key());
    Effect::new(move || {
        if let Some(Ok(_)) = act.value().get() {
            key.set(purchase_key());
        }
    });
    view! {
        <section class="card" data-testid="buy-credits">
            <h2>"Buy credits"</h2>
            <p class="muted">
                "Billed on invoice; the credits are available at once and never expire."
            </p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(c) = credits(&amount.get(), error) {
                        let key = Some(key.get_untracked()).filter(|k| !k.is_empty());
                        send(
                            act,
                            AdminAction::BuyCredits {
                                pool: pool.get(),
                                credits: c,
                                key,
                            },
                        );
                    }
                }
            >
                <label>
                    <span>"Pool"</span>
                    {pool_select(pools, pool)}
                </label>
                <label>
                    <span>"Credits"</span>
                    <input
                        name="credits"
                        inputmode="decimal"
                        prop:value=amount
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="primary">
                    "Buy"
                </button>
                <span class="muted" data-testid="price">
                    {move || {
                        let price = prices.iter().find(|p| p.0 == pool.get()).map(|p| p.1.clone());
                        let amount = Credits::parse(amount.get().trim().replace(',', "").as_str())
                            .ok();
                        match (price, amount) {
                            (Some(p), Some(c)) => {
                                p.cost(c)
                                    .map(|m| format!("Price {} · {}", m.display(), p.per_credit()))
                                    .unwrap_or_default()
                            }
                            _ => String::new(),
                        }
                    }}
                </span>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}

fn recharge_state(enabled: bool) -> impl IntoView {
    if enabled {
        view! {
            <p>
                <span class="status active">"on"</span>
                " Tops up when the balance falls below the threshold."
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="muted" data-testid="recharge-off">
                "Auto-recharge is not enabled."
            </p>
        }
        .into_any()
    }
}

#[component]
fn AutoRechargeForm(row: AutoRechargeRow, act: Act) -> impl IntoView {
    let threshold = RwSignal::new(row.threshold.to_decimal_string());
    let amount = RwSignal::new(row.amount.to_decimal_string());
    let max = RwSignal::new(row.max_per_period.to_string());
    let error = RwSignal::new(None::<String>);
    let enabled = row.enabled == Some(true);
    let pool = row.pool.clone();
    let save = move |on: bool| {
        let (Some(t), Some(a)) = (
            credits(&threshold.get(), error),
            credits(&amount.get(), error),
        ) else {
            return;
        };
        let Ok(m) = max.get().trim().parse::<i32>() else {
            error.set(Some("Top-ups per period: a whole number".into()));
            return;
        };
        send(
            act,
            AdminAction::SetAutoRecharge {
                pool: pool.clone(),
                enabled: on,
                threshold: t,
                amount: a,
                max_per_period: m,
            },
        );
    };
    let save2 = save.clone();
    view! {
        <div class="recharge" data-testid=format!("recharge-{}", row.pool)>
            <h3>{row.pool_name.clone()}</h3>
            {recharge_state(enabled)}
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save(true);
                }
            >
                {field("When below", "threshold".into(), threshold)}
                {field("Buy credits", "amount".into(), amount)}
                {field("At most per period", "max".into(), max)}
                <button type="submit" class="primary">
                    {if enabled { "Save" } else { "Enable" }}
                </button>
                {enabled
                    .then(|| {
                        view! {
                            <button type="button" on:click=move |_| save2(false)>
                                "Disable"
                            </button>
                        }
                    })}
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </div>
    }
}

#[component]
pub fn AutoRecharge(rows: Vec<AutoRechargeRow>, act: Act) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Auto-recharge"</h2>
            {rows.into_iter().map(|row| view! { <AutoRechargeForm row act /> }).collect_view()}
        </section>
    }
}

#[component]
pub fn CreditRequests(v: SettingsView, act: Act) -> impl IntoView {
    let decides = v.role.billing();
    let form = if v.pools.is_empty() {
        view! {
            <p class="muted" data-testid="no-pools">
                "There is no credit pool to ask for yet: an owner adds pools in "
                <a href="/settings#catalog">"Settings → Catalog"</a>
                "."
            </p>
        }
        .into_any()
    } else {
        view! { <RequestCreditsForm pools=v.pools act /> }.into_any()
    };
    view! {
        <section class="card" data-testid="credit-requests">
            <h2>"Credit requests"</h2>
            {form}
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Asked"</th>
                            <th>"By"</th>
                            <th>"Pool"</th>
                            <th class="num">"Credits"</th>
                            <th>"Note"</th>
                            <th>"Status"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {v
                            .requests
                            .into_iter()
                            .map(|r| view! { <RequestRow r decides act /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A member asks the billing admins for credits of one pool.
#[component]
fn RequestCreditsForm(pools: Vec<(String, String)>, act: Act) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let amount = RwSignal::new("500".to_string());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    view! {
        <form
            class="row"
            on:submit=move |ev| {
                ev.prevent_default();
                if let Some(c) = credits(&amount.get(), error) {
                    send(
                        act,
                        AdminAction::RequestCredits {
                            pool: pool.get(),
                            credits: c,
                            note: note.get(),
                        },
                    );
                }
            }
        >
            <label>
                <span>"Pool"</span>
                {pool_select(pools, pool)}
            </label>
            {field("Credits", "request-credits".into(), amount)}
            <label class="grow">
                <span>"Note"</span>
                <input
                    name="note"
                    prop:value=note
                    on:input=move |ev| note.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" data-testid="request-credits">
                "Request credits"
            </button>
        </form>
        {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
    }
}

/// One credit request; a billing role decides a pending one in place.
#[component]
fn RequestRow(r: crate::admin::CreditRequestRow, decides: bool, act: Act) -> impl IntoView {
    let pending = r.status == crate::admin::RequestStatus::Pending;
    let id = r.id;
    let decide = move |approve: bool| send(act, AdminAction::DecideRequest { id, approve });
    view! {
        <tr data-key=r.id.to_string()>
            <td>{r.created}</td>
            <td>{r.requested_by}</td>
            <td>{r.pool}</td>
            <td class="num">{r.credits.display()}</td>
            <td>{r.note}</td>
            <td>
                <span class=format!("status {}", r.status)>{r.status.as_str()}</span>
                {r.decided_by.map(|d| format!(" by {d}"))}
            </td>
            <td>
                {(decides && pending)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="primary"
                                data-testid=format!("approve-{id}")
                                on:click=move |_| decide(true)
                            >
                                "Approve"
                            </button>
                            " "
                            <button
                                type="button"
                                data-testid=format!("decline-{id}")
                                on:click=move |_| decide(false)
                            >
                                "Decline"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
pub fn Allocation(pools: Vec<(String, String)>, act: Act) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let who = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    view! {
        <section class="card">
            <h2>"End-user allocation"</h2>
            <p class="muted">
                "A cap per billing period; the authorize API refuses usage beyond it. See the Users page for use so far."
            </p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(c) = credits(&amount.get(), error) {
                        send(
                            act,
                            AdminAction::SetAllocation {
                                end_user: who.get(),
                                pool: pool.get(),
                                credits: c,
                            },
                        );
                    }
                }
            >
                {field("End user id", "end_user".into(), who)}
                <label>
                    <span>"Pool"</span>
                    {pool_select(pools, pool)}
                </label>
                {field("Credits per period", "cap".into(), amount)}
                <button type="submit">"Save allocation"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}
