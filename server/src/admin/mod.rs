//! Admin actions. Each one checks the viewer's role, runs in one transaction with its audit
//! log entry (who, what, when), and touches only the viewer's own organization.

pub mod billing;
mod catalog;
pub mod members;
pub mod purchase;
mod view;

use crate::audit::Actor;
use crate::entities::{organization, user};
use crate::error::Result;
use app::admin::{AdminAction, AdminOutcome};
use app::error::AppError;
use app::ids::OrgId;
use app::roles;
use app::service::Viewer;
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use view::settings_view;

/// Recalculations running or finished, per organization: (events done, events in all, done).
#[derive(Clone, Default)]
pub struct Jobs(Arc<Mutex<HashMap<OrgId, ProgressBar>>>);

impl Jobs {
    pub fn progress(&self, org: OrgId) -> Option<(u64, u64, bool)> {
        let jobs = self.0.lock().ok()?;
        let bar = jobs.get(&org)?;
        Some((bar.position(), bar.length().unwrap_or(0), bar.is_finished()))
    }
}

/// Carries out one admin action for `viewer`, if the role may: purchases charge outside any
/// transaction (see `purchase`), a recalculation starts in the background, every other
/// action runs in one transaction with its audit entry.
pub async fn perform(
    db: &DatabaseConnection,
    provider: &dyn crate::payment::PaymentProvider,
    jobs: &Jobs,
    public_url: Option<&str>,
    viewer: &Viewer,
    action: AdminAction,
    now: DateTime<Utc>,
) -> Result<AdminOutcome> {
    if !action.allowed(viewer.role) {
        return Err(AppError::forbidden(format!(
            "{} is not open to the {} role",
            action.name().replace('_', " "),
            viewer.role.label().to_lowercase()
        ))
        .into());
    }
    let actor = user::Entity::find_by_id(viewer.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if let AdminAction::Recalculate = action {
        audit(db, viewer, &actor.email, &action, now).await?;
        return start_recalculation(db, jobs, viewer.organization_id).await;
    }
    if let Some(message) = paid(db, provider, viewer, &action, now).await? {
        audit(db, viewer, &actor.email, &action, now).await?;
        return Ok(AdminOutcome {
            message,
            secret: None,
        });
    }
    let txn = db.begin().await?;
    // The write lock first (SQLite) and the organization's order with ingest (PostgreSQL):
    // a read-then-write transaction could not upgrade under ingest load.
    crate::ledger_store::lock_organization(&txn, viewer.organization_id).await?;
    let (message, secret) = match &action {
        AdminAction::ApplyCatalog { .. }
        | AdminAction::SetPoolPrice { .. }
        | AdminAction::AddGrant { .. }
        | AdminAction::VoidGrant { .. }
        | AdminAction::RemoveTeam { .. }
        | AdminAction::SetRate { .. } => {
            let who = Actor {
                user_id: Some(viewer.user_id),
                label: actor.email.clone(),
            };
            (
                catalog::perform(&txn, viewer, &who, &action, now).await?,
                None,
            )
        }
        _ => account_action(&txn, viewer, public_url, &action, now).await?,
    };
    if !action.audited_by_apply() {
        audit(&txn, viewer, &actor.email, &action, now).await?;
    }
    txn.commit().await?;
    Ok(AdminOutcome { message, secret })
}

/// A purchase (buying credits, approving a request): charged outside any transaction.
/// `None` for every other action.
async fn paid(
    db: &DatabaseConnection,
    provider: &dyn crate::payment::PaymentProvider,
    viewer: &Viewer,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    Ok(match action {
        AdminAction::BuyCredits { pool, credits, key } => {
            billing::buy(db, provider, viewer, pool, *credits, key.as_deref(), now).await?;
            let done = format!(
                "Bought {} credits; they are available now.",
                credits.display()
            );
            Some(done)
        }
        AdminAction::DecideRequest { id, approve } => {
            billing::decide(db, provider, viewer, *id, *approve, now).await?;
            let done = if *approve {
                "Approved: the credits were bought."
            } else {
                "Declined."
            };
            Some(done.into())
        }
        _ => None,
    })
}

/// The answer of an action: what happened, and a secret to copy (shown once).
type Said = (String, Option<String>);

/// Members, keys and invitations; everything else goes on to [`billing_action`].
async fn account_action(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    public_url: Option<&str>,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<Said> {
    Ok(match action {
        AdminAction::InviteMember {
            email,
            name,
            role,
            team,
        } => {
            let token =
                members::invite(txn, viewer, email, name, *role, team.as_deref(), now).await?;
            let link = crate::accounts::set_password_url(public_url.unwrap_or_default(), &token);
            let days = crate::accounts::LINK_DAYS;
            let message = format!(
                "{email} is invited. Send them this link to choose their password (valid {days} \
                 days, once; it is not shown again)."
            );
            (message, Some(link))
        }
        AdminAction::ChangeRole { user_id, role } => {
            members::change_role(txn, viewer, *user_id, *role).await?;
            (format!("Role changed to {}.", role.label()), None)
        }
        AdminAction::SetTeams { user_id, teams } => {
            members::set_teams(txn, viewer, *user_id, teams).await?;
            ("Teams updated.".into(), None)
        }
        AdminAction::Deactivate { user_id } => {
            members::deactivate(txn, viewer, *user_id).await?;
            (
                "Deactivated: that member can no longer sign in.".into(),
                None,
            )
        }
        AdminAction::CreateApiKey { name } => {
            let key = members::create_key(txn, viewer, name).await?;
            let message = format!(
                "Key {} created. Copy it now: it is not shown again.",
                key.prefix
            );
            (message, Some(key.secret))
        }
        AdminAction::RevokeApiKey { id } => {
            members::revoke_key(txn, viewer, *id, now).await?;
            ("Key revoked.".into(), None)
        }
        _ => (billing_action(txn, viewer, action, now).await?, None),
    })
}

/// Auto-recharge, credit requests, allocations and dashboard access.
async fn billing_action(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<String> {
    Ok(match action {
        AdminAction::SetAutoRecharge {
            pool,
            enabled,
            threshold,
            amount,
            max_per_period,
        } => {
            let (threshold, amount) = (*threshold, *amount);
            billing::set_auto_recharge(
                txn,
                viewer,
                pool,
                *enabled,
                threshold,
                amount,
                *max_per_period,
            )
            .await?;
            if *enabled {
                "Auto-recharge is on.".into()
            } else {
                "Auto-recharge is off.".into()
            }
        }
        AdminAction::RequestCredits {
            pool,
            credits,
            note,
        } => {
            billing::request_credits(txn, viewer, pool, *credits, note, now).await?;
            format!(
                "Requested {} credits; a billing admin will decide.",
                credits.display()
            )
        }
        AdminAction::SetAllocation {
            end_user,
            pool,
            credits,
        } => {
            let org = viewer.organization_id;
            crate::services::allocations::set_end_user_cap(
                txn,
                org,
                end_user,
                Some(pool),
                *credits,
                now,
            )
            .await?;
            format!(
                "{end_user} may use {} credits per period.",
                credits.display()
            )
        }
        AdminAction::SetDashboardRoles { roles } => {
            organization::Entity::update_many()
                .col_expr(
                    organization::Column::DashboardRoles,
                    Expr::value(roles::list_text(roles)),
                )
                .filter(organization::Column::Id.eq(viewer.organization_id))
                .exec(txn)
                .await?;
            "Dashboard access saved.".into()
        }
        other => {
            let why = format!("{} is not carried out in a transaction", other.name());
            return Err(AppError::internal(why).into());
        }
    })
}

async fn audit<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    actor: &str,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<()> {
    let who = Actor {
        user_id: Some(viewer.user_id),
        label: actor.into(),
    };
    crate::audit::record(
        db,
        viewer.organization_id,
        &who,
        action.name(),
        &action.audit_detail(),
        now,
    )
    .await
}

/// Rebuilds the organization's rollups in the background; the Settings page shows progress.
async fn start_recalculation(
    db: &DatabaseConnection,
    jobs: &Jobs,
    org_id: OrgId,
) -> Result<AdminOutcome> {
    let org = organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let bar = ProgressBar::hidden();
    {
        let mut running = jobs.0.lock().map_err(|_| AppError::internal("jobs lock"))?;
        if running.get(&org_id).is_some_and(|b| !b.is_finished()) {
            return Err(
                AppError::invalid("recalculate", "a recalculation is already running").into(),
            );
        }
        running.insert(org_id, bar.clone());
    }
    let db = db.clone();
    tokio::spawn(async move {
        match crate::ingest::recalculate::recalculate(&db, Some(&org.slug), &bar).await {
            Ok(_) => bar.finish(),
            Err(e) => {
                tracing::error!(
                    "recalculation of {} failed: {}",
                    org.slug,
                    AppError::from(e)
                );
                bar.abandon();
            }
        }
    });
    Ok(AdminOutcome {
        message: "Recalculation started.".into(),
        secret: None,
    })
}
