//! One transaction for validated batches of one organization: duplicates dropped, events
//! placed on their feature and pool, burned by the ledger, written with their overage, the
//! grants' new balances, the recharges and the rollups all in the same commit.

use super::validate::{Rejection, ValidEvent};
use super::{
    Clock, Dims, INSERT_CHUNK, IngestOutcome, Placed, Validated, charges, rating, resolve, rollup,
    totals,
};
use crate::db::rows::{self, Conflict};
use crate::entities::{feature, organization, pool, usage_event};
use crate::error::Result;
use crate::ledger::{self, BatchBurn, Period, PoolLedger};
use crate::ledger_store;
use crate::payment::PaymentProvider;
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Applies validated batches of one organization in one transaction, in order; one outcome
/// per batch. The batches are left as they were (but for their events' batch numbers), so
/// a caller may apply them again after a failure.
pub async fn apply(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    org_id: OrgId,
    batches: &mut [Validated],
    clock: impl Into<Clock>,
) -> Result<Vec<IngestOutcome>> {
    let clock = clock.into();
    let mut outs = outcomes_for(batches);
    if batches.iter().all(|b| b.valid.is_empty()) {
        return Ok(outs);
    }
    let txn = crate::db::begin_write(db).await?;
    ledger_store::lock_organization(&txn, org_id).await?;
    let now = clock.read();
    let org = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let catalog = Catalog::load(&txn, org_id).await?;
    let unrated =
        rating::rate_unpriced(&txn, org_id, &catalog.features, batches, &mut outs).await?;
    let valid: Vec<&ValidEvent> = batches
        .iter()
        .flat_map(|b| &b.valid)
        .filter(|e| !unrated.contains(&(e.batch, e.index)))
        .collect();
    let fresh = first_occurrences(valid, &mut outs);
    let mut placed = place(&fresh, &catalog, &mut outs);
    let before = within_lifetime_caps(&org, &mut placed, &mut outs);
    let refs: Vec<&ValidEvent> = placed.iter().map(|p| p.e).collect();
    let names = resolve::resolve(&txn, org_id, &refs, now).await?;
    // Each event's resolved dimensions, once, for both its row and its rollup key.
    for p in &mut placed {
        p.dims = names.dims(p.e);
    }
    let tz = crate::store::organizations::tz(&org)?;
    let period: Period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    let pools_by_id = catalog.pools_by_id();
    let mut ledgers = load_ledgers(&txn, &org, &pools_by_id, &placed, &period).await?;
    let now = booked_at(clock, now, &ledgers);
    let booking = charges::Booking {
        provider: payments,
        org: &org,
        pools: &pools_by_id,
        period: &period,
        now,
    };
    let mut charges = charges::Charges::new(booking);
    let burned = burn_and_write(&txn, &mut charges, &mut ledgers, &mut placed, &mut outs).await?;
    for (pool_id, after, outcome) in &burned.pools {
        let charged = ledger_store::Charged {
            paid: &charges.paid,
            period: &period,
        };
        let (pool, before) = (pools_by_id[pool_id], &ledgers[pool_id]);
        ledger_store::save_pool(&txn, pool, before, after, outcome, charged, now).await?;
    }
    charges.record_refusals(&txn).await?;
    roll_up(&txn, &org, tz, now, &placed, &burned.overage).await?;
    count_accepted(&txn, org_id, before, &placed, &mut outs).await?;
    txn.commit().await?;
    for out in &mut outs {
        out.rejected.sort_by_key(|r| r.index);
    }
    Ok(outs)
}

/// An outcome per batch holding its rejections so far; each event learns its batch number.
fn outcomes_for(batches: &mut [Validated]) -> Vec<IngestOutcome> {
    let mut outs = Vec::with_capacity(batches.len());
    for (n, b) in batches.iter_mut().enumerate() {
        outs.push(IngestOutcome {
            rejected: b.rejected.clone(),
            ..Default::default()
        });
        b.valid.iter_mut().for_each(|e| e.batch = n);
    }
    outs
}

/// The first occurrence of each event id; repeats inside the group count as duplicates
/// (repeats of stored events are found by the insert itself).
fn first_occurrences<'a>(
    valid: Vec<&'a ValidEvent>,
    outs: &mut [IngestOutcome],
) -> Vec<&'a ValidEvent> {
    let mut seen = HashSet::with_capacity(valid.len());
    let mut fresh = Vec::with_capacity(valid.len());
    for e in valid {
        if seen.insert(e.id.as_str()) {
            fresh.push(e);
        } else {
            outs[e.batch].duplicates += 1;
        }
    }
    fresh
}

/// The organization's pools and features by key.
struct Catalog {
    pools: HashMap<String, pool::Model>,
    features: HashMap<String, feature::Model>,
}

impl Catalog {
    async fn load(txn: &DatabaseTransaction, org_id: OrgId) -> Result<Catalog> {
        let pools = pool::Entity::find()
            .filter(pool::Column::OrganizationId.eq(org_id))
            .all(txn)
            .await?;
        let features = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org_id))
            .all(txn)
            .await?;
        Ok(Catalog {
            pools: pools.into_iter().map(|p| (p.key.clone(), p)).collect(),
            features: features.into_iter().map(|f| (f.key.clone(), f)).collect(),
        })
    }

    fn pools_by_id(&self) -> HashMap<i64, &pool::Model> {
        self.pools.values().map(|p| (p.id, p)).collect()
    }

    /// The event's feature and pool ids, or why it is refused: (field, reason).
    fn place(&self, e: &ValidEvent) -> std::result::Result<(i64, i64), (&'static str, String)> {
        let Some(f) = self.features.get(&e.feature) else {
            return Err(("feature", format!("unknown feature key {:?}", e.feature)));
        };
        if f.archived_at.is_some() {
            let why = format!("feature {:?} is archived: it takes no new usage", e.feature);
            return Err(("feature", why));
        }
        let pool_id = match &e.pool {
            None => f.pool_id,
            Some(key) => match self.pools.get(key) {
                Some(p) if p.archived_at.is_none() => p.id,
                _ => return Err(("pool", format!("unknown pool key {key:?}"))),
            },
        };
        Ok((f.id, pool_id))
    }
}

/// The events on a known, live feature and pool; the others are rejected.
fn place<'a>(
    fresh: &[&'a ValidEvent],
    catalog: &Catalog,
    outs: &mut [IngestOutcome],
) -> Vec<Placed<'a>> {
    let mut placed = Vec::with_capacity(fresh.len());
    for e in fresh.iter().copied() {
        match catalog.place(e) {
            Ok((feature_id, pool_id)) => placed.push(Placed {
                e,
                feature_id,
                pool_id,
                dims: Dims::default(),
            }),
            Err((field, why)) => {
                let r = Rejection::new(e.index, Some(&e.id), field, why);
                outs[e.batch].rejected.push(r);
            }
        }
    }
    placed
}

/// Drops (and rejects) the events that would take the organization's lifetime totals past
/// their cap; answers the totals before this batch.
fn within_lifetime_caps(
    org: &organization::Model,
    placed: &mut Vec<Placed>,
    outs: &mut [IngestOutcome],
) -> totals::Totals {
    let before = totals::Totals::of(org);
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
    before
}

/// Each pool's ledger as stored (the period's included grant made first when missing).
async fn load_ledgers(
    txn: &DatabaseTransaction,
    org: &organization::Model,
    pools_by_id: &HashMap<i64, &pool::Model>,
    placed: &[Placed<'_>],
    period: &Period,
) -> Result<BTreeMap<i64, PoolLedger>> {
    let mut ledgers = BTreeMap::new();
    for p in placed {
        if let std::collections::btree_map::Entry::Vacant(e) = ledgers.entry(p.pool_id) {
            let pool = pools_by_id[&p.pool_id];
            ledger_store::ensure_period_grants(txn, pool, period).await?;
            let stored = ledger_store::load_pool(txn, org, pool, period).await?;
            e.insert(stored);
        }
    }
    Ok(ledgers)
}

/// The instant the batch is booked at: by the system clock, never before a grant another
/// server made a moment ago (by its clock), so that grant is live here too.
fn booked_at(
    clock: Clock,
    now: DateTime<Utc>,
    ledgers: &BTreeMap<i64, PoolLedger>,
) -> DateTime<Utc> {
    if clock != Clock::System {
        return now;
    }
    let latest = ledgers
        .values()
        .flat_map(|l| &l.grants)
        .map(|g| g.granted_at)
        .max();
    latest.map_or(now, |t| now.max(t))
}

/// Burns the events, then writes each row once, with its overage. Resent events are rare,
/// so none is assumed; when the unique key finds some, the insert is undone to a savepoint
/// and the batch burned again without them. Under the ingest lock nothing else adds this
/// organization's events meanwhile.
async fn burn_and_write(
    txn: &DatabaseTransaction,
    charges: &mut charges::Charges<'_>,
    ledgers: &mut BTreeMap<i64, PoolLedger>,
    placed: &mut Vec<Placed<'_>>,
    outs: &mut [IngestOutcome],
) -> Result<BatchBurn> {
    let (org_id, now) = (charges.org_id(), charges.now());
    let burned = charges.burn(ledgers, &usages(placed)).await?;
    let savepoint = txn.begin().await?;
    let written = insert_new(&savepoint, event_rows(org_id, now, placed, &burned.overage)).await?;
    if written == placed.len() {
        savepoint.commit().await?;
        return Ok(burned);
    }
    savepoint.rollback().await?;
    let stored = stored_ids(txn, org_id, placed.iter().map(|p| p.e.id.as_str())).await?;
    placed.retain(|p| {
        let new = !stored.contains(&p.e.id);
        outs[p.e.batch].duplicates += usize::from(!new);
        new
    });
    let burned = charges.burn(ledgers, &usages(placed)).await?;
    let rows = event_rows(org_id, now, placed, &burned.overage);
    if insert_new(txn, rows).await? != placed.len() {
        let why = "events were stored while the ingest lock was held";
        return Err(AppError::internal(why).into());
    }
    Ok(burned)
}

/// What the ledger burns: (pool, credits, time) per event.
fn usages(placed: &[Placed]) -> Vec<(i64, Credits, DateTime<Utc>)> {
    placed
        .iter()
        .map(|p| (p.pool_id, p.e.credits, p.e.at))
        .collect()
}

/// The events' rows, each with its overage, received at `now`.
fn event_rows(
    org_id: OrgId,
    now: DateTime<Utc>,
    placed: &[Placed],
    overage: &[Credits],
) -> Vec<usage_event::ActiveModel> {
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
                cached_input_tokens: Set(e.cached_input_tokens),
                model_id: Set(d.model_id),
                priced_by_sender: Set(e.priced_by_sender),
                metadata: Set(e.metadata.clone()),
                received_at: Set(now),
            }
        })
        .collect()
}

/// Adds the events to the rollups. Weeks that ended since the last ingest are summed first;
/// late events of closed weeks go into both.
async fn roll_up(
    txn: &DatabaseTransaction,
    org: &organization::Model,
    tz: Tz,
    now: DateTime<Utc>,
    placed: &[Placed<'_>],
    overage: &[Credits],
) -> Result<()> {
    let weekly_until = rollup::close_weeks(txn, org, now).await?;
    let mut daily = rollup::DailyRollup::with_closed_weeks(weekly_until);
    for (p, overage) in placed.iter().zip(overage) {
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
            model_id: d.model_id,
            credits: e.credits,
            overage: *overage,
            quantity: e.quantity,
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
            rated: !e.priced_by_sender,
        })?;
    }
    daily.upsert(txn, org.id).await
}

/// Counts the written events in their batches' outcomes and in the lifetime totals.
async fn count_accepted(
    txn: &DatabaseTransaction,
    org_id: OrgId,
    before: totals::Totals,
    placed: &[Placed<'_>],
    outs: &mut [IngestOutcome],
) -> Result<()> {
    let mut stored = before;
    for p in placed {
        outs[p.e.batch].accepted += 1;
        // Within the cap: these events passed the check above (or are fewer of them).
        stored = stored.with(p.e).map_err(AppError::internal)?;
    }
    totals::add(txn, org_id, stored.since(before)).await
}

/// Which of these event ids the organization has stored already.
async fn stored_ids<'a, C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
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
