//! A table of the dashboard: click a header to sort (again to reverse), pages of rows, and an
//! "Export CSV" link that downloads the same rows for the current filters. `DataTable` is the
//! island pages use (its rows travel as props); `DataTableView` is the same table for use
//! inside another island.

use crate::components::url::query_string;
use crate::filter::Filter;
use crate::table::{Cell, Table, TableId};
use leptos::prelude::*;

/// The download link of a table for a filter (the export calls the same services as the page).
pub fn export_href(id: TableId, filter: &Filter) -> String {
    format!("/export/{id}.csv{}", query_string(filter))
}

fn cell_view(c: &Cell, numeric: bool) -> impl IntoView + use<> {
    let class = if numeric { "num" } else { "" };
    match c {
        Cell::Status(s) => view! {
            <td class=class>
                <span class=format!("status {s}")>{s.clone()}</span>
            </td>
        }
        .into_any(),
        Cell::Change(Some(p)) => {
            let badge = if *p > 0.0 {
                "change up"
            } else if *p < 0.0 {
                "change down"
            } else {
                "change"
            };
            view! {
                <td class=class>
                    <span class=badge data-testid="change">
                        {c.display()}
                    </span>
                </td>
            }
            .into_any()
        }
        other => view! { <td class=class>{other.display()}</td> }.into_any(),
    }
}

#[component]
pub fn DataTable(
    table: Table,
    #[prop(optional)] export: Option<String>,
    #[prop(optional)] sort: Option<(usize, bool)>,
    /// Rows per page (25 when not given).
    #[prop(optional)]
    page_size: Option<usize>,
    /// The page's filter: rows of a table that drills down link to it, narrowed to the row.
    #[prop(optional)]
    filter: Option<Filter>,
) -> impl IntoView {
    let page_size = page_size.unwrap_or(25);
    view! { <DataTableView table export sort page_size drill_filter=filter /> }
}

/// A table as the server ordered and paged it, without sorting or paging in the page: the
/// activity log, whose pages are keyset cursors in the URL. Same columns as its CSV.
#[component]
pub fn ServerPagedTable(table: Table) -> impl IntoView {
    let numeric: Vec<bool> = table.columns.iter().map(|c| c.numeric).collect();
    let header = table
        .columns
        .iter()
        .map(|c| {
            view! {
                <th scope="col" class=if c.numeric { "num" } else { "" }>
                    {c.label.clone()}
                </th>
            }
        })
        .collect_view();
    let rows = table
        .rows
        .iter()
        .map(|r| {
            let cells = r
                .cells
                .iter()
                .zip(&numeric)
                .map(|(c, n)| cell_view(c, *n))
                .collect_view();
            view! { <tr data-key=r.key.clone()>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data" data-testid=table.id.as_str()>
                <thead>
                    <tr>{header}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A row; its first cell links to the drill-down when there is one.
fn row_view(r: crate::table::Row, numeric: &[bool], href: Option<String>) -> impl IntoView + use<> {
    let mut cells = r.cells.iter().zip(numeric);
    let first = cells.next().map(|(c, n)| match href {
        Some(h) => view! {
            <td class=if *n { "num" } else { "" }>
                <a href=h data-testid="drill">
                    {c.display()}
                </a>
            </td>
        }
        .into_any(),
        None => cell_view(c, *n).into_any(),
    });
    let rest = cells.map(|(c, n)| cell_view(c, *n)).collect_view();
    view! { <tr data-key=r.key.clone()>{first} {rest}</tr> }
}

/// The drill-down link of a row with `key`, if its table drills down and the page gave its filter.
fn drill_href(table: &Table, filter: Option<&Filter>, key: &str) -> Option<String> {
    let d = table.drill.as_ref()?;
    let f = filter?;
    (!key.is_empty()).then(|| format!("{}{}", d.path, query_string(&f.with(&d.field, key))))
}

#[component]
pub fn DataTableView(
    table: Table,
    /// Where "Export CSV" downloads from; no link when `None`.
    export: Option<String>,
    /// Initial sort: (column, descending). `None` keeps the service's order.
    sort: Option<(usize, bool)>,
    page_size: usize,
    /// The page's filter, for rows that drill down.
    drill_filter: Option<Filter>,
) -> impl IntoView {
    let sort = RwSignal::new(sort);
    let page = RwSignal::new(0usize);
    let total = table.rows.len();
    let pages = total.div_ceil(page_size).max(1);
    let table = StoredValue::new(table);
    let header = table.with_value(|t| {
        let cols: Vec<(String, bool)> = t
            .columns
            .iter()
            .map(|c| (c.label.clone(), c.numeric))
            .collect();
        cols.into_iter()
            .enumerate()
            .map(|(i, (label, numeric))| view! { <SortHeader i label numeric sort page /> })
            .collect_view()
    });
    let body = move || {
        let (rows, numeric): (Vec<_>, Vec<bool>) = table.with_value(|t| {
            let rows = match sort.get() {
                Some((col, desc)) => t.sorted(col, desc),
                None => t.rows.clone(),
            };
            (rows, t.columns.iter().map(|c| c.numeric).collect())
        });
        let start = page.get() * page_size;
        rows.into_iter()
            .skip(start)
            .take(page_size)
            .map(|r| {
                let href = table.with_value(|t| drill_href(t, drill_filter.as_ref(), &r.key));
                row_view(r, &numeric, href)
            })
            .collect_view()
    };
    let (id, title) = table.with_value(|t| (t.id, t.title.clone()));
    view! {
        <div class="table-block" data-testid=id.as_str()>
            <div class="table-head">
                <h3>{title}</h3>
                {export
                    .map(|href| {
                        view! {
                            <a class="export" href=href download data-testid=format!("export-{id}")>
                                "Export CSV"
                            </a>
                        }
                    })}
            </div>
            {if total == 0 {
                view! { <p class="empty">"No rows for these filters."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data">
                            <thead>
                                <tr>{header}</tr>
                            </thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            {(pages > 1).then(|| view! { <TablePager page page_size total pages /> })}
        </div>
    }
}

/// A column's header: a button sorting by it (numbers biggest first, text A→Z), then the
/// other way round.
#[component]
fn SortHeader(
    i: usize,
    label: String,
    numeric: bool,
    sort: RwSignal<Option<(usize, bool)>>,
    page: RwSignal<usize>,
) -> impl IntoView {
    let aria = move || match sort.get() {
        Some((col, true)) if col == i => "descending",
        Some((col, false)) if col == i => "ascending",
        _ => "none",
    };
    let arrow = move || match sort.get() {
        Some((col, true)) if col == i => " ▼",
        Some((col, false)) if col == i => " ▲",
        _ => "",
    };
    view! {
        <th scope="col" class=if numeric { "num" } else { "" } aria-sort=aria>
            <button
                type="button"
                class="sort"
                on:click=move |_| {
                    sort.update(|s| {
                        *s = Some(
                            match *s {
                                Some((col, desc)) if col == i => (i, !desc),
                                _ => (i, numeric),
                            },
                        );
                    });
                    page.set(0);
                }
            >
                {label}
                {arrow}
            </button>
        </th>
    }
}

/// Previous / next page of a table paged in the browser.
#[component]
fn TablePager(
    page: RwSignal<usize>,
    page_size: usize,
    total: usize,
    pages: usize,
) -> impl IntoView {
    view! {
        <div class="pager">
            <button
                type="button"
                data-testid="table-prev"
                disabled=move || { page.get() == 0 }
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
            >
                "← Previous"
            </button>
            <span class="muted">
                {move || {
                    let start = page.get() * page_size;
                    format!("Rows {}–{} of {}", start + 1, (start + page_size).min(total), total)
                }}
            </span>
            <button
                type="button"
                data-testid="table-next"
                disabled=move || { page.get() + 1 >= pages }
                on:click=move |_| page.update(|p| *p = (*p + 1).min(pages - 1))
            >
                "Next →"
            </button>
        </div>
    }
}
