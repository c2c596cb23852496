//! The activity log (route `/activity`): every usage event under the global filters, newest
//! first (or oldest / most credits first), with Next / Previous (keyset cursors in the URL),
//! a page size and a CSV export of every event under the filters.

use crate::components::data_table::export_href;
use crate::components::filter_bar::{FilterBarLoader, LoadError, query_string, use_filter};
use crate::components::link_select::{LinkChoice, LinkSelect};
use crate::filter::Filter;
use crate::filter::{from_word, word};
use crate::model::{ActivityPage, ActivitySort, Cursor};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub const PAGE_SIZES: [u64; 4] = [25, 50, 100, 200];

#[server(endpoint = "activity")]
pub async fn get_activity(filter: Filter, cursor: Cursor) -> Result<ActivityPage, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .activity(&viewer, &filter, &cursor)
        .await
        .map_err(crate::service::into_server_error)
}

const SORTS: [(ActivitySort, &str); 3] = [
    (ActivitySort::Newest, "Newest first"),
    (ActivitySort::Oldest, "Oldest first"),
    (ActivitySort::Credits, "Most credits first"),
];

/// The link to this page for a filter and a cursor.
fn href(f: &Filter, c: &Cursor, before: Option<&str>, after: Option<&str>) -> String {
    let mut q = query_string(f);
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if c.page_size != PAGE_SIZES[1] {
        extra.append_pair("page_size", &c.page_size.to_string());
    }
    if c.sort != ActivitySort::default() {
        extra.append_pair("sort", &word(&c.sort));
    }
    if let Some(b) = before {
        extra.append_pair("before", b);
    }
    if let Some(a) = after {
        extra.append_pair("after", a);
    }
    let extra = extra.finish();
    if !extra.is_empty() {
        q = if q.is_empty() {
            format!("?{extra}")
        } else {
            format!("{q}&{extra}")
        };
    }
    format!("/activity{q}")
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let filter = use_filter();
    let query = use_query_map();
    let cursor = Memo::new(move |_| {
        query.with(|q| Cursor {
            before: q.get("before"),
            after: q.get("after"),
            page_size: q
                .get("page_size")
                .and_then(|s| s.parse().ok())
                .filter(|n| PAGE_SIZES.contains(n))
                .unwrap_or(PAGE_SIZES[1]),
            sort: q
                .get("sort")
                .and_then(|s| from_word(&s))
                .unwrap_or_default(),
        })
    });
    let page = Resource::new(
        move || (filter.get(), cursor.get()),
        |(f, c)| get_activity(f, c),
    );
    view! {
        <FilterBarLoader filter/>
        <h1>"Activity"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                let c = cursor.get_untracked();
                let size = c.page_size;
                match page.await {
                    Err(error) => view! { <LoadError what="the activity log" error/> }.into_any(),
                    Ok(p) => {
                        let prev = p.prev.as_deref().map(|x| href(&f, &c, None, Some(x)));
                        let next = p.next.as_deref().map(|x| href(&f, &c, Some(x), None));
                        let sorts = SORTS.map(|(s, text)| LinkChoice {
                            href: href(&f, &Cursor { sort: s, ..c.clone() }, None, None),
                            text: text.into(),
                            selected: s == c.sort,
                        }).to_vec();
                        let sizes = PAGE_SIZES.map(|n| LinkChoice {
                            href: href(&f, &Cursor { page_size: n, ..c.clone() }, None, None),
                            text: n.to_string(),
                            selected: n == size,
                        }).to_vec();
                        view! {
                            <section class="card">
                                <div class="table-head">
                                    <p class="muted">"Times in " {p.time_zone.clone()}</p>
                                    <label class="inline">
                                        <span>"Sort "</span>
                                        <LinkSelect name="sort".to_string() choices=sorts/>
                                    </label>
                                    <a class="export" href=export_href("activity", &f) download data-testid="export-activity">"Export CSV (all events of these filters)"</a>
                                </div>
                                {if p.rows.is_empty() {
                                    view! { <p class="empty" data-testid="empty">"No usage in this range."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table class="data" data-testid="activity">
                                                <thead><tr>
                                                    <th scope="col">"Time"</th><th scope="col">"Feature"</th><th scope="col">"Source"</th>
                                                    <th scope="col">"User"</th><th scope="col">"Company"</th>
                                                    <th scope="col" class="num">"Units"</th><th scope="col" class="num">"Tokens"</th><th scope="col" class="num">"Credits"</th>
                                                </tr></thead>
                                                <tbody>
                                                    {p.rows.iter().map(|r| view! {
                                                        <tr data-event=r.event_id.clone()>
                                                            <td>{r.time.clone()}</td>
                                                            <td>{r.feature.clone()}</td>
                                                            <td>{r.source.clone().unwrap_or_default()} {r.action.clone().map(|a| format!(" → {a}"))}</td>
                                                            <td>{r.user.clone().unwrap_or_default()}</td>
                                                            <td>{r.company.clone().unwrap_or_default()}</td>
                                                            <td class="num">{crate::credits::format_count(r.quantity)}</td>
                                                            <td class="num">{r.tokens.map(crate::credits::format_count).unwrap_or_default()}</td>
                                                            <td class="num">{r.credits.display()}</td>
                                                        </tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                                <nav class="pager" aria-label="Pages">
                                    {match prev {
                                        Some(h) => view! { <a href=h rel="prev" data-testid="prev">"← Previous"</a> }.into_any(),
                                        None => view! { <span class="muted">"← Previous"</span> }.into_any(),
                                    }}
                                    <label>
                                        <span>"Rows per page "</span>
                                        <LinkSelect name="page_size".to_string() choices=sizes/>
                                    </label>
                                    {match next {
                                        Some(h) => view! { <a href=h rel="next" data-testid="next">"Next →"</a> }.into_any(),
                                        None => view! { <span class="muted">"Next →"</span> }.into_any(),
                                    }}
                                </nav>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
