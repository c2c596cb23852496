//! The API page (route `/requests`): the REST API's request log in the filtered range,
//! newest first, a page at a time; the CSV export has every request of the range.

use crate::components::data_table::{DataTable, export_href};
use crate::components::filter_bar::FilterBarLoader;
use crate::components::loaded::Loaded;
use crate::components::pager::{Pager, use_cursor};
use crate::components::url::use_filter;
use crate::credits::format_count;
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::{Cursor, RequestLogView};
use crate::table::TableId;
use crate::tables;
use leptos::prelude::*;

#[server(endpoint = "requests", output = crate::data::Postcard)]
pub async fn get_requests(filter: Filter, cursor: Cursor) -> Result<RequestLogView, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .requests(&viewer, &filter, &cursor, true)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    let filter = use_filter();
    let cursor = use_cursor();
    let data = crate::data::resource(
        move || (filter.get(), cursor.get()),
        |(f, c)| get_requests(f, c),
    );
    view! {
        <FilterBarLoader filter />
        <h1>"API requests"</h1>
        <Loaded
            what="the request log"
            data=data
            render=move |v: RequestLogView| {
                let f = filter.get_untracked();
                let c = cursor.get_untracked();
                {
                    let counts = v.counts.unwrap_or_default();
                    view! {
                        <p class="muted">
                            {format!(
                                "{} – {} · times in {}",
                                v.from.format("%b %-d, %Y"),
                                v.to.format("%b %-d, %Y"),
                                v.time_zone,
                            )}
                        </p>
                        <div class="grid">
                            <div class="card">
                                <h2>"Requests"</h2>
                                <p class="big" data-testid="requests-total">
                                    {format_count(counts.total)}
                                </p>
                            </div>
                            <div class="card">
                                <h2>"Failed (4xx / 5xx)"</h2>
                                <p class="big" data-testid="requests-failed">
                                    {format_count(counts.failed)}
                                </p>
                            </div>
                        </div>
                        <section class="card">
                            // One page of the log is one table page: the keyset pager below moves on.
                            <DataTable
                                table=tables::requests(&v)
                                export=export_href(TableId::Requests, &f)
                                page_size=c.page_size as usize
                            />
                            <Pager
                                path="/requests"
                                filter=f.clone()
                                cursor=c
                                prev=v.prev.clone()
                                next=v.next.clone()
                            />
                        </section>
                    }
                        .into_any()
                }
            }
        />
    }
}
