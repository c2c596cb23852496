//! Connecting to the database (`DATABASE_URL` picks the backend), its migrations, and the
//! few helpers every query layer shares.

pub mod migrations;
pub mod rows;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

/// A transaction that writes: on SQLite `BEGIN IMMEDIATE`, which takes the write lock (and
/// the newest snapshot) before the first statement; a deferred one that reads first could
/// not upgrade under a concurrent writer.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// `$1`-numbered SQL as the backend spells it (`?1` on SQLite), for the few raw statements.
pub fn numbered(backend: sea_orm::DbBackend, sql: &str) -> String {
    match backend {
        sea_orm::DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_string(),
    }
}

/// When SQLite's commit reaches the disk. `Full` (the default): before a batch is answered,
/// so a power loss cannot drop an acknowledged event. `Normal`: at WAL checkpoints, faster,
/// and a power loss (not a crash of the process) may drop the last commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Synchronous {
    #[default]
    Full,
    Normal,
}

/// Connects to `url` (creating the SQLite file and its folder when missing), durable.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, Synchronous::default()).await
}

pub async fn connect_with(url: &str, sync: Synchronous) -> anyhow::Result<DatabaseConnection> {
    connect_pooled(url, sync, 8).await
}

/// A pool of one SQLite connection, for migrations: schema changes made on one pooled
/// connection can meet another connection's stale schema (an index a dropped table took
/// with it still "exists" there).
pub async fn connect_for_migration(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_pooled(url, Synchronous::default(), 1).await
}

async fn connect_pooled(
    url: &str,
    sync: Synchronous,
    sqlite_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    let url = prepare_sqlite_path(url)?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's model; a small pool avoids lock churn. Set on every
        // pooled connection: WAL lets readers run while a batch is written, busy_timeout makes
        // writers queue instead of failing with SQLITE_BUSY.
        opts.max_connections(sqlite_connections)
            .min_connections(1)
            .map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(match sync {
                        Synchronous::Full => SqliteSynchronous::Full,
                        Synchronous::Normal => SqliteSynchronous::Normal,
                    })
                    .busy_timeout(Duration::from_secs(30))
            });
    } else {
        opts.max_connections(16);
    }
    Ok(Database::connect(opts).await?)
}

/// `sqlite://data/x.db` → makes sure `data/` exists and the file may be created.
fn prepare_sqlite_path(url: &str) -> anyhow::Result<String> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(url.to_string());
    };
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}
