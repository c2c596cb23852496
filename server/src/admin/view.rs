//! What the Settings page shows, cut to what the viewer's role may see.

use super::Jobs;
use crate::entities::{
    api_key, audit_log, auto_recharge_rule, credit_request, organization, team, team_member, user,
};
use crate::error::Result;
use crate::services::balance::{org_tz, pools};
use app::admin::{
    ApiKeyRow, AuditRow, AutoRechargeRow, CreditRequestRow, GrantAdminRow, MemberRow, SettingsView,
};
use app::credits::Credits;
use app::error::AppError;
use app::roles::{self, Role};
use app::service::Viewer;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Entries of the audit log shown (newest first).
const AUDIT_SHOWN: u64 = 100;

pub async fn settings_view<C: ConnectionTrait>(
    db: &C,
    jobs: &Jobs,
    viewer: &Viewer,
) -> Result<SettingsView> {
    let org_id = viewer.organization_id;
    let org = organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let tz = org_tz(&org)?;
    let time = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let pools = pools(db, org_id).await?;
    let pool_key: HashMap<i64, String> = pools.iter().map(|p| (p.id, p.key.clone())).collect();
    let people = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org_id))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?;
    let email: HashMap<i64, String> = people.iter().map(|u| (u.id, u.email.clone())).collect();
    let role = viewer.role;

    let auto_recharge = if role.billing() {
        let rules = auto_recharge_rule::Entity::find()
            .filter(auto_recharge_rule::Column::OrganizationId.eq(org_id))
            .all(db)
            .await?;
        pools
            .iter()
            .map(|p| {
                let r = rules.iter().find(|r| r.pool_id == p.id);
                AutoRechargeRow {
                    pool: p.key.clone(),
                    pool_name: p.name.clone(),
                    enabled: r.map(|r| r.enabled),
                    threshold: Credits(r.map_or(1_000_000, |r| r.threshold_milli)),
                    amount: Credits(r.map_or(5_000_000, |r| r.amount_milli)),
                    max_per_period: r.map_or(3, |r| r.max_per_period),
                }
            })
            .collect()
    } else {
        vec![]
    };

    // Billing roles see the queue; everyone else their own requests.
    let mut q = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(org_id))
        .order_by_desc(credit_request::Column::Id)
        .limit(200);
    if !role.billing() {
        q = q.filter(credit_request::Column::RequestedBy.eq(viewer.user_id));
    }
    let requests = q
        .all(db)
        .await?
        .into_iter()
        .map(|r| CreditRequestRow {
            id: r.id,
            requested_by: email.get(&r.requested_by).cloned().unwrap_or_default(),
            pool: pool_key.get(&r.pool_id).cloned().unwrap_or_default(),
            credits: Credits(r.amount_milli),
            note: r.note,
            status: r.status,
            created: time(r.created_at),
            decided_by: r.decided_by.and_then(|u| email.get(&u).cloned()),
        })
        .collect();

    let (mut members, mut teams, mut api_keys, mut audit) = (vec![], vec![], vec![], vec![]);
    if role.administers() {
        let team_rows = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org_id))
            .order_by_asc(team::Column::Name)
            .all(db)
            .await?;
        let team_name: HashMap<i64, String> =
            team_rows.iter().map(|t| (t.id, t.name.clone())).collect();
        let mut their: HashMap<i64, Vec<String>> = HashMap::new();
        for m in team_member::Entity::find()
            .filter(team_member::Column::OrganizationId.eq(org_id))
            .all(db)
            .await?
        {
            their
                .entry(m.user_id)
                .or_default()
                .extend(team_name.get(&m.team_id).cloned());
        }
        members = people
            .iter()
            .map(|u| MemberRow {
                id: u.id,
                email: u.email.clone(),
                name: u.name.clone(),
                role: Role::parse(&u.role).unwrap_or(Role::Member),
                teams: their.remove(&u.id).unwrap_or_default(),
                active: u.active,
            })
            .collect();
        teams = team_rows.into_iter().map(|t| t.name).collect();
        api_keys = api_key::Entity::find()
            .filter(api_key::Column::OrganizationId.eq(org_id))
            .order_by_desc(api_key::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|k| ApiKeyRow {
                id: k.id,
                name: k.name,
                prefix: k.prefix,
                created: time(k.created_at),
                last_used: k.last_used_at.map(time),
                revoked: k.revoked_at.is_some(),
                created_by: k.created_by.and_then(|u| email.get(&u).cloned()),
            })
            .collect();
        audit = audit_log::Entity::find()
            .filter(audit_log::Column::OrganizationId.eq(org_id))
            .order_by_desc(audit_log::Column::Id)
            .limit(AUDIT_SHOWN)
            .all(db)
            .await?
            .into_iter()
            .map(|a| AuditRow {
                time: time(a.at),
                actor: a.actor,
                action: a.action,
                detail: a.detail,
            })
            .collect();
    }
    Ok(SettingsView {
        role,
        time_zone: org.time_zone.clone(),
        pools: pools
            .iter()
            .filter(|p| p.archived_at.is_none())
            .map(|p| (p.key.clone(), p.name.clone()))
            .collect(),
        prices: pools
            .iter()
            .filter(|p| p.archived_at.is_none())
            .map(|p| (p.key.clone(), crate::money::price_of(p)))
            .collect(),
        auto_recharge,
        requests,
        members,
        teams,
        api_keys,
        audit,
        dashboard_roles: if role.governs() {
            roles::parse_list(&org.dashboard_roles)
        } else {
            vec![]
        },
        recalculation: if role.administers() {
            jobs.progress(org_id)
        } else {
            None
        },
        catalog: if role.governs() || role.billing() {
            Some(crate::catalog::show(db, org_id).await?)
        } else {
            None
        },
        team_sizes: if role.governs() {
            team_sizes(db, org_id).await?
        } else {
            vec![]
        },
        grants: if role.billing() {
            grant_rows(db, org_id, &time).await?
        } else {
            vec![]
        },
    })
}

/// (team key, members) of every team.
async fn team_sizes<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<Vec<(String, usize)>> {
    let teams = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org_id))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let members = team_member::Entity::find()
        .filter(team_member::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?;
    Ok(teams
        .into_iter()
        .map(|t| {
            let n = members.iter().filter(|m| m.team_id == t.id).count();
            (t.key, n)
        })
        .collect())
}

async fn grant_rows<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    time: &impl Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Result<Vec<GrantAdminRow>> {
    let now = chrono::Utc::now();
    Ok(crate::grants::list(db, org_id)
        .await?
        .into_iter()
        .map(|(g, pool)| GrantAdminRow {
            id: g.id,
            pool,
            kind: g.kind.clone(),
            description: g.description.clone(),
            granted: time(g.granted_at),
            expires: g.expires_at.map(time),
            priority: g.priority,
            original: Credits(g.original_milli),
            remaining: Credits(g.remaining_milli),
            status: crate::services::credits::status_now(&g, now).into(),
            voidable: crate::grants::voidable(&g),
        })
        .collect())
}
