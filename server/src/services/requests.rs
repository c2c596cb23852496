//! The API page: the REST API's request log in the filtered date range, newest first.

use super::range;
use crate::entities::request_log;
use crate::error::Result;
use crate::ledger::period::local_midnight;
use app::filter::Filter;
use app::model::{RequestLogView, RequestRow};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The newest `limit` requests of the range (all of them with `None`) and the range's counts.
pub async fn request_log<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    filter: &Filter,
    limit: Option<u64>,
    now: DateTime<Utc>,
) -> Result<RequestLogView> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let in_range = || {
        request_log::Entity::find()
            .filter(request_log::Column::OrganizationId.eq(org_id))
            .filter(request_log::Column::At.gte(local_midnight(tz, r.from)))
            .filter(request_log::Column::At.lt(local_midnight(tz, r.to + Duration::days(1))))
    };
    let total = in_range().count(db).await? as i64;
    let failed = in_range()
        .filter(request_log::Column::Status.gte(400))
        .count(db)
        .await? as i64;
    let mut q = in_range()
        .order_by_desc(request_log::Column::At)
        .order_by_desc(request_log::Column::Id);
    if let Some(n) = limit {
        q = q.limit(n);
    }
    let rows = q
        .all(db)
        .await?
        .into_iter()
        .map(|e| RequestRow {
            id: e.id,
            time: e
                .at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            method: e.method,
            endpoint: e.endpoint,
            end_user: e.end_user,
            api_key: e.api_key_prefix,
            status: e.status,
            latency_us: e.latency_us,
        })
        .collect();
    Ok(RequestLogView {
        time_zone: org.time_zone,
        from: r.from,
        to: r.to,
        total,
        failed,
        rows,
    })
}
