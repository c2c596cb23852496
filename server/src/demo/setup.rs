//! Creates one demo organization: provisioned with its catalog document like any other, then
//! its people, end users, sources and companies.

use super::catalog::{self, OrgDef};
use crate::entities::*;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveEnum;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::HashMap;

/// Ids of what was created, for the event generator.
pub struct OrgRefs {
    pub organization_id: OrgId,
    pub members: Vec<i64>,
    pub end_users: Vec<i64>,
    pub companies: Vec<i64>,
    /// pool key → (pool id, included credits per period in milli).
    pub pools: HashMap<String, (i64, i64)>,
    /// feature key → (feature id, pool id).
    pub features: HashMap<String, (i64, i64)>,
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
    let oid = provision(db, def, now).await?;
    let mut refs = OrgRefs {
        organization_id: oid,
        members: add_people(db, def, oid, now, rng).await?,
        end_users: add_end_users(db, def, oid, now).await?,
        companies: Vec::new(),
        pools: HashMap::new(),
        features: HashMap::new(),
        sources: HashMap::new(),
        flows: Vec::new(),
        actions: HashMap::new(),
        pilots: Vec::new(),
        tools: Vec::new(),
        sessions: Vec::new(),
    };
    catalog_ids(db, &mut refs).await?;
    auto_recharge_rule::ActiveModel {
        organization_id: Set(oid),
        pool_id: Set(refs.pools["ai_credits"].0),
        enabled: Set(def.auto_recharge),
        threshold_milli: Set(1_000_000),
        amount_milli: Set(5_000_000),
        max_per_period: Set(3),
        ..Default::default()
    }
    .insert(db)
    .await?;
    add_sources(db, &mut refs).await?;
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

fn db_err(e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(e.to_string())
}

/// The organization and its catalog, through the same provisioning as the platform API.
async fn provision<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    now: DateTime<Utc>,
) -> Result<OrgId, DbErr> {
    let doc = crate::catalog::parse_toml(def.catalog).map_err(db_err)?;
    let new = crate::provision::NewOrganization {
        slug: def.slug.into(),
        name: def.name.into(),
        time_zone: Some(def.time_zone.into()),
        anchor_day: Some(def.anchor_day),
        catalog: Some(doc),
        ..Default::default()
    };
    let actor = crate::audit::Actor::named("demo generator");
    let made = crate::provision::create_in(db, &new, &actor, now)
        .await
        .map_err(|e| db_err(app::error::AppError::from(e)))?;
    let oid = made.organization.id;
    if def.is_agency {
        organization::Entity::update_many()
            .col_expr(organization::Column::IsAgency, Expr::value(true))
            .filter(organization::Column::Id.eq(oid))
            .exec(db)
            .await?;
    }
    Ok(oid)
}

/// The role accounts and the other members, each in one or two of the catalog's teams.
async fn add_people<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    oid: OrgId,
    now: DateTime<Utc>,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<i64>, DbErr> {
    let teams: Vec<i64> = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(oid))
        .order_by_asc(team::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
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
    let demo_hash = crate::auth::password::hash(catalog::DEMO_PASSWORD).map_err(db_err)?;
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
            role: Set(user::Role::try_from_value(&role.to_string())?),
            password_hash: Set(password_hash),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        // Everyone is in one team; about one in five also helps a second team.
        let mut their_teams = vec![teams[i % teams.len()]];
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
    Ok(members)
}

async fn add_end_users<C: ConnectionTrait>(
    db: &C,
    def: &OrgDef,
    oid: OrgId,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
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
    Ok(end_users)
}

/// The ids the catalog document's pools and features got.
async fn catalog_ids<C: ConnectionTrait>(db: &C, refs: &mut OrgRefs) -> Result<(), DbErr> {
    let oid = refs.organization_id;
    for p in pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(oid))
        .all(db)
        .await?
    {
        refs.pools
            .insert(p.key.clone(), (p.id, p.included_per_period_milli));
    }
    for f in feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(oid))
        .all(db)
        .await?
    {
        refs.features.insert(f.key.clone(), (f.id, f.pool_id));
    }
    Ok(())
}

async fn add_sources<C: ConnectionTrait>(db: &C, refs: &mut OrgRefs) -> Result<(), DbErr> {
    for (key, name) in catalog::AGENTS {
        add_source(db, refs, "agent", key, name, None).await?;
    }
    for (key, name, flow_type, status, actions) in catalog::FLOWS {
        let id = add_source(db, refs, "flow", key, name, Some((flow_type, status))).await?;
        refs.flows.push(id);
        for (akey, aname) in *actions {
            let a = action::ActiveModel {
                organization_id: Set(refs.organization_id),
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
        let id = add_source(db, refs, "pilot", key, name, None).await?;
        refs.pilots.push(id);
    }
    for (key, name) in catalog::TOOLS {
        let id = add_source(db, refs, "tool", key, name, None).await?;
        refs.tools.push(id);
    }
    for (key, name) in catalog::SESSIONS {
        let id = add_source(db, refs, "session", key, name, None).await?;
        refs.sessions.push(id);
    }
    Ok(())
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
        kind: Set(source::SourceKind::try_from_value(&kind.to_string())?),
        key: Set(key.into()),
        name: Set(name.into()),
        flow_type: Set(flow.map(|f| f.0.to_string())),
        status: Set(match flow {
            Some((_, status)) => Some(source::FlowStatus::try_from_value(&status.to_string())?),
            None => None,
        }),
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
    let (pool_id, _) = refs.pools["ai_credits"];
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
            subject_kind: Set(allocation::SubjectKind::EndUser),
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
