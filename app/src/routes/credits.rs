//! The Credits page (route `/credits`): pools, billing-period records, grants and purchases.

use crate::components::data_table::{DataTable, export_href};
use crate::components::load_error::LoadError;
use crate::error::AppError;
use crate::filter::Filter;
use crate::model::CreditsView;
use crate::tables;
use leptos::prelude::*;

#[server(endpoint = "credits", output = crate::data::Postcard)]
pub async fn get_credits() -> Result<CreditsView, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .credits(&viewer)
        .await
        .map_err(crate::service::into_server_error)
}

#[component]
pub fn CreditsPage() -> impl IntoView {
    let data = crate::data::resource(|| (), |_| get_credits());
    view! {
        <h1>"Credits"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading credits…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <LoadError what="credits" error /> }.into_any(),
                    Ok(v) => {
                        let all = Filter::default();
                        let mut sections = vec![tables::pools(&v)];
                        if v.restricted.is_none() {
                            sections
                                .extend([
                                    tables::periods(&v),
                                    tables::grants(&v),
                                    tables::purchases(&v),
                                ]);
                        }
                        // Not filtered by date: these are the account's records as of now.
                        view! {
                            <p class="muted">"Times in " {v.time_zone.clone()}</p>
                            {v
                                .restricted
                                .clone()
                                .map(|why| {
                                    view! {
                                        <section class="card notice" data-testid="restricted">
                                            <p>{why} " Ask one of them if you need these details."</p>
                                        </section>
                                    }
                                })}
                            {sections
                                .into_iter()
                                .map(|table| {
                                    view! {
                                        <section class="card">
                                            <DataTable export=export_href(table.id, &all) table />
                                        </section>
                                    }
                                })
                                .collect_view()}
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
