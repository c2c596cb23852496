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
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(db, rx));
        RequestLogger { tx }
    }

    /// Queues an entry; when the queue is full the entry is dropped rather than slowing the
    /// request down.
    pub fn record(&self, entry: request_log::ActiveModel) {
        if self.tx.try_send(entry).is_err() {
            tracing::warn!("request log queue full; entry dropped");
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
        if let Err(e) = request_log::Entity::insert_many(batch)
            .exec_without_returning(&db)
            .await
        {
            tracing::error!("request log write failed: {e}");
        }
    }
}
