//! Auto-recharges go through the payment provider like any purchase. The ledger decides
//! them inside the batch's transaction (exactly once per crossing); each is charged there,
//! under a key made of its pool, period and number, so a batch retried after a crash is
//! charged once. A refused charge stops that pool's recharges for the period: the batch is
//! burned again without it and the refusal is stored as a `failed` purchase, with no
//! credits. The charge holds the organization's ingest lock (on SQLite the write lock)
//! while the provider answers, at most `PAYMENT_TIMEOUT_SECS` (`payment::Bounded`); no
//! answer in time counts as refused. Recharges are a few per period.

use crate::entities::purchase::{self, PurchaseOrigin, PurchaseStatus};
use crate::entities::{organization, pool};
use crate::error::Result;
use crate::ledger::{self, BatchBurn, Period, PoolLedger};
use crate::payment::{Payment, PaymentProvider};
use app::credits::Credits;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use std::collections::{BTreeMap, HashMap};

struct Refusal {
    pool_id: i64,
    amount: Credits,
    key: String,
    why: String,
}

/// Where a batch is booked: what its recharges are charged to and with.
#[derive(Clone, Copy)]
pub struct Booking<'a> {
    pub provider: &'a dyn PaymentProvider,
    pub org: &'a organization::Model,
    pub pools: &'a HashMap<i64, &'a pool::Model>,
    pub period: &'a Period,
    pub now: DateTime<Utc>,
}

/// The charges of one batch's auto-recharges, by key.
pub struct Charges<'a> {
    at: Booking<'a>,
    pub paid: HashMap<String, Payment>,
    refused: Vec<Refusal>,
}

impl<'a> Charges<'a> {
    pub fn new(at: Booking<'a>) -> Self {
        Charges {
            at,
            paid: HashMap::new(),
            refused: Vec::new(),
        }
    }

    pub fn org_id(&self) -> app::ids::OrgId {
        self.at.org.id
    }

    /// The instant the batch is booked at.
    pub fn now(&self) -> DateTime<Utc> {
        self.at.now
    }

    /// Burns `usages` against `ledgers`, charging every auto-recharge decided; a pool whose
    /// charge is refused has its rule switched off in `ledgers` and the batch burns again.
    pub async fn burn(
        &mut self,
        ledgers: &mut BTreeMap<i64, PoolLedger>,
        usages: &[(i64, Credits, DateTime<Utc>)],
    ) -> Result<BatchBurn> {
        loop {
            let burned = ledger::apply_batch(ledgers, usages, self.at.now);
            let Some(refused_pool) = self.charge(ledgers, &burned).await? else {
                return Ok(burned);
            };
            if let Some(rule) = ledgers.get_mut(&refused_pool).and_then(|l| l.rule.as_mut()) {
                rule.enabled = false;
            }
        }
    }

    /// Charges the recharges of `burned` not charged yet; the first pool refused, if any.
    async fn charge(
        &mut self,
        ledgers: &BTreeMap<i64, PoolLedger>,
        burned: &BatchBurn,
    ) -> Result<Option<i64>> {
        let Booking {
            provider,
            org,
            pools,
            period,
            now,
        } = self.at;
        for (pool_id, _, outcome) in &burned.pools {
            let done = ledgers.get(pool_id).map_or(0, |l| l.recharges_this_period);
            for (n, r) in outcome.recharges.iter().enumerate() {
                let key = ledger::recharge_key(*pool_id, period, done + n as u32 + 1);
                if self.paid.contains_key(&key) {
                    continue;
                }
                let price = crate::money::cost_minor(pools[pool_id], r.amount)?;
                match provider.charge(org, r.amount, price, &key, now).await {
                    Ok(payment) => {
                        self.paid.insert(key, payment);
                    }
                    Err(e) => {
                        let why = e.to_string();
                        tracing::warn!("auto-recharge of pool {pool_id} refused: {why}");
                        self.refused.push(Refusal {
                            pool_id: *pool_id,
                            amount: r.amount,
                            key,
                            why,
                        });
                        return Ok(Some(*pool_id));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Stores each refused recharge as a `failed` purchase (no credits).
    pub async fn record_refusals<C: ConnectionTrait>(&self, db: &C) -> Result<()> {
        let now = self.at.now;
        for r in &self.refused {
            let pool = self.at.pools[&r.pool_id];
            purchase::ActiveModel {
                organization_id: Set(pool.organization_id),
                pool_id: Set(pool.id),
                amount_milli: Set(r.amount.0),
                price_cents: Set(crate::money::cost_minor(pool, r.amount)?),
                origin: Set(PurchaseOrigin::AutoRecharge),
                status: Set(PurchaseStatus::Failed),
                created_by: Set(None),
                created_at: Set(now),
                idempotency_key: Set(Some(r.key.clone())),
                reference: Set(Some(r.why.clone())),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        Ok(())
    }
}
