//! The HTTP server: Leptos pages and server functions, static files, health check.

use crate::api::{self, ApiState, log::RequestLogger};
use crate::services::MeterServiceImpl;
use app::service::Services;
use app::{App, shell};
use axum::{Router, response::Redirect, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The whole HTTP surface. Must be called inside a Tokio runtime (it starts the request-log
/// writer).
pub fn router(db: DatabaseConnection, leptos_options: LeptosOptions) -> Router {
    let api_state = ApiState {
        db: db.clone(),
        log: RequestLogger::start(db.clone()),
    };
    let services = Services(Arc::new(MeterServiceImpl {
        db,
        dashboard_org: crate::config::dashboard_org(),
    }));
    let routes = generate_route_list(App);
    Router::new()
        .merge(api::router(api_state))
        .merge(crate::export::router(services.clone()))
        .route("/healthz", get(|| async { "ok" }))
        // `/` is the usage dashboard; a plain HTTP redirect works without any script.
        .route("/", get(|| async { Redirect::temporary("/usage") }))
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(services.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
}

pub async fn serve(db: DatabaseConnection) -> anyhow::Result<()> {
    let conf = get_configuration(None)?;
    let options = conf.leptos_options;
    let addr = options.site_addr;
    let app = router(db, options);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("dashboard on http://{addr}");
    axum::serve(listener, app.into_make_service()).await?;
    Ok(())
}
