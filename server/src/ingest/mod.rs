//! Ingesting a batch of usage events: validate each one, then, in one transaction, take the
//! organization's ingest lock, resolve names, insert what is new (the unique key drops
//! duplicates), burn that through the ledger, and write rollup and grants in the same
//! transaction — a committed event is counted exactly once.
//!
//! The transaction may carry a group of batches (`apply`; see `queue` for why): they are
//! applied in arrival order exactly as if one followed the other, and each gets its own
//! answer. A failure fails the whole group and commits nothing, so a retry cannot double-count.

mod apply;
pub mod charges;
pub mod queue;
mod rating;
pub mod rebuild_lock;
pub mod recalculate;
pub mod resolve;
pub mod rollup;
pub mod totals;
pub mod validate;
pub mod wire;

use crate::error::Result;
use crate::payment::PaymentProvider;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::Value;
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
    pub model_id: Option<i64>,
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
    org_id: OrgId,
    events: &[Value],
    now: DateTime<Utc>,
) -> Result<IngestOutcome> {
    let invoice = crate::payment::InvoiceProvider;
    apply_one(db, &invoice, org_id, validate_batch(events, now)?, now).await
}

/// Applies one validated batch in its own transaction.
pub async fn apply_one(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    org_id: OrgId,
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

pub use apply::apply;
