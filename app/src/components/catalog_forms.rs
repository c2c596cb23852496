//! The Settings page's catalog (owners), prices and grants (billing roles). Every catalog
//! edit sends the whole document as edited, so the page, the file and the API share one
//! apply: the server checks it, plans it and reports what changed.

use super::settings_forms::{Act, pool_select, send};
use crate::admin::AdminAction;
use crate::catalog::{CatalogDoc, CategoryDoc, Decimal, FeatureDoc, PoolDoc, TeamDoc};
use leptos::prelude::*;

fn apply(act: Act, doc: CatalogDoc) {
    send(act, AdminAction::ApplyCatalog { catalog: doc });
}

/// A text box bound to `value`, named for tests and labelled for screen readers.
pub(crate) fn field(label: &'static str, name: String, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <input
                name=name
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

pub(crate) fn options(items: Vec<(String, String)>, chosen: RwSignal<String>) -> impl IntoView {
    items
        .into_iter()
        .map(|(k, n)| {
            let k2 = k.clone();
            view! {
                <option value=k selected=move || chosen.get() == k2>
                    {n}
                </option>
            }
        })
        .collect_view()
}

#[component]
pub fn CatalogEditor(doc: CatalogDoc, team_sizes: Vec<(String, usize)>, act: Act) -> impl IntoView {
    let doc = StoredValue::new(doc);
    view! {
        <section class="card" id="catalog" data-testid="catalog">
            <h2>"Catalog"</h2>
            <p class="muted">
                "What this organization meters. Keys never change; an entry with usage is archived, never deleted, so its history keeps its name."
            </p>
            <PoolsEditor doc act />
            <FeaturesEditor doc act />
            <TeamsEditor doc team_sizes act />
        </section>
    }
}

#[component]
fn PoolsEditor(doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let rows = doc.with_value(|d| d.pools.clone());
    let (key, name, price, currency, included) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("0.10".to_string()),
        RwSignal::new("USD".to_string()),
        RwSignal::new("0".to_string()),
    );
    view! {
        <h3>"Pools"</h3>
        <div class="table-wrap">
            <table class="data">
                <thead>
                    <tr>
                        <th>"Key"</th>
                        <th>"Name"</th>
                        <th>"Price per credit"</th>
                        <th>"Currency"</th>
                        <th>"Included per period"</th>
                        <th>"Allowance per period"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let (n, pr, cu, inc, al) = (
                                RwSignal::new(p.name.clone()),
                                RwSignal::new(p.price_per_credit.0.clone()),
                                RwSignal::new(p.currency.clone()),
                                RwSignal::new(p.included_per_period.0.clone()),
                                RwSignal::new(p.allowance_per_period.0.clone()),
                            );
                            let save = move |_| {
                                let mut d = doc.get_value();
                                let row = &mut d.pools[i];
                                row.name = n.get();
                                row.price_per_credit = Decimal(pr.get());
                                row.currency = cu.get();
                                row.included_per_period = Decimal(inc.get());
                                row.allowance_per_period = Decimal(al.get());
                                apply(act, d);
                            };
                            view! {
                                <tr data-key=p.key.clone()>
                                    <td>
                                        <code>{p.key.clone()}</code>
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Name"
                                            prop:value=n
                                            on:input=move |ev| n.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Price per credit"
                                            inputmode="decimal"
                                            prop:value=pr
                                            on:input=move |ev| pr.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Currency"
                                            size="4"
                                            prop:value=cu
                                            on:input=move |ev| cu.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Included per period"
                                            inputmode="decimal"
                                            prop:value=inc
                                            on:input=move |ev| inc.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Allowance per period"
                                            inputmode="decimal"
                                            prop:value=al
                                            on:input=move |ev| al.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <button type="button" on:click=save>
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
        <form
            class="row"
            data-testid="add-pool"
            on:submit=move |ev| {
                ev.prevent_default();
                let mut d = doc.get_value();
                d.pools
                    .push(PoolDoc {
                        key: key.get().trim().into(),
                        name: name.get(),
                        price_per_credit: Decimal(price.get()),
                        currency: currency.get(),
                        included_per_period: Decimal(included.get()),
                        allowance_per_period: Decimal::zero(),
                    });
                apply(act, d);
            }
        >
            {field("Key", "pool-key".into(), key)}
            {field("Name", "pool-name".into(), name)}
            {field("Price per credit", "pool-price".into(), price)}
            {field("Currency", "pool-currency".into(), currency)}
            {field("Included per period", "pool-included".into(), included)}
            <button type="submit">"Add pool"</button>
        </form>
    }
}

#[component]
fn FeaturesEditor(doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let (categories, pools, features) = doc.with_value(|d| {
        (
            d.categories
                .iter()
                .map(|c| (c.key.clone(), c.name.clone()))
                .collect::<Vec<_>>(),
            d.pools
                .iter()
                .map(|p| (p.key.clone(), p.name.clone()))
                .collect::<Vec<_>>(),
            d.features.clone(),
        )
    });
    let (key, name, unit) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("message".to_string()),
    );
    let category = RwSignal::new(categories.first().map(|c| c.0.clone()).unwrap_or_default());
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let all_categories = categories.clone();
    view! {
        <h3>"Categories and features"</h3>
        <div class="table-wrap">
            <table class="data" data-testid="features-editor">
                <thead>
                    <tr>
                        <th>"Key"</th>
                        <th>"Name"</th>
                        <th>"Unit"</th>
                        <th>"Category"</th>
                        <th>"Pool"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {features
                        .into_iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let (n, u, c) = (
                                RwSignal::new(f.name.clone()),
                                RwSignal::new(f.unit.clone()),
                                RwSignal::new(f.category.clone()),
                            );
                            let save = move |_| {
                                let mut d = doc.get_value();
                                let row = &mut d.features[i];
                                (row.name, row.unit, row.category) = (n.get(), u.get(), c.get());
                                apply(act, d);
                            };
                            let archive = move |_| {
                                let mut d = doc.get_value();
                                d.features.remove(i);
                                apply(act, d);
                            };
                            view! {
                                <tr data-key=f.key.clone()>
                                    <td>
                                        <code>{f.key.clone()}</code>
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Name"
                                            prop:value=n
                                            on:input=move |ev| n.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Unit"
                                            size="8"
                                            prop:value=u
                                            on:input=move |ev| u.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>
                                        <select
                                            aria-label="Category"
                                            on:change=move |ev| c.set(event_target_value(&ev))
                                        >
                                            {options(all_categories.clone(), c)}
                                        </select>
                                    </td>
                                    <td>{f.pool.clone()}</td>
                                    <td class="actions">
                                        <button type="button" on:click=save>
                                            "Save"
                                        </button>
                                        <button type="button" on:click=archive>
                                            "Archive"
                                        </button>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <form
            class="row"
            data-testid="add-feature"
            on:submit=move |ev| {
                ev.prevent_default();
                let mut d = doc.get_value();
                d.features
                    .push(FeatureDoc {
                        key: key.get().trim().into(),
                        name: name.get(),
                        unit: unit.get(),
                        category: category.get(),
                        pool: pool.get(),
                    });
                apply(act, d);
            }
        >
            {field("Key", "feature-key".into(), key)}
            {field("Name", "feature-name".into(), name)}
            {field("Unit", "feature-unit".into(), unit)}
            <label>
                <span>"Category"</span>
                <select
                    name="feature-category"
                    on:change=move |ev| category.set(event_target_value(&ev))
                >
                    {options(categories, category)}
                </select>
            </label>
            <label>
                <span>"Pool"</span>
                {pool_select(pools, pool)}
            </label>
            <button type="submit">"Add feature"</button>
        </form>
        <CategoryForm doc act />
    }
}

#[component]
fn CategoryForm(doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let (cat_key, cat_name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <form
            class="row"
            data-testid="add-category"
            on:submit=move |ev| {
                ev.prevent_default();
                let mut d = doc.get_value();
                match d.categories.iter_mut().find(|c| c.key == cat_key.get().trim()) {
                    Some(c) => c.name = cat_name.get(),
                    None => {
                        d.categories
                            .push(CategoryDoc {
                                key: cat_key.get().trim().into(),
                                name: cat_name.get(),
                            })
                    }
                }
                apply(act, d);
            }
        >
            {field("Category key", "category-key".into(), cat_key)}
            {field("Name", "category-name".into(), cat_name)}
            <button type="submit">"Add or rename category"</button>
        </form>
    }
}

#[component]
fn TeamsEditor(
    doc: StoredValue<CatalogDoc>,
    team_sizes: Vec<(String, usize)>,
    act: Act,
) -> impl IntoView {
    let teams = doc.with_value(|d| d.teams.clone());
    let (key, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <h3>"Teams"</h3>
        <div class="table-wrap">
            <table class="data" data-testid="teams-editor">
                <thead>
                    <tr>
                        <th>"Key"</th>
                        <th>"Name"</th>
                        <th>"Members"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {teams
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let members = team_sizes
                                .iter()
                                .find(|s| s.0 == t.key)
                                .map_or(0, |s| s.1);
                            let n = RwSignal::new(t.name.clone());
                            let team_key = t.key.clone();
                            let save = move |_| {
                                let mut d = doc.get_value();
                                d.teams[i].name = n.get();
                                apply(act, d);
                            };
                            view! {
                                <tr data-key=t.key.clone()>
                                    <td>
                                        <code>{t.key.clone()}</code>
                                    </td>
                                    <td>
                                        <input
                                            aria-label="Name"
                                            prop:value=n
                                            on:input=move |ev| n.set(event_target_value(&ev))
                                        />
                                    </td>
                                    <td>{members}</td>
                                    <td class="actions">
                                        <button type="button" on:click=save>
                                            "Save"
                                        </button>
                                        {(members == 0)
                                            .then(|| {
                                                view! {
                                                    <button
                                                        type="button"
                                                        on:click=move |_| send(
                                                            act,
                                                            AdminAction::RemoveTeam {
                                                                key: team_key.clone(),
                                                            },
                                                        )
                                                    >
                                                        "Remove"
                                                    </button>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <form
            class="row"
            data-testid="add-team"
            on:submit=move |ev| {
                ev.prevent_default();
                let mut d = doc.get_value();
                d.teams
                    .push(TeamDoc {
                        key: key.get().trim().into(),
                        name: name.get(),
                    });
                apply(act, d);
            }
        >
            {field("Key", "team-key".into(), key)}
            {field("Name", "team-name".into(), name)}
            <button type="submit">"Add team"</button>
        </form>
    }
}
