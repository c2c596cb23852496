//! The API page: the REST API's request log in the filtered date range, newest first, paged
//! with a keyset cursor on (time, id).

use super::{activity::MAX_PAGE, keyset, range};
use crate::entities::request_log;
use crate::error::Result;
use crate::ledger::period::local_midnight;
use app::filter::Filter;
use app::ids::OrgId;
use app::model::{Cursor, RequestCounts, RequestLogView, RequestRow};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

fn encode(e: &request_log::Model) -> String {
    keyset::encode(keyset::time_key(e.at), e.id)
}

/// One page in time order, newest first; the range's counts when `counts`.
pub async fn request_log<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    cursor: &Cursor,
    counts: bool,
    now: DateTime<Utc>,
) -> Result<RequestLogView> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let in_range = || {
        request_log::Entity::find()
            .filter(request_log::Column::OrganizationId.eq(org_id))
            .filter(request_log::Column::At.gte(local_midnight(tz, r.from)))
            .filter(request_log::Column::At.lt(local_midnight(tz, r.to + Duration::days(1))))
    };
    let counts = if counts {
        Some(count(db, in_range).await?)
    } else {
        None
    };
    let size = cursor.page_size.clamp(1, MAX_PAGE);
    let descending = !keyset::is_backward(cursor);
    let mut q = in_range();
    if let Some((at, id)) = keyset::start(cursor)? {
        let at = keyset::time_of(at);
        let col = |c| Expr::col((request_log::Entity, c));
        let (at_col, id_col) = (request_log::Column::At, request_log::Column::Id);
        q = q.filter(keyset::beyond(
            col(at_col),
            col(id_col),
            at.into(),
            id,
            descending,
        ));
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    let read = q
        .order_by(request_log::Column::At, order.clone())
        .order_by(request_log::Column::Id, order)
        .limit(size + 1)
        .all(db)
        .await?;
    let (page, next, prev) = keyset::page(read, size, cursor, encode);
    let rows = page
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
        counts,
        rows,
        next,
        prev,
    })
}

async fn count<C: ConnectionTrait>(
    db: &C,
    in_range: impl Fn() -> Select<request_log::Entity>,
) -> Result<RequestCounts> {
    let total = in_range().count(db).await? as i64;
    let failed = in_range()
        .filter(request_log::Column::Status.gte(400))
        .count(db)
        .await? as i64;
    Ok(RequestCounts { total, failed })
}
