//! Next / Previous and rows-per-page for the keyset-paged logs (activity, API requests). The
//! position is in the URL (`before` / `after` cursors, `page_size`, `sort`), so every page
//! is a link.

use crate::components::link_select::{LinkChoice, LinkSelect};
use crate::components::url::query_string;
use crate::filter::Filter;
use crate::model::{ActivitySort, Cursor};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub const PAGE_SIZES: [u64; 4] = [25, 50, 100, 200];

/// The page position of the current URL.
pub fn use_cursor() -> Memo<Cursor> {
    let query = use_query_map();
    Memo::new(move |_| {
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
                .and_then(|s| s.parse().ok())
                .unwrap_or_default(),
        })
    })
}

/// The link to `path` for a filter and a page position.
pub fn href(
    path: &str,
    f: &Filter,
    c: &Cursor,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut q = query_string(f);
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if c.page_size != PAGE_SIZES[1] {
        extra.append_pair("page_size", &c.page_size.to_string());
    }
    if c.sort != ActivitySort::default() {
        extra.append_pair("sort", &c.sort.to_string());
    }
    for (k, v) in [("before", before), ("after", after)] {
        if let Some(v) = v {
            extra.append_pair(k, v);
        }
    }
    let extra = extra.finish();
    if !extra.is_empty() {
        q = if q.is_empty() {
            format!("?{extra}")
        } else {
            format!("{q}&{extra}")
        };
    }
    format!("{path}{q}")
}

/// Previous, rows per page and Next under a paged table.
#[component]
pub fn Pager(
    path: &'static str,
    filter: Filter,
    cursor: Cursor,
    prev: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let prev = prev.map(|x| href(path, &filter, &cursor, None, Some(&x)));
    let next = next.map(|x| href(path, &filter, &cursor, Some(&x), None));
    let sizes = PAGE_SIZES
        .map(|n| LinkChoice {
            href: href(
                path,
                &filter,
                &Cursor {
                    page_size: n,
                    before: None,
                    after: None,
                    ..cursor.clone()
                },
                None,
                None,
            ),
            text: n.to_string(),
            selected: n == cursor.page_size,
        })
        .to_vec();
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(h) => {
                    view! {
                        <a href=h rel="prev" data-testid="prev">
                            "← Previous"
                        </a>
                    }
                        .into_any()
                }
                None => view! { <span class="muted">"← Previous"</span> }.into_any(),
            }}
            <label>
                <span>"Rows per page "</span>
                <LinkSelect name="page_size".to_string() choices=sizes />
            </label>
            {match next {
                Some(h) => {
                    view! {
                        <a href=h rel="next" data-testid="next">
                            "Next →"
                        </a>
                    }
                        .into_any()
                }
                None => view! { <span class="muted">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
}
