//! Usage grouped by any of day/week/month, feature, category, user, team, source, action,
//! company, model, filtered by team, user, feature, category, company, flow / source, model —
//! answered from the smallest rollup that holds the columns asked for (`rollup`), never
//! from raw events.
//! The REST API, the CSV export and the dashboard all call [`usage`].

mod labels;
mod rollup;

pub use rollup::Rollup;

use super::range::{self, DateRange};
use crate::entities::*;
use crate::error::Result;
use app::credits::Credits;
use app::error::AppError;
use app::filter::{Filter, Frequency, GroupBy};
use app::ids::OrgId;
use chrono::{DateTime, NaiveDate, Utc};
use labels::{label, labels};
use rollup::run;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageRow {
    /// One value per grouping, in the order asked; `None` = not attributed.
    pub groups: Vec<Option<String>>,
    pub credits: Credits,
    pub overage: Credits,
    pub events: i64,
    pub quantity: i64,
    /// Input and output tokens, when answered from the action rollup (which counts them).
    pub tokens: Option<(i64, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageReport {
    pub range: DateRange,
    pub time_zone: String,
    pub group_by: Vec<GroupBy>,
    pub rows: Vec<UsageRow>,
    /// Over the whole filtered range (a user in two teams counts once here).
    pub total: UsageRow,
}

impl UsageReport {
    /// A row's value for grouping `by`; `None` when the row is not attributed to one or the
    /// report is not grouped by it.
    pub fn value<'a>(&self, row: &'a UsageRow, by: GroupBy) -> Option<&'a str> {
        let i = self.group_by.iter().position(|g| *g == by)?;
        row.groups.get(i)?.as_deref()
    }

    /// A row's value for the report's first grouping (what a one-grouping table is by).
    pub fn leading<'a>(&self, row: &'a UsageRow) -> Option<&'a str> {
        row.groups.first()?.as_deref()
    }
}

/// Ids the filter's names stand for; resolve once with [`scope`] and reuse for many reports.
#[derive(Default)]
pub struct Scope {
    team: Option<i64>,
    member: Option<i64>,
    end_user: Option<i64>,
    features: Option<Vec<i64>>,
    /// Only usage done by these sources (a flow, or every source with a key).
    sources: Option<Vec<i64>>,
    company: Option<i64>,
    model: Option<i64>,
    /// Only usage of this pool (not a dashboard filter: the balance forecast needs it).
    pool: Option<i64>,
    /// Only usage attributed to some end user (period records).
    any_end_user: bool,
}

impl Scope {
    /// All usage of one pool.
    pub fn pool(pool_id: i64) -> Scope {
        Scope {
            pool: Some(pool_id),
            ..Scope::default()
        }
    }

    /// Usage of one pool by any end user.
    pub fn pool_end_users(pool_id: i64) -> Scope {
        Scope {
            any_end_user: true,
            ..Scope::pool(pool_id)
        }
    }

    /// Usage of one pool by one member or end user.
    pub fn pool_subject(pool_id: i64, member: Option<i64>, end_user: Option<i64>) -> Scope {
        Scope {
            member,
            end_user,
            ..Scope::pool(pool_id)
        }
    }
}

/// The filter's names as ids of the organization; a name it does not have is a 400 naming
/// the filter's field.
pub async fn scope<C: ConnectionTrait>(db: &C, org: OrgId, f: &Filter) -> Result<Scope> {
    let mut s = Scope::default();
    if let Some(name) = &f.team {
        let t = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(team::Column::Name.eq(name.as_str()))
            .one(db)
            .await?;
        let t = t.ok_or_else(|| AppError::invalid("team", format!("no team named {name:?}")))?;
        s.team = Some(t.id);
    }
    if let Some(u) = &f.user {
        (s.member, s.end_user) = subject(db, org, u).await?;
    }
    s.features = features(db, org, f).await?;
    s.sources = sources(db, org, f).await?;
    if let Some(key) = &f.company {
        let c = company::Entity::find()
            .filter(company::Column::OrganizationId.eq(org))
            .filter(company::Column::Key.eq(key.as_str()))
            .one(db)
            .await?;
        let c = c.ok_or_else(|| AppError::invalid("company", format!("no company {key:?}")))?;
        s.company = Some(c.id);
    }
    if let Some(name) = &f.model {
        let m = model::Entity::find()
            .filter(model::Column::OrganizationId.eq(org))
            .filter(model::Column::Name.eq(name.as_str()))
            .one(db)
            .await?;
        let m = m.ok_or_else(|| AppError::invalid("model", format!("no model {name:?}")))?;
        s.model = Some(m.id);
    }
    Ok(s)
}

/// A member (by email) or else an end user (by external id): (member, end user).
async fn subject<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    u: &str,
) -> Result<(Option<i64>, Option<i64>)> {
    let m = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .filter(user::Column::Email.eq(u))
        .one(db)
        .await?;
    if let Some(m) = m {
        return Ok((Some(m.id), None));
    }
    let e = end_user::Entity::find()
        .filter(end_user::Column::OrganizationId.eq(org))
        .filter(end_user::Column::ExternalId.eq(u))
        .one(db)
        .await?;
    let e = e.ok_or_else(|| AppError::invalid("user", format!("no member or end user {u:?}")))?;
    Ok((None, Some(e.id)))
}

/// The features a feature and / or category filter keeps (`None`: all).
async fn features<C: ConnectionTrait>(db: &C, org: OrgId, f: &Filter) -> Result<Option<Vec<i64>>> {
    let mut features: Option<Vec<i64>> = None;
    if let Some(key) = &f.feature {
        let x = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .filter(feature::Column::Key.eq(key.as_str()))
            .one(db)
            .await?;
        let x = x.ok_or_else(|| AppError::invalid("feature", format!("no feature {key:?}")))?;
        features = Some(vec![x.id]);
    }
    if let Some(key) = &f.category {
        let c = category::Entity::find()
            .filter(category::Column::OrganizationId.eq(org))
            .filter(category::Column::Key.eq(key.as_str()))
            .one(db)
            .await?;
        let c = c.ok_or_else(|| AppError::invalid("category", format!("no category {key:?}")))?;
        let in_cat: Vec<i64> = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .filter(feature::Column::CategoryId.eq(c.id))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        features = Some(match features {
            Some(one) => one.into_iter().filter(|id| in_cat.contains(id)).collect(),
            None => in_cat,
        });
    }
    Ok(features)
}

/// Whether a source is the flow named `flow` (its key).
fn is_flow(flow: &str, kind: &str, key: &str) -> bool {
    kind == "flow" && key == flow
}

/// Whether a source is the one named `source`: by its key, or by `kind:key` as the usage
/// reports label it.
fn is_source(source: &str, kind: &str, key: &str) -> bool {
    match source.split_once(':') {
        Some((k, rest)) => kind == k && key == rest,
        None => key == source,
    }
}

/// Whether a source is one a filter's `flow` and `source` name; without either, every one is.
pub fn source_wanted(f: &Filter, kind: &str, key: &str) -> bool {
    f.flow.as_deref().is_none_or(|v| is_flow(v, kind, key))
        && f.source.as_deref().is_none_or(|v| is_source(v, kind, key))
}

/// The sources a filter's `flow` and `source` name; a name that matches none is refused.
async fn sources<C: ConnectionTrait>(db: &C, org: OrgId, f: &Filter) -> Result<Option<Vec<i64>>> {
    if f.flow.is_none() && f.source.is_none() {
        return Ok(None);
    }
    let all = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .all(db)
        .await?;
    type Matches = fn(&str, &str, &str) -> bool;
    let named: [(&str, &Option<String>, Matches); 2] =
        [("flow", &f.flow, is_flow), ("source", &f.source, is_source)];
    for (field, value, matches) in named {
        let Some(v) = value else { continue };
        if !all.iter().any(|s| matches(v, s.kind.as_str(), &s.key)) {
            return Err(AppError::invalid(field, format!("no {field} {v:?}")).into());
        }
    }
    Ok(Some(
        all.into_iter()
            .filter(|s| source_wanted(f, s.kind.as_str(), &s.key))
            .map(|s| s.id)
            .collect(),
    ))
}

/// Applies the filter's team / user / feature / category to a query over raw events (the
/// activity log), with the same meaning as for the rollup.
pub async fn scope_events<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    f: &Filter,
    mut q: sea_orm::Select<usage_event::Entity>,
) -> Result<sea_orm::Select<usage_event::Entity>> {
    let s = scope(db, org, f).await?;
    if let Some(team) = s.team {
        let members: Vec<i64> = team_member::Entity::find()
            .filter(team_member::Column::OrganizationId.eq(org))
            .filter(team_member::Column::TeamId.eq(team))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        q = q.filter(usage_event::Column::UserId.is_in(members));
    }
    if let Some(m) = s.member {
        q = q.filter(usage_event::Column::UserId.eq(m));
    }
    if let Some(e) = s.end_user {
        q = q.filter(usage_event::Column::EndUserId.eq(e));
    }
    if let Some(ids) = s.features {
        q = q.filter(usage_event::Column::FeatureId.is_in(ids));
    }
    if let Some(ids) = s.sources {
        q = q.filter(usage_event::Column::SourceId.is_in(ids));
    }
    if let Some(c) = s.company {
        q = q.filter(usage_event::Column::CompanyId.eq(c));
    }
    if let Some(m) = s.model {
        q = q.filter(usage_event::Column::ModelId.eq(m));
    }
    Ok(q)
}

/// The time bucket a day falls in: the day, its week's Monday, or its month (`YYYY-MM`).
pub fn bucket_label(day: NaiveDate, frequency: Frequency) -> String {
    match frequency {
        Frequency::Day => day.to_string(),
        Frequency::Week => crate::ledger::monday_of(day).to_string(),
        Frequency::Month => day.format("%Y-%m").to_string(),
    }
}

fn usage_row(groups: Vec<Option<String>>, s: [i64; 6], tokens: bool) -> UsageRow {
    UsageRow {
        groups,
        credits: Credits(s[0]),
        overage: Credits(s[1]),
        events: s[2],
        quantity: s[3],
        tokens: tokens.then_some((s[4], s[5])),
    }
}

pub async fn usage<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    group_by: &[GroupBy],
    now: DateTime<Utc>,
) -> Result<UsageReport> {
    let range::Resolved { org, range, .. } = range::for_filter(db, org_id, filter, now).await?;
    usage_in(db, &org, range, filter, group_by).await
}

/// Like [`usage`] for an already resolved range (the compare period, for instance).
pub async fn usage_in<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    range: DateRange,
    filter: &Filter,
    group_by: &[GroupBy],
) -> Result<UsageReport> {
    let s = scope(db, org.id, filter).await?;
    usage_scoped(db, org, range, &s, group_by).await
}

/// The credits the meter rated over a range (the rest their senders priced); `None` for a
/// scope only the per-person rollups answer (they do not keep the split).
pub async fn rated<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
) -> Result<Option<Credits>> {
    Ok(rollup::rated(db, org, range, s).await?.map(Credits))
}

/// The sums over a range for a scope (no grouping), from the smallest rollup that can answer.
pub async fn totals<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
) -> Result<UsageRow> {
    let (raws, _) = run(db, org, range, s, &[], Rollup::for_question(s, &[])?, None).await?;
    Ok(usage_row(
        vec![],
        raws.first().map_or([0; 6], |r| r.sums),
        false,
    ))
}

/// Sums per local day over a range for a scope (days without usage are absent), from the
/// smallest rollup that can answer: one query however many periods the range spans.
pub async fn daily_totals<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
) -> Result<Vec<(NaiveDate, UsageRow)>> {
    let by_day = [GroupBy::Day];
    let rollup = Rollup::for_question(s, &by_day)?;
    let (raws, _) = run(db, org, range, s, &by_day, rollup, None).await?;
    Ok(raws
        .iter()
        .filter_map(|r| match r.values.first()? {
            rollup::RawValue::Day(d) => Some((*d, usage_row(vec![], r.sums, false))),
            rollup::RawValue::Id(_) => None,
        })
        .collect())
}

/// Like [`usage_in`] with the filter's names already resolved, from the smallest rollup that
/// can answer ([`Rollup::for_question`]).
pub async fn usage_scoped<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
) -> Result<UsageReport> {
    let rollup = Rollup::for_question(s, group_by)?;
    let tokens = rollup.has_tokens() && group_by.iter().any(|g| g.has_tokens());
    let weeks = org.weekly_until;
    let (raws, cols) = run(db, org.id, range, s, group_by, rollup, weeks).await?;
    // Boxed: eight lookups side by side make a large future, kept off the stack.
    let l = Box::pin(labels(db, org.id, group_by, &raws, &cols)).await?;
    // Weeks, months and categories are folded here from days and features.
    let rows = fold(
        raws.iter().map(|raw| {
            let key = group_by.iter().map(|g| label(*g, raw, &cols, &l)).collect();
            (key, raw.sums)
        }),
        group_by,
        tokens,
    );
    let total = if group_by.contains(&GroupBy::Team) {
        // A member of two teams is in two rows: the total is asked for separately.
        let (total_raw, _) = run(db, org.id, range, s, &[], rollup, weeks).await?;
        usage_row(vec![], total_raw.first().map_or([0; 6], |r| r.sums), tokens)
    } else {
        let mut sums = [0; 6];
        for raw in &raws {
            for (a, b) in sums.iter_mut().zip(raw.sums) {
                *a += b;
            }
        }
        usage_row(vec![], sums, tokens)
    };
    Ok(UsageReport {
        range,
        time_zone: org.time_zone.clone(),
        group_by: group_by.to_vec(),
        rows,
        total,
    })
}

/// Sums rows with the same key; time-first groupings in time order, others biggest first.
fn fold(
    rows: impl Iterator<Item = (Vec<Option<String>>, [i64; 6])>,
    group_by: &[GroupBy],
    tokens: bool,
) -> Vec<UsageRow> {
    let mut folded: BTreeMap<Vec<Option<String>>, [i64; 6]> = BTreeMap::new();
    for (key, sums) in rows {
        let acc = folded.entry(key).or_insert([0; 6]);
        for (a, b) in acc.iter_mut().zip(sums) {
            *a += b;
        }
    }
    let mut rows: Vec<UsageRow> = folded
        .into_iter()
        .map(|(k, v)| usage_row(k, v, tokens))
        .collect();
    if !group_by.first().is_some_and(|g| g.is_time()) {
        rows.sort_by(|a, b| {
            b.credits
                .cmp(&a.credits)
                .then_with(|| a.groups.cmp(&b.groups))
        });
    }
    rows
}

/// A report folded onto coarser groupings without asking the database again: `key` maps a
/// row's groups to the new ones (feature → category, day → week, feature × source → source).
/// The total is unchanged.
pub fn regroup(
    r: &UsageReport,
    group_by: &[GroupBy],
    key: impl Fn(&[Option<String>]) -> Vec<Option<String>>,
) -> UsageReport {
    let tokens = r.total.tokens.is_some();
    let rows = r.rows.iter().map(|row| {
        let (i, o) = row.tokens.unwrap_or_default();
        (
            key(&row.groups),
            [row.credits.0, row.overage.0, row.events, row.quantity, i, o],
        )
    });
    UsageReport {
        range: r.range,
        time_zone: r.time_zone.clone(),
        group_by: group_by.to_vec(),
        rows: fold(rows, group_by, tokens),
        total: r.total.clone(),
    }
}
