//! Names (keys) for the ids in a report's rows, asked only for what the rows contain.

use super::bucket_label;
use super::rollup::{Raw, RawValue};
use crate::entities::*;
use crate::error::Result;
use crate::services::names::{self, by_id};
use app::filter::{Frequency, GroupBy};
use app::ids::OrgId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::future::Future;

/// Names for the ids that appear in the rows.
pub(super) struct Labels {
    features: HashMap<i64, (String, i64)>,
    categories: HashMap<i64, String>,
    members: HashMap<i64, String>,
    end_users: HashMap<i64, String>,
    sources: HashMap<i64, String>,
    actions: HashMap<i64, String>,
    companies: HashMap<i64, String>,
    teams: HashMap<i64, String>,
    models: HashMap<i64, String>,
}

type Names = HashMap<i64, String>;

pub(super) async fn labels<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    group_by: &[GroupBy],
    raws: &[Raw],
    cols: &[(&str, &str)],
) -> Result<Labels> {
    let wants = |g: GroupBy| group_by.contains(&g);
    let ids = |col: &str| ids_in(raws, cols, col);
    let (users, end_users, actions) = (ids("user_id"), ids("end_user_id"), ids("action_id"));
    // Each lookup only when a grouping needs it; all of them side by side (pooled connections).
    let catalog = catalog_names(
        db,
        org,
        wants(GroupBy::Feature) || wants(GroupBy::Category),
        wants(GroupBy::Category),
    );
    let people = async {
        futures::try_join!(
            when(
                wants(GroupBy::User),
                names::member_emails(db, org, Some(&users))
            ),
            when(
                wants(GroupBy::User),
                names::end_user_names(db, org, Some(&end_users))
            ),
        )
    };
    let sources = source_names(
        db,
        org,
        wants(GroupBy::Source),
        wants(GroupBy::Action),
        &actions,
    );
    let groups = group_names(db, org, wants(GroupBy::Company), wants(GroupBy::Team));
    let models = when(
        wants(GroupBy::Model),
        by_id::<C, model::Entity>(
            db,
            model::Column::OrganizationId,
            org,
            model::Column::Id,
            None,
            |m| (m.id, m.name),
        ),
    );
    let (
        (features, categories),
        (members, end_users),
        (sources, actions),
        (companies, teams),
        models,
    ) = futures::try_join!(catalog, people, sources, groups, models)?;
    Ok(Labels {
        features,
        categories,
        members,
        end_users,
        sources,
        actions,
        companies,
        teams,
        models,
    })
}

/// Sources (`kind:key`) and actions, each only when its grouping is asked for.
async fn source_names<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    sources: bool,
    actions: bool,
    action_ids: &[i64],
) -> Result<(Names, Names)> {
    futures::try_join!(
        when(
            sources,
            by_id::<C, source::Entity>(
                db,
                source::Column::OrganizationId,
                org,
                source::Column::Id,
                None,
                |s| (s.id, format!("{}:{}", s.kind, s.key)),
            )
        ),
        when(
            actions,
            by_id::<C, action::Entity>(
                db,
                action::Column::OrganizationId,
                org,
                action::Column::Id,
                Some(action_ids),
                |a| (a.id, a.key),
            )
        ),
    )
}

/// Companies and teams, each only when its grouping is asked for.
async fn group_names<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    companies: bool,
    teams: bool,
) -> Result<(Names, Names)> {
    futures::try_join!(
        when(
            companies,
            by_id::<C, company::Entity>(
                db,
                company::Column::OrganizationId,
                org,
                company::Column::Id,
                None,
                |c| (c.id, c.key),
            )
        ),
        when(
            teams,
            by_id::<C, team::Entity>(
                db,
                team::Column::OrganizationId,
                org,
                team::Column::Id,
                None,
                |t| (t.id, t.name),
            )
        ),
    )
}

/// The distinct ids (not 0) in column `col` of the rows.
fn ids_in(raws: &[Raw], cols: &[(&str, &str)], col: &str) -> Vec<i64> {
    let Some(i) = cols.iter().position(|(_, c)| *c == col) else {
        return vec![];
    };
    let mut v: Vec<i64> = raws
        .iter()
        .filter_map(|r| match r.values[i] {
            RawValue::Id(x) if x != 0 => Some(x),
            _ => None,
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Features (key, category id) when a feature or category grouping needs them, and the
/// categories' keys when grouped by category.
async fn catalog_names<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    by_feature: bool,
    by_category: bool,
) -> Result<(HashMap<i64, (String, i64)>, Names)> {
    futures::try_join!(
        when(by_feature, async {
            let rows = feature::Entity::find()
                .filter(feature::Column::OrganizationId.eq(org))
                .all(db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|f| (f.id, (f.key, f.category_id)))
                .collect())
        }),
        when(by_category, async {
            let rows = category::Entity::find()
                .filter(category::Column::OrganizationId.eq(org))
                .all(db)
                .await?;
            Ok(rows.into_iter().map(|c| (c.id, c.key)).collect())
        }),
    )
}

/// The lookup's names when `needed`, else none (and no query).
async fn when<T: Default>(needed: bool, lookup: impl Future<Output = Result<T>>) -> Result<T> {
    if needed {
        lookup.await
    } else {
        Ok(T::default())
    }
}

pub(super) fn label(g: GroupBy, raw: &Raw, cols: &[(&str, &str)], l: &Labels) -> Option<String> {
    let at = |col: &str| {
        raw.values[cols
            .iter()
            .position(|(_, c)| *c == col)
            .expect("grouped column")]
    };
    let id = |col: &str| match at(col) {
        RawValue::Id(x) => x,
        RawValue::Day(_) => 0,
    };
    let day = || match at("day") {
        RawValue::Day(d) => d,
        RawValue::Id(_) => unreachable!("day column"),
    };
    match g {
        GroupBy::Day => Some(bucket_label(day(), Frequency::Day)),
        GroupBy::Week => Some(bucket_label(day(), Frequency::Week)),
        GroupBy::Month => Some(bucket_label(day(), Frequency::Month)),
        GroupBy::Feature => l.features.get(&id("feature_id")).map(|f| f.0.clone()),
        GroupBy::Category => l
            .features
            .get(&id("feature_id"))
            .and_then(|f| l.categories.get(&f.1))
            .cloned(),
        GroupBy::User => l
            .members
            .get(&id("user_id"))
            .or_else(|| l.end_users.get(&id("end_user_id")))
            .cloned(),
        GroupBy::Source => l.sources.get(&id("source_id")).cloned(),
        GroupBy::Action => l.actions.get(&id("action_id")).cloned(),
        GroupBy::Company => l.companies.get(&id("company_id")).cloned(),
        GroupBy::Team => l.teams.get(&id("team_id")).cloned(),
        GroupBy::Model => l.models.get(&id("model_id")).cloned(),
    }
}
