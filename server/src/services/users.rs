//! The Users page: credits per member / end user and feature (the user × subcategory
//! table), and end-user allocations of the current period, closest to running out first.

use super::allocations::used_by_pool_and_subject;
use super::range;
use super::usage::{UsageReport, scope, usage_scoped};
use crate::entities::allocation::{self, SubjectKind};
use crate::entities::feature;
use crate::error::{Error, Result};
use crate::ledger;
use crate::store::pools;
use app::credits::Credits;
use app::filter::{Filter, GroupBy};
use app::ids::OrgId;
use app::model::{AllocationRow, UserUsage, UsersView};
use chrono::{DateTime, Duration, Utc};
use futures::TryFutureExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap, HashSet};

pub async fn users_view<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<UsersView> {
    let (range::Resolved { org, tz, range: r }, s, emails) = futures::try_join!(
        range::for_filter(db, org_id, filter, now),
        scope(db, org_id, filter),
        super::names::member_emails(db, org_id, None)
    )?;
    let period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    // The grouped scans and lookups run side by side, on separate pooled connections.
    let (report, allocations, feature_rows) = futures::try_join!(
        usage_scoped(db, &org, r, &s, &[GroupBy::User, GroupBy::Feature]),
        allocations(db, org_id, &period, &emails),
        feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org_id))
            .all(db)
            .err_into::<Error>()
    )?;

    let features = feature_columns(&report);
    let members: HashSet<&String> = emails.values().collect();
    let users = user_rows(&report, &features, &members);
    let names: HashMap<String, String> =
        feature_rows.into_iter().map(|f| (f.key, f.name)).collect();
    Ok(UsersView {
        time_zone: org.time_zone.clone(),
        from: r.from,
        to: r.to,
        features: features
            .into_iter()
            .map(|(k, _)| {
                let name = names.get(&k).cloned().unwrap_or_else(|| k.clone());
                (k, name)
            })
            .collect(),
        users,
        period_start: period.start_date,
        period_end: period.end_date - Duration::days(1),
        allocations,
    })
}

/// The features used in the report, biggest first: the table's columns.
fn feature_columns(report: &UsageReport) -> Vec<(String, Credits)> {
    let mut totals: HashMap<String, Credits> = HashMap::new();
    for row in &report.rows {
        if let Some(f) = report.value(row, GroupBy::Feature) {
            *totals.entry(f.to_string()).or_default() += row.credits;
        }
    }
    let mut features: Vec<(String, Credits)> = totals.into_iter().collect();
    features.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    features
}

/// One row per user (member or end user) with credits per feature column, biggest first.
fn user_rows(
    report: &UsageReport,
    features: &[(String, Credits)],
    members: &HashSet<&String>,
) -> Vec<UserUsage> {
    let column: HashMap<&str, usize> = features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.0.as_str(), i))
        .collect();
    let mut by_user: BTreeMap<Option<String>, UserUsage> = BTreeMap::new();
    for row in &report.rows {
        let name = report.value(row, GroupBy::User).map(str::to_string);
        let u = by_user.entry(name.clone()).or_insert_with(|| UserUsage {
            kind: match &name {
                Some(n) if members.contains(n) => "member".into(),
                Some(_) => "end user".into(),
                None => String::new(),
            },
            name,
            total: Credits::ZERO,
            events: 0,
            by_feature: vec![Credits::ZERO; features.len()],
        });
        u.total += row.credits;
        u.events += row.events;
        let feature = report.value(row, GroupBy::Feature);
        if let Some(i) = feature.and_then(|f| column.get(f)) {
            u.by_feature[*i] += row.credits;
        }
    }
    let mut users: Vec<UserUsage> = by_user.into_values().collect();
    users.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    users
}

/// Every allocation with its use in `period`, closest to running out first.
async fn allocations<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    period: &ledger::Period,
    members: &HashMap<i64, String>,
) -> Result<Vec<AllocationRow>> {
    // Caps, pools and every pool's use in the period side by side; then the capped end users'
    // names (only theirs: an organization may have many end users).
    let (caps, pools, mut used) = futures::try_join!(
        allocation::Entity::find()
            .filter(allocation::Column::OrganizationId.eq(org_id))
            .all(db)
            .err_into::<Error>(),
        pools::list(db, org_id),
        used_by_pool_and_subject(db, org_id, None, period)
    )?;
    if caps.is_empty() {
        return Ok(vec![]);
    }
    let capped: Vec<i64> = caps
        .iter()
        .filter(|a| a.subject_kind != SubjectKind::Member)
        .map(|a| a.subject_id)
        .collect();
    let end_users = super::names::end_user_names(db, org_id, Some(&capped)).await?;
    let pool_names: HashMap<i64, &str> = pools.iter().map(|p| (p.id, p.name.as_str())).collect();
    let mut out = Vec::with_capacity(caps.len());
    for a in &caps {
        let Some(pool) = pool_names.get(&a.pool_id) else {
            continue;
        };
        let used = used.entry(a.pool_id).or_default();
        let (subject, kind, used) = if a.subject_kind == SubjectKind::Member {
            (
                members.get(&a.subject_id),
                "member",
                used.members.get(&a.subject_id),
            )
        } else {
            (
                end_users.get(&a.subject_id),
                "end user",
                used.end_users.get(&a.subject_id),
            )
        };
        let used = used.copied().unwrap_or_default();
        let cap = Credits(a.cap_milli);
        out.push(AllocationRow {
            subject: subject
                .cloned()
                .unwrap_or_else(|| format!("#{}", a.subject_id)),
            kind: kind.into(),
            pool: pool.to_string(),
            cap,
            used,
            remaining: ledger::allocation::allocation_left(cap, used),
        });
    }
    // Least left relative to the cap first; exact integer comparison (remaining/cap).
    out.sort_by(|a, b| {
        (a.remaining.0 as i128 * b.cap.0.max(1) as i128)
            .cmp(&(b.remaining.0 as i128 * a.cap.0.max(1) as i128))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    Ok(out)
}
