//! The dashboard's [`MeterService`]: each server function's call checked against the viewer
//! (session, role, dashboard access) and answered by a query service or an admin action.

use crate::services::{activity, credits, flows, overview, requests, users};
use app::error::AppError;
use app::filter::Filter;
use app::model::{
    ActivityPage, CreditsView, Cursor, FilterOptions, FlowsView, Overview, RequestLogView,
    UsersView,
};
use app::service::{MeterService, Viewer};
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use app::roles::Me;

#[derive(Clone)]
pub struct MeterServiceImpl {
    pub db: DatabaseConnection,
    pub limits: crate::auth::limit::LoginLimits,
    pub payments: std::sync::Arc<dyn crate::payment::PaymentProvider>,
    pub jobs: crate::admin::Jobs,
    pub config: std::sync::Arc<crate::config::Config>,
}

impl MeterServiceImpl {
    /// The services over `db` with the built-in invoice payment provider.
    pub fn new(db: DatabaseConnection) -> Self {
        MeterServiceImpl {
            db,
            limits: Default::default(),
            payments: std::sync::Arc::new(crate::payment::InvoiceProvider),
            jobs: Default::default(),
            config: Default::default(),
        }
    }
}

#[async_trait]
impl MeterService for MeterServiceImpl {
    async fn viewer(&self, request: &axum::http::request::Parts) -> Result<Viewer, AppError> {
        Ok(crate::auth::viewer(&self.db, request).await?)
    }

    fn login_hint(&self) -> Option<String> {
        self.config.login_hint.clone()
    }

    async fn setup_open(&self) -> Result<bool, AppError> {
        Ok(crate::setup::is_open(&self.db).await?)
    }

    async fn setup(
        &self,
        request: &axum::http::request::Parts,
        form: &app::admin::SetupForm,
    ) -> Result<(), AppError> {
        let email = crate::setup::run(&self.db, form, Utc::now()).await?;
        self.login(request, &email, &form.password).await
    }

    async fn set_password(
        &self,
        request: &axum::http::request::Parts,
        token: &str,
        password: &str,
    ) -> Result<(), AppError> {
        let user =
            crate::accounts::set_password_with_link(&self.db, token, password, Utc::now()).await?;
        self.login(request, &user.email, password).await
    }

    async fn login(
        &self,
        request: &axum::http::request::Parts,
        email: &str,
        password: &str,
    ) -> Result<(), AppError> {
        crate::auth::login(&self.db, &self.limits, request, email, password).await?;
        Ok(())
    }

    async fn logout(&self, request: &axum::http::request::Parts) -> Result<(), AppError> {
        Ok(crate::auth::logout(request).await?)
    }

    async fn settings(&self, viewer: &Viewer) -> Result<app::admin::SettingsView, AppError> {
        Ok(crate::admin::settings_view(&self.db, &self.jobs, viewer).await?)
    }

    async fn admin(
        &self,
        viewer: &Viewer,
        action: app::admin::AdminAction,
    ) -> Result<app::admin::AdminOutcome, AppError> {
        Ok(crate::admin::perform(
            &self.db,
            &*self.payments,
            &self.jobs,
            self.config.public_url.as_deref(),
            viewer,
            action,
            Utc::now(),
        )
        .await?)
    }

    async fn me(&self, viewer: &Viewer) -> Result<Me, AppError> {
        Ok(crate::auth::me(&self.db, viewer).await?)
    }

    async fn overview(&self, viewer: &Viewer, filter: &Filter) -> Result<Overview, AppError> {
        viewer.check_dashboard()?;
        Ok(overview::overview(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn activity(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        cursor: &Cursor,
    ) -> Result<ActivityPage, AppError> {
        viewer.check_dashboard()?;
        Ok(
            activity::activity(&self.db, viewer.organization_id, filter, cursor, Utc::now())
                .await?,
        )
    }

    async fn credits(&self, viewer: &Viewer) -> Result<CreditsView, AppError> {
        viewer.check_dashboard()?;
        let mut v = credits::credits_view(&self.db, viewer.organization_id, Utc::now()).await?;
        if !viewer.role.billing() {
            // Billing detail is for owners and billing admins; others get the reason instead.
            v.grants.clear();
            v.purchases.clear();
            v.periods.clear();
            v.restricted = Some(
                "Grants, purchases and billing-period records are shown to owners and billing admins."
                    .into(),
            );
        }
        Ok(v)
    }

    async fn users(&self, viewer: &Viewer, filter: &Filter) -> Result<UsersView, AppError> {
        viewer.check_dashboard()?;
        Ok(users::users_view(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn flows(&self, viewer: &Viewer, filter: &Filter) -> Result<FlowsView, AppError> {
        viewer.check_dashboard()?;
        Ok(flows::flows_view(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn requests(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        cursor: &Cursor,
        counts: bool,
    ) -> Result<RequestLogView, AppError> {
        viewer.check_dashboard()?;
        viewer.check(viewer.role.administers(), "The API request log")?;
        let org = viewer.organization_id;
        Ok(requests::request_log(&self.db, org, filter, cursor, counts, Utc::now()).await?)
    }

    async fn filter_options(&self, viewer: &Viewer) -> Result<FilterOptions, AppError> {
        viewer.check_dashboard()?;
        Ok(overview::filter_options(&self.db, viewer.organization_id).await?)
    }
}
