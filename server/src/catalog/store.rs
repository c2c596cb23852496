//! The stored catalog: read it as a document, and apply a document's plan in the caller's
//! transaction under the organization's ingest lock (so a batch never sees half a catalog).

use super::check::{self, CategorySpec, FeatureSpec, PoolSpec, RateSpec, TeamSpec};
use super::plan::{self, Op, Stored, StoredCatalog};
use crate::audit::Actor;
use crate::entities::usage_feature_daily as usage;
use crate::entities::{category, feature, organization, pool, purchase, team};
use crate::error::Result;
use crate::ledger;
use crate::ledger::rate::RateBook;
use app::catalog::{
    CatalogDoc, CatalogReport, CategoryDoc, Decimal, FeatureDoc, PoolDoc, RateDoc, TeamDoc,
};
use app::credits::{Credits, Price};
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

/// Checks `doc`, plans it against what is stored and (unless `dry_run`) applies it, all
/// inside `db`, which should be a transaction. Audited when anything changed.
pub async fn apply<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    doc: &CatalogDoc,
    dry_run: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CatalogReport> {
    let checked = check::check(doc).map_err(AppError::from)?;
    // Batches and other applies of this organization wait for this one.
    crate::ledger_store::lock_organization(db, org.id).await?;
    let stored = load(db, org.id, now).await?;
    let plan = plan::plan(&stored, &checked).map_err(AppError::from)?;
    let mut report = plan.report;
    report.dry_run = dry_run;
    if dry_run {
        return Ok(report);
    }
    execute(db, org.id, &stored, plan.ops, now).await?;
    set_rates(db, org.id, &plan.rates, now).await?;
    let tz: chrono_tz::Tz = org
        .time_zone
        .parse()
        .map_err(|_| AppError::internal(format!("unknown time zone {}", org.time_zone)))?;
    let period = ledger::period_containing(org.period_anchor_day as u32, tz, now);
    for p in pools(db, org.id).await? {
        crate::ledger_store::ensure_period_grants(db, &p, &period).await?;
    }
    if !report.is_noop() {
        let detail = report.lines().join("; ");
        crate::audit::record(db, org.id, actor, "apply_catalog", &detail, now).await?;
    }
    Ok(report)
}

/// Applies the stored catalog changed by `change`: the settings page and `server team add`
/// edit one entry this way, through the same checks, plan and audit as a whole document.
pub async fn edit<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    actor: &Actor,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut CatalogDoc),
) -> Result<CatalogReport> {
    crate::ledger_store::lock_organization(db, org.id).await?;
    let mut doc = show(db, org.id).await?;
    change(&mut doc);
    apply(db, org, &doc, false, actor, now).await
}

/// The organization's catalog as a document: every entry not archived, each rate as in
/// effect now.
pub async fn show<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<CatalogDoc> {
    let stored = load(db, org_id, Utc::now()).await?;
    let live_features: HashSet<&str> = stored
        .features
        .iter()
        .filter(|s| !s.archived)
        .map(|s| s.spec.key.as_str())
        .collect();
    let rates = stored
        .rates
        .iter()
        .filter(|r| live_features.contains(r.feature.as_str()))
        .map(rate_doc)
        .collect();
    let live = |archived: bool| !archived;
    Ok(CatalogDoc {
        pools: stored
            .pools
            .iter()
            .filter(|s| live(s.archived))
            .map(|s| PoolDoc {
                key: s.spec.key.clone(),
                name: s.spec.name.clone(),
                price_per_credit: Decimal(Price::micros_text(s.spec.price_micros)),
                currency: s.spec.currency.clone(),
                included_per_period: Decimal(s.spec.included.to_decimal_string()),
                allowance_per_period: Decimal(s.spec.allowance.to_decimal_string()),
            })
            .collect(),
        categories: stored
            .categories
            .iter()
            .filter(|s| live(s.archived))
            .map(|s| CategoryDoc {
                key: s.spec.key.clone(),
                name: s.spec.name.clone(),
            })
            .collect(),
        features: stored
            .features
            .iter()
            .filter(|s| live(s.archived))
            .map(|s| FeatureDoc {
                key: s.spec.key.clone(),
                name: s.spec.name.clone(),
                unit: s.spec.unit.clone(),
                category: s.spec.category.clone(),
                pool: s.spec.pool.clone(),
            })
            .collect(),
        teams: stored
            .teams
            .iter()
            .map(|s| TeamDoc {
                key: s.spec.key.clone(),
                name: s.spec.name.clone(),
            })
            .collect(),
        rates,
    })
}

fn rate_doc(r: &RateSpec) -> RateDoc {
    let text = |d: rust_decimal::Decimal| Decimal(d.normalize().to_string());
    RateDoc {
        feature: r.feature.clone(),
        model: r.model.clone(),
        per_unit: text(r.price.per_unit),
        per_1k_input_tokens: text(r.price.per_1k_input_tokens),
        per_1k_output_tokens: text(r.price.per_1k_output_tokens),
        per_1k_cached_input_tokens: text(r.price.per_1k_cached_input_tokens),
        minimum: text(r.price.minimum),
    }
}

/// Each feature's price in effect at `now`, per model (what a document is compared with).
async fn rates_in_effect<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    features: &[feature::Model],
    now: DateTime<Utc>,
) -> Result<Vec<RateSpec>> {
    let keys: HashMap<i64, &str> = features.iter().map(|f| (f.id, f.key.as_str())).collect();
    let ids: Vec<i64> = features.iter().map(|f| f.id).collect();
    let book = RateBook::new(crate::store::rates::for_features(db, org, &ids).await?);
    let mut out: Vec<RateSpec> = book
        .in_effect(now)
        .filter_map(|v| {
            Some(RateSpec {
                feature: keys.get(&v.feature_id)?.to_string(),
                model: v.model.clone(),
                price: v.price,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.feature, &a.model).cmp(&(&b.feature, &b.model)));
    Ok(out)
}

/// Stores the plan's new rate versions, from `now` (the features exist by now).
async fn set_rates<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    rates: &[RateSpec],
    now: DateTime<Utc>,
) -> Result<()> {
    if rates.is_empty() {
        return Ok(());
    }
    let ids: HashMap<String, i64> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.key, f.id))
        .collect();
    for r in rates {
        let feature_id = *ids
            .get(&r.feature)
            .ok_or_else(|| AppError::internal(format!("feature {} is gone", r.feature)))?;
        let version = crate::ledger::rate::RateVersion {
            feature_id,
            model: r.model.clone(),
            effective_from: now,
            price: r.price,
        };
        crate::store::rates::put(db, org, &version, now).await?;
    }
    Ok(())
}

async fn pools<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<Vec<pool::Model>> {
    Ok(pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .order_by_asc(pool::Column::Id)
        .all(db)
        .await?)
}

/// Distinct values of one id column of a table, for one organization.
async fn distinct<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    org_col: E::Column,
    col: E::Column,
    org: OrgId,
) -> Result<HashSet<i64>> {
    Ok(E::find()
        .select_only()
        .column(col)
        .distinct()
        .filter(org_col.eq(org))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Features with usage, and pools with usage or purchases: their history pins them.
async fn used<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<(HashSet<i64>, HashSet<i64>)> {
    let features = distinct::<_, usage::Entity>(
        db,
        usage::Column::OrganizationId,
        usage::Column::FeatureId,
        org,
    )
    .await?;
    let mut pools = distinct::<_, usage::Entity>(
        db,
        usage::Column::OrganizationId,
        usage::Column::PoolId,
        org,
    )
    .await?;
    pools.extend(
        distinct::<_, purchase::Entity>(
            db,
            purchase::Column::OrganizationId,
            purchase::Column::PoolId,
            org,
        )
        .await?,
    );
    Ok((features, pools))
}

/// The stored catalog, with the rates in effect at `now`.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<StoredCatalog> {
    use futures::TryFutureExt;
    let (pool_rows, categories, features, teams, (used_features, used_pools)) = futures::try_join!(
        pools(db, org),
        category::Entity::find()
            .filter(category::Column::OrganizationId.eq(org))
            .order_by_asc(category::Column::Id)
            .all(db)
            .err_into::<crate::error::Error>(),
        feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .order_by_asc(feature::Column::Id)
            .all(db)
            .err_into::<crate::error::Error>(),
        team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .order_by_asc(team::Column::Id)
            .all(db)
            .err_into::<crate::error::Error>(),
        used(db, org)
    )?;
    let rates = rates_in_effect(db, org, &features, now).await?;
    let mut stored = assemble(
        pool_rows,
        categories,
        features,
        teams,
        &used_features,
        &used_pools,
    );
    stored.rates = rates;
    Ok(stored)
}

/// The stored rows as the plan sees them: keys instead of ids, archived and used flags.
fn assemble(
    pool_rows: Vec<pool::Model>,
    categories: Vec<category::Model>,
    features: Vec<feature::Model>,
    teams: Vec<team::Model>,
    used_features: &HashSet<i64>,
    used_pools: &HashSet<i64>,
) -> StoredCatalog {
    let pool_key: HashMap<i64, String> = pool_rows.iter().map(|p| (p.id, p.key.clone())).collect();
    let category_key: HashMap<i64, String> =
        categories.iter().map(|c| (c.id, c.key.clone())).collect();
    StoredCatalog {
        pools: pool_rows
            .iter()
            .map(|p| Stored {
                id: p.id,
                spec: PoolSpec {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    price_micros: p.price_micros,
                    currency: p.currency.clone(),
                    included: Credits(p.included_per_period_milli),
                    allowance: Credits(p.allowance_per_period_milli),
                },
                archived: p.archived_at.is_some(),
                used: used_pools.contains(&p.id),
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| Stored {
                id: c.id,
                spec: CategorySpec {
                    key: c.key.clone(),
                    name: c.name.clone(),
                },
                archived: c.archived_at.is_some(),
                used: false,
            })
            .collect(),
        features: features
            .iter()
            .map(|f| Stored {
                id: f.id,
                spec: FeatureSpec {
                    key: f.key.clone(),
                    name: f.name.clone(),
                    unit: f.unit.clone(),
                    category: category_key
                        .get(&f.category_id)
                        .cloned()
                        .unwrap_or_default(),
                    pool: pool_key.get(&f.pool_id).cloned().unwrap_or_default(),
                },
                archived: f.archived_at.is_some(),
                used: used_features.contains(&f.id),
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|t| Stored {
                id: t.id,
                spec: TeamSpec {
                    key: t.key,
                    name: t.name,
                },
                archived: false,
                used: false,
            })
            .collect(),
        rates: Vec::new(),
    }
}

/// Runs the plan's changes in order; keys of pools and categories become ids as they exist.
async fn execute<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    stored: &StoredCatalog,
    ops: Vec<Op>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut pool_ids: HashMap<String, i64> = stored
        .pools
        .iter()
        .map(|s| (s.spec.key.clone(), s.id))
        .collect();
    let mut category_ids: HashMap<String, i64> = stored
        .categories
        .iter()
        .map(|s| (s.spec.key.clone(), s.id))
        .collect();
    for op in ops {
        match op {
            Op::AddPool(s) => {
                let row = pool_model(org, NotSet, &s).insert(db).await?;
                crate::store::pool_prices::record(db, org, row.id, s.price_micros, now).await?;
                pool_ids.insert(s.key, row.id);
            }
            Op::UpdatePool(id, s) => {
                pool_model(org, Set(id), &s).update(db).await?;
                // A new price is a version from now: earlier usage keeps the price it had.
                crate::store::pool_prices::record(db, org, id, s.price_micros, now).await?;
            }
            Op::AddCategory(s) => {
                let row = category_model(org, NotSet, &s).insert(db).await?;
                category_ids.insert(s.key, row.id);
            }
            Op::UpdateCategory(id, s) => {
                category_model(org, Set(id), &s).update(db).await?;
            }
            Op::AddFeature(s) => {
                feature_model(org, NotSet, &s, &pool_ids, &category_ids)?
                    .insert(db)
                    .await?;
            }
            Op::UpdateFeature(id, s) => {
                feature_model(org, Set(id), &s, &pool_ids, &category_ids)?
                    .update(db)
                    .await?;
            }
            Op::AddTeam(s) => {
                team::ActiveModel {
                    organization_id: Set(org),
                    key: Set(s.key),
                    name: Set(s.name),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
            Op::RenameTeam(id, name) => {
                team::Entity::update_many()
                    .col_expr(team::Column::Name, Expr::value(name))
                    .filter(team::Column::OrganizationId.eq(org))
                    .filter(team::Column::Id.eq(id))
                    .exec(db)
                    .await?;
            }
            Op::ArchiveFeature(id) => archive::<_, feature::Entity>(db, org, id, now).await?,
            Op::ArchiveCategory(id) => archive::<_, category::Entity>(db, org, id, now).await?,
            Op::ArchivePool(id) => archive::<_, pool::Entity>(db, org, id, now).await?,
            Op::RemoveFeature(id) => remove::<_, feature::Entity>(db, org, id).await?,
            Op::RemoveCategory(id) => remove::<_, category::Entity>(db, org, id).await?,
        }
    }
    Ok(())
}

/// Sets `archived_at` on a pool, category or feature of the organization.
async fn archive<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    org: OrgId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::Alias;
    E::update_many()
        .col_expr(Alias::new("archived_at"), Expr::value(now))
        .filter(Expr::col(Alias::new("organization_id")).eq(org))
        .filter(Expr::col(Alias::new("id")).eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a category or feature of the organization (one the plan found unused).
async fn remove<C: ConnectionTrait, E: EntityTrait>(db: &C, org: OrgId, id: i64) -> Result<()> {
    use sea_orm::sea_query::Alias;
    E::delete_many()
        .filter(Expr::col(Alias::new("organization_id")).eq(org))
        .filter(Expr::col(Alias::new("id")).eq(id))
        .exec(db)
        .await?;
    Ok(())
}

fn pool_model(org: OrgId, id: sea_orm::ActiveValue<i64>, s: &PoolSpec) -> pool::ActiveModel {
    pool::ActiveModel {
        id,
        organization_id: Set(org),
        key: Set(s.key.clone()),
        name: Set(s.name.clone()),
        included_per_period_milli: Set(s.included.0),
        price_micros: Set(s.price_micros),
        currency: Set(s.currency.clone()),
        allowance_per_period_milli: Set(s.allowance.0),
        archived_at: Set(None),
    }
}

fn category_model(
    org: OrgId,
    id: sea_orm::ActiveValue<i64>,
    s: &CategorySpec,
) -> category::ActiveModel {
    category::ActiveModel {
        id,
        organization_id: Set(org),
        key: Set(s.key.clone()),
        name: Set(s.name.clone()),
        archived_at: Set(None),
    }
}

fn feature_model(
    org: OrgId,
    id: sea_orm::ActiveValue<i64>,
    s: &FeatureSpec,
    pools: &HashMap<String, i64>,
    categories: &HashMap<String, i64>,
) -> Result<feature::ActiveModel> {
    let lookup = |m: &HashMap<String, i64>, k: &str| {
        m.get(k)
            .copied()
            .ok_or_else(|| AppError::internal(format!("catalog plan lost {k}")))
    };
    Ok(feature::ActiveModel {
        id,
        organization_id: Set(org),
        category_id: Set(lookup(categories, &s.category)?),
        pool_id: Set(lookup(pools, &s.pool)?),
        key: Set(s.key.clone()),
        name: Set(s.name.clone()),
        unit: Set(s.unit.clone()),
        archived_at: Set(None),
    })
}
