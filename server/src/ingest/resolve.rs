//! Turning the names in a batch (users, sources, actions, companies, models) into ids. End
//! users, sources, actions, companies and models seen for the first time are registered on
//! the spot; the
//! SaaS should not have to pre-register every customer or flow. Features must be known.

use super::Dims;
use super::validate::ValidEvent;
use crate::entities::{action, company, end_user, model, source, user};
use crate::error::Result;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter,
    Select, Set,
};
use std::collections::{BTreeSet, HashMap};

const IN_CHUNK: usize = 500;

#[derive(Default)]
pub struct Names {
    pub members: HashMap<String, i64>,
    pub end_users: HashMap<String, i64>,
    pub sources: HashMap<(source::SourceKind, String), i64>,
    /// source id → action key → id
    pub actions: HashMap<i64, HashMap<String, i64>>,
    pub companies: HashMap<String, i64>,
    pub models: HashMap<String, i64>,
}

impl Names {
    /// (member id, end user id) for an event's `user`.
    pub fn subject(&self, user: Option<&String>) -> (Option<i64>, Option<i64>) {
        match user {
            None => (None, None),
            Some(u) => match self.members.get(u) {
                Some(&m) => (Some(m), None),
                None => (None, self.end_users.get(u).copied()),
            },
        }
    }

    /// The ids of an event's names (all resolved by [`resolve`]).
    pub fn dims(&self, e: &ValidEvent) -> Dims {
        let (user_id, end_user_id) = self.subject(e.user.as_ref());
        let source_id = e.source.as_ref().map(|s| self.sources[s]);
        let action_id = e
            .action
            .as_ref()
            .and_then(|a| self.actions.get(&source_id?)?.get(a).copied());
        Dims {
            user_id,
            end_user_id,
            source_id,
            action_id,
            company_id: e.company.as_ref().map(|c| self.companies[c]),
            model_id: e.model.as_ref().map(|m| self.models[m]),
        }
    }
}

/// The ids of every name the events carry: members, end users (made when new), sources,
/// flow actions and companies (made when new, named by their key until renamed), models.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    now: DateTime<Utc>,
) -> Result<Names> {
    let mut names = Names::default();
    subjects(db, org, events, now, &mut names).await?;
    sources(db, org, events, &mut names).await?;
    actions(db, org, events, &mut names).await?;
    companies(db, org, events, &mut names).await?;
    models(db, org, events, &mut names).await?;
    Ok(names)
}

/// A `user` is a member when the organization has one with that email, else an end user.
async fn subjects<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    now: DateTime<Utc>,
    names: &mut Names,
) -> Result<()> {
    let users: BTreeSet<&String> = events.iter().filter_map(|e| e.user.as_ref()).collect();
    for chunk in users.iter().copied().collect::<Vec<_>>().chunks(IN_CHUNK) {
        for m in user::Entity::find()
            .filter(user::Column::OrganizationId.eq(org))
            .filter(user::Column::Email.is_in(chunk.iter().map(|s| s.as_str())))
            .all(db)
            .await?
        {
            names.members.insert(m.email, m.id);
        }
    }
    let others: Vec<&String> = users
        .into_iter()
        .filter(|u| !names.members.contains_key(*u))
        .collect();
    names.end_users = end_users(db, org, &others, now).await?;
    Ok(())
}

async fn sources<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    names: &mut Names,
) -> Result<()> {
    let wanted: BTreeSet<(source::SourceKind, &String)> = events
        .iter()
        .filter_map(|e| e.source.as_ref().map(|(k, v)| (*k, v)))
        .collect();
    for (kind, key) in wanted {
        let find = source::Entity::find()
            .filter(source::Column::OrganizationId.eq(org))
            .filter(source::Column::Kind.eq(kind))
            .filter(source::Column::Key.eq(key.as_str()));
        let flow = kind == source::SourceKind::Flow;
        let new = source::ActiveModel {
            organization_id: Set(org),
            kind: Set(kind),
            key: Set(key.clone()),
            name: Set(key.clone()),
            flow_type: Set(None),
            status: Set(flow.then_some(source::FlowStatus::Active)),
            ..Default::default()
        };
        let id = find_or_insert(db, find, new, |m| m.id).await?;
        names.sources.insert((kind, key.clone()), id);
    }
    Ok(())
}

/// A flow's actions, by key under their flow.
async fn actions<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    names: &mut Names,
) -> Result<()> {
    let wanted: BTreeSet<(i64, &String)> = events
        .iter()
        .filter_map(|e| Some((names.sources[e.source.as_ref()?], e.action.as_ref()?)))
        .collect();
    for (flow, key) in wanted {
        let find = action::Entity::find()
            .filter(action::Column::OrganizationId.eq(org))
            .filter(action::Column::SourceId.eq(flow))
            .filter(action::Column::Key.eq(key.as_str()));
        let new = action::ActiveModel {
            organization_id: Set(org),
            source_id: Set(flow),
            key: Set(key.clone()),
            name: Set(key.clone()),
            ..Default::default()
        };
        let id = find_or_insert(db, find, new, |m| m.id).await?;
        names
            .actions
            .entry(flow)
            .or_default()
            .insert(key.clone(), id);
    }
    Ok(())
}

async fn companies<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    names: &mut Names,
) -> Result<()> {
    let wanted: BTreeSet<&String> = events.iter().filter_map(|e| e.company.as_ref()).collect();
    for key in wanted {
        let find = company::Entity::find()
            .filter(company::Column::OrganizationId.eq(org))
            .filter(company::Column::Key.eq(key.as_str()));
        let new = company::ActiveModel {
            organization_id: Set(org),
            key: Set(key.clone()),
            name: Set(key.clone()),
            ..Default::default()
        };
        let id = find_or_insert(db, find, new, |m| m.id).await?;
        names.companies.insert(key.clone(), id);
    }
    Ok(())
}

async fn models<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    events: &[&ValidEvent],
    names: &mut Names,
) -> Result<()> {
    let wanted: BTreeSet<&String> = events.iter().filter_map(|e| e.model.as_ref()).collect();
    for name in wanted {
        let find = model::Entity::find()
            .filter(model::Column::OrganizationId.eq(org))
            .filter(model::Column::Name.eq(name.as_str()));
        let new = model::ActiveModel {
            organization_id: Set(org),
            name: Set(name.clone()),
            ..Default::default()
        };
        let id = find_or_insert(db, find, new, |m| m.id).await?;
        names.models.insert(name.clone(), id);
    }
    Ok(())
}

/// The id of the row `find` selects, inserting `new` when there is none. Callers hold the
/// organization's ingest lock, so no other batch inserts the same row meanwhile.
async fn find_or_insert<C, E>(
    db: &C,
    find: Select<E>,
    new: E::ActiveModel,
    id: fn(&E::Model) -> i64,
) -> Result<i64>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: Into<i64>,
{
    if let Some(m) = find.one(db).await? {
        return Ok(id(&m));
    }
    Ok(E::insert(new).exec(db).await?.last_insert_id.into())
}

/// End users by external id, registering the missing ones.
pub async fn end_users<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    external_ids: &[&String],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in external_ids.chunks(IN_CHUNK) {
        for e in end_user::Entity::find()
            .filter(end_user::Column::OrganizationId.eq(org))
            .filter(end_user::Column::ExternalId.is_in(chunk.iter().map(|s| s.as_str())))
            .all(db)
            .await?
        {
            out.insert(e.external_id, e.id);
        }
    }
    for ext in external_ids {
        if !out.contains_key(*ext) {
            let id = end_user::Entity::insert(end_user::ActiveModel {
                organization_id: Set(org),
                external_id: Set((*ext).clone()),
                name: Set((*ext).clone()),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(db)
            .await?
            .last_insert_id;
            out.insert((*ext).clone(), id);
        }
    }
    Ok(out)
}
