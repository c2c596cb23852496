//! The activity log: every usage event in the filtered range, newest, oldest or most credits
//! first, paged with a keyset cursor on (time or credits, id) — a deep page costs the same as
//! the first.

use super::range;
use crate::entities::*;
use crate::error::Result;
use crate::ledger::period::local_midnight;
use app::credits::Credits;
use app::error::AppError;
use app::filter::Filter;
use app::model::{ActivityPage, ActivityRow, ActivitySort, Cursor};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

pub const MAX_PAGE: u64 = 500;

/// The sort key of an event: its time (unix micros) or its credits.
fn key(sort: ActivitySort, e: &usage_event::Model) -> i64 {
    match sort {
        ActivitySort::Credits => e.credits_milli,
        _ => e.occurred_at.timestamp_micros(),
    }
}

/// `"<key>_<id>"`
fn encode(sort: ActivitySort, e: &usage_event::Model) -> String {
    format!("{}_{}", key(sort, e), e.id)
}

fn decode(cursor: &str) -> Result<(i64, i64)> {
    let bad = || AppError::invalid("cursor", "is not a cursor from this log");
    let (k, id) = cursor.split_once('_').ok_or_else(bad)?;
    Ok((
        k.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// `(key, id) < (k, id)` (or `>`): a row-value comparison the index serves in one range
/// scan, however deep the page.
fn after_cursor(sort: ActivitySort, k: i64, id: i64, descending: bool) -> Result<SimpleExpr> {
    use usage_event::Column as C;
    let key_col = match sort {
        ActivitySort::Credits => C::CreditsMilli,
        _ => C::OccurredAt,
    };
    let value: sea_orm::Value = match sort {
        ActivitySort::Credits => k.into(),
        _ => Utc
            .timestamp_micros(k)
            .single()
            .ok_or_else(|| AppError::invalid("cursor", "is not a cursor from this log"))?
            .into(),
    };
    let row = Expr::tuple([
        Expr::col((usage_event::Entity, key_col)),
        Expr::col((usage_event::Entity, C::Id)),
    ]);
    let at = Expr::tuple([Expr::val(value), Expr::val(id)]);
    Ok(if descending { row.lt(at) } else { row.gt(at) })
}

/// One page in `cursor.sort` order. `cursor.before` continues (Next); `cursor.after` goes
/// back (Previous); neither = the first page.
pub async fn activity<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
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
    let backward = cursor.after.is_some();
    let descending = (sort != ActivitySort::Oldest) != backward;
    if let Some(c) = cursor.after.as_deref().or(cursor.before.as_deref()) {
        let (k, id) = decode(c)?;
        q = q.filter(after_cursor(sort, k, id, descending)?);
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    q = match sort {
        ActivitySort::Credits => q.order_by(usage_event::Column::CreditsMilli, order.clone()),
        _ => q.order_by(usage_event::Column::OccurredAt, order.clone()),
    }
    .order_by(usage_event::Column::Id, order);
    // One extra row tells whether another page exists in this direction.
    let mut events = q.limit(size + 1).all(db).await?;
    let more = events.len() as u64 > size;
    events.truncate(size as usize);
    if backward {
        events.reverse();
    }
    let (next, prev) = match (events.first(), events.last()) {
        (Some(first), Some(last)) => {
            let next_exists = if backward { true } else { more };
            let prev_exists = if backward {
                more
            } else {
                cursor.before.is_some()
            };
            (
                next_exists.then(|| encode(sort, last)),
                prev_exists.then(|| encode(sort, first)),
            )
        }
        _ => (None, None),
    };
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
    org: i64,
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
