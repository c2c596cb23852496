//! What the Settings page shows, cut to what the viewer's role may see.

use super::Jobs;
use crate::entities::{
    api_key, audit_log, auto_recharge_rule, credit_request, organization, pool, team, team_member,
    user,
};
use crate::error::Result;
use crate::store::{organizations, pools};
use app::admin::{
    ApiKeyRow, AuditRow, AutoRechargeRow, CreditRequestRow, GrantAdminRow, MemberRow, RateRow,
    RateStatus, SettingsView,
};
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use app::roles;
use app::service::Viewer;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Entries of the audit log shown (newest first).
const AUDIT_SHOWN: u64 = 100;

/// What the Settings page shows `viewer`: each section only for the roles that may use it.
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
    let tz = organizations::tz(&org)?;
    let time = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let pools = pools::list(db, org_id).await?;
    let people = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org_id))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?;
    let email: HashMap<i64, String> = people.iter().map(|u| (u.id, u.email.clone())).collect();
    let role = viewer.role;
    let live = || pools.iter().filter(|p| p.archived_at.is_none());
    let mut v = SettingsView {
        role,
        time_zone: org.time_zone.clone(),
        pools: live().map(|p| (p.key.clone(), p.name.clone())).collect(),
        prices: live()
            .map(|p| (p.key.clone(), crate::money::price_of(p)))
            .collect(),
        requests: request_rows(db, viewer, &pools, &email, &time).await?,
        auto_recharge: vec![],
        members: vec![],
        teams: vec![],
        api_keys: vec![],
        audit: vec![],
        dashboard_roles: vec![],
        recalculation: None,
        catalog: None,
        team_sizes: vec![],
        grants: vec![],
        rates: rate_rows(db, org_id, &time, chrono::Utc::now()).await?,
    };
    if role.billing() {
        v.auto_recharge = auto_recharge_rows(db, org_id, &pools).await?;
        v.grants = grant_rows(db, org_id, &time).await?;
    }
    if role.administers() {
        (v.members, v.teams) = member_rows(db, org_id, &people).await?;
        v.api_keys = api_key_rows(db, org_id, &email, &time).await?;
        v.audit = audit_rows(db, org_id, &time).await?;
        v.recalculation = jobs.progress(org_id);
    }
    if role.governs() {
        v.dashboard_roles = roles::parse_list(&org.dashboard_roles);
        v.team_sizes = team_sizes(db, org_id).await?;
    }
    if role.governs() || role.billing() {
        v.catalog = Some(crate::catalog::show(db, org_id).await?);
    }
    Ok(v)
}

type Time<'a> = &'a (dyn Fn(chrono::DateTime<chrono::Utc>) -> String + Sync);

/// Every price version, each with where it stands at `now` for its feature and model.
async fn rate_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    time: Time<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<RateRow>> {
    let names: HashMap<String, String> = crate::entities::feature::Entity::find()
        .filter(crate::entities::feature::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.key, f.name))
        .collect();
    // By feature, model and time: the in-effect one is the last not after `now`.
    let rates = crate::rates::list(db, org_id).await?;
    let in_effect = |i: usize| {
        let r = &rates[i];
        r.effective_from <= now
            && rates.get(i + 1).is_none_or(|n| {
                (&n.feature, &n.model) != (&r.feature, &r.model) || n.effective_from > now
            })
    };
    Ok(rates
        .iter()
        .enumerate()
        .map(|(i, r)| RateRow {
            feature_name: names.get(&r.feature).cloned().unwrap_or_default(),
            feature: r.feature.clone(),
            model: r.model.clone(),
            effective_from: time(r.effective_from),
            per_unit: r.per_unit.clone(),
            per_1k_input_tokens: r.per_1k_input_tokens.clone(),
            per_1k_output_tokens: r.per_1k_output_tokens.clone(),
            per_1k_cached_input_tokens: r.per_1k_cached_input_tokens.clone(),
            minimum: r.minimum.clone(),
            status: if in_effect(i) {
                RateStatus::InEffect
            } else if r.effective_from > now {
                RateStatus::Scheduled
            } else {
                RateStatus::Replaced
            },
        })
        .collect())
}

/// Each pool's auto-recharge rule, or the defaults the form starts from.
async fn auto_recharge_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    pools: &[pool::Model],
) -> Result<Vec<AutoRechargeRow>> {
    let rules = auto_recharge_rule::Entity::find()
        .filter(auto_recharge_rule::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?;
    Ok(pools
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
        .collect())
}

/// Billing roles see the queue of credit requests; everyone else their own requests.
async fn request_rows<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    pools: &[pool::Model],
    email: &HashMap<i64, String>,
    time: Time<'_>,
) -> Result<Vec<CreditRequestRow>> {
    let pool_key: HashMap<i64, &str> = pools.iter().map(|p| (p.id, p.key.as_str())).collect();
    let mut q = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(viewer.organization_id))
        .order_by_desc(credit_request::Column::Id)
        .limit(200);
    if !viewer.role.billing() {
        q = q.filter(credit_request::Column::RequestedBy.eq(viewer.user_id));
    }
    Ok(q.all(db)
        .await?
        .into_iter()
        .map(|r| CreditRequestRow {
            id: r.id,
            requested_by: email.get(&r.requested_by).cloned().unwrap_or_default(),
            pool: pool_key
                .get(&r.pool_id)
                .map(|k| k.to_string())
                .unwrap_or_default(),
            credits: Credits(r.amount_milli),
            note: r.note,
            status: r.status.into(),
            created: time(r.created_at),
            decided_by: r.decided_by.and_then(|u| email.get(&u).cloned()),
        })
        .collect())
}

/// Every member with their teams, and the team names.
async fn member_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    people: &[user::Model],
) -> Result<(Vec<MemberRow>, Vec<String>)> {
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
    let members = people
        .iter()
        .map(|u| MemberRow {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.into(),
            teams: their.remove(&u.id).unwrap_or_default(),
            active: u.active,
        })
        .collect();
    Ok((members, team_rows.into_iter().map(|t| t.name).collect()))
}

async fn api_key_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    email: &HashMap<i64, String>,
    time: Time<'_>,
) -> Result<Vec<ApiKeyRow>> {
    Ok(api_key::Entity::find()
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
        .collect())
}

/// The newest entries of the audit log.
async fn audit_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    time: Time<'_>,
) -> Result<Vec<AuditRow>> {
    Ok(audit_log::Entity::find()
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
        .collect())
}

/// (team key, members) of every team.
async fn team_sizes<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<Vec<(String, usize)>> {
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
    org_id: OrgId,
    time: Time<'_>,
) -> Result<Vec<GrantAdminRow>> {
    let now = chrono::Utc::now();
    Ok(crate::grants::list(db, org_id)
        .await?
        .into_iter()
        .map(|(g, pool)| GrantAdminRow {
            id: g.id,
            pool,
            kind: g.kind.to_string(),
            description: g.description.clone(),
            granted: time(g.granted_at),
            expires: g.expires_at.map(time),
            priority: g.priority,
            original: Credits(g.original_milli),
            remaining: Credits(g.remaining_milli),
            status: sea_orm::ActiveEnum::to_value(&crate::services::credits::status_now(&g, now)),
            voidable: crate::grants::voidable(&g),
        })
        .collect())
}
