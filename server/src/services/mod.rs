//! Server-only query services. Pages (through server functions), the REST API and the CSV
//! exports all call these; there is no second copy of a query.

pub mod activity;
pub mod allocations;
pub mod balance;
pub mod credits;
pub mod flows;
pub mod names;
pub mod overview;
pub mod periods;
pub mod range;
pub mod requests;
mod sql;
pub mod usage;
pub mod users;

use crate::error::Result;
use app::error::AppError;
use app::filter::Filter;
use app::model::{
    ActivityPage, CreditsView, Cursor, FilterOptions, FlowsView, Overview, RequestLogView,
    UsersView,
};
use app::service::{MeterService, Viewer};
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::organization;

#[derive(Clone)]
pub struct MeterServiceImpl {
    pub db: DatabaseConnection,
    /// Organization shown on the dashboard until sign-in exists (`DASHBOARD_ORG`); the first
    /// organization when unset.
    pub dashboard_org: Option<String>,
}

impl MeterServiceImpl {
    async fn dashboard_viewer(&self) -> Result<Viewer> {
        let mut q = organization::Entity::find().order_by_asc(organization::Column::Id);
        if let Some(slug) = &self.dashboard_org {
            q = q.filter(organization::Column::Slug.eq(slug.as_str()));
        }
        let org = q.one(&self.db).await?.ok_or(AppError::Unauthorized)?;
        Ok(Viewer {
            organization_id: org.id,
            user_id: None,
        })
    }
}

#[async_trait]
impl MeterService for MeterServiceImpl {
    async fn viewer(&self, _request: &axum::http::request::Parts) -> Result<Viewer, AppError> {
        Ok(self.dashboard_viewer().await?)
    }

    async fn overview(&self, viewer: &Viewer, filter: &Filter) -> Result<Overview, AppError> {
        Ok(overview::overview(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn activity(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        cursor: &Cursor,
    ) -> Result<ActivityPage, AppError> {
        Ok(
            activity::activity(&self.db, viewer.organization_id, filter, cursor, Utc::now())
                .await?,
        )
    }

    async fn credits(&self, viewer: &Viewer) -> Result<CreditsView, AppError> {
        Ok(credits::credits_view(&self.db, viewer.organization_id, Utc::now()).await?)
    }

    async fn users(&self, viewer: &Viewer, filter: &Filter) -> Result<UsersView, AppError> {
        Ok(users::users_view(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn flows(&self, viewer: &Viewer, filter: &Filter) -> Result<FlowsView, AppError> {
        Ok(flows::flows_view(&self.db, viewer.organization_id, filter, Utc::now()).await?)
    }

    async fn requests(
        &self,
        viewer: &Viewer,
        filter: &Filter,
        limit: Option<u64>,
    ) -> Result<RequestLogView, AppError> {
        Ok(
            requests::request_log(&self.db, viewer.organization_id, filter, limit, Utc::now())
                .await?,
        )
    }

    async fn filter_options(&self, viewer: &Viewer) -> Result<FilterOptions, AppError> {
        Ok(overview::filter_options(&self.db, viewer.organization_id).await?)
    }
}
