//! The Settings page's catalog (owners), prices and grants (billing roles). Every catalog
//! edit sends the whole document as edited, so the page, the file and the API share one
//! apply: the server checks it, plans it and reports what changed.

use super::fields::{Cell, cell_input, field, options, select_field};
use super::settings_forms::{Act, pool_select, send};
use crate::admin::AdminAction;
use crate::catalog::{CatalogDoc, CategoryDoc, Decimal, FeatureDoc, PoolDoc, TeamDoc};
use leptos::prelude::*;

fn apply(act: Act, doc: CatalogDoc) {
    send(act, AdminAction::ApplyCatalog { catalog: doc });
}

/// Sends the document with one change made to it.
fn apply_with(act: Act, doc: StoredValue<CatalogDoc>, change: impl FnOnce(&mut CatalogDoc)) {
    let mut d = doc.get_value();
    change(&mut d);
    apply(act, d);
}

/// `(key, name)` pairs for a menu.
fn keyed<T>(items: &[T], key_name: impl Fn(&T) -> (String, String)) -> Vec<(String, String)> {
    items.iter().map(key_name).collect()
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
                        .map(|(i, pool)| view! { <PoolRow i pool doc act /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <AddPoolForm doc act />
    }
}

#[component]
fn PoolRow(i: usize, pool: PoolDoc, doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let (n, pr, cu, inc, al) = (
        RwSignal::new(pool.name),
        RwSignal::new(pool.price_per_credit.0),
        RwSignal::new(pool.currency),
        RwSignal::new(pool.included_per_period.0),
        RwSignal::new(pool.allowance_per_period.0),
    );
    let save = move |_| {
        apply_with(act, doc, |d| {
            let row = &mut d.pools[i];
            row.name = n.get();
            row.price_per_credit = Decimal(pr.get());
            row.currency = cu.get();
            row.included_per_period = Decimal(inc.get());
            row.allowance_per_period = Decimal(al.get());
        })
    };
    view! {
        <tr data-key=pool.key.clone()>
            <td>
                <code>{pool.key.clone()}</code>
            </td>
            {cell_input("Name", n, Cell::Text)}
            {cell_input("Price per credit", pr, Cell::Decimal)}
            {cell_input("Currency", cu, Cell::Short)}
            {cell_input("Included per period", inc, Cell::Decimal)}
            {cell_input("Allowance per period", al, Cell::Decimal)}
            <td>
                <button type="button" on:click=save>
                    "Save"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn AddPoolForm(doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let (key, name, price, currency, included) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("0.10".to_string()),
        RwSignal::new("USD".to_string()),
        RwSignal::new("0".to_string()),
    );
    view! {
        <form
            class="row"
            data-testid="add-pool"
            on:submit=move |ev| {
                ev.prevent_default();
                apply_with(
                    act,
                    doc,
                    |d| {
                        d.pools
                            .push(PoolDoc {
                                key: key.get().trim().into(),
                                name: name.get(),
                                price_per_credit: Decimal(price.get()),
                                currency: currency.get(),
                                included_per_period: Decimal(included.get()),
                                allowance_per_period: Decimal::zero(),
                            })
                    },
                );
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
    let (categories, features) = doc.with_value(|d| {
        (
            keyed(&d.categories, |c| (c.key.clone(), c.name.clone())),
            d.features.clone(),
        )
    });
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
                        .map(|(i, feature)| {
                            let categories = categories.clone();
                            view! { <FeatureRow i feature categories doc act /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <AddFeatureForm doc act />
        <CategoryForm doc act />
    }
}

#[component]
fn FeatureRow(
    i: usize,
    feature: FeatureDoc,
    categories: Vec<(String, String)>,
    doc: StoredValue<CatalogDoc>,
    act: Act,
) -> impl IntoView {
    let (n, u, c) = (
        RwSignal::new(feature.name),
        RwSignal::new(feature.unit),
        RwSignal::new(feature.category),
    );
    let save = move |_| {
        apply_with(act, doc, |d| {
            let row = &mut d.features[i];
            (row.name, row.unit, row.category) = (n.get(), u.get(), c.get());
        })
    };
    let archive = move |_| {
        apply_with(act, doc, |d| {
            d.features.remove(i);
        })
    };
    view! {
        <tr data-key=feature.key.clone()>
            <td>
                <code>{feature.key.clone()}</code>
            </td>
            {cell_input("Name", n, Cell::Text)}
            {cell_input("Unit", u, Cell::Short)}
            <td>
                <select aria-label="Category" on:change=move |ev| c.set(event_target_value(&ev))>
                    {options(categories, c)}
                </select>
            </td>
            <td>{feature.pool}</td>
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
}

#[component]
fn AddFeatureForm(doc: StoredValue<CatalogDoc>, act: Act) -> impl IntoView {
    let (categories, pools) = doc.with_value(|d| {
        (
            keyed(&d.categories, |c| (c.key.clone(), c.name.clone())),
            keyed(&d.pools, |p| (p.key.clone(), p.name.clone())),
        )
    });
    let (key, name, unit) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("message".to_string()),
    );
    let category = RwSignal::new(categories.first().map(|c| c.0.clone()).unwrap_or_default());
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    view! {
        <form
            class="row"
            data-testid="add-feature"
            on:submit=move |ev| {
                ev.prevent_default();
                apply_with(
                    act,
                    doc,
                    |d| {
                        d.features
                            .push(FeatureDoc {
                                key: key.get().trim().into(),
                                name: name.get(),
                                unit: unit.get(),
                                category: category.get(),
                                pool: pool.get(),
                            })
                    },
                );
            }
        >
            {field("Key", "feature-key".into(), key)}
            {field("Name", "feature-name".into(), name)}
            {field("Unit", "feature-unit".into(), unit)}
            {select_field("Category", "feature-category", categories, category)}
            <label>
                <span>"Pool"</span>
                {pool_select(pools, pool)}
            </label>
            <button type="submit">"Add feature"</button>
        </form>
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
                apply_with(
                    act,
                    doc,
                    |d| {
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
                    },
                );
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
                        .map(|(i, team)| {
                            let members = team_sizes
                                .iter()
                                .find(|s| s.0 == team.key)
                                .map_or(0, |s| s.1);
                            view! { <TeamRow i team members doc act /> }
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
                apply_with(
                    act,
                    doc,
                    |d| {
                        d.teams
                            .push(TeamDoc {
                                key: key.get().trim().into(),
                                name: name.get(),
                            })
                    },
                );
            }
        >
            {field("Key", "team-key".into(), key)}
            {field("Name", "team-name".into(), name)}
            <button type="submit">"Add team"</button>
        </form>
    }
}

#[component]
fn TeamRow(
    i: usize,
    team: TeamDoc,
    members: usize,
    doc: StoredValue<CatalogDoc>,
    act: Act,
) -> impl IntoView {
    let n = RwSignal::new(team.name);
    let save = move |_| apply_with(act, doc, |d| d.teams[i].name = n.get());
    let key = team.key.clone();
    let remove = move |_| send(act, AdminAction::RemoveTeam { key: key.clone() });
    view! {
        <tr data-key=team.key.clone()>
            <td>
                <code>{team.key.clone()}</code>
            </td>
            {cell_input("Name", n, Cell::Text)}
            <td>{members}</td>
            <td class="actions">
                <button type="button" on:click=save>
                    "Save"
                </button>
                {(members == 0)
                    .then(|| {
                        view! {
                            <button type="button" on:click=remove.clone()>
                                "Remove"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}
