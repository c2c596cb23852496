//! The API request log, written off the request path: handlers hand entries to a bounded
//! channel (never waiting) and one background task inserts them in batches.

use crate::entities::request_log;
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::mpsc;

const QUEUE: usize = 20_000;
const BATCH: usize = 500;

#[derive(Clone)]
pub struct RequestLogger {
    tx: mpsc::Sender<request_log::ActiveModel>,
}

impl RequestLogger {
    /// Starts the writer task on the current Tokio runtime; it ends when every logger is
    /// dropped and the entries queued are written.
    pub fn start(db: DatabaseConnection) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_loop(db, rx));
        (RequestLogger { tx }, writer)
    }

    /// Queues an entry; when the queue is full the entry is dropped rather than slowing the
    /// request down.
    pub fn record(&self, entry: request_log::ActiveModel) {
        match self.tx.try_send(entry) {
            Ok(()) => metrics::gauge!(crate::telemetry::LOG_QUEUE).increment(1.0),
            Err(_) => tracing::warn!("request log queue full; entry dropped"),
        }
    }
}

async fn write_loop(db: DatabaseConnection, mut rx: mpsc::Receiver<request_log::ActiveModel>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        metrics::gauge!(crate::telemetry::LOG_QUEUE).decrement(batch.len() as f64);
        if let Err(e) = request_log::Entity::insert_many(batch)
            .exec_without_returning(&db)
            .await
        {
            tracing::error!("request log write failed: {e}");
        }
    }
}

/// Deletes request log rows older than `retention_days`, a bounded chunk per statement (a
/// long delete would hold SQLite's write lock against every ingest); returns how many.
pub async fn prune<C: sea_orm::ConnectionTrait>(
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
    retention_days: u32,
) -> crate::error::Result<u64> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    const CHUNK: u64 = 5_000;
    let before = now - chrono::Duration::days(retention_days.into());
    let mut deleted = 0;
    loop {
        let ids: Vec<i64> = request_log::Entity::find()
            .select_only()
            .column(request_log::Column::Id)
            .filter(request_log::Column::At.lt(before))
            .limit(CHUNK)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(deleted);
        }
        deleted += request_log::Entity::delete_many()
            .filter(request_log::Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
}
