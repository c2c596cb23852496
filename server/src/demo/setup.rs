//! Creates one demo organization's reference rows: people, pools, taxonomy, sources.

use super::catalog::{self, OrgDef};
use crate::entities::*;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::collections::HashMap;

/// Ids of what was created, for the event generator.
pub struct OrgRefs {
    pub organization_id: i64,
    pub members: Vec<i64>,
    pub end_users: Vec<i64>,
    pub companies: Vec<i64>,
    /// pool key → (pool id, included credits per period in milli).
    pub pools: HashMap<&'static str, (i64, i64)>,
    /// feature key → (feature id, pool id).
    pub features: HashMap<&'static str, (i64, i64)>,
    /// (kind, key) → source id.
    pub sources: HashMap<(&'static str, &'static str), i64>,
    pub flows: Vec<i64>,
    /// flow source id → its action ids.
    pub actions: HashMap<i64, Vec<i64>>,
    pub pilots: Vec<i64>,
    pub tools: Vec<i64>,
    pub sessions: Vec<i64>,
}

pub async fn create_org<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    now: DateTime<Utc>,
    rng: &mut ChaCha8Rng,
) -> Result<OrgRefs, DbErr> {
    let org = organization::ActiveModel {
        slug: Set(def.slug.into()),
        name: Set(def.name.into()),
        time_zone: Set(def.time_zone.into()),
        period_anchor_day: Set(def.anchor_day as i32),
        is_agency: Set(def.is_agency),
        created_at: Set(now),
        ingest_seq: Set(0),
        dashboard_roles: Set(crate::db::migrations::m0004_accounts::DEFAULT_DASHBOARD_ROLES.into()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let oid = org.id;

    let mut teams = Vec::new();
    for name in def.teams {
        let t = team::ActiveModel {
            organization_id: Set(oid),
            name: Set((*name).into()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        teams.push(t.id);
    }

    let mut people: Vec<(String, String, &str)> = def
        .role_accounts
        .iter()
        .map(|(e, n, r)| (e.to_string(), n.to_string(), *r))
        .collect();
    for i in 0..def.extra_members {
        let first = catalog::FIRST_NAMES[i % catalog::FIRST_NAMES.len()];
        let last = catalog::LAST_NAMES[(i * 7 + i / 3) % catalog::LAST_NAMES.len()];
        let email = format!(
            "{}.{}{}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            i,
            def.domain
        );
        let role = if i % 12 == 5 { "admin" } else { "member" };
        people.push((email, format!("{first} {last}"), role));
    }
    // One user per role signs in with the demo password (see the README); the rest cannot.
    let demo_hash = crate::auth::password::hash(catalog::DEMO_PASSWORD)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let with_password: Vec<&str> = def.role_accounts.iter().map(|a| a.0).collect();
    let mut members = Vec::new();
    for (i, (email, name, role)) in people.into_iter().enumerate() {
        let password_hash = with_password
            .contains(&email.as_str())
            .then(|| demo_hash.clone());
        let u = user::ActiveModel {
            organization_id: Set(oid),
            email: Set(email),
            name: Set(name),
            role: Set(role.into()),
            password_hash: Set(password_hash),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        // Everyone is in one team; about one in five also helps a second team.
        let first_team = teams[i % teams.len()];
        let mut their_teams = vec![first_team];
        if rng.random_range(0..5) == 0 && teams.len() > 1 {
            their_teams.push(teams[(i + 1) % teams.len()]);
        }
        for team_id in their_teams {
            team_member::ActiveModel {
                organization_id: Set(oid),
                team_id: Set(team_id),
                user_id: Set(u.id),
            }
            .insert(db)
            .await?;
        }
        members.push(u.id);
    }

    let mut end_users = Vec::new();
    for i in 0..def.end_users {
        let e = end_user::ActiveModel {
            organization_id: Set(oid),
            external_id: Set(format!("cust-{:03}", i + 1)),
            name: Set(format!("Customer {}", i + 1)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        end_users.push(e.id);
    }

    let mut pools = HashMap::new();
    for p in catalog::POOLS {
        let included = p.included_per_period * app::credits::Credits::SCALE
            / if def.is_agency { 4 } else { 1 };
        let row = pool::ActiveModel {
            organization_id: Set(oid),
            key: Set(p.key.into()),
            name: Set(p.name.into()),
            included_per_period_milli: Set(included),
            ..Default::default()
        }
        .insert(db)
        .await?;
        pools.insert(p.key, (row.id, included));
    }
    let (ai_pool, _) = pools["ai_credits"];
    auto_recharge_rule::ActiveModel {
        organization_id: Set(oid),
        pool_id: Set(ai_pool),
        enabled: Set(def.auto_recharge),
        threshold_milli: Set(1_000_000),
        amount_milli: Set(5_000_000),
        max_per_period: Set(3),
        ..Default::default()
    }
    .insert(db)
    .await?;

    let mut features = HashMap::new();
    for (ckey, cname, feats) in catalog::TAXONOMY {
        let c = category::ActiveModel {
            organization_id: Set(oid),
            key: Set((*ckey).into()),
            name: Set((*cname).into()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (fkey, fname, unit, pool_key) in *feats {
            let pool_id = pools[pool_key].0;
            let f = feature::ActiveModel {
                organization_id: Set(oid),
                category_id: Set(c.id),
                pool_id: Set(pool_id),
                key: Set((*fkey).into()),
                name: Set((*fname).into()),
                unit: Set((*unit).into()),
                ..Default::default()
            }
            .insert(db)
            .await?;
            features.insert(*fkey, (f.id, pool_id));
        }
    }

    let mut refs = OrgRefs {
        organization_id: oid,
        members,
        end_users,
        companies: Vec::new(),
        pools,
        features,
        sources: HashMap::new(),
        flows: Vec::new(),
        actions: HashMap::new(),
        pilots: Vec::new(),
        tools: Vec::new(),
        sessions: Vec::new(),
    };
    for (key, name) in catalog::AGENTS {
        add_source(db, &mut refs, "agent", key, name, None).await?;
    }
    for (key, name, flow_type, status, actions) in catalog::FLOWS {
        let id = add_source(db, &mut refs, "flow", key, name, Some((flow_type, status))).await?;
        refs.flows.push(id);
        for (akey, aname) in *actions {
            let a = action::ActiveModel {
                organization_id: Set(oid),
                source_id: Set(id),
                key: Set((*akey).into()),
                name: Set((*aname).into()),
                ..Default::default()
            }
            .insert(db)
            .await?;
            refs.actions.entry(id).or_default().push(a.id);
        }
    }
    for (key, name) in catalog::PILOTS {
        let id = add_source(db, &mut refs, "pilot", key, name, None).await?;
        refs.pilots.push(id);
    }
    for (key, name) in catalog::TOOLS {
        let id = add_source(db, &mut refs, "tool", key, name, None).await?;
        refs.tools.push(id);
    }
    for (key, name) in catalog::SESSIONS {
        let id = add_source(db, &mut refs, "session", key, name, None).await?;
        refs.sessions.push(id);
    }
    for (key, name) in def.companies {
        let c = company::ActiveModel {
            organization_id: Set(oid),
            key: Set((*key).into()),
            name: Set((*name).into()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        refs.companies.push(c.id);
    }
    Ok(refs)
}

async fn add_source<C: ConnectionTrait>(
    db: &C,
    refs: &mut OrgRefs,
    kind: &'static str,
    key: &'static str,
    name: &str,
    flow: Option<(&str, &str)>,
) -> Result<i64, DbErr> {
    let s = source::ActiveModel {
        organization_id: Set(refs.organization_id),
        kind: Set(kind.into()),
        key: Set(key.into()),
        name: Set(name.into()),
        flow_type: Set(flow.map(|f| f.0.to_string())),
        status: Set(flow.map(|f| f.1.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    refs.sources.insert((kind, key), s.id);
    Ok(s.id)
}

/// Gives every end user an allocation of the main pool, sized from what they used this
/// period so far: the first ones are close to running out, the last ones have room.
pub async fn allocate_end_users<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    refs: &OrgRefs,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use crate::services::allocations::used_by_subject;
    let tz: chrono_tz::Tz = def.time_zone.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let period = crate::ledger::period_containing(def.anchor_day, tz, now);
    let (pool_id, _) = refs.pools[catalog::POOLS[0].key];
    let used = used_by_subject(db, refs.organization_id, pool_id, &period)
        .await
        .map_err(|e| anyhow::anyhow!("{}", app::error::AppError::from(e)))?;
    for (i, id) in refs.end_users.iter().enumerate() {
        let used = used.end_users.get(id).map_or(0, |c| c.0);
        // 102 %, 117 %, 132 % … of the use so far, in whole credits (at least 10).
        let cap = ((used * (102 + 15 * i as i64) / 100 + 999) / 1_000).max(10) * 1_000;
        allocation::ActiveModel {
            organization_id: Set(refs.organization_id),
            pool_id: Set(pool_id),
            subject_kind: Set("end_user".into()),
            subject_id: Set(*id),
            cap_milli: Set(cap),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
