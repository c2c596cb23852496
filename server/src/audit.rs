//! The audit log: who (a member, an API or platform key, the command line) did what, when.

use crate::entities::audit_log;
use crate::error::Result;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

/// Who takes an audited action.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The member, when a signed-in member acts.
    pub user_id: Option<i64>,
    /// An email, `API key ab12cd34`, `platform key …`, `command line`.
    pub label: String,
}

impl Actor {
    pub fn named(label: impl Into<String>) -> Self {
        Actor {
            user_id: None,
            label: label.into(),
        }
    }
}

/// One audit log entry of the organization, in the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    actor: &Actor,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    audit_log::ActiveModel {
        organization_id: Set(org_id),
        at: Set(now),
        actor_id: Set(actor.user_id),
        actor: Set(actor.label.clone()),
        action: Set(action.into()),
        detail: Set(detail.into()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
