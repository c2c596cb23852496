//! The activity log (route `/activity`): every usage event under the global filters, newest
//! first (or oldest / most credits first), with Next / Previous (keyset cursors in the URL),
//! a page size and a CSV export of every event under the filters.

use crate::components::data_table::{ServerPagedTable, export_href};
use crate::components::filter_bar::FilterBarLoader;
use crate::components::link_select::{LinkChoice, LinkSelect};
use crate::components::loaded::Loaded;
use crate::components::pager::{self, Pager, use_cursor};
use crate::components::url::use_filter;
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::{ActivityPage, ActivitySort, Cursor};
use crate::table::TableId;
use leptos::prelude::*;

#[server(endpoint = "activity", output = crate::data::Postcard)]
pub async fn get_activity(filter: Filter, cursor: Cursor) -> Result<ActivityPage, AppError> {
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

fn href(f: &Filter, c: &Cursor) -> String {
    pager::href("/activity", f, c, None, None)
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let filter = use_filter();
    let cursor = use_cursor();
    let page = crate::data::resource(
        move || (filter.get(), cursor.get()),
        |(f, c)| get_activity(f, c),
    );
    view! {
        <FilterBarLoader filter />
        <h1>"Activity"</h1>
        <Loaded
            what="the activity log"
            data=page
            render=move |p: ActivityPage| {
                let f = filter.get_untracked();
                let c = cursor.get_untracked();
                {
                    let sorts = SORTS
                        .map(|(s, text)| LinkChoice {
                            href: href(
                                &f,
                                &Cursor {
                                    sort: s,
                                    before: None,
                                    after: None,
                                    ..c.clone()
                                },
                            ),
                            text: text.into(),
                            selected: s == c.sort,
                        })
                        .to_vec();
                    view! {
                        <section class="card">
                            <div class="table-head">
                                <p class="muted">"Times in " {p.time_zone.clone()}</p>
                                <label class="inline">
                                    <span>"Sort "</span>
                                    <LinkSelect name="sort".to_string() choices=sorts />
                                </label>
                                <a
                                    class="export"
                                    href=export_href(TableId::Activity, &f)
                                    download
                                    data-testid="export-activity"
                                >
                                    "Export CSV (all events of these filters)"
                                </a>
                            </div>
                            {if p.rows.is_empty() {
                                view! {
                                    <p class="empty" data-testid="empty">
                                        "No usage in this range."
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <ServerPagedTable table=crate::tables::activity(&p.rows) />
                                }
                                    .into_any()
                            }}
                            <Pager
                                path="/activity"
                                filter=f.clone()
                                cursor=c.clone()
                                prev=p.prev.clone()
                                next=p.next.clone()
                            />
                        </section>
                    }
                        .into_any()
                }
            }
        />
    }
}
