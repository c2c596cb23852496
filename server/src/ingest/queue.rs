//! Group commit on SQLite. SQLite has a single writer: a batch that arrives while another is
//! being written waits for the write lock anyway. So one writer task takes the batches that
//! are waiting in line (up to `MAX_GROUP_EVENTS` events) and applies them in one transaction
//! (`super::apply`, in arrival order, one answer each): the lock, the name lookups, the ledger
//! load and save, the rollup upserts and the commit are paid once per group instead of once
//! per batch. A lone batch is applied at once, so nothing waits for company.
//!
//! PostgreSQL writes different organizations in parallel, so there every batch keeps its own
//! transaction (no writer task).

use super::{IngestOutcome, Validated};
use crate::error::Result;
use app::error::AppError;
use chrono::Utc;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tokio::sync::{mpsc, oneshot};

/// Events applied in one transaction at most (a few full batches).
const MAX_GROUP_EVENTS: usize = 4_000;
/// Batches waiting for the writer before senders wait too (back-pressure).
const QUEUE: usize = 64;

struct Job {
    org_id: i64,
    batch: Validated,
    reply: oneshot::Sender<Result<IngestOutcome, AppError>>,
}

/// Where the API hands validated batches: the SQLite writer task, or straight to the database.
#[derive(Clone)]
pub struct IngestQueue {
    db: DatabaseConnection,
    writer: Option<mpsc::Sender<Job>>,
}

impl IngestQueue {
    /// Starts the writer task on SQLite (call inside the Tokio runtime).
    pub fn start(db: DatabaseConnection) -> Self {
        let writer = (db.get_database_backend() == DatabaseBackend::Sqlite).then(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_groups(db.clone(), rx));
            tx
        });
        IngestQueue { db, writer }
    }

    /// Applies one organization's validated batch and answers when it is committed.
    pub async fn ingest(&self, org_id: i64, batch: Validated) -> Result<IngestOutcome> {
        let Some(writer) = &self.writer else {
            return super::apply_one(&self.db, org_id, batch, Utc::now()).await;
        };
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::internal("the ingest writer has stopped");
        writer
            .send(Job {
                org_id,
                batch,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

async fn write_groups(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut events = first.batch.valid.len();
        let mut jobs = vec![first];
        while events < MAX_GROUP_EVENTS {
            let Ok(job) = rx.try_recv() else { break };
            events += job.batch.valid.len();
            jobs.push(job);
        }
        // One transaction per organization (the lock is the organization's), arrival order kept.
        let mut by_org: Vec<(i64, Vec<Job>)> = Vec::new();
        for job in jobs {
            match by_org.iter_mut().find(|(org, _)| *org == job.org_id) {
                Some((_, same)) => same.push(job),
                None => by_org.push((job.org_id, vec![job])),
            }
        }
        for (org_id, jobs) in by_org {
            let (batches, replies): (Vec<_>, Vec<_>) =
                jobs.into_iter().map(|j| (j.batch, j.reply)).unzip();
            match super::apply(&db, org_id, batches, Utc::now()).await {
                Ok(outs) => {
                    for (reply, out) in replies.into_iter().zip(outs) {
                        let _ = reply.send(Ok(out));
                    }
                }
                Err(e) => {
                    // Nothing of the group was committed: every sender gets the error and may retry.
                    let e = AppError::from(e);
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}
