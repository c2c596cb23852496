//! Ingesting a batch of usage events: validate each one, then, in one transaction, take the
//! organization's ingest lock, resolve names, insert what is new (the unique key drops
//! duplicates), burn that through the ledger, and write rollup and grants in the same
//! transaction — a committed event is counted exactly once.
//!
//! The transaction may carry a group of batches (`apply`; see `queue` for why): they are
//! applied in arrival order exactly as if one followed the other, and each gets its own
//! answer. A failure fails the whole group and commits nothing, so a retry cannot double-count.

pub mod charges;
pub mod queue;
pub mod rebuild_lock;
pub mod recalculate;
pub mod resolve;
pub mod rollup;
pub mod totals;
pub mod validate;
pub mod wire;

use crate::admin::payment::PaymentProvider;
use crate::db::rows::{self, Conflict};
use crate::entities::{feature, organization, pool, usage_event};
use crate::error::Result;
use crate::ledger::{self, Period};
use crate::ledger_store;
use app::credits::Credits;
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use validate::{Rejection, ValidEvent};

const INSERT_CHUNK: usize = 1000;

/// An event with a known feature and pool, and the ids its names resolved to.
struct Placed<'a> {
    e: &'a ValidEvent,
    feature_id: i64,
    pool_id: i64,
    dims: Dims,
}

/// The ids an event's names resolved to.
#[derive(Default)]
pub struct Dims {
    pub user_id: Option<i64>,
    pub end_user_id: Option<i64>,
    pub source_id: Option<i64>,
    pub action_id: Option<i64>,
    pub company_id: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestOutcome {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<Rejection>,
}

/// A batch after validation: the events to apply and the ones refused already.
#[derive(Debug, Default)]
pub struct Validated {
    pub valid: Vec<ValidEvent>,
    pub rejected: Vec<Rejection>,
}

/// Validates a batch (raw JSON objects) received at `now`.
pub fn validate_batch(events: &[Value], now: DateTime<Utc>) -> Result<Validated> {
    validate_each(events, |i, v| validate::validate(i, v, now.into()))
}

/// Validates a batch as read from a request body (`wire::parse`), received in `window`.
pub fn validate_wire(events: &[wire::WireEvent], window: validate::Window) -> Result<Validated> {
    validate_each(events, |i, e| match e {
        wire::WireEvent::Object { fields, unknown } => {
            validate::validate_fields(i, &**fields, unknown.as_deref(), window)
        }
        wire::WireEvent::NotObject => Err(validate::not_an_object(i)),
    })
}

/// The answer to a batch of `n` events, more than a batch may hold.
pub fn too_many(n: usize) -> AppError {
    AppError::TooLarge {
        field: "events".into(),
        message: format!("{n} events; at most {} per batch", validate::MAX_EVENTS),
    }
}

fn validate_each<T>(
    events: &[T],
    check: impl Fn(usize, &T) -> Result<ValidEvent, Rejection>,
) -> Result<Validated> {
    if events.len() > validate::MAX_EVENTS {
        return Err(too_many(events.len()).into());
    }
    let mut out = Validated::default();
    for (i, v) in events.iter().enumerate() {
        match check(i, v) {
            Ok(e) => out.valid.push(e),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// Ingests `events` (raw JSON objects), invoiced auto-recharges, for organization `org_id`, received at `now`.
pub async fn ingest(
    db: &DatabaseConnection,
    org_id: i64,
    events: &[Value],
    now: DateTime<Utc>,
) -> Result<IngestOutcome> {
    let invoice = crate::admin::payment::InvoiceProvider;
    apply_one(db, &invoice, org_id, validate_batch(events, now)?, now).await
}

/// Applies one validated batch in its own transaction.
pub async fn apply_one(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    org_id: i64,
    mut batch: Validated,
    now: impl Into<Clock>,
) -> Result<IngestOutcome> {
    Ok(
        apply(db, payments, org_id, std::slice::from_mut(&mut batch), now)
            .await?
            .remove(0),
    )
}

/// The instant a batch is booked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// This instant (tests, replays).
    At(DateTime<Utc>),
    /// The system clock, read once the organization's ingest lock is held: a batch that
    /// waited for the lock is booked after the one it waited for (whose grants it sees).
    System,
}

impl Clock {
    fn read(self) -> DateTime<Utc> {
        match self {
            Clock::At(t) => t,
            Clock::System => Utc::now(),
        }
    }
}

impl From<DateTime<Utc>> for Clock {
    fn from(t: DateTime<Utc>) -> Self {
        Clock::At(t)
    }
}

/// Applies validated batches of one organization in one transaction, in order; one outcome
/// per batch. The batches are left as they were (but for their events' batch numbers), so
/// a caller may apply them again after a failure.
pub async fn apply(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    org_id: i64,
    batches: &mut [Validated],
    clock: impl Into<Clock>,
) -> Result<Vec<IngestOutcome>> {
    let clock = clock.into();
    let mut outs: Vec<IngestOutcome> = Vec::with_capacity(batches.len());
    for (n, b) in batches.iter_mut().enumerate() {
        outs.push(IngestOutcome {
            rejected: b.rejected.clone(),
            ..Default::default()
        });
        b.valid.iter_mut().for_each(|e| e.batch = n);
    }
    let valid: Vec<&ValidEvent> = batches.iter().flat_map(|b| &b.valid).collect();
    if valid.is_empty() {
        return Ok(outs);
    }
    let txn = crate::db::begin_write(db).await?;
    ledger_store::lock_organization(&txn, org_id).await?;
    let mut now = clock.read();
    let org = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    // Repeats inside the group are duplicates of their first occurrence; repeats of stored
    // events are found by the insert itself (below).
    let mut seen = HashSet::with_capacity(valid.len());
    let first: Vec<bool> = valid.iter().map(|e| seen.insert(e.id.as_str())).collect();
    drop(seen);
    let mut fresh: Vec<&ValidEvent> = Vec::with_capacity(valid.len());
    for (e, first) in valid.into_iter().zip(first) {
        if first {
            fresh.push(e);
        } else {
            outs[e.batch].duplicates += 1;
        }
    }

    let pools: HashMap<String, pool::Model> = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.key.clone(), p))
        .collect();
    let features: HashMap<String, feature::Model> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|f| (f.key.clone(), f))
        .collect();
    let pools_by_id: HashMap<i64, &pool::Model> = pools.values().map(|p| (p.id, p)).collect();

    // Known feature and pool, else rejected; the rest are placed.
    let mut placed: Vec<Placed> = Vec::with_capacity(fresh.len());
    for e in fresh.iter().copied() {
        let Some(f) = features.get(&e.feature) else {
            outs[e.batch].rejected.push(Rejection::new(
                e.index,
                Some(&e.id),
                "feature",
                format!("unknown feature key {:?}", e.feature),
            ));
            continue;
        };
        if f.archived_at.is_some() {
            outs[e.batch].rejected.push(Rejection::new(
                e.index,
                Some(&e.id),
                "feature",
                format!("feature {:?} is archived: it takes no new usage", e.feature),
            ));
            continue;
        }
        let pool_id = match &e.pool {
            None => f.pool_id,
            Some(key) => match pools.get(key) {
                Some(p) if p.archived_at.is_none() => p.id,
                _ => {
                    outs[e.batch].rejected.push(Rejection::new(
                        e.index,
                        Some(&e.id),
                        "pool",
                        format!("unknown pool key {key:?}"),
                    ));
                    continue;
                }
            },
        };
        placed.push(Placed {
            e,
            feature_id: f.id,
            pool_id,
            dims: Dims::default(),
        });
    }
    let before = totals::Totals::of(&org);
    let mut running = before;
    placed.retain(|p| match running.with(p.e) {
        Ok(t) => {
            running = t;
            true
        }
        Err(field) => {
            let cap = format!(
                "would take the organization's lifetime total past {}",
                totals::CAP
            );
            outs[p.e.batch]
                .rejected
                .push(Rejection::new(p.e.index, Some(&p.e.id), field, cap));
            false
        }
    });
    let refs: Vec<&ValidEvent> = placed.iter().map(|p| p.e).collect();
    let names = resolve::resolve(&txn, org_id, &refs, now).await?;
    // Each event's resolved dimensions, once, for both its row and its rollup key.
    for p in &mut placed {
        p.dims = names.dims(p.e);
    }

    let tz = crate::services::balance::org_tz(&org)?;
    // Each pool's ledger as stored (the period's included grant made first when missing).
    let period: Period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let mut ledgers: BTreeMap<i64, ledger::PoolLedger> = BTreeMap::new();
    for p in &placed {
        if !ledgers.contains_key(&p.pool_id) {
            let pool = pools_by_id[&p.pool_id];
            ledger_store::ensure_period_grants(&txn, pool, &period).await?;
            let stored = ledger_store::load_pool(&txn, &org, pool, &period).await?;
            ledgers.insert(p.pool_id, stored);
        }
    }
    if clock == Clock::System {
        // A grant another server made a moment ago (by its clock) is live here too.
        let latest = ledgers
            .values()
            .flat_map(|l| &l.grants)
            .map(|g| g.granted_at)
            .max();
        now = latest.map_or(now, |t| now.max(t));
    }
    let rows = |placed: &[Placed], overage: &[Credits]| {
        placed
            .iter()
            .zip(overage)
            .map(|(p, overage)| {
                let (e, d) = (p.e, &p.dims);
                usage_event::ActiveModel {
                    id: NotSet,
                    organization_id: Set(org_id),
                    event_id: Set(e.id.clone()),
                    occurred_at: Set(e.at),
                    pool_id: Set(p.pool_id),
                    feature_id: Set(p.feature_id),
                    user_id: Set(d.user_id),
                    end_user_id: Set(d.end_user_id),
                    source_id: Set(d.source_id),
                    action_id: Set(d.action_id),
                    company_id: Set(d.company_id),
                    credits_milli: Set(e.credits.0),
                    overage_milli: Set(overage.0),
                    quantity: Set(e.quantity),
                    input_tokens: Set(e.input_tokens),
                    output_tokens: Set(e.output_tokens),
                    metadata: Set(e.metadata.clone()),
                    received_at: Set(now),
                }
            })
            .collect::<Vec<_>>()
    };
    let usages = |placed: &[Placed]| {
        placed
            .iter()
            .map(|p| (p.pool_id, p.e.credits, p.e.at))
            .collect::<Vec<_>>()
    };
    // Burn first, so each row is written once, with its overage. Resent events are rare, so
    // assume there are none; when the unique key finds some, the insert is undone to a
    // savepoint and the batch burned again without them. Under the ingest lock nothing else
    // adds this organization's events meanwhile.
    let mut charges = charges::Charges::new(charges::Booking {
        provider: payments,
        org: &org,
        pools: &pools_by_id,
        period: &period,
        now,
    });
    let mut burned = charges.burn(&mut ledgers, &usages(&placed)).await?;
    let savepoint = txn.begin().await?;
    let written = insert_new(&savepoint, rows(&placed, &burned.overage)).await?;
    if written == placed.len() {
        savepoint.commit().await?;
    } else {
        savepoint.rollback().await?;
        let stored = stored_ids(&txn, org_id, placed.iter().map(|p| p.e.id.as_str())).await?;
        placed.retain(|p| {
            let new = !stored.contains(&p.e.id);
            outs[p.e.batch].duplicates += usize::from(!new);
            new
        });
        burned = charges.burn(&mut ledgers, &usages(&placed)).await?;
        if insert_new(&txn, rows(&placed, &burned.overage)).await? != placed.len() {
            return Err(
                AppError::internal("events were stored while the ingest lock was held").into(),
            );
        }
    }
    for (pool_id, after, outcome) in &burned.pools {
        let before = &ledgers[pool_id];
        let pool = pools_by_id[pool_id];
        let charged = ledger_store::Charged {
            paid: &charges.paid,
            period: &period,
        };
        ledger_store::save_pool(&txn, pool, before, after, outcome, charged, now).await?;
    }
    charges.record_refusals(&txn).await?;
    let overage = burned.overage;

    // Weeks that ended since the last ingest are summed first; late events of closed weeks
    // go into both.
    let weekly_until = rollup::close_weeks(&txn, &org, now).await?;
    let mut daily = rollup::DailyRollup::with_closed_weeks(weekly_until);
    for (p, overage) in placed.iter().zip(&overage) {
        let (e, d) = (p.e, &p.dims);
        daily.add(&rollup::Counted {
            day: ledger::local_day(tz, e.at),
            pool_id: p.pool_id,
            feature_id: p.feature_id,
            user_id: d.user_id,
            end_user_id: d.end_user_id,
            source_id: d.source_id,
            action_id: d.action_id,
            company_id: d.company_id,
            credits: e.credits,
            overage: *overage,
            quantity: e.quantity,
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
        })?;
    }
    let mut stored = before;
    for p in &placed {
        outs[p.e.batch].accepted += 1;
        // Within the cap: these events passed the check above (or are fewer of them).
        stored = stored.with(p.e).map_err(|f| AppError::internal(f))?;
    }
    totals::add(&txn, org_id, stored.since(before)).await?;
    daily.upsert(&txn, org_id).await?;
    txn.commit().await?;
    for out in &mut outs {
        out.rejected.sort_by_key(|r| r.index);
    }
    Ok(outs)
}

/// Which of these event ids the organization has stored already.
async fn stored_ids<'a, C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashSet<String>> {
    let ids: Vec<&str> = ids.collect();
    let mut stored = HashSet::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let found: Vec<String> = usage_event::Entity::find()
            .select_only()
            .column(usage_event::Column::EventId)
            .filter(usage_event::Column::OrganizationId.eq(org_id))
            .filter(usage_event::Column::EventId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        stored.extend(found);
    }
    Ok(stored)
}

/// Inserts the events whose id the organization has not stored yet and returns how many: the
/// unique key (organization, event id) decides, so a resent event can never count twice.
async fn insert_new<C: ConnectionTrait>(
    db: &C,
    rows: Vec<usage_event::ActiveModel>,
) -> Result<usize> {
    let key = Conflict::Skip(&["organization_id", "event_id"]);
    Ok(rows::insert(db, rows, key).await? as usize)
}
