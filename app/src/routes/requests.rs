//! The API page (route `/requests`): the REST API's request log in the filtered range.

use crate::components::data_table::{DataTable, export_href};
use crate::components::filter_bar::{FilterBarLoader, LoadError, use_filter};
use crate::credits::format_count;
use crate::filter::Filter;
use crate::model::RequestLogView;
use crate::tables;
use leptos::prelude::*;

/// Requests shown on the page; the CSV export has all of the range.
pub const SHOWN: u64 = 500;

#[server(endpoint = "requests")]
pub async fn get_requests(filter: Filter) -> Result<RequestLogView, ServerFnError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .requests(&viewer, &filter, Some(SHOWN))
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    let filter = use_filter();
    let data = Resource::new(move || filter.get(), get_requests);
    view! {
        <FilterBarLoader filter/>
        <h1>"API requests"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading the request log…"</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                match data.await {
                    Err(error) => view! { <LoadError what="the request log" error/> }.into_any(),
                    Ok(v) => view! {
                        <p class="muted">{format!("{} – {} · times in {}", v.from.format("%b %-d, %Y"), v.to.format("%b %-d, %Y"), v.time_zone)}</p>
                        <div class="grid">
                            <div class="card"><h2>"Requests"</h2><p class="big" data-testid="requests-total">{format_count(v.total)}</p></div>
                            <div class="card"><h2>"Failed (4xx / 5xx)"</h2><p class="big" data-testid="requests-failed">{format_count(v.failed)}</p></div>
                        </div>
                        <section class="card">
                            {(v.total > v.rows.len() as i64).then(|| view! {
                                <p class="muted">{format!("Newest {} of {} requests; the CSV export has all of them.", v.rows.len(), format_count(v.total))}</p>
                            })}
                            <DataTable table=tables::requests(&v) export=export_href("requests", &f)/>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
