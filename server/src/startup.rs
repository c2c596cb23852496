//! Start-up: the schema brought up to date once, however many servers start together, and
//! rollups added by a migration filled from the events already stored.

use crate::db::{self, Synchronous, migrations::Migrator};
use crate::ingest::recalculate::recalculate;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    prepare(url, Synchronous::default(), async |_| Ok(())).await
}

/// Migrates, then runs `then` (the demo seed of an empty database), once however many
/// servers start together: on PostgreSQL under an advisory lock that the others wait for.
/// Answers a fresh pool: connections opened before a migration may keep the old schema's
/// column lists for their statements (seen as "missing value for column" on SQLite).
pub async fn prepare(
    url: &str,
    sync: Synchronous,
    then: impl AsyncFnOnce(&DatabaseConnection) -> anyhow::Result<()>,
) -> anyhow::Result<DatabaseConnection> {
    let lock = StartupLock::take(url).await?;
    let done = async {
        let db = db::connect_for_migration(url).await?;
        let migrated = migrate(&db).await;
        db.close().await?;
        migrated?;
        let db = db::connect_with(url, sync).await?;
        let done = then(&db).await;
        db.close().await?;
        done
    }
    .await;
    lock.release().await?;
    done?;
    db::connect_with(url, sync).await
}

/// PostgreSQL's session-level advisory lock, held by a connection of its own.
struct StartupLock(Option<DatabaseConnection>);

/// Any fixed number: the key of the start-up lock.
const STARTUP_LOCK_KEY: i64 = 0x6372_6564_6974;

impl StartupLock {
    async fn take(url: &str) -> anyhow::Result<StartupLock> {
        if !url.starts_with("postgres") {
            return Ok(StartupLock(None));
        }
        let mut opts = ConnectOptions::new(url.to_string());
        opts.sqlx_logging(false)
            .max_connections(1)
            .min_connections(1);
        let conn = Database::connect(opts).await?;
        conn.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))
            .await?;
        Ok(StartupLock(Some(conn)))
    }

    async fn release(self) -> anyhow::Result<()> {
        if let Some(conn) = self.0 {
            conn.execute_unprepared(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let pending = Migrator::get_pending_migrations(db).await?;
    // Rollups added after data may exist are filled from the raw events once.
    let adds_rollup = pending.iter().any(|m| {
        matches!(
            m.name(),
            "m0003_action_rollup"
                | "m0005_feature_rollup"
                | "m0006_rollups_by_question"
                | "m0007_end_user_flag"
                | "m0008_user_weekly"
                | "m0014_models"
        )
    });
    let fresh = pending.len() == Migrator::migrations().len();
    Migrator::up(db, None).await?;
    if adds_rollup && !fresh {
        tracing::info!("rebuilding the rollups for a new rollup table");
        recalculate(db, None, &indicatif::ProgressBar::hidden())
            .await
            .map_err(|e| anyhow::anyhow!("{}", app::error::AppError::from(e)))?;
    }
    Ok(())
}
