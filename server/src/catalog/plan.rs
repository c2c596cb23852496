//! Decides what applying a checked document changes, without touching the database: what is
//! added, changed (or restored from the archive), archived and removed, and what is refused
//! because it would rewrite history.

use super::check::{CategorySpec, Checked, FeatureSpec, PoolSpec, Problem, RateSpec, TeamSpec};
use app::catalog::{CatalogReport, EntryKind, ReportItem};
use app::credits::Price;
use std::collections::HashSet;

/// One stored entry: its id, what it says now, whether it is archived and has history.
#[derive(Clone, Debug)]
pub struct Stored<S> {
    pub id: i64,
    pub spec: S,
    pub archived: bool,
    /// Events (features), or events and grants (pools), refer to it.
    pub used: bool,
}

#[derive(Clone, Debug, Default)]
pub struct StoredCatalog {
    pub pools: Vec<Stored<PoolSpec>>,
    pub categories: Vec<Stored<CategorySpec>>,
    pub features: Vec<Stored<FeatureSpec>>,
    pub teams: Vec<Stored<TeamSpec>>,
    /// Each feature's price in effect now, per model.
    pub rates: Vec<RateSpec>,
}

/// A change to make, in an order the database accepts (what features refer to exists first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    AddPool(PoolSpec),
    UpdatePool(i64, PoolSpec),
    AddCategory(CategorySpec),
    UpdateCategory(i64, CategorySpec),
    AddFeature(FeatureSpec),
    UpdateFeature(i64, FeatureSpec),
    AddTeam(TeamSpec),
    RenameTeam(i64, String),
    ArchiveFeature(i64),
    RemoveFeature(i64),
    ArchiveCategory(i64),
    RemoveCategory(i64),
    ArchivePool(i64),
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub ops: Vec<Op>,
    /// New versions of features' prices, from the time of the apply (after the ops).
    pub rates: Vec<RateSpec>,
    pub report: CatalogReport,
}

pub fn plan(stored: &StoredCatalog, doc: &Checked) -> Result<Plan, Problem> {
    let mut p = Plan::default();
    for (i, spec) in doc.pools.iter().enumerate() {
        match stored.pools.iter().find(|s| s.spec.key == spec.key) {
            None => p.add(EntryKind::Pool, &spec.key, Op::AddPool(spec.clone())),
            Some(s) => {
                if s.used && s.spec.currency != spec.currency {
                    return Err(Problem::new(
                        format!("pools[{i}].currency"),
                        Some(&spec.key),
                        format!(
                            "the pool has history in {}; its currency cannot change",
                            s.spec.currency
                        ),
                    ));
                }
                let d = pool_changes(&s.spec, spec);
                p.update(EntryKind::Pool, s, d, Op::UpdatePool(s.id, spec.clone()));
            }
        }
    }
    for spec in &doc.categories {
        match stored.categories.iter().find(|s| s.spec.key == spec.key) {
            None => p.add(
                EntryKind::Category,
                &spec.key,
                Op::AddCategory(spec.clone()),
            ),
            Some(s) => {
                let d = changes(&[("name", &s.spec.name, &spec.name)]);
                p.update(
                    EntryKind::Category,
                    s,
                    d,
                    Op::UpdateCategory(s.id, spec.clone()),
                );
            }
        }
    }
    for (i, spec) in doc.features.iter().enumerate() {
        match stored.features.iter().find(|s| s.spec.key == spec.key) {
            None => p.add(EntryKind::Feature, &spec.key, Op::AddFeature(spec.clone())),
            Some(s) => {
                if s.used && s.spec.pool != spec.pool {
                    return Err(Problem::new(
                        format!("features[{i}].pool"),
                        Some(&spec.key),
                        format!(
                            "the feature has usage in pool {:?}; a used feature cannot move to another pool (add a new feature instead)",
                            s.spec.pool
                        ),
                    ));
                }
                let d = changes(&[
                    ("name", &s.spec.name, &spec.name),
                    ("unit", &s.spec.unit, &spec.unit),
                    ("category", &s.spec.category, &spec.category),
                    ("pool", &s.spec.pool, &spec.pool),
                ]);
                p.update(
                    EntryKind::Feature,
                    s,
                    d,
                    Op::UpdateFeature(s.id, spec.clone()),
                );
            }
        }
    }
    plan_teams(&mut p, stored, &doc.teams)?;
    plan_leftovers(&mut p, stored, doc);
    plan_rates(&mut p, stored, &doc.rates);
    Ok(p)
}

/// Teams are added and renamed by a document, never removed by one: owners manage their
/// members and remove empty teams in settings.
fn plan_teams(p: &mut Plan, stored: &StoredCatalog, teams: &[TeamSpec]) -> Result<(), Problem> {
    for (i, spec) in teams.iter().enumerate() {
        let same_key = stored.teams.iter().find(|s| s.spec.key == spec.key);
        let name_taken = stored
            .teams
            .iter()
            .any(|s| s.spec.key != spec.key && s.spec.name.eq_ignore_ascii_case(&spec.name));
        if name_taken && same_key.is_none_or(|s| !s.spec.name.eq_ignore_ascii_case(&spec.name)) {
            return Err(Problem::new(
                format!("teams[{i}].name"),
                Some(&spec.key),
                format!("{:?} is the name of another team", spec.name),
            ));
        }
        match same_key {
            None => p.add(EntryKind::Team, &spec.key, Op::AddTeam(spec.clone())),
            Some(s) => {
                let d = changes(&[("name", &s.spec.name, &spec.name)]);
                p.update(
                    EntryKind::Team,
                    s,
                    d,
                    Op::RenameTeam(s.id, spec.name.clone()),
                );
            }
        }
    }
    Ok(())
}

/// A rate that differs from the price in effect (or has none) becomes a new version; the
/// versions before it stay, and rates the document leaves out are kept as they are.
fn plan_rates(p: &mut Plan, stored: &StoredCatalog, rates: &[RateSpec]) {
    for spec in rates {
        let key = match &spec.model {
            Some(m) => format!("{} ({m})", spec.feature),
            None => spec.feature.clone(),
        };
        let current = stored
            .rates
            .iter()
            .find(|s| s.feature == spec.feature && s.model == spec.model);
        match current {
            Some(s) if s.price == spec.price => {
                p.report.unchanged += 1;
                continue;
            }
            None => p
                .report
                .added
                .push(item(EntryKind::Rate, &key, String::new())),
            Some(_) => {
                let detail = "a new version from now".to_string();
                p.report.changed.push(item(EntryKind::Rate, &key, detail));
            }
        }
        p.rates.push(spec.clone());
    }
}

/// Entries the document leaves out: archived when they have history, else removed. Pools are
/// only archived (their grants and purchases stay).
fn plan_leftovers(p: &mut Plan, stored: &StoredCatalog, doc: &Checked) {
    let keys = |v: Vec<&String>| v.into_iter().cloned().collect::<HashSet<String>>();
    let features = keys(doc.features.iter().map(|f| &f.key).collect());
    let mut kept_categories: HashSet<&str> = HashSet::new();
    for s in &stored.features {
        if features.contains(&s.spec.key) {
            continue;
        }
        if s.used {
            kept_categories.insert(&s.spec.category);
            if !s.archived {
                p.leave(
                    EntryKind::Feature,
                    &s.spec.key,
                    true,
                    Op::ArchiveFeature(s.id),
                );
            }
        } else {
            p.leave(
                EntryKind::Feature,
                &s.spec.key,
                false,
                Op::RemoveFeature(s.id),
            );
        }
    }
    let categories = keys(doc.categories.iter().map(|c| &c.key).collect());
    for s in &stored.categories {
        if categories.contains(&s.spec.key) {
            continue;
        }
        if kept_categories.contains(s.spec.key.as_str()) {
            if !s.archived {
                p.leave(
                    EntryKind::Category,
                    &s.spec.key,
                    true,
                    Op::ArchiveCategory(s.id),
                );
            }
        } else {
            p.leave(
                EntryKind::Category,
                &s.spec.key,
                false,
                Op::RemoveCategory(s.id),
            );
        }
    }
    let pools = keys(doc.pools.iter().map(|c| &c.key).collect());
    for s in &stored.pools {
        if !pools.contains(&s.spec.key) && !s.archived {
            p.leave(EntryKind::Pool, &s.spec.key, true, Op::ArchivePool(s.id));
        }
    }
}

impl Plan {
    fn add(&mut self, kind: EntryKind, key: &str, op: Op) {
        self.report.added.push(item(kind, key, String::new()));
        self.ops.push(op);
    }

    fn update<S: Keyed>(
        &mut self,
        kind: EntryKind,
        s: &Stored<S>,
        mut detail: Vec<String>,
        op: Op,
    ) {
        if s.archived {
            detail.insert(0, "restored from the archive".into());
        }
        if detail.is_empty() {
            self.report.unchanged += 1;
            return;
        }
        self.report
            .changed
            .push(item(kind, s.spec.key(), detail.join("; ")));
        self.ops.push(op);
    }

    fn leave(&mut self, kind: EntryKind, key: &str, archive: bool, op: Op) {
        let list = if archive {
            &mut self.report.archived
        } else {
            &mut self.report.removed
        };
        list.push(item(kind, key, String::new()));
        self.ops.push(op);
    }
}

/// The entries of every table have a key.
pub trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for PoolSpec {
    fn key(&self) -> &str {
        &self.key
    }
}

impl Keyed for CategorySpec {
    fn key(&self) -> &str {
        &self.key
    }
}

impl Keyed for FeatureSpec {
    fn key(&self) -> &str {
        &self.key
    }
}

fn item(kind: EntryKind, key: &str, detail: String) -> ReportItem {
    ReportItem {
        kind,
        key: key.to_string(),
        detail,
    }
}

/// `name: "A" → "B"` for every field that differs.
fn changes(fields: &[(&str, &String, &String)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(f, old, new)| format!("{f}: {old} → {new}"))
        .collect()
}

fn pool_changes(old: &PoolSpec, new: &PoolSpec) -> Vec<String> {
    let texts = |p: &PoolSpec| {
        [
            p.name.clone(),
            Price::micros_text(p.price_micros),
            p.currency.clone(),
            p.included.to_decimal_string(),
            p.allowance.to_decimal_string(),
        ]
    };
    let (o, n) = (texts(old), texts(new));
    let names = [
        "name",
        "price_per_credit",
        "currency",
        "included_per_period",
        "allowance_per_period",
    ];
    let fields: Vec<(&str, &String, &String)> = names
        .iter()
        .zip(o.iter().zip(n.iter()))
        .map(|(f, (a, b))| (*f, a, b))
        .collect();
    changes(&fields)
}
