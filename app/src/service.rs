//! The seam between the thin server functions of this crate and the server-only query
//! services (SeaORM, in `server`). Only compiled with `ssr`: nothing here reaches the wasm build.

use crate::error::AppError;
use crate::filter::Filter;
use crate::model::{
    ActivityPage, CreditsView, Cursor, FilterOptions, FlowsView, Overview, RequestLogView,
    UsersView,
};
use async_trait::async_trait;
use leptos::prelude::*;
use std::sync::Arc;

/// Who is asking. Always resolved by the server from the request — never from an id the
/// client sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub organization_id: i64,
    pub user_id: Option<i64>,
}

/// Every question a page can ask. Implemented once, in `server::services`; the REST API and
/// the CSV exports call the same implementation.
#[async_trait]
pub trait MeterService: Send + Sync + 'static {
    /// Resolves the viewer of a request (session, later API key) or refuses it.
    async fn viewer(&self, request: &http::request::Parts) -> Result<Viewer, AppError>;
    async fn overview(&self, viewer: &Viewer, filter: &Filter) -> Result<Overview, AppError>;
    async fn filter_options(&self, viewer: &Viewer) -> Result<FilterOptions, AppError>;
    async fn credits(&self, viewer: &Viewer) -> Result<CreditsView, AppError>;
    async fn users(&self, viewer: &Viewer, filter: &Filter) -> Result<UsersView, AppError>;
    async fn flows(&self, viewer: &Viewer, filter: &Filter) -> Result<FlowsView, AppError>;
    /// The newest `limit` requests of the filter's range (all with `None`).
    async fn requests(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        limit: Option<u64>,
    ) -> Result<RequestLogView, AppError>;
    async fn activity(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        cursor: &Cursor,
    ) -> Result<ActivityPage, AppError>;
}

/// Provided as Leptos context by the server for every SSR render and server-function call.
#[derive(Clone)]
pub struct Services(pub Arc<dyn MeterService>);

/// The services and the checked viewer, for the first line of every server function.
pub async fn current() -> Result<(Arc<dyn MeterService>, Viewer), ServerFnError> {
    let services = use_context::<Services>()
        .ok_or_else(|| ServerFnError::new("server misconfigured: no services in context"))?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    let viewer = services.0.viewer(&parts).await.map_err(into_server_error)?;
    Ok((services.0, viewer))
}

pub fn into_server_error(e: AppError) -> ServerFnError {
    ServerFnError::ServerError(e.to_string())
}
