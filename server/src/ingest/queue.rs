//! Group commit. An organization's batches are serialised by its ingest lock (and on SQLite
//! every batch by the single writer): a batch that arrives while another is being written waits
//! anyway. So one writer task takes the batches waiting in line (up to `MAX_GROUP_EVENTS`
//! events) and applies them in one transaction per organization (`super::apply`, in arrival
//! order, one answer each): the lock, the name lookups, the ledger load and save, the rollup
//! upserts and the commit are paid once per group instead of once per batch. A lone batch is
//! applied at once, so nothing waits for company.
//!
//! SQLite has one writer task for all organizations. PostgreSQL writes organizations in
//! parallel, so there each organization gets its own writer task, started by its first batch
//! and kept for the life of the process (an idle task is a few hundred bytes).

use super::{IngestOutcome, Validated};
use crate::error::Result;
use crate::payment::PaymentProvider;
use app::error::AppError;
use app::ids::OrgId;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Events applied in one transaction at most (a few full batches).
const MAX_GROUP_EVENTS: usize = 4_000;
/// Batches waiting for a writer before senders wait too (back-pressure).
const QUEUE: usize = 64;
/// How long a sender waits for room in a full queue before it is answered 503.
const SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

struct Job {
    org_id: OrgId,
    batch: Validated,
    reply: oneshot::Sender<Result<IngestOutcome, AppError>>,
}

/// Where the API hands validated batches: the writer task of the batch's organization (or the
/// one of SQLite).
#[derive(Clone)]
pub struct IngestQueue {
    db: DatabaseConnection,
    /// Charges the auto-recharges the batches decide.
    payments: Arc<dyn PaymentProvider>,
    /// Writer key (organization id; 0 for SQLite's one writer) → its queue.
    writers: Arc<Mutex<HashMap<i64, mpsc::Sender<Job>>>>,
}

impl IngestQueue {
    /// A queue whose writers are started on demand (call inside the Tokio runtime).
    pub fn start(db: DatabaseConnection, payments: Arc<dyn PaymentProvider>) -> Self {
        IngestQueue {
            db,
            payments,
            writers: Arc::default(),
        }
    }

    fn key(&self, org_id: OrgId) -> i64 {
        match self.db.get_database_backend() {
            DatabaseBackend::Sqlite => 0,
            _ => org_id.0,
        }
    }

    fn forget(&self, org_id: OrgId) {
        let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        writers.remove(&self.key(org_id));
    }

    /// The queue of `org_id`'s writer, starting it for the first batch.
    fn writer(&self, org_id: OrgId) -> mpsc::Sender<Job> {
        let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        writers
            .entry(self.key(org_id))
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(QUEUE);
                tokio::spawn(write_groups(self.db.clone(), self.payments.clone(), rx));
                tx
            })
            .clone()
    }

    /// Applies one organization's validated batch and answers when it is committed.
    pub async fn ingest(&self, org_id: OrgId, batch: Validated) -> Result<IngestOutcome> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::internal("the ingest writer has stopped");
        let job = Job {
            org_id,
            batch,
            reply,
        };
        use mpsc::error::SendTimeoutError as E;
        let full = || AppError::unavailable("the ingest queue is full", 1);
        let queued = || metrics::gauge!(crate::telemetry::INGEST_QUEUE).increment(1.0);
        match self.writer(org_id).send_timeout(job, SEND_WAIT).await {
            Ok(()) => queued(),
            Err(E::Timeout(_)) => return Err(full().into()),
            Err(E::Closed(job)) => {
                // Its writer ended (a panic): the next one takes over.
                self.forget(org_id);
                match self.writer(org_id).send_timeout(job, SEND_WAIT).await {
                    Ok(()) => queued(),
                    Err(E::Timeout(_)) => return Err(full().into()),
                    Err(E::Closed(_)) => return Err(stopped().into()),
                }
            }
        }
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

async fn write_groups(
    db: DatabaseConnection,
    payments: Arc<dyn PaymentProvider>,
    mut rx: mpsc::Receiver<Job>,
) {
    while let Some(first) = rx.recv().await {
        let mut events = first.batch.valid.len();
        let mut jobs = vec![first];
        while events < MAX_GROUP_EVENTS {
            let Ok(job) = rx.try_recv() else { break };
            events += job.batch.valid.len();
            jobs.push(job);
        }
        metrics::gauge!(crate::telemetry::INGEST_QUEUE).decrement(jobs.len() as f64);
        metrics::histogram!(crate::telemetry::GROUP_EVENTS).record(events as f64);
        // One transaction per organization (the lock is the organization's), arrival order kept.
        let mut by_org: Vec<(OrgId, Vec<Job>)> = Vec::new();
        for job in jobs {
            match by_org.iter_mut().find(|(org, _)| *org == job.org_id) {
                Some((_, same)) => same.push(job),
                None => by_org.push((job.org_id, vec![job])),
            }
        }
        for (org_id, jobs) in by_org {
            write_group(&db, &*payments, org_id, jobs).await;
        }
    }
}

/// Applies one organization's batches in one transaction. When that fails nothing of it
/// was committed, and each batch is applied alone: one bad batch fails only itself.
async fn write_group(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    org_id: OrgId,
    jobs: Vec<Job>,
) {
    let (mut batches, replies): (Vec<_>, Vec<_>) =
        jobs.into_iter().map(|j| (j.batch, j.reply)).unzip();
    match super::apply(db, payments, org_id, &mut batches, super::Clock::System).await {
        Ok(outs) => {
            for (reply, out) in replies.into_iter().zip(outs) {
                let _ = reply.send(Ok(out));
            }
        }
        Err(e) if batches.len() > 1 => {
            let e = AppError::from(e);
            tracing::warn!("an ingest group failed ({e}); applying its batches one by one");
            for (batch, reply) in batches.into_iter().zip(replies) {
                let out = super::apply_one(db, payments, org_id, batch, super::Clock::System).await;
                let _ = reply.send(out.map_err(AppError::from));
            }
        }
        Err(e) => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(AppError::from(e)));
            }
        }
    }
}
