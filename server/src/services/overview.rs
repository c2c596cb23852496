//! The overview page's numbers for one filter: balance, where the credits went (by category,
//! feature and agent, with share and change), credits per feature over time with the compare
//! period, and credits per day. Everything comes from `usage::usage_scoped` over the rollup.

use super::getting_started::{getting_started, main_card};
use super::range::{self, DateRange};
use super::shares::{by_key, share_rows};
use super::usage::{Scope, UsageReport, bucket_label, regroup, scope, usage_scoped};
use super::value::{Amounts, Valuer};
use crate::entities::{category, feature, organization, source};
use crate::error::Result;
use crate::{insights, ledger};
use app::credits::Credits;
use app::filter::{Filter, Frequency, GroupBy};
use app::ids::OrgId;
use app::model::{DailyPoint, FeatureOption, FilterOptions, Forecast, Overview, Series, ShareRow};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The six agent surfaces and the names they have until the organization names them.
pub const AGENTS: [(&str, &str); 6] = [
    ("chat", "Chat"),
    ("voice_inbound", "Voice inbound"),
    ("voice_outbound", "Voice outbound"),
    ("voice_web", "Voice web"),
    ("auto_trigger", "Auto trigger"),
    ("assistant", "In-app assistant"),
];

/// Bucket labels of `range` for `frequency`, in the same words as `usage` uses.
pub fn buckets(range: DateRange, frequency: Frequency) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for day in range.from.iter_days().take_while(|d| *d <= range.to) {
        let label = bucket_label(day, frequency);
        if out.last() != Some(&label) {
            out.push(label);
        }
    }
    out
}

/// A feature as the page names it.
struct FeatureName {
    name: String,
    unit: String,
    /// Its category's key.
    category: String,
}

struct Names {
    features: HashMap<String, FeatureName>,
    categories: HashMap<String, String>,
    agents: HashMap<String, String>,
    /// `kind:key` (as usage reports label sources) → "Flow · Lead nurture"
    sources: HashMap<String, String>,
}

/// "Flow · Lead nurture"
pub fn source_title(s: &source::Model) -> String {
    let kind = match s.kind.as_str() {
        "agent" => "Agent",
        "flow" => "Flow",
        "pilot" => "AI pilot",
        "tool" => "AI tool",
        "session" => "Browser session",
        other => other,
    };
    if s.name.eq_ignore_ascii_case(kind) {
        s.name.clone()
    } else {
        format!("{kind} · {}", s.name)
    }
}

async fn names<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<Names> {
    let cats = category::Entity::find()
        .filter(category::Column::OrganizationId.eq(org))
        .all(db)
        .await?;
    let cat_key: HashMap<i64, String> = cats.iter().map(|c| (c.id, c.key.clone())).collect();
    let features = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org))
        .all(db)
        .await?;
    let sources = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .all(db)
        .await?;
    Ok(Names {
        features: features
            .into_iter()
            .map(|f| {
                let category = cat_key.get(&f.category_id).cloned().unwrap_or_default();
                let (name, unit) = (f.name, f.unit);
                (
                    f.key,
                    FeatureName {
                        name,
                        unit,
                        category,
                    },
                )
            })
            .collect(),
        categories: cats.into_iter().map(|c| (c.key, c.name)).collect(),
        agents: sources
            .iter()
            .filter(|s| s.kind == source::SourceKind::Agent)
            .map(|a| (a.key.clone(), a.name.clone()))
            .collect(),
        sources: sources
            .iter()
            .map(|s| (format!("{}:{}", s.kind, s.key), source_title(s)))
            .collect(),
    })
}

/// A card per agent the organization has: the six surfaces the product knows first, in
/// their fixed order, then its other agents by name. None when it has no agent.
fn agent_cards(
    agents: &HashMap<String, String>,
    sources: &UsageReport,
    before: Option<&UsageReport>,
) -> Vec<ShareRow> {
    let now = by_key(sources);
    let before = before.map(by_key);
    let rank = |key: &str| {
        AGENTS
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or(AGENTS.len())
    };
    let mut keys: Vec<(&String, &String)> = agents.iter().collect();
    keys.sort_by(|a, b| (rank(a.0), a.1).cmp(&(rank(b.0), b.1)));
    keys.into_iter()
        .map(|(key, name)| {
            let k = format!("agent:{key}");
            let (credits, events, quantity) = now.get(&k).copied().unwrap_or((Credits::ZERO, 0, 0));
            ShareRow {
                key: key.clone(),
                name: name.clone(),
                category: None,
                credits,
                events,
                quantity,
                unit: None,
                compare_credits: before
                    .as_ref()
                    .map(|b| b.get(&k).map_or(Credits::ZERO, |x| x.0)),
                money: None,
            }
        })
        .collect()
}

/// When the balance runs out, whatever the filter: at the main pool's average over the last
/// full days, or, before it has burned on any of them (a new organization), at what it has
/// burned so far today (`window_days` 0).
async fn run_out<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    tz: chrono_tz::Tz,
    pool_id: Option<i64>,
    remaining: Credits,
    period_end: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<Forecast> {
    let today = ledger::local_day(tz, now);
    // The window's full days and today, in one read.
    let days = DateRange {
        from: today - Duration::days(insights::RATE_WINDOW_DAYS),
        to: today,
    };
    let mut burned: HashMap<String, Credits> = HashMap::new();
    if let Some(pool_id) = pool_id {
        let r = usage_scoped(db, org, days, &Scope::pool(pool_id), &[GroupBy::Day]).await?;
        burned.extend(
            r.rows
                .iter()
                .filter_map(|row| Some((r.value(row, GroupBy::Day)?.to_string(), row.credits))),
        );
    }
    let on = |d: chrono::NaiveDate| burned.get(&d.to_string()).copied().unwrap_or_default();
    let recent: Vec<Credits> = days
        .from
        .iter_days()
        .take_while(|d| *d < today)
        .map(on)
        .collect();
    if recent.iter().any(|c| c.0 > 0) {
        return Ok(insights::forecast(remaining, &recent, today, period_end));
    }
    let mut f = insights::forecast(remaining, &[on(today)], today, period_end);
    f.window_days = 0;
    Ok(f)
}

pub async fn overview<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Overview> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let c = range::compare_with(filter, r, &org, tz);
    // Independent questions run side by side (on separate pooled connections). The filter's
    // names are resolved once for all the reports below.
    let ((balance, pool_id), n, s, hints, valuer) = futures::try_join!(
        main_card(db, &org, now),
        names(db, org.id),
        scope(db, org.id, filter),
        getting_started(db, org.id),
        Valuer::load(db, &org)
    )?;
    let before = async {
        match c {
            Some(c) => ask(db, &org, &s, c).await.map(Some),
            None => Ok(None),
        }
    };
    let companies = super::companies::by_company(db, &org, r, c, &s);
    let rated = super::usage::rated(db, org.id, r, &s);
    let teams = super::teams::by_team(db, &org, (r, c), &s, &valuer);
    let (answers, before, companies, rated, teams) =
        futures::try_join!(ask(db, &org, &s, r), before, companies, rated, teams)?;
    let models = super::models::by_model(
        &answers.by_source,
        before.as_ref().map(|b| &b.by_source),
        &valuer,
    )?;
    let freq = filter.frequency;
    let this = Folded::of(&answers, &n, freq, &[freq.into(), GroupBy::Feature]);
    let that = before.map(|b| Folded::of(&b, &n, freq, &[freq.into()]));
    let mut shares = Shares::of(&n, &this, that.as_ref());
    let money = money(&valuer, &answers, &mut shares.features)?;
    let labels = buckets(r, freq);
    let series = feature_series(&labels, &this.timeline, &shares.features);
    let compare_series = c
        .zip(that.as_ref())
        .map(|(c, t)| compare_series(&buckets(c, freq), &t.timeline, labels.len()));
    let daily = regroup(&answers.by_day, &[GroupBy::Day], |g| vec![g[0].clone()]);
    let daily = daily_points(r, &daily);
    let anomalies =
        insights::anomalies(&daily.iter().map(|p| (p.day, p.credits)).collect::<Vec<_>>());
    let (remaining, period_end) = (balance.remaining, balance.period_end);
    let forecast = run_out(db, &org, tz, pool_id, remaining, period_end, now).await?;
    Ok(Overview {
        organization_name: org.name,
        time_zone: org.time_zone,
        balance,
        from: r.from,
        to: r.to,
        compare_from: c.map(|c| c.from),
        compare_to: c.map(|c| c.to),
        total: this.cats.total.credits,
        money: money.into_vec(),
        rated,
        total_events: this.cats.total.events,
        compare_total: that.map(|x| x.cats.total.credits),
        categories: shares.categories,
        features: shares.features,
        agents: shares.agents,
        buckets: labels,
        series,
        compare_series,
        daily,
        anomalies,
        sources: shares.sources,
        companies,
        teams,
        models,
        forecast,
        getting_started: hints,
    })
}

/// What the range's usage cost, in all and (set on `features`) per feature: from the
/// by-source answer, or by day where a pool's price changed within the range.
fn money(valuer: &Valuer, a: &Answers, features: &mut [ShareRow]) -> Result<Amounts> {
    let by_range = valuer.value(&a.by_source, GroupBy::Feature)?;
    let valued = match by_range.total {
        Some(_) => by_range,
        None => valuer.value(&a.by_day, GroupBy::Feature)?,
    };
    for f in features {
        f.money = valued.per.get(&f.key).and_then(Amounts::single);
    }
    Ok(valued.total.unwrap_or_default())
}

/// The two questions asked of a range; categories, features, sources, days and buckets are
/// folded from their answers.
struct Answers {
    by_source: UsageReport,
    by_day: UsageReport,
}

async fn ask<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    s: &Scope,
    range: DateRange,
) -> Result<Answers> {
    // By model too: the by-model table is folded from it.
    let by = [GroupBy::Feature, GroupBy::Source, GroupBy::Model];
    let by_source = usage_scoped(db, org, range, s, &by);
    let by_day = usage_scoped(db, org, range, s, &[GroupBy::Day, GroupBy::Feature]);
    let (by_source, by_day) = futures::try_join!(by_source, by_day)?;
    Ok(Answers { by_source, by_day })
}

/// One range's answers folded onto what the page shows.
struct Folded {
    feats: UsageReport,
    cats: UsageReport,
    sources: UsageReport,
    /// By bucket of the frequency (and by feature, for the range itself).
    timeline: UsageReport,
}

impl Folded {
    fn of(a: &Answers, n: &Names, freq: Frequency, timeline_by: &[GroupBy]) -> Folded {
        let feats = regroup(&a.by_source, &[GroupBy::Feature], |g| vec![g[0].clone()]);
        let cats = regroup(&feats, &[GroupBy::Category], |g| {
            vec![
                g[0].as_ref()
                    .and_then(|f| n.features.get(f))
                    .map(|f| f.category.clone()),
            ]
        });
        let bucket_of = |day: &Option<String>| {
            day.as_ref()
                .and_then(|d| d.parse().ok())
                .map(|d| bucket_label(d, freq))
        };
        let timeline = regroup(&a.by_day, timeline_by, |g| {
            let mut key = vec![bucket_of(&g[0])];
            key.extend(g.get(1).filter(|_| timeline_by.len() > 1).cloned());
            key
        });
        Folded {
            sources: regroup(&a.by_source, &[GroupBy::Source], |g| vec![g[1].clone()]),
            feats,
            cats,
            timeline,
        }
    }
}

/// The "where the credits went" tables, each with the compare range beside it.
struct Shares {
    categories: Vec<ShareRow>,
    features: Vec<ShareRow>,
    agents: Vec<ShareRow>,
    sources: Vec<ShareRow>,
}

impl Shares {
    fn of(n: &Names, this: &Folded, that: Option<&Folded>) -> Shares {
        let categories = share_rows(&this.cats, that.map(|t| &t.cats), |k| {
            let name = n
                .categories
                .get(k)
                .cloned()
                .unwrap_or_else(|| k.to_string());
            (name, None, None)
        });
        let features = share_rows(&this.feats, that.map(|t| &t.feats), |k| {
            match n.features.get(k) {
                Some(f) => (
                    f.name.clone(),
                    Some(f.category.clone()),
                    Some(f.unit.clone()),
                ),
                None => (k.to_string(), None, None),
            }
        });
        let sources = share_rows(&this.sources, that.map(|t| &t.sources), |k| {
            let name = n.sources.get(k).cloned().unwrap_or_else(|| k.to_string());
            (name, None, None)
        });
        Shares {
            agents: agent_cards(&n.agents, &this.sources, that.map(|t| &t.sources)),
            categories,
            features,
            sources,
        }
    }
}

/// Credits per bucket of each feature, in the order of the by-feature table.
fn feature_series(labels: &[String], timeline: &UsageReport, features: &[ShareRow]) -> Vec<Series> {
    let position: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut per_feature: HashMap<String, Vec<Credits>> = HashMap::new();
    for row in &timeline.rows {
        let (Some(bucket), Some(feature)) =
            (timeline.leading(row), timeline.value(row, GroupBy::Feature))
        else {
            continue;
        };
        if let Some(&i) = position.get(bucket) {
            per_feature
                .entry(feature.to_string())
                .or_insert_with(|| vec![Credits::ZERO; labels.len()])[i] += row.credits;
        }
    }
    features
        .iter()
        .filter_map(|f| {
            Some(Series {
                key: f.key.clone(),
                name: f.name.clone(),
                values: per_feature.remove(&f.key)?,
            })
        })
        .collect()
}

/// The compare range's credits per bucket (`its_labels`), laid over the range's `len` buckets.
fn compare_series(its_labels: &[String], timeline: &UsageReport, len: usize) -> Vec<Credits> {
    let by: HashMap<String, Credits> = timeline
        .rows
        .iter()
        .filter_map(|row| Some((timeline.leading(row)?.to_string(), row.credits)))
        .collect();
    let mut v: Vec<Credits> = its_labels
        .iter()
        .map(|b| by.get(b).copied().unwrap_or_default())
        .collect();
    v.resize(len, Credits::ZERO);
    v
}

/// Every day of the range with its credits (0 where none).
fn daily_points(r: DateRange, daily: &UsageReport) -> Vec<DailyPoint> {
    let by_day: HashMap<String, Credits> = daily
        .rows
        .iter()
        .filter_map(|row| Some((daily.value(row, GroupBy::Day)?.to_string(), row.credits)))
        .collect();
    r.from
        .iter_days()
        .take_while(|d| *d <= r.to)
        .map(|day| DailyPoint {
            day,
            credits: by_day.get(&day.to_string()).copied().unwrap_or_default(),
        })
        .collect()
}

/// Teams, categories, features, members, companies, flows and models for the filter bar.
pub async fn filter_options<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<FilterOptions> {
    use crate::entities::{team, user};
    let n = names(db, org).await?;
    let mut categories: Vec<(String, String)> = n.categories.into_iter().collect();
    categories.sort_by(|a, b| a.1.cmp(&b.1));
    let mut features: Vec<FeatureOption> = n
        .features
        .into_iter()
        .map(|(key, f)| FeatureOption {
            key,
            name: f.name,
            category: f.category,
        })
        .collect();
    features.sort_by(|a, b| a.name.cmp(&b.name));
    let teams = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?;
    let flows = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .filter(source::Column::Kind.eq(source::SourceKind::Flow))
        .order_by_asc(source::Column::Name)
        .all(db)
        .await?;
    let companies = crate::entities::company::Entity::find()
        .filter(crate::entities::company::Column::OrganizationId.eq(org))
        .order_by_asc(crate::entities::company::Column::Name)
        .all(db)
        .await?;
    let models = crate::entities::model::Entity::find()
        .filter(crate::entities::model::Column::OrganizationId.eq(org))
        .order_by_asc(crate::entities::model::Column::Name)
        .all(db)
        .await?;
    Ok(FilterOptions {
        models: models.into_iter().map(|m| m.name).collect(),
        companies: companies.into_iter().map(|c| (c.key, c.name)).collect(),
        flows: flows.into_iter().map(|f| (f.key, f.name)).collect(),
        teams: teams.into_iter().map(|t| t.name).collect(),
        categories,
        features,
        users: users.into_iter().map(|u| u.email).collect(),
    })
}
