//! The Flows & agents page (route `/flows`): flows (status, name, type, credits), the actions
//! inside them with token counts, AI pilots, agents, AI tools and browser sessions.

use crate::components::data_table::{DataTable, export_href};
use crate::components::filter_bar::FilterBarLoader;
use crate::components::loaded::Loaded;
use crate::components::url::use_filter;
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::FlowsView;
use crate::tables;
use leptos::prelude::*;

#[server(endpoint = "flows", output = crate::data::Postcard)]
pub async fn get_flows(filter: Filter) -> Result<FlowsView, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .flows(&viewer, &filter)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn FlowsPage() -> impl IntoView {
    let filter = use_filter();
    let data = crate::data::resource(move || filter.get(), get_flows);
    view! {
        <FilterBarLoader filter />
        <h1>"Flows & agents"</h1>
        <Loaded
            what="flows and agents"
            data=data
            render=move |v: FlowsView| {
                let f = filter.get_untracked();
                {
                    let sections = [
                        tables::flows(&v),
                        tables::actions(&v),
                        tables::flow_models(&v),
                        tables::pilots(&v),
                        tables::flow_agents(&v),
                        tables::other_sources(&v),
                    ];
                    view! {
                        <p class="muted">
                            {format!(
                                "{} – {} · dates in {}",
                                v.from.format("%b %-d, %Y"),
                                v.to.format("%b %-d, %Y"),
                                v.time_zone,
                            )}
                        </p>
                        {sections
                            .into_iter()
                            .map(|table| {
                                view! {
                                    <section class="card">
                                        <DataTable
                                            export=export_href(table.id, &f)
                                            table
                                            filter=f.clone()
                                        />
                                    </section>
                                }
                            })
                            .collect_view()}
                    }
                        .into_any()
                }
            }
        />
    }
}
