//! The daily rollups (see [`TABLES`]; each answers a set of questions, `services::usage` picks): summed
//! in memory per batch, then upserted so that the rollup rows and the events they count
//! commit together. Ingest, recalculate and the demo generator all go through here.

use crate::db::rows::{self, Conflict};
use crate::entities::organization;
use crate::entities::{
    usage_action_daily, usage_daily, usage_feature_daily, usage_model_daily, usage_user_daily,
    usage_user_weekly,
};
use crate::error::Result;
use crate::ledger::{local_day, monday_of};
use crate::store::organizations;
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::BTreeMap;

/// One burned event, as the rollups see it. Absent dimensions are 0.
#[derive(Clone, Copy, Debug)]
pub struct Counted {
    pub day: NaiveDate,
    pub pool_id: i64,
    pub feature_id: i64,
    pub user_id: Option<i64>,
    pub end_user_id: Option<i64>,
    pub source_id: Option<i64>,
    pub action_id: Option<i64>,
    pub company_id: Option<i64>,
    pub model_id: Option<i64>,
    pub credits: Credits,
    pub overage: Credits,
    pub quantity: i64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    /// Whether the meter rated the credits (else the sender priced them).
    pub rated: bool,
}

// The primary keys of the rollup rows (after the organization), in column order: the maps
// below keep them sorted, so a batch writes its rows in key order. 0 stands for "none".

/// A `usage_daily` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct DailyKey {
    day: NaiveDate,
    pool_id: i64,
    feature_id: i64,
    user_id: i64,
    end_user_id: i64,
    source_id: i64,
    company_id: i64,
    model_id: i64,
}

/// A `usage_action_daily` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ActionKey {
    day: NaiveDate,
    feature_id: i64,
    user_id: i64,
    end_user_id: i64,
    source_id: i64,
    action_id: i64,
    model_id: i64,
}

/// A `usage_feature_daily` row: `by_end_user` is 1 for end users' usage, else 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FeatureKey {
    day: NaiveDate,
    pool_id: i64,
    feature_id: i64,
    source_id: i64,
    action_id: i64,
    by_end_user: i64,
}

/// A `usage_model_daily` row: a `usage_feature_daily` one by model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ModelKey {
    feature: FeatureKey,
    model_id: i64,
}

/// A `usage_user_daily` row, or a `usage_user_weekly` one with the week's Monday as `day`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct UserKey {
    day: NaiveDate,
    pool_id: i64,
    feature_id: i64,
    user_id: i64,
    end_user_id: i64,
}

/// Sums per rollup row: credits, overage, quantity, events (+ input, output tokens, + rated
/// credits).
#[derive(Default)]
pub struct DailyRollup {
    daily: BTreeMap<DailyKey, [i64; 4]>,
    actions: BTreeMap<ActionKey, [i64; 6]>,
    features: BTreeMap<FeatureKey, [i64; 7]>,
    models: BTreeMap<ModelKey, [i64; 6]>,
    users: BTreeMap<UserKey, [i64; 4]>,
    /// As `users`, keyed by the week's Monday: only for days before `weekly_until` (the
    /// closed weeks; the open ones are summed when they close).
    users_weekly: BTreeMap<UserKey, [i64; 4]>,
    weekly_until: Option<NaiveDate>,
}

fn bump<K: Ord, const N: usize>(
    map: &mut BTreeMap<K, [i64; N]>,
    key: K,
    values: &[i64; 7],
) -> Result<()> {
    let acc = map.entry(key).or_insert([0; N]);
    for (a, v) in acc.iter_mut().zip(values) {
        // Unreachable within the lifetime caps (`totals`); checked all the same.
        *a = a
            .checked_add(*v)
            .ok_or_else(|| AppError::internal("a rollup sum passed the 64-bit range"))?;
    }
    Ok(())
}

/// Every daily rollup table, for rebuilding them from the raw events.
pub const TABLES: [&str; 5] = [
    "usage_daily",
    "usage_action_daily",
    "usage_feature_daily",
    "usage_model_daily",
    "usage_user_daily",
];

/// The weekly twin of `usage_user_daily`, made from it by [`close_weeks`].
pub const WEEKLY: &str = "usage_user_weekly";

impl DailyRollup {
    /// Sums that also go into the closed weeks (those before `weekly_until`, as
    /// [`close_weeks`] returned it): late events of a closed week.
    pub fn with_closed_weeks(weekly_until: NaiveDate) -> DailyRollup {
        DailyRollup {
            weekly_until: Some(weekly_until),
            ..DailyRollup::default()
        }
    }

    pub fn add(&mut self, e: &Counted) -> Result<()> {
        let z = |v: Option<i64>| v.unwrap_or(0);
        let (user_id, end_user_id, source_id, action_id, model_id) = (
            z(e.user_id),
            z(e.end_user_id),
            z(e.source_id),
            z(e.action_id),
            z(e.model_id),
        );
        // credits, overage, quantity, events, input tokens, output tokens, rated credits
        let v = [
            e.credits.0,
            e.overage.0,
            e.quantity,
            1,
            z(e.input_tokens),
            z(e.output_tokens),
            if e.rated { e.credits.0 } else { 0 },
        ];
        let (day, pool_id, feature_id) = (e.day, e.pool_id, e.feature_id);
        let daily = DailyKey {
            day,
            pool_id,
            feature_id,
            user_id,
            end_user_id,
            source_id,
            company_id: z(e.company_id),
            model_id,
        };
        bump(&mut self.daily, daily, &v)?;
        let feature = FeatureKey {
            day,
            pool_id,
            feature_id,
            source_id,
            action_id,
            by_end_user: i64::from(e.end_user_id.is_some()),
        };
        bump(&mut self.features, feature, &v)?;
        bump(&mut self.models, ModelKey { feature, model_id }, &v)?;
        let user = UserKey {
            day,
            pool_id,
            feature_id,
            user_id,
            end_user_id,
        };
        bump(&mut self.users, user, &v)?;
        let week = monday_of(day);
        if self.weekly_until.is_some_and(|until| week < until) {
            bump(&mut self.users_weekly, UserKey { day: week, ..user }, &v)?;
        }
        let action = ActionKey {
            day,
            feature_id,
            user_id,
            end_user_id,
            source_id,
            action_id,
            model_id,
        };
        bump(&mut self.actions, action, &v)?;
        Ok(())
    }

    /// Adds these sums to the stored rows (inserting missing ones).
    pub async fn upsert<C: ConnectionTrait>(self, db: &C, org: OrgId) -> Result<()> {
        let daily = self.daily.into_iter().map(|(k, v)| daily_row(org, k, v));
        add_into(db, daily.collect()).await?;
        let features = self
            .features
            .into_iter()
            .map(|(k, v)| feature_row(org, k, v));
        add_into(db, features.collect()).await?;
        let models = self.models.into_iter().map(|(k, v)| model_row(org, k, v));
        add_into(db, models.collect()).await?;
        let users = self.users.into_iter().map(|(k, v)| user_row(org, k, v));
        add_into(db, users.collect()).await?;
        add_weeks(db, org, self.users_weekly).await?;
        let actions = self.actions.into_iter().map(|(k, v)| action_row(org, k, v));
        add_into(db, actions.collect()).await
    }
}

/// Sums every week that has ended by `now` (local days) and is not summed yet from
/// `usage_user_daily` into `usage_user_weekly`, and moves the organization's `weekly_until`
/// past them; returns the new `weekly_until`. Cheap but in the first ingest of a week: it
/// reads the days of the newly closed weeks once. Call under the ingest lock.
pub async fn close_weeks<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    now: DateTime<Utc>,
) -> Result<NaiveDate> {
    let this_week = monday_of(local_day(organizations::tz(org)?, now));
    if let Some(until) = org.weekly_until.filter(|until| *until >= this_week) {
        return Ok(until);
    }
    let mut days = usage_user_daily::Entity::find()
        .filter(usage_user_daily::Column::OrganizationId.eq(org.id))
        .filter(usage_user_daily::Column::Day.lt(this_week));
    if let Some(until) = org.weekly_until {
        days = days.filter(usage_user_daily::Column::Day.gte(until));
    }
    let mut weeks = BTreeMap::new();
    for d in days.all(db).await? {
        let key = UserKey {
            day: monday_of(d.day),
            pool_id: d.pool_id,
            feature_id: d.feature_id,
            user_id: d.user_id,
            end_user_id: d.end_user_id,
        };
        let v = [
            d.credits_milli,
            d.overage_milli,
            d.quantity,
            d.events,
            0,
            0,
            0,
        ];
        bump(&mut weeks, key, &v)?;
    }
    add_weeks(db, org.id, weeks).await?;
    organization::Entity::update_many()
        .col_expr(organization::Column::WeeklyUntil, Expr::value(this_week))
        .filter(organization::Column::Id.eq(org.id))
        .exec(db)
        .await?;
    Ok(this_week)
}

async fn add_weeks<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    weeks: BTreeMap<UserKey, [i64; 4]>,
) -> Result<()> {
    let rows = weeks.into_iter().map(|(k, v)| {
        // The daily row's columns, in the weekly table.
        let r = user_row(org, k, v);
        usage_user_weekly::ActiveModel {
            organization_id: r.organization_id,
            day: r.day,
            pool_id: r.pool_id,
            feature_id: r.feature_id,
            user_id: r.user_id,
            end_user_id: r.end_user_id,
            credits_milli: r.credits_milli,
            overage_milli: r.overage_milli,
            quantity: r.quantity,
            events: r.events,
        }
    });
    add_into(db, rows.collect()).await
}

/// Upserts rollup rows: every column outside the primary key is a sum that the new row adds to.
async fn add_into<C, A>(db: &C, rows: Vec<A>) -> Result<()>
where
    C: ConnectionTrait,
    A: ActiveModelTrait,
{
    rows::insert(db, rows, Conflict::AddToStored).await?;
    Ok(())
}

fn daily_row(
    org: OrgId,
    k: DailyKey,
    [credits, overage, quantity, events]: [i64; 4],
) -> usage_daily::ActiveModel {
    usage_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        pool_id: Set(k.pool_id),
        feature_id: Set(k.feature_id),
        user_id: Set(k.user_id),
        end_user_id: Set(k.end_user_id),
        source_id: Set(k.source_id),
        company_id: Set(k.company_id),
        model_id: Set(k.model_id),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
    }
}

fn feature_row(
    org: OrgId,
    k: FeatureKey,
    [credits, overage, quantity, events, input, output, rated]: [i64; 7],
) -> usage_feature_daily::ActiveModel {
    usage_feature_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        pool_id: Set(k.pool_id),
        feature_id: Set(k.feature_id),
        source_id: Set(k.source_id),
        action_id: Set(k.action_id),
        by_end_user: Set(k.by_end_user),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
        input_tokens: Set(input),
        output_tokens: Set(output),
        rated_milli: Set(rated),
    }
}

fn model_row(
    org: OrgId,
    ModelKey {
        feature: k,
        model_id,
    }: ModelKey,
    [credits, overage, quantity, events, input, output]: [i64; 6],
) -> usage_model_daily::ActiveModel {
    usage_model_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        pool_id: Set(k.pool_id),
        feature_id: Set(k.feature_id),
        source_id: Set(k.source_id),
        action_id: Set(k.action_id),
        by_end_user: Set(k.by_end_user),
        model_id: Set(model_id),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
        input_tokens: Set(input),
        output_tokens: Set(output),
    }
}

fn user_row(
    org: OrgId,
    k: UserKey,
    [credits, overage, quantity, events]: [i64; 4],
) -> usage_user_daily::ActiveModel {
    usage_user_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        pool_id: Set(k.pool_id),
        feature_id: Set(k.feature_id),
        user_id: Set(k.user_id),
        end_user_id: Set(k.end_user_id),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
    }
}

fn action_row(
    org: OrgId,
    k: ActionKey,
    [credits, overage, quantity, events, input, output]: [i64; 6],
) -> usage_action_daily::ActiveModel {
    usage_action_daily::ActiveModel {
        organization_id: Set(org),
        day: Set(k.day),
        feature_id: Set(k.feature_id),
        user_id: Set(k.user_id),
        end_user_id: Set(k.end_user_id),
        source_id: Set(k.source_id),
        action_id: Set(k.action_id),
        model_id: Set(k.model_id),
        credits_milli: Set(credits),
        overage_milli: Set(overage),
        quantity: Set(quantity),
        events: Set(events),
        input_tokens: Set(input),
        output_tokens: Set(output),
    }
}
