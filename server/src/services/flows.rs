//! The Flows & agents page: every flow (status, name, type), AI pilot, agent, AI tool and
//! browser session with the credits and tokens it used, and the actions inside flows —
//! answered from the action rollup, which counts tokens.

use super::range;
use super::usage::{UsageReport, scope};
use crate::entities::{action, source};
use crate::error::Result;
use app::credits::Credits;
use app::filter::{Filter, GroupBy};
use app::ids::OrgId;
use app::model::{ActionUsage, FlowsView, SourceUsage};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What a source or an action used in the range.
#[derive(Clone, Copy, Default)]
struct Sums {
    credits: Credits,
    events: i64,
    quantity: i64,
    input_tokens: i64,
    output_tokens: i64,
}

fn add(acc: &mut Sums, r: &super::usage::UsageRow) {
    let (i, o) = r.tokens.unwrap_or_default();
    acc.credits += r.credits;
    acc.events += r.events;
    acc.quantity += r.quantity;
    acc.input_tokens += i;
    acc.output_tokens += o;
}

type BySource = HashMap<String, Sums>;
type ByAction = HashMap<(String, String), Sums>;

/// Sums per source label (`kind:key`) and per (source label, action key).
fn fold(r: &UsageReport) -> (BySource, ByAction) {
    let (mut by_source, mut by_action) = (HashMap::new(), HashMap::new());
    for row in &r.rows {
        let Some(src) = r.value(row, GroupBy::Source) else {
            continue;
        };
        add(by_source.entry(src.to_string()).or_default(), row);
        if let Some(act) = r.value(row, GroupBy::Action) {
            let key = (src.to_string(), act.to_string());
            add(by_action.entry(key).or_default(), row);
        }
    }
    (by_source, by_action)
}

pub async fn flows_view<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<FlowsView> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let c = range::compare_with(filter, r, &org, tz);
    let s = scope(db, org_id, filter).await?;
    let g = [GroupBy::Source, GroupBy::Action];
    // The by-model table (and its money) from its own smaller question, side by side.
    let by_model = [GroupBy::Model, GroupBy::Feature];
    let ((now, before), (models_now, models_before), valuer) = futures::try_join!(
        super::shares::with_compare(db, &org, r, c, &s, &g),
        super::shares::with_compare(db, &org, r, c, &s, &by_model),
        super::value::Valuer::load(db, &org)
    )?;
    let models = super::models::by_model(&models_now, models_before.as_ref(), &valuer)?;
    let (by_source, by_action) = fold(&now);
    let before = before.as_ref().map(|b| fold(b).0);
    let sources = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?;
    // A flow or source filter keeps its own rows (and the actions inside them).
    let wanted: Vec<source::Model> = sources
        .into_iter()
        .filter(|s| super::usage::source_wanted(filter, s.kind.as_str(), &s.key))
        .collect();
    let title: HashMap<i64, (String, String)> = wanted
        .iter()
        .map(|s| (s.id, (format!("{}:{}", s.kind, s.key), s.name.clone())))
        .collect();
    let [flows, pilots, agents, others] = source_lists(wanted, &by_source, before.as_ref());
    let actions = action_rows(db, org_id, &title, &by_action).await?;
    Ok(FlowsView {
        time_zone: org.time_zone,
        from: r.from,
        to: r.to,
        compare: c.is_some(),
        flows,
        actions,
        pilots,
        agents,
        others,
        models,
    })
}

/// The flows, AI pilots, agents and other sources, each list by credits (most first).
fn source_lists(
    sources: Vec<source::Model>,
    by_source: &BySource,
    before: Option<&BySource>,
) -> [Vec<SourceUsage>; 4] {
    let (mut flows, mut pilots, mut agents, mut others) = (vec![], vec![], vec![], vec![]);
    for src in sources {
        let label = format!("{}:{}", src.kind, src.key);
        let sums = by_source.get(&label).copied().unwrap_or_default();
        let u = SourceUsage {
            credits: sums.credits,
            events: sums.events,
            quantity: sums.quantity,
            input_tokens: sums.input_tokens,
            output_tokens: sums.output_tokens,
            compare_credits: before.map(|b| b.get(&label).map_or(Credits::ZERO, |x| x.credits)),
            key: src.key,
            name: src.name,
            flow_type: src.flow_type,
            status: src.status.map(|s| s.to_value()),
            kind: src.kind.to_string(),
        };
        match src.kind {
            source::SourceKind::Flow => flows.push(u),
            source::SourceKind::Pilot => pilots.push(u),
            source::SourceKind::Agent => agents.push(u),
            _ => others.push(u),
        }
    }
    let mut lists = [flows, pilots, agents, others];
    for list in &mut lists {
        list.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
    }
    lists
}

/// Every action of the listed sources (`title`: id → (label, name)), by credits.
async fn action_rows<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    title: &HashMap<i64, (String, String)>,
    by_action: &ByAction,
) -> Result<Vec<ActionUsage>> {
    let mut actions: Vec<ActionUsage> = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| {
            let (label, source_name) = title.get(&a.source_id)?.clone();
            let sums = by_action
                .get(&(label.clone(), a.key.clone()))
                .copied()
                .unwrap_or_default();
            Some(ActionUsage {
                source_key: label,
                source: source_name,
                key: a.key,
                name: a.name,
                credits: sums.credits,
                events: sums.events,
                input_tokens: sums.input_tokens,
                output_tokens: sums.output_tokens,
            })
        })
        .collect();
    actions.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
    Ok(actions)
}
