//! The Users page (route `/users`): credits per user and feature under the global filters,
//! and end-user allocations of the current period, closest to running out first.

use crate::components::data_table::{DataTable, export_href};
use crate::components::filter_bar::FilterBarLoader;
use crate::components::loaded::Loaded;
use crate::components::url::use_filter;
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::UsersView;
use crate::table::TableId;
use crate::tables;
use leptos::prelude::*;

#[server(endpoint = "users", output = crate::data::Postcard)]
pub async fn get_users(filter: Filter) -> Result<UsersView, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .users(&viewer, &filter)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let filter = use_filter();
    let data = crate::data::resource(move || filter.get(), get_users);
    view! {
        <FilterBarLoader filter />
        <h1>"Users"</h1>
        <Loaded
            what="users"
            data=data
            render=move |v: UsersView| {
                let f = filter.get_untracked();
                view! {
                    <p class="muted">
                        {format!(
                            "{} – {} · dates in {}",
                            v.from.format("%b %-d, %Y"),
                            v.to.format("%b %-d, %Y"),
                            v.time_zone,
                        )}
                    </p>
                    <section class="card">
                        <DataTable
                            table=tables::users(&v)
                            export=export_href(TableId::Users, &f)
                            sort=(2, true)
                            filter=f.clone()
                        />
                    </section>
                    <section class="card">
                        <p class="muted">
                            {format!(
                                "Billing period {} – {}",
                                v.period_start.format("%b %-d"),
                                v.period_end.format("%b %-d, %Y"),
                            )}
                        </p>
                        <DataTable
                            table=tables::allocations(&v)
                            export=export_href(TableId::Allocations, &f)
                            filter=f.clone()
                        />
                    </section>
                }
                    .into_any()
            }
        />
    }
}
