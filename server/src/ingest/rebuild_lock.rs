//! One rollup rebuild per organization at a time, across every server on the database: a
//! row in `rebuild_locks`, refreshed while the rebuild runs. A holder that stopped (a
//! killed process) stops refreshing it, and after `STALE` another may take it over.

use crate::db::numbered;
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

/// How long a lock lives without a heartbeat.
pub const STALE: Duration = Duration::minutes(2);

pub struct RebuildLock {
    org_id: OrgId,
    holder: String,
}

async fn run<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<u64> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, numbered(backend, sql), values);
    Ok(db.execute_raw(stmt).await?.rows_affected())
}

impl RebuildLock {
    /// Takes the organization's lock, or answers 503 while another rebuild holds it.
    pub async fn claim<C: ConnectionTrait>(
        db: &C,
        org_id: OrgId,
        now: DateTime<Utc>,
    ) -> Result<RebuildLock> {
        let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let taken = run(
            db,
            "INSERT INTO rebuild_locks (organization_id, holder, heartbeat_at) VALUES ($1, $2, $3) \
             ON CONFLICT (organization_id) DO UPDATE SET holder = $2, heartbeat_at = $3 \
             WHERE rebuild_locks.heartbeat_at < $4",
            vec![
                org_id.into(),
                holder.clone().into(),
                now.into(),
                (now - STALE).into(),
            ],
        )
        .await?;
        if taken == 0 {
            let busy = "a rebuild of this organization's rollups is already running";
            return Err(AppError::unavailable(busy, 60).into());
        }
        Ok(RebuildLock { org_id, holder })
    }

    /// Shows the rebuild is alive.
    pub async fn heartbeat<C: ConnectionTrait>(&self, db: &C, now: DateTime<Utc>) -> Result<()> {
        run(
            db,
            "UPDATE rebuild_locks SET heartbeat_at = $1 WHERE organization_id = $2 AND holder = $3",
            vec![now.into(), self.org_id.into(), self.holder.clone().into()],
        )
        .await?;
        Ok(())
    }

    pub async fn release<C: ConnectionTrait>(self, db: &C) -> Result<()> {
        run(
            db,
            "DELETE FROM rebuild_locks WHERE organization_id = $1 AND holder = $2",
            vec![self.org_id.into(), self.holder.into()],
        )
        .await?;
        Ok(())
    }
}
