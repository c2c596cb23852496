//! The rollup tables and the one SQL statement shape that reads them: grouped sums over a day
//! range, narrowed by a [`Scope`].

use super::super::range::DateRange;
use super::super::sql::{sum_expr_i64, sum_i64};
use super::Scope;
use crate::entities::*;
use crate::error::Result;
use crate::ledger::split_weeks;
use app::error::AppError;
use app::filter::GroupBy;
use app::ids::OrgId;
use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use std::collections::BTreeMap;

/// Which rollup answers: the smallest one that has every column the question needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollup {
    /// Day × pool × feature × source × action × whether an end user's, with tokens: nothing
    /// per person, so its size does not grow with events or people (a few thousand rows).
    Features,
    /// As `Features`, by model too.
    Models,
    /// Day × pool × feature × member × end user.
    Users,
    /// Day × pool × feature × member × end user × source × company × model.
    Daily,
    /// Day × feature × member × end user × source × action × model, with tokens.
    Actions,
}

impl Rollup {
    /// Smallest first.
    const ALL: [Rollup; 5] = [
        Rollup::Features,
        Rollup::Models,
        Rollup::Users,
        Rollup::Daily,
        Rollup::Actions,
    ];

    fn table(self) -> &'static str {
        match self {
            Rollup::Daily => "usage_daily",
            Rollup::Actions => "usage_action_daily",
            Rollup::Features => "usage_feature_daily",
            Rollup::Models => "usage_model_daily",
            Rollup::Users => "usage_user_daily",
        }
    }

    /// The same rollup summed per week (`day` = the Monday), where there is one.
    fn weekly_table(self) -> Option<&'static str> {
        match self {
            Rollup::Users => Some("usage_user_weekly"),
            _ => None,
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
                "by_end_user",
                "tokens",
            ],
            Rollup::Models => &[
                "day",
                "pool_id",
                "feature_id",
                "source_id",
                "action_id",
                "by_end_user",
                "model_id",
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
                "model_id",
            ],
            Rollup::Actions => &[
                "day",
                "feature_id",
                "user_id",
                "end_user_id",
                "source_id",
                "action_id",
                "model_id",
                "tokens",
            ],
        }
    }

    /// The smallest rollup with the columns a grouping and a scope need. Token sums are
    /// reported for groupings by action.
    pub fn for_question(s: &Scope, group_by: &[GroupBy]) -> Result<Rollup> {
        let mut needs: Vec<&str> = group_by
            .iter()
            .flat_map(|g| sql_columns(*g))
            .map(|(_, c)| if *c == "team_id" { "user_id" } else { *c })
            .collect();
        if s.team.is_some() || s.member.is_some() {
            needs.push("user_id");
        }
        if s.end_user.is_some() {
            needs.push("end_user_id");
        }
        if s.any_end_user {
            needs.push("by_end_user");
        }
        if s.features.is_some() {
            needs.push("feature_id");
        }
        if s.pool.is_some() {
            needs.push("pool_id");
        }
        if s.sources.is_some() {
            needs.push("source_id");
        }
        if s.company.is_some() {
            needs.push("company_id");
        }
        if s.model.is_some() {
            needs.push("model_id");
        }
        let find = |needs: &[&str]| {
            Rollup::ALL
                .into_iter()
                .find(|r| needs.iter().all(|c| r.has(c)))
        };
        // Token sums where a rollup counts them beside everything else asked for (a
        // company's usage is counted without them).
        let with_tokens = group_by.iter().any(|g| g.has_tokens()).then(|| {
            let mut all = needs.clone();
            all.push("tokens");
            find(&all)
        });
        // Only companies (usage_daily) and actions (the action rollup) are apart.
        let field = if s.company.is_some() {
            "company"
        } else {
            "group_by"
        };
        with_tokens
            .flatten()
            .or_else(|| find(&needs))
            .ok_or_else(|| {
                let why = "usage by company is not counted per flow action: ask for companies \
                       without grouping by action";
                AppError::invalid(field, why).into()
            })
    }

    /// Whether the rollup can group or filter by `column`: "by end user" is a column of its
    /// own in the coarse rollup and `end_user_id <> 0` in the per-person ones.
    fn has(self, column: &str) -> bool {
        let columns = self.columns();
        columns.contains(&column) || (column == "by_end_user" && columns.contains(&"end_user_id"))
    }

    pub(super) fn has_tokens(self) -> bool {
        self.columns().contains(&"tokens")
    }
}

/// Alias of the rollup table in every statement, whichever table it is.
const UD: &str = "usage_daily";
const TM: &str = "team_members";

/// The SQL columns a grouping needs.
pub(super) fn sql_columns(g: GroupBy) -> &'static [(&'static str, &'static str)] {
    match g {
        GroupBy::Day | GroupBy::Week | GroupBy::Month => &[(UD, "day")],
        GroupBy::Feature | GroupBy::Category => &[(UD, "feature_id")],
        GroupBy::User => &[(UD, "user_id"), (UD, "end_user_id")],
        GroupBy::Source => &[(UD, "source_id")],
        GroupBy::Action => &[(UD, "action_id")],
        GroupBy::Company => &[(UD, "company_id")],
        GroupBy::Model => &[(UD, "model_id")],
        GroupBy::Team => &[(TM, "team_id")],
    }
}

/// The grouped sums over `range` of `table` (the rollup's daily table or its weekly twin).
pub(super) fn statement(
    org: OrgId,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
    rollup: Rollup,
    table: &'static str,
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
    q.from_as(Alias::new(table), Alias::new(UD));
    for (i, (t, c)) in cols.iter().enumerate() {
        q.expr_as(Expr::col((*t, *c)), Alias::new(format!("g{i}")));
    }
    q.expr_as(sum_i64(usage_daily::Column::CreditsMilli), "credits")
        .expr_as(sum_i64(usage_daily::Column::OverageMilli), "overage")
        .expr_as(sum_i64(usage_daily::Column::Events), "events")
        .expr_as(sum_i64(usage_daily::Column::Quantity), "quantity");
    if rollup.has_tokens() {
        for c in ["input_tokens", "output_tokens"] {
            q.expr_as(sum_expr_i64(Expr::col((UD, c))), c);
        }
    }
    q.and_where(Expr::col((UD, "organization_id")).eq(org))
        .and_where(Expr::col((UD, "day")).gte(range.from))
        .and_where(Expr::col((UD, "day")).lte(range.to));
    narrow(&mut q, org, s, group_by, rollup);
    for (t, c) in &cols {
        q.add_group_by([Expr::col((*t, *c))]);
    }
    (q, cols)
}

/// The scope's filters (and the team join a team grouping needs) on `q`.
fn narrow(q: &mut SelectStatement, org: OrgId, s: &Scope, group_by: &[GroupBy], rollup: Rollup) {
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
    if let Some(ids) = &s.sources {
        q.and_where(Expr::col((UD, "source_id")).is_in(ids.clone()));
    }
    if let Some(c) = s.company {
        q.and_where(Expr::col((UD, "company_id")).eq(c));
    }
    if let Some(m) = s.model {
        q.and_where(Expr::col((UD, "model_id")).eq(m));
    }
    if s.any_end_user {
        q.and_where(if rollup.columns().contains(&"by_end_user") {
            Expr::col((UD, "by_end_user")).eq(1)
        } else {
            Expr::col((UD, "end_user_id")).ne(0)
        });
    }
    if let Some(pool) = s.pool {
        debug_assert_ne!(rollup, Rollup::Actions, "the action rollup has no pools");
        q.and_where(Expr::col((UD, "pool_id")).eq(pool));
    }
}

pub(super) struct Raw {
    pub(super) values: Vec<RawValue>,
    /// credits, overage, events, quantity, input tokens, output tokens
    pub(super) sums: [i64; 6],
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RawValue {
    Day(NaiveDate),
    Id(i64),
}

/// The grouped sums of a question over `range`. Without a time grouping, a rollup with a
/// weekly twin answers the range's whole weeks that are closed (before `weekly_until`) from
/// it and the other days from the daily table (side by side); the parts are summed per
/// group, so callers see one row per group.
pub(super) async fn run<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
    rollup: Rollup,
    weekly_until: Option<NaiveDate>,
) -> Result<(Vec<Raw>, Vec<(&'static str, &'static str)>)> {
    let weekly = rollup
        .weekly_table()
        .filter(|_| !group_by.iter().any(|g| g.is_time()));
    // Whole weeks only up to the last closed one; what follows is read by day.
    let closed_to = weekly_until.map_or(range.from - Duration::days(1), |until| {
        std::cmp::min(range.to, until - Duration::days(1))
    });
    let split = split_weeks(range.from, closed_to);
    let (Some(weekly), Some((first, last))) = (weekly, split.weeks) else {
        return read(db, org, range, s, group_by, rollup, rollup.table()).await;
    };
    let after_weeks = last + Duration::days(7);
    let days = |r: Option<(NaiveDate, NaiveDate)>| r.map(|(from, to)| DateRange { from, to });
    let parts = [
        Some((
            DateRange {
                from: first,
                to: last,
            },
            weekly,
        )),
        days(split.before).map(|r| (r, rollup.table())),
        days((after_weeks <= range.to).then_some((after_weeks, range.to)))
            .map(|r| (r, rollup.table())),
    ];
    let read_all = parts
        .into_iter()
        .flatten()
        .map(|(r, table)| read(db, org, r, s, group_by, rollup, table));
    let mut sums: BTreeMap<Vec<RawValue>, [i64; 6]> = BTreeMap::new();
    let mut cols = Vec::new();
    for (raws, c) in futures::future::try_join_all(read_all).await? {
        cols = c;
        for raw in raws {
            let acc = sums.entry(raw.values).or_insert([0; 6]);
            for (a, b) in acc.iter_mut().zip(raw.sums) {
                *a += b;
            }
        }
    }
    let merged = sums
        .into_iter()
        .map(|(values, sums)| Raw { values, sums })
        .collect();
    Ok((merged, cols))
}

/// One statement over one table.
async fn read<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
    group_by: &[GroupBy],
    rollup: Rollup,
    table: &'static str,
) -> Result<(Vec<Raw>, Vec<(&'static str, &'static str)>)> {
    let (q, cols) = statement(org, range, s, group_by, rollup, table);
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

/// The credits the meter rated over `range` (the rest senders priced), where the coarse
/// rollup can answer the scope (it alone sums them); `None` for a scope it cannot.
pub(super) async fn rated<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    range: DateRange,
    s: &Scope,
) -> Result<Option<i64>> {
    if Rollup::for_question(s, &[])? != Rollup::Features {
        return Ok(None);
    }
    let (mut q, _) = statement(org, range, s, &[], Rollup::Features, "usage_feature_daily");
    q.expr_as(sum_expr_i64(Expr::col((UD, "rated_milli"))), "rated");
    let row = db
        .query_one_raw(db.get_database_backend().build(&q))
        .await?;
    Ok(Some(match row {
        Some(r) => r.try_get("", "rated")?,
        None => 0,
    }))
}
