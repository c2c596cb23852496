//! Usage grouped by any of day/week/month, feature, category, user, team, source, company,
//! filtered by team, user, feature, category — answered from the daily rollup only.
//! The REST API, the CSV export and the dashboard all call [`usage`].

use super::range::{self, DateRange};
use super::sql::{sum_expr_i64, sum_i64};
use crate::entities::*;
use crate::error::Result;
use app::credits::Credits;
use app::error::AppError;
use app::filter::{Filter, Frequency, GroupBy};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

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

/// Ids the filter's names stand for; resolve once with [`scope`] and reuse for many reports.
#[derive(Default)]
pub struct Scope {
    team: Option<i64>,
    member: Option<i64>,
    end_user: Option<i64>,
    features: Option<Vec<i64>>,
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

pub async fn scope<C: ConnectionTrait>(db: &C, org: i64, f: &Filter) -> Result<Scope> {
    let mut s = Scope::default();
    if let Some(name) = &f.team {
        let t = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(team::Column::Name.eq(name.as_str()))
            .one(db)
            .await?;
        s.team = Some(
            t.ok_or_else(|| AppError::invalid("team", format!("no team named {name:?}")))?
                .id,
        );
    }
    if let Some(u) = &f.user {
        let m = user::Entity::find()
            .filter(user::Column::OrganizationId.eq(org))
            .filter(user::Column::Email.eq(u.as_str()))
            .one(db)
            .await?;
        match m {
            Some(m) => s.member = Some(m.id),
            None => {
                let e = end_user::Entity::find()
                    .filter(end_user::Column::OrganizationId.eq(org))
                    .filter(end_user::Column::ExternalId.eq(u.as_str()))
                    .one(db)
                    .await?;
                s.end_user = Some(
                    e.ok_or_else(|| {
                        AppError::invalid("user", format!("no member or end user {u:?}"))
                    })?
                    .id,
                );
            }
        }
    }
    let mut features: Option<Vec<i64>> = None;
    if let Some(key) = &f.feature {
        let x = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .filter(feature::Column::Key.eq(key.as_str()))
            .one(db)
            .await?;
        features = Some(vec![
            x.ok_or_else(|| AppError::invalid("feature", format!("no feature {key:?}")))?
                .id,
        ]);
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
    s.features = features;
    Ok(s)
}

/// Applies the filter's team / user / feature / category to a query over raw events (the
/// activity log), with the same meaning as for the rollup.
pub async fn scope_events<C: ConnectionTrait>(
    db: &C,
    org: i64,
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
    Ok(q)
}

/// Which rollup answers: the smallest one that has every column the question needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollup {
    /// Day × pool × feature × source × action, with tokens: nothing per person, so its size
    /// does not grow with events or people (a few thousand rows).
    Features,
    /// Day × pool × feature × member × end user.
    Users,
    /// Day × pool × feature × member × end user × source × company.
    Daily,
    /// Day × feature × member × end user × source × action, with tokens.
    Actions,
}

impl Rollup {
    /// Smallest first.
    const ALL: [Rollup; 4] = [
        Rollup::Features,
        Rollup::Users,
        Rollup::Daily,
        Rollup::Actions,
    ];

    fn table(self) -> &'static str {
        match self {
            Rollup::Daily => "usage_daily",
            Rollup::Actions => "usage_action_daily",
            Rollup::Features => "usage_feature_daily",
            Rollup::Users => "usage_user_daily",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Rollup::Features => &[
                "day",
                "pool_id",
                "feature_id",
                "source_id",
                "action_id",
                "tokens",
            ],
            Rollup::Users => &["day", "pool_id", "feature_id", "user_id", "end_user_id"],
            Rollup::Daily => &[
                "day",
                "pool_id",
                "feature_id",
                "user_id",
                "end_user_id",
                "source_id",
                "company_id",
            ],
            Rollup::Actions => &[
                "day",
                "feature_id",
                "user_id",
                "end_user_id",
                "source_id",
                "action_id",
                "tokens",
            ],
        }
    }

    /// The smallest rollup with the columns a grouping and a scope need. Token sums are
    /// reported for groupings by action.
    pub fn for_question(s: &Scope, group_by: &[GroupBy]) -> Rollup {
        let mut needs: Vec<&str> = group_by
            .iter()
            .flat_map(|g| sql_columns(*g))
            .map(|(_, c)| if *c == "team_id" { "user_id" } else { *c })
            .collect();
        if s.team.is_some() || s.member.is_some() {
            needs.push("user_id");
        }
        if s.end_user.is_some() || s.any_end_user {
            needs.push("end_user_id");
        }
        if s.features.is_some() {
            needs.push("feature_id");
        }
        if s.pool.is_some() {
            needs.push("pool_id");
        }
        if group_by.contains(&GroupBy::Action) {
            needs.push("tokens");
        }
        Rollup::ALL
            .into_iter()
            .find(|r| needs.iter().all(|c| r.columns().contains(c)))
            .expect("usage_daily and usage_action_daily together have every column")
    }

    fn has_tokens(self) -> bool {
        self.columns().contains(&"tokens")
    }
}

/// Alias of the rollup table in every statement, whichever table it is.
const UD: &str = "usage_daily";
const TM: &str = "team_members";

/// The SQL columns a grouping needs.
fn sql_columns(g: GroupBy) -> &'static [(&'static str, &'static str)] {
    match g {
        GroupBy::Day | GroupBy::Week | GroupBy::Month => &[(UD, "day")],
        GroupBy::Feature | GroupBy::Category => &[(UD, "feature_id")],
        GroupBy::User => &[(UD, "user_id"), (UD, "end_user_id")],
        GroupBy::Source => &[(UD, "source_id")],
        GroupBy::Action => &[(UD, "action_id")],
        GroupBy::Company => &[(UD, "company_id")],
        GroupBy::Team => &[(TM, "team_id")],
    }
}

fn statement(
    org: i64,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
    rollup: Rollup,
) -> (SelectStatement, Vec<(&'static str, &'static str)>) {
    let mut cols: Vec<(&str, &str)> = Vec::new();
    for g in group_by {
        for c in sql_columns(*g) {
            if !cols.contains(c) {
                cols.push(*c);
            }
        }
    }
    let mut q = Query::select();
    q.from_as(Alias::new(rollup.table()), Alias::new(UD));
    for (i, (t, c)) in cols.iter().enumerate() {
        q.expr_as(Expr::col((*t, *c)), Alias::new(format!("g{i}")));
    }
    q.expr_as(sum_i64(usage_daily::Column::CreditsMilli), "credits")
        .expr_as(sum_i64(usage_daily::Column::OverageMilli), "overage")
        .expr_as(sum_i64(usage_daily::Column::Events), "events")
        .expr_as(sum_i64(usage_daily::Column::Quantity), "quantity");
    if rollup.has_tokens() {
        for c in ["input_tokens", "output_tokens"] {
            q.expr_as(sum_expr_i64(Expr::col((UD, c)).into()), c);
        }
    }
    q.and_where(Expr::col((UD, "organization_id")).eq(org))
        .and_where(Expr::col((UD, "day")).gte(range.from))
        .and_where(Expr::col((UD, "day")).lte(range.to));
    if group_by.contains(&GroupBy::Team) {
        // A member of two teams counts in each team's row.
        q.inner_join(
            TM,
            Expr::col((TM, "organization_id"))
                .equals((UD, "organization_id"))
                .and(Expr::col((TM, "user_id")).equals((UD, "user_id"))),
        );
    }
    if let (Some(team), true) = (s.team, group_by.contains(&GroupBy::Team)) {
        // Filtered to one team and grouped by team: only that team's row.
        q.and_where(Expr::col((TM, "team_id")).eq(team));
    }
    if let Some(team) = s.team {
        let members = Query::select()
            .column("user_id")
            .from(TM)
            .and_where(Expr::col("organization_id").eq(org))
            .and_where(Expr::col("team_id").eq(team))
            .to_owned();
        q.and_where(Expr::col((UD, "user_id")).in_subquery(members));
    }
    if let Some(m) = s.member {
        q.and_where(Expr::col((UD, "user_id")).eq(m));
    }
    if let Some(e) = s.end_user {
        q.and_where(Expr::col((UD, "end_user_id")).eq(e));
    }
    if let Some(ids) = &s.features {
        q.and_where(Expr::col((UD, "feature_id")).is_in(ids.clone()));
    }
    if s.any_end_user {
        q.and_where(Expr::col((UD, "end_user_id")).ne(0));
    }
    if let Some(pool) = s.pool {
        debug_assert_ne!(rollup, Rollup::Actions, "the action rollup has no pools");
        q.and_where(Expr::col((UD, "pool_id")).eq(pool));
    }
    for (t, c) in &cols {
        q.add_group_by([Expr::col((*t, *c))]);
    }
    (q, cols)
}

struct Raw {
    values: Vec<RawValue>,
    /// credits, overage, events, quantity, input tokens, output tokens
    sums: [i64; 6],
}

#[derive(Clone, Copy)]
enum RawValue {
    Day(NaiveDate),
    Id(i64),
}

async fn run<C: ConnectionTrait>(
    db: &C,
    org: i64,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
    rollup: Rollup,
) -> Result<(Vec<Raw>, Vec<(&'static str, &'static str)>)> {
    let (q, cols) = statement(org, range, s, group_by, rollup);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&q))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut values = Vec::with_capacity(cols.len());
        for (i, (_, c)) in cols.iter().enumerate() {
            let name = format!("g{i}");
            values.push(if *c == "day" {
                RawValue::Day(r.try_get("", &name)?)
            } else {
                RawValue::Id(r.try_get("", &name)?)
            });
        }
        let tokens = |c: &str| -> Result<i64> {
            Ok(if rollup.has_tokens() {
                r.try_get("", c)?
            } else {
                0
            })
        };
        let sums = [
            r.try_get("", "credits")?,
            r.try_get("", "overage")?,
            r.try_get("", "events")?,
            r.try_get("", "quantity")?,
            tokens("input_tokens")?,
            tokens("output_tokens")?,
        ];
        out.push(Raw { values, sums });
    }
    Ok((out, cols))
}

/// Names for the ids that appear in the rows.
#[derive(Default)]
struct Labels {
    features: HashMap<i64, (String, i64)>,
    categories: HashMap<i64, String>,
    members: HashMap<i64, String>,
    end_users: HashMap<i64, String>,
    sources: HashMap<i64, String>,
    actions: HashMap<i64, String>,
    companies: HashMap<i64, String>,
    teams: HashMap<i64, String>,
}

async fn labels<C: ConnectionTrait>(
    db: &C,
    org: i64,
    group_by: &[GroupBy],
    raws: &[Raw],
    cols: &[(&str, &str)],
) -> Result<Labels> {
    let mut l = Labels::default();
    let ids_of = |col: &str| -> Vec<i64> {
        let Some(i) = cols.iter().position(|(_, c)| *c == col) else {
            return vec![];
        };
        let mut v: Vec<i64> = raws
            .iter()
            .filter_map(|r| match r.values[i] {
                RawValue::Id(x) if x != 0 => Some(x),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if group_by
        .iter()
        .any(|g| matches!(g, GroupBy::Feature | GroupBy::Category))
    {
        l.features = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, (f.key, f.category_id)))
            .collect();
        l.categories = category::Entity::find()
            .filter(category::Column::OrganizationId.eq(org))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.key))
            .collect();
    }
    if group_by.contains(&GroupBy::User) {
        l.members = super::names::member_emails(db, org, Some(&ids_of("user_id"))).await?;
        l.end_users = super::names::end_user_names(db, org, Some(&ids_of("end_user_id"))).await?;
    }
    if group_by.contains(&GroupBy::Source) {
        l.sources = source::Entity::find()
            .filter(source::Column::OrganizationId.eq(org))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, format!("{}:{}", s.kind, s.key)))
            .collect();
    }
    if group_by.contains(&GroupBy::Action) {
        for chunk in ids_of("action_id").chunks(500) {
            l.actions.extend(
                action::Entity::find()
                    .filter(action::Column::OrganizationId.eq(org))
                    .filter(action::Column::Id.is_in(chunk.to_vec()))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|a| (a.id, a.key)),
            );
        }
    }
    if group_by.contains(&GroupBy::Company) {
        l.companies = company::Entity::find()
            .filter(company::Column::OrganizationId.eq(org))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.key))
            .collect();
    }
    if group_by.contains(&GroupBy::Team) {
        l.teams = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
    }
    Ok(l)
}

fn label(g: GroupBy, raw: &Raw, cols: &[(&str, &str)], l: &Labels) -> Option<String> {
    let at = |col: &str| {
        raw.values[cols
            .iter()
            .position(|(_, c)| *c == col)
            .expect("grouped column")]
    };
    let id = |col: &str| match at(col) {
        RawValue::Id(x) => x,
        RawValue::Day(_) => 0,
    };
    let day = || match at("day") {
        RawValue::Day(d) => d,
        RawValue::Id(_) => unreachable!("day column"),
    };
    match g {
        GroupBy::Day => Some(bucket_label(day(), Frequency::Day)),
        GroupBy::Week => Some(bucket_label(day(), Frequency::Week)),
        GroupBy::Month => Some(bucket_label(day(), Frequency::Month)),
        GroupBy::Feature => l.features.get(&id("feature_id")).map(|f| f.0.clone()),
        GroupBy::Category => l
            .features
            .get(&id("feature_id"))
            .and_then(|f| l.categories.get(&f.1))
            .cloned(),
        GroupBy::User => l
            .members
            .get(&id("user_id"))
            .or_else(|| l.end_users.get(&id("end_user_id")))
            .cloned(),
        GroupBy::Source => l.sources.get(&id("source_id")).cloned(),
        GroupBy::Action => l.actions.get(&id("action_id")).cloned(),
        GroupBy::Company => l.companies.get(&id("company_id")).cloned(),
        GroupBy::Team => l.teams.get(&id("team_id")).cloned(),
    }
}

/// The time bucket a day falls in: the day, its week's Monday, or its month (`YYYY-MM`).
pub fn bucket_label(day: NaiveDate, frequency: Frequency) -> String {
    match frequency {
        Frequency::Day => day.to_string(),
        Frequency::Week => {
            (day - Duration::days(day.weekday().num_days_from_monday() as i64)).to_string()
        }
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
    org_id: i64,
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

/// The sums over a range for a scope (no grouping), from the smallest rollup that can answer.
pub async fn totals<C: ConnectionTrait>(
    db: &C,
    org: i64,
    range: DateRange,
    s: &Scope,
) -> Result<UsageRow> {
    let (raws, _) = run(db, org, range, s, &[], Rollup::for_question(s, &[])).await?;
    Ok(usage_row(
        vec![],
        raws.first().map_or([0; 6], |r| r.sums),
        false,
    ))
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
    let rollup = Rollup::for_question(s, group_by);
    let tokens = group_by.contains(&GroupBy::Action);
    let (raws, cols) = run(db, org.id, range, s, group_by, rollup).await?;
    let l = labels(db, org.id, group_by, &raws, &cols).await?;
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
        let (total_raw, _) = run(db, org.id, range, s, &[], rollup).await?;
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
