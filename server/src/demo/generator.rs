//! Generates ~90 days of usage (weekday rhythm, growth, one spike), burns it through the
//! ledger in time order, and writes events, the daily rollup and the grants' balances.

use super::catalog::{self, OrgDef, SourcePick, Template};
use super::setup::{OrgRefs, create_org};
use crate::db::rows::{self, Conflict};
use crate::entities::*;
use crate::ingest::rollup::{Counted, DailyRollup};
use crate::ledger::{self, GrantKind, GrantState, Period};
use app::credits::Credits;
use app::ids::OrgId;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use grant::GrantStatus;
use indicatif::{ProgressBar, ProgressStyle};
use purchase::{PurchaseOrigin, PurchaseStatus};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet,
    QueryFilter, Set, TransactionTrait,
};
use std::collections::HashMap;

pub const DEFAULT_EVENTS: u64 = 30_000;
pub const DAYS: i64 = 90;
const CHUNK: usize = 1_000;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Events over both organizations.
    pub events: u64,
    pub seed: u64,
    /// The generator's "now": events end here. Fixed in tests, the clock when serving.
    pub now: DateTime<Utc>,
    pub progress: bool,
}

impl DemoOptions {
    pub fn new(now: DateTime<Utc>) -> Self {
        DemoOptions {
            events: DEFAULT_EVENTS,
            seed: 42,
            now,
            progress: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSummary {
    pub slug: String,
    pub organization_id: OrgId,
    pub events: u64,
    pub credits: Credits,
    pub overage: Credits,
}

/// Seeds both demo organizations, each in one transaction.
pub async fn seed_demo(
    db: &DatabaseConnection,
    opts: &DemoOptions,
) -> anyhow::Result<Vec<OrgSummary>> {
    let bar = if opts.progress {
        ProgressBar::new(opts.events)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{msg:>8} [{bar:40}] {pos}/{len} events ({per_sec}, {eta})",
    )?);
    let mut out = Vec::new();
    for (i, def) in catalog::ORGS.iter().enumerate() {
        let events = if i + 1 == catalog::ORGS.len() {
            opts.events - out.iter().map(|s: &OrgSummary| s.events).sum::<u64>()
        } else {
            opts.events * def.event_share / 100
        };
        bar.set_message(def.slug);
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_mul(31).wrapping_add(i as u64));
        let txn = db.begin().await?;
        let refs = create_org(&txn, def, opts.now, &mut rng).await?;
        let summary = generate_usage(&txn, def, &refs, events, opts.now, &mut rng, &bar).await?;
        super::setup::allocate_end_users(&txn, def, &refs, opts.now).await?;
        txn.commit().await?;
        out.push(summary);
    }
    bar.finish_and_clear();
    // Fresh statistics after a bulk load: without them PostgreSQL's planner guesses one row
    // per table and picks nested loops that are 15× slower (measured on the team filter).
    db.execute_unprepared("ANALYZE").await?;
    Ok(out)
}

/// A grant being built: its ledger state plus what is written at the end.
struct DemoGrant {
    state: GrantState,
    pool_id: i64,
    description: String,
    original: Credits,
    purchase_id: Option<i64>,
    /// The grant's row when provisioning already wrote it (updated, not inserted).
    stored: Option<i64>,
}

async fn generate_usage<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    refs: &OrgRefs,
    events: u64,
    now: DateTime<Utc>,
    rng: &mut ChaCha8Rng,
    bar: &ProgressBar,
) -> anyhow::Result<OrgSummary> {
    let tz: Tz = def.time_zone.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let today = ledger::local_day(tz, now);
    let first_day = today - Duration::days(DAYS - 1);
    let grants = plan_grants(db, def, refs, tz, first_day, now).await?;
    // The ledger burns each pool's grants in place, event after event.
    let mut by_pool: HashMap<i64, Vec<GrantState>> = HashMap::new();
    for g in &grants {
        by_pool.entry(g.pool_id).or_default().push(g.state.clone());
    }
    let history = ledger::period::local_midnight(tz, first_day);
    let cut = ledger::period::local_midnight(tz, first_day + Duration::days(DAYS / 2));
    let rates = super::rating::create(db, refs, history, cut).await?;
    let counts = daily_counts(first_day, today, events, rng);
    let since_midnight = (now - ledger::period::local_midnight(tz, today))
        .num_seconds()
        .max(1);
    let mut writer = EventWriter::new(def.slug, refs.organization_id);
    for (day_index, count) in counts.iter().enumerate() {
        let day = first_day + Duration::days(day_index as i64);
        let midnight = ledger::period::local_midnight(tz, day);
        let latest = (day == today).then_some(since_midnight);
        for offset in day_offsets(rng, *count, latest) {
            let at = midnight + Duration::seconds(offset);
            let mut event = draw_event(rng, def, refs, day);
            rates.rate(rng, &mut event, at)?;
            let pool_grants = by_pool
                .get_mut(&event.pool_id)
                .map_or(&mut [][..], |v| v.as_mut_slice());
            event.overage = ledger::burn(pool_grants, event.credits, at, at).overage;
            writer.push(db, at, event, bar).await?;
        }
    }
    let summary = writer.finish(db, bar).await?;
    crate::ingest::totals::recount(db, refs.organization_id).await?;
    let org = crate::store::organizations::get(db, refs.organization_id).await?;
    crate::ingest::rollup::close_weeks(db, &org, now).await?;
    let left: HashMap<i64, Credits> = by_pool
        .into_values()
        .flatten()
        .map(|g| (g.id, g.remaining))
        .collect();
    write_grants(db, refs.organization_id, grants, &left, now).await?;
    Ok(summary)
}

/// Seconds after local midnight for a day's events, in order; today's stop at `latest`.
fn day_offsets(rng: &mut ChaCha8Rng, count: u64, latest: Option<i64>) -> Vec<i64> {
    let mut offsets: Vec<i64> = (0..count)
        .map(|_| match latest {
            Some(latest) => rng.random_range(0..latest),
            None => business_second(rng),
        })
        .collect();
    offsets.sort_unstable();
    offsets
}

/// One event's random parts: what was used, by whom, through which source, for how much.
fn draw_event(rng: &mut ChaCha8Rng, def: &OrgDef, refs: &OrgRefs, day: NaiveDate) -> Counted {
    let total_weight: u32 = catalog::TEMPLATES.iter().map(|t| t.weight).sum();
    let t = pick_template(rng, total_weight);
    let (feature_id, pool_id) = refs.features[t.feature];
    let (source_id, action_id) = pick_source(rng, refs, t.source);
    let (user_id, end_user_id) = pick_subject(rng, def, refs, t);
    let company_id =
        (!refs.companies.is_empty()).then(|| refs.companies[skewed(rng, refs.companies.len())]);
    let quantity = rng.random_range(t.quantity.0..=t.quantity.1);
    let credits = rng.random_range(t.milli_per_unit.0..=t.milli_per_unit.1) / 10 * 10 * quantity;
    let (input_tokens, output_tokens) = if t.tokens {
        (
            Some(rng.random_range(200..3_000)),
            Some(rng.random_range(50..800)),
        )
    } else {
        (None, None)
    };
    Counted {
        day,
        pool_id,
        feature_id,
        user_id,
        end_user_id,
        source_id,
        action_id,
        company_id,
        model_id: None,
        credits: Credits(credits),
        overage: Credits(0),
        quantity,
        input_tokens,
        output_tokens,
        rated: false,
    }
}

/// Writes burned events in chunks and counts them into the daily rollup and the totals.
struct EventWriter {
    slug: &'static str,
    organization_id: OrgId,
    buffer: Vec<usage_event::ActiveModel>,
    rollup: DailyRollup,
    seq: u64,
    credits: i64,
    overage: i64,
}

impl EventWriter {
    fn new(slug: &'static str, organization_id: OrgId) -> Self {
        EventWriter {
            slug,
            organization_id,
            buffer: Vec::with_capacity(CHUNK),
            rollup: DailyRollup::default(),
            seq: 0,
            credits: 0,
            overage: 0,
        }
    }

    async fn push<C: ConnectionTrait>(
        &mut self,
        db: &C,
        at: DateTime<Utc>,
        e: Counted,
        bar: &ProgressBar,
    ) -> anyhow::Result<()> {
        self.seq += 1;
        self.credits += e.credits.0;
        self.overage += e.overage.0;
        self.rollup.add(&e)?;
        self.buffer.push(usage_event::ActiveModel {
            id: NotSet,
            organization_id: Set(self.organization_id),
            event_id: Set(format!("demo-{}-{:08}", self.slug, self.seq)),
            occurred_at: Set(at),
            pool_id: Set(e.pool_id),
            feature_id: Set(e.feature_id),
            user_id: Set(e.user_id),
            end_user_id: Set(e.end_user_id),
            source_id: Set(e.source_id),
            action_id: Set(e.action_id),
            company_id: Set(e.company_id),
            credits_milli: Set(e.credits.0),
            overage_milli: Set(e.overage.0),
            quantity: Set(e.quantity),
            input_tokens: Set(e.input_tokens),
            output_tokens: Set(e.output_tokens),
            cached_input_tokens: Set(None),
            model_id: Set(e.model_id),
            priced_by_sender: Set(!e.rated),
            metadata: Set(None),
            received_at: Set(at),
        });
        if self.buffer.len() == CHUNK {
            rows::insert(db, std::mem::take(&mut self.buffer), Conflict::Fail).await?;
            bar.inc(CHUNK as u64);
        }
        Ok(())
    }

    async fn finish<C: ConnectionTrait>(
        self,
        db: &C,
        bar: &ProgressBar,
    ) -> anyhow::Result<OrgSummary> {
        bar.inc(self.buffer.len() as u64);
        if !self.buffer.is_empty() {
            rows::insert(db, self.buffer, Conflict::Fail).await?;
        }
        self.rollup.upsert(db, self.organization_id).await?;
        Ok(OrgSummary {
            slug: self.slug.into(),
            organization_id: self.organization_id,
            events: self.seq,
            credits: Credits(self.credits),
            overage: Credits(self.overage),
        })
    }
}

/// Included grants for every period the window touches, two purchases, one promotional
/// grant that expires mostly unused.
async fn plan_grants<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    refs: &OrgRefs,
    tz: Tz,
    first_day: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<DemoGrant>> {
    let mut out = included_grants(db, def, refs, tz, first_day, now).await?;
    purchase_grants(db, def, refs, now, &mut out).await?;
    let (ai_pool, _) = refs.pools["ai_credits"];
    let promo_at = ledger::period::local_midnight(tz, first_day + Duration::days(10));
    out.push(DemoGrant {
        state: GrantState {
            id: out.len() as i64,
            kind: GrantKind::Promotional,
            priority: 20,
            granted_at: promo_at,
            expires_at: Some(promo_at + Duration::days(14)),
            remaining: Credits::whole(3_000),
        },
        pool_id: ai_pool,
        description: "Welcome promotion".into(),
        original: Credits::whole(3_000),
        purchase_id: None,
        stored: None,
    });
    Ok(out)
}

/// Every pool's included grant for each period from the window's first day to now.
async fn included_grants<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    refs: &OrgRefs,
    tz: Tz,
    first_day: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<DemoGrant>> {
    // The catalog's apply already gave the current period's included grants: burn those.
    let stored: HashMap<(i64, DateTime<Utc>), i64> = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(refs.organization_id))
        .filter(grant::Column::Kind.eq(GrantKind::Included.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| ((g.pool_id, g.granted_at), g.id))
        .collect();
    let mut pools: Vec<(i64, i64)> = refs.pools.values().copied().collect();
    pools.sort_unstable();
    let mut out = Vec::new();
    let start = ledger::period::local_midnight(tz, first_day);
    let mut period: Period = ledger::period_containing(def.anchor_day, tz, start);
    while period.start <= now {
        for &(pool_id, included) in &pools {
            out.push(DemoGrant {
                state: GrantState {
                    id: out.len() as i64,
                    kind: GrantKind::Included,
                    priority: 10,
                    granted_at: period.start,
                    expires_at: Some(period.end),
                    remaining: Credits(included),
                },
                pool_id,
                description: format!(
                    "Included credits {} – {}",
                    period.start_date,
                    period.last_day()
                ),
                original: Credits(included),
                purchase_id: None,
                stored: stored.get(&(pool_id, period.start)).copied(),
            });
        }
        period = period.next(def.anchor_day, tz);
    }
    Ok(out)
}

/// The AI pool's past top-ups (or one auto-recharge), each a paid purchase and its grant.
async fn purchase_grants<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    refs: &OrgRefs,
    now: DateTime<Utc>,
    out: &mut Vec<DemoGrant>,
) -> anyhow::Result<()> {
    let (ai_pool, _) = refs.pools["ai_credits"];
    let ai = pool::Entity::find_by_id(ai_pool)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo catalog has no ai_credits pool"))?;
    let purchases: &[(i64, i64, PurchaseOrigin)] = if def.auto_recharge {
        &[(30, 5_000, PurchaseOrigin::AutoRecharge)]
    } else {
        &[
            (60, 5_000, PurchaseOrigin::Manual),
            (12, 5_000, PurchaseOrigin::Manual),
        ]
    };
    for &(days_ago, amount, origin) in purchases {
        let at = now - Duration::days(days_ago);
        let amount = Credits::whole(amount);
        let manual = origin == PurchaseOrigin::Manual;
        let purchase = purchase::ActiveModel {
            organization_id: Set(refs.organization_id),
            pool_id: Set(ai_pool),
            amount_milli: Set(amount.0),
            price_cents: Set(crate::money::cost_minor(&ai, amount)
                .map_err(|e| anyhow::anyhow!("{}", app::error::AppError::from(e)))?),
            origin: Set(origin),
            status: Set(PurchaseStatus::Paid),
            created_by: Set(refs.members.first().copied().filter(|_| manual)),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
        out.push(DemoGrant {
            state: GrantState {
                id: out.len() as i64,
                kind: GrantKind::Purchased,
                priority: 10,
                granted_at: at,
                expires_at: None,
                remaining: amount,
            },
            pool_id: ai_pool,
            description: if manual {
                "Credit top-up"
            } else {
                "Auto-recharge"
            }
            .into(),
            original: amount,
            purchase_id: Some(purchase.id),
            stored: None,
        });
    }
    Ok(())
}

async fn write_grants<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    grants: Vec<DemoGrant>,
    left: &HashMap<i64, Credits>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (stored, rows): (Vec<_>, Vec<_>) = grants
        .into_iter()
        .map(|mut g| {
            g.state.remaining = left[&g.state.id];
            let status = if g.state.expires_at.is_some_and(|e| e <= now) && g.state.remaining.0 > 0
            {
                GrantStatus::Expired
            } else if g.state.remaining.0 == 0 {
                GrantStatus::Exhausted
            } else {
                GrantStatus::Active
            };
            grant::ActiveModel {
                id: g.stored.map_or(NotSet, Set),
                organization_id: Set(org),
                pool_id: Set(g.pool_id),
                kind: Set(g.state.kind),
                description: Set(g.description),
                granted_at: Set(g.state.granted_at),
                expires_at: Set(g.state.expires_at),
                priority: Set(g.state.priority),
                original_milli: Set(g.original.0),
                remaining_milli: Set(g.state.remaining.0),
                status: Set(status),
                purchase_id: Set(g.purchase_id),
            }
        })
        .partition(|g: &grant::ActiveModel| g.id.is_set());
    for g in stored {
        g.update(db).await?;
    }
    grant::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Splits `events` over the days: weekday rhythm, steady growth, noise and one spike.
fn daily_counts(first: NaiveDate, last: NaiveDate, events: u64, rng: &mut ChaCha8Rng) -> Vec<u64> {
    let n = (last - first).num_days() as usize + 1;
    let spike = n.saturating_sub(19);
    let weights: Vec<f64> = (0..n)
        .map(|i| {
            let day = first + Duration::days(i as i64);
            let weekday = match day.weekday() {
                Weekday::Sat => 0.35,
                Weekday::Sun => 0.25,
                _ => 1.0,
            };
            let growth = 0.75 + 0.5 * i as f64 / (n.max(2) - 1) as f64;
            let noise = rng.random_range(0.85..1.15);
            weekday * growth * noise * if i == spike { 3.5 } else { 1.0 }
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    // Weights only shape the split; the counts are integers that add up to exactly `events`.
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (events as f64 * w / sum).floor() as u64)
        .collect();
    let mut left = events - counts.iter().sum::<u64>();
    let mut i = 0;
    while left > 0 {
        counts[n - 1 - (i % n)] += 1;
        left -= 1;
        i += 1;
    }
    counts
}

/// Seconds after local midnight, mostly in working hours.
fn business_second(rng: &mut ChaCha8Rng) -> i64 {
    let hours = 7.0 + rng.random_range(0.0..7.0) + rng.random_range(0.0..7.0);
    (hours * 3600.0) as i64
}

/// An index skewed towards the start: a few heavy users, a long tail.
fn skewed(rng: &mut ChaCha8Rng, len: usize) -> usize {
    let u: f64 = rng.random();
    ((u * u) * len as f64) as usize % len
}

fn pick_template(rng: &mut ChaCha8Rng, total_weight: u32) -> &'static Template {
    let mut roll = rng.random_range(0..total_weight);
    for t in catalog::TEMPLATES {
        if roll < t.weight {
            return t;
        }
        roll -= t.weight;
    }
    unreachable!("roll is below the total weight")
}

fn pick_source(
    rng: &mut ChaCha8Rng,
    refs: &OrgRefs,
    pick: SourcePick,
) -> (Option<i64>, Option<i64>) {
    let one = |rng: &mut ChaCha8Rng, ids: &[i64]| ids[rng.random_range(0..ids.len())];
    match pick {
        SourcePick::None => (None, None),
        SourcePick::Agent(keys) => (
            Some(refs.sources[&("agent", keys[rng.random_range(0..keys.len())])]),
            None,
        ),
        SourcePick::Flow => {
            let flow = refs.flows[skewed(rng, refs.flows.len())];
            let action = one(rng, &refs.actions[&flow]);
            (Some(flow), Some(action))
        }
        SourcePick::Pilot => (Some(one(rng, &refs.pilots)), None),
        SourcePick::Tool => (Some(one(rng, &refs.tools)), None),
        SourcePick::Session => (Some(one(rng, &refs.sessions)), None),
    }
}

/// (member, end user) the event is attributed to.
fn pick_subject(
    rng: &mut ChaCha8Rng,
    def: &OrgDef,
    refs: &OrgRefs,
    t: &Template,
) -> (Option<i64>, Option<i64>) {
    if def.is_agency {
        // An agency's usage comes from its clients' end users.
        return (
            None,
            Some(refs.end_users[skewed(rng, refs.end_users.len())]),
        );
    }
    if t.attributed {
        (Some(refs.members[skewed(rng, refs.members.len())]), None)
    } else if !refs.end_users.is_empty()
        && matches!(t.source, SourcePick::Agent(_))
        && rng.random_range(0..3) == 0
    {
        (
            None,
            Some(refs.end_users[rng.random_range(0..refs.end_users.len())]),
        )
    } else {
        (None, None)
    }
}
