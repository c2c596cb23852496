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
    pub organization_id: crate::ids::OrgId,
    pub user_id: i64,
    pub role: crate::roles::Role,
    /// Whether the organization lets this role open the usage dashboard.
    pub dashboard: bool,
}

impl Viewer {
    /// Refuses when the organization's owners closed the dashboard to this role.
    pub fn check_dashboard(&self) -> Result<(), AppError> {
        if self.dashboard {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "your organization's owners have not opened the usage dashboard to the {} role",
                self.role.label().to_lowercase()
            )))
        }
    }

    pub fn check(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "{what} is not open to the {} role",
                self.role.label().to_lowercase()
            )))
        }
    }
}

/// Every question a page can ask. Implemented once, in `server::meter`; the REST API and
/// the CSV exports call the same implementation.
#[async_trait]
pub trait MeterService: Send + Sync + 'static {
    /// Resolves the viewer of a request from its session, or refuses it.
    async fn viewer(&self, request: &http::request::Parts) -> Result<Viewer, AppError>;

    /// The operator's line for the login page, if any.
    fn login_hint(&self) -> Option<String>;
    /// Checks email + password and signs the request's session in.
    async fn login(
        &self,
        request: &http::request::Parts,
        email: &str,
        password: &str,
    ) -> Result<(), AppError>;
    async fn logout(&self, request: &http::request::Parts) -> Result<(), AppError>;
    /// Whether the first-run setup page is open (no organization exists yet).
    async fn setup_open(&self) -> Result<bool, AppError>;
    /// Creates the first organization and its owner, and signs the owner in.
    async fn setup(
        &self,
        request: &http::request::Parts,
        form: &crate::admin::SetupForm,
    ) -> Result<(), AppError>;
    /// Sets a member's password through a one-time link, and signs them in.
    async fn set_password(
        &self,
        request: &http::request::Parts,
        token: &str,
        password: &str,
    ) -> Result<(), AppError>;
    async fn me(&self, viewer: &Viewer) -> Result<crate::roles::Me, AppError>;
    /// The Settings page, cut to the viewer's role.
    async fn settings(&self, viewer: &Viewer) -> Result<crate::admin::SettingsView, AppError>;
    /// One admin action: role-checked, confined to the viewer's organization, audited.
    async fn admin(
        &self,
        viewer: &Viewer,
        action: crate::admin::AdminAction,
    ) -> Result<crate::admin::AdminOutcome, AppError>;
    async fn overview(&self, viewer: &Viewer, filter: &Filter) -> Result<Overview, AppError>;
    async fn filter_options(&self, viewer: &Viewer) -> Result<FilterOptions, AppError>;
    async fn credits(&self, viewer: &Viewer) -> Result<CreditsView, AppError>;
    async fn users(&self, viewer: &Viewer, filter: &Filter) -> Result<UsersView, AppError>;
    async fn flows(&self, viewer: &Viewer, filter: &Filter) -> Result<FlowsView, AppError>;
    /// A page of the request log (newest first; `cursor.sort` does not apply), with the
    /// range's counts when `counts` (the page asks for them; a download does not).
    async fn requests(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        cursor: &Cursor,
        counts: bool,
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

/// The services and the request, for server functions that need no signed-in viewer.
pub async fn request() -> Result<(Arc<dyn MeterService>, http::request::Parts), AppError> {
    let services = use_context::<Services>()
        .ok_or_else(|| AppError::internal("server misconfigured: no services in context"))?;
    let parts: http::request::Parts = leptos_axum::extract().await.map_err(AppError::internal)?;
    Ok((services.0, parts))
}

/// Where the browser reached this dashboard (`https://meter.example`), from the request.
pub async fn origin() -> Result<String, AppError> {
    let parts: http::request::Parts = leptos_axum::extract().await.map_err(AppError::internal)?;
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = header("host").unwrap_or_else(|| "127.0.0.1:3000".into());
    let scheme = header("x-forwarded-proto")
        .filter(|p| p == "https")
        .unwrap_or("http".into());
    Ok(format!("{scheme}://{host}"))
}

/// The services and the checked viewer, for the first line of every server function.
pub async fn current() -> Result<(Arc<dyn MeterService>, Viewer), AppError> {
    let (services, parts) = request().await?;
    let viewer = services.viewer(&parts).await.map_err(into_server_error)?;
    Ok((services, viewer))
}

pub use crate::error::into_server_error;
