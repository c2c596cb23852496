//! The activity log: every usage event in the filtered range, newest, oldest or most credits
//! first, paged with a keyset cursor on (time or credits, id) — a deep page costs the same as
//! the first.

use super::{keyset, range};
use crate::entities::*;
use crate::error::Result;
use crate::ledger::period::local_midnight;
use app::credits::Credits;
use app::filter::Filter;
use app::ids::OrgId;
use app::model::{ActivityPage, ActivityRow, ActivitySort, Cursor};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

pub const MAX_PAGE: u64 = 500;

/// The sort key of an event: its time (`keyset::time_key`) or its credits.
fn key(sort: ActivitySort, e: &usage_event::Model) -> i64 {
    match sort {
        ActivitySort::Credits => e.credits_milli,
        _ => keyset::time_key(e.occurred_at),
    }
}

fn encode(sort: ActivitySort, e: &usage_event::Model) -> String {
    keyset::encode(key(sort, e), e.id)
}

/// The rows past `(k, id)` in the page's reading order.
fn after_cursor(sort: ActivitySort, k: i64, id: i64, descending: bool) -> SimpleExpr {
    use usage_event::Column as C;
    let (key_col, value): (C, sea_orm::Value) = match sort {
        ActivitySort::Credits => (C::CreditsMilli, k.into()),
        _ => (C::OccurredAt, keyset::time_of(k).into()),
    };
    let col = |c: C| Expr::col((usage_event::Entity, c));
    keyset::beyond(col(key_col), col(C::Id), value, id, descending)
}

/// One page in `cursor.sort` order. `cursor.before` continues (Next); `cursor.after` goes
/// back (Previous); neither = the first page.
pub async fn activity<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    cursor: &Cursor,
    now: DateTime<Utc>,
) -> Result<ActivityPage> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let size = cursor.page_size.clamp(1, MAX_PAGE);
    let sort = cursor.sort;
    let mut q = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org_id))
        .filter(usage_event::Column::OccurredAt.gte(local_midnight(tz, r.from)))
        .filter(usage_event::Column::OccurredAt.lt(local_midnight(tz, r.to + Duration::days(1))));
    q = super::usage::scope_events(db, org_id, filter, q).await?;
    let descending = (sort != ActivitySort::Oldest) != keyset::is_backward(cursor);
    if let Some((k, id)) = keyset::start(cursor)? {
        q = q.filter(after_cursor(sort, k, id, descending));
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    q = match sort {
        ActivitySort::Credits => q.order_by(usage_event::Column::CreditsMilli, order.clone()),
        _ => q.order_by(usage_event::Column::OccurredAt, order.clone()),
    }
    .order_by(usage_event::Column::Id, order);
    let read = q.limit(size + 1).all(db).await?;
    let (events, next, prev) = keyset::page(read, size, cursor, |e| encode(sort, e));
    let rows = label_rows(db, org_id, tz, &events).await?;
    Ok(ActivityPage {
        rows,
        next,
        prev,
        time_zone: org.time_zone,
    })
}

async fn label_rows<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    tz: chrono_tz::Tz,
    events: &[usage_event::Model],
) -> Result<Vec<ActivityRow>> {
    let ids = |f: fn(&usage_event::Model) -> Option<i64>| -> Vec<i64> {
        let mut v: Vec<i64> = events.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let features: HashMap<i64, String> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let sources: HashMap<i64, String> = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .filter(source::Column::Id.is_in(ids(|e| e.source_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, super::overview::source_title(&s)))
        .collect();
    let actions: HashMap<i64, String> = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(org))
        .filter(action::Column::Id.is_in(ids(|e| e.action_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let members = super::names::member_emails(db, org, Some(&ids(|e| e.user_id))).await?;
    let end_users = super::names::end_user_names(db, org, Some(&ids(|e| e.end_user_id))).await?;
    let companies: HashMap<i64, String> = company::Entity::find()
        .filter(company::Column::OrganizationId.eq(org))
        .filter(company::Column::Id.is_in(ids(|e| e.company_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(events
        .iter()
        .map(|e| ActivityRow {
            event_id: e.event_id.clone(),
            time: e
                .occurred_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            feature: features.get(&e.feature_id).cloned().unwrap_or_default(),
            source: e.source_id.and_then(|s| sources.get(&s).cloned()),
            action: e.action_id.and_then(|a| actions.get(&a).cloned()),
            user: e
                .user_id
                .and_then(|u| members.get(&u).cloned())
                .or_else(|| e.end_user_id.and_then(|u| end_users.get(&u).cloned())),
            company: e.company_id.and_then(|c| companies.get(&c).cloned()),
            credits: Credits(e.credits_milli),
            quantity: e.quantity,
            tokens: match (e.input_tokens, e.output_tokens) {
                (None, None) => None,
                (i, o) => Some(i.unwrap_or(0) + o.unwrap_or(0)),
            },
        })
        .collect())
}
