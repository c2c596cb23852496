//! Connecting to the database and applying migrations. `DATABASE_URL` picks the backend.

pub mod migrations;
pub mod rows;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Connects to `url` (creating the SQLite file and its folder when missing).
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let url = prepare_sqlite_path(url)?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's model; a small pool avoids lock churn. Set on every
        // pooled connection: WAL lets readers run while a batch is written, busy_timeout makes
        // writers queue instead of failing with SQLITE_BUSY.
        opts.max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
            });
    } else {
        opts.max_connections(16);
    }
    Ok(Database::connect(opts).await?)
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = connect(url).await?;
    let pending = migrations::Migrator::get_pending_migrations(&db).await?;
    // Rollups added after data may exist are filled from the raw events once.
    let adds_rollup = pending.iter().any(|m| {
        matches!(
            m.name(),
            "m0003_action_rollup"
                | "m0005_feature_rollup"
                | "m0006_rollups_by_question"
                | "m0007_end_user_flag"
                | "m0008_user_weekly"
        )
    });
    let fresh = pending.len() == migrations::Migrator::migrations().len();
    migrations::Migrator::up(&db, None).await?;
    if adds_rollup && !fresh {
        tracing::info!("rebuilding the rollups for a new rollup table");
        crate::ingest::recalculate::recalculate(&db, None, &indicatif::ProgressBar::hidden())
            .await
            .map_err(|e| anyhow::anyhow!("{}", app::error::AppError::from(e)))?;
    }
    Ok(db)
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
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}
