//! The activity log: every usage event in the filtered range, newest first, paged with a
//! keyset cursor on (time, id) — a deep page costs the same as the first.

use super::balance::{org_tz, organization};
use super::range;
use crate::entities::*;
use crate::error::Result;
use crate::ledger::period::local_midnight;
use app::credits::Credits;
use app::error::AppError;
use app::filter::Filter;
use app::model::{ActivityPage, ActivityRow};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

pub const MAX_PAGE: u64 = 500;

/// `"<unix micros>_<id>"`
fn encode(e: &usage_event::Model) -> String {
    format!("{}_{}", e.occurred_at.timestamp_micros(), e.id)
}

fn decode(cursor: &str) -> Result<(DateTime<Utc>, i64)> {
    let bad = || AppError::invalid("cursor", "is not a cursor from this log");
    let (t, id) = cursor.split_once('_').ok_or_else(bad)?;
    let t = Utc
        .timestamp_micros(t.parse().map_err(|_| bad())?)
        .single()
        .ok_or_else(bad)?;
    Ok((t, id.parse().map_err(|_| bad())?))
}

/// One page. `after` = go to newer events than that cursor; `before` (or neither) = older.
pub async fn activity<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    filter: &Filter,
    before: Option<&str>,
    after: Option<&str>,
    page_size: u64,
    now: DateTime<Utc>,
) -> Result<ActivityPage> {
    let org = organization(db, org_id).await?;
    range::check_tz(filter, &org)?;
    let tz = org_tz(&org)?;
    let r = range::resolve(filter, &org, tz, now)?;
    let size = page_size.clamp(1, MAX_PAGE);
    let mut q = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org_id))
        .filter(usage_event::Column::OccurredAt.gte(local_midnight(tz, r.from)))
        .filter(usage_event::Column::OccurredAt.lt(local_midnight(tz, r.to + Duration::days(1))));
    q = super::usage::scope_events(db, org_id, filter, q).await?;
    let newer = after.is_some();
    if let Some(c) = after.or(before) {
        let (t, id) = decode(c)?;
        let (time_cmp, id_cmp) = if newer {
            (
                usage_event::Column::OccurredAt.gt(t),
                usage_event::Column::Id.gt(id),
            )
        } else {
            (
                usage_event::Column::OccurredAt.lt(t),
                usage_event::Column::Id.lt(id),
            )
        };
        q = q.filter(
            Condition::any().add(time_cmp).add(
                Condition::all()
                    .add(usage_event::Column::OccurredAt.eq(t))
                    .add(id_cmp),
            ),
        );
    }
    q = if newer {
        q.order_by_asc(usage_event::Column::OccurredAt)
            .order_by_asc(usage_event::Column::Id)
    } else {
        q.order_by_desc(usage_event::Column::OccurredAt)
            .order_by_desc(usage_event::Column::Id)
    };
    // One extra row tells whether another page exists in this direction.
    let mut events = q.limit(size + 1).all(db).await?;
    let more = events.len() as u64 > size;
    events.truncate(size as usize);
    if newer {
        events.reverse();
    }
    let (next, prev) = match (events.first(), events.last()) {
        (Some(first), Some(last)) => {
            let older_exists = if newer { true } else { more };
            let newer_exists = if newer { more } else { before.is_some() };
            (
                older_exists.then(|| encode(last)),
                newer_exists.then(|| encode(first)),
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
        .map(|s| {
            let mut kind = s.kind.clone();
            kind[..1].make_ascii_uppercase();
            (s.id, format!("{kind} · {}", s.name))
        })
        .collect();
    let actions: HashMap<i64, String> = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(org))
        .filter(action::Column::Id.is_in(ids(|e| e.action_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let members: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .filter(user::Column::Id.is_in(ids(|e| e.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let end_users: HashMap<i64, String> = end_user::Entity::find()
        .filter(end_user::Column::OrganizationId.eq(org))
        .filter(end_user::Column::Id.is_in(ids(|e| e.end_user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.external_id))
        .collect();
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
