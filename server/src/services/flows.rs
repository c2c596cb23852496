//! The Flows & agents page: every flow (status, name, type), AI pilot, agent, AI tool and
//! browser session with the credits and tokens it used, and the actions inside flows —
//! answered from the action rollup, which counts tokens.

use super::range;
use super::usage::{UsageReport, scope, usage_scoped};
use crate::entities::{action, source};
use crate::error::Result;
use app::credits::Credits;
use app::filter::{Filter, GroupBy};
use app::model::{ActionUsage, FlowsView, SourceUsage};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// (credits, events, quantity, input tokens, output tokens)
type Sums = (Credits, i64, i64, i64, i64);

fn add(acc: &mut Sums, r: &super::usage::UsageRow) {
    let (i, o) = r.tokens.unwrap_or_default();
    acc.0 += r.credits;
    acc.1 += r.events;
    acc.2 += r.quantity;
    acc.3 += i;
    acc.4 += o;
}

/// Sums per source label (`kind:key`) and per (source label, action key).
fn fold(r: &UsageReport) -> (HashMap<String, Sums>, HashMap<(String, String), Sums>) {
    let (mut by_source, mut by_action) = (HashMap::new(), HashMap::new());
    for row in &r.rows {
        let Some(src) = &row.groups[0] else { continue };
        add(by_source.entry(src.clone()).or_default(), row);
        if let Some(act) = &row.groups[1] {
            add(
                by_action.entry((src.clone(), act.clone())).or_default(),
                row,
            );
        }
    }
    (by_source, by_action)
}

pub async fn flows_view<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<FlowsView> {
    let range::Resolved { org, tz, range: r } = range::for_filter(db, org_id, filter, now).await?;
    let c = range::compare_with(filter, r, &org, tz);
    let s = scope(db, org_id, filter).await?;
    let g = [GroupBy::Source, GroupBy::Action];
    let (by_source, by_action) = fold(&usage_scoped(db, &org, r, &s, &g).await?);
    let before = match c {
        Some(c) => Some(fold(&usage_scoped(db, &org, c, &s, &g).await?).0),
        None => None,
    };

    let sources = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?;
    let (mut flows, mut pilots, mut agents, mut others) = (vec![], vec![], vec![], vec![]);
    let mut title: HashMap<i64, (String, String)> = HashMap::new();
    // A flow or source filter keeps its own rows (and the actions inside them).
    let wanted = sources
        .into_iter()
        .filter(|s| super::usage::source_wanted(filter, s.kind.as_str(), &s.key));
    for src in wanted {
        let label = format!("{}:{}", src.kind, src.key);
        title.insert(src.id, (label.clone(), src.name.clone()));
        let sums = by_source.get(&label).copied().unwrap_or_default();
        let u = SourceUsage {
            credits: sums.0,
            events: sums.1,
            quantity: sums.2,
            input_tokens: sums.3,
            output_tokens: sums.4,
            compare_credits: before
                .as_ref()
                .map(|b| b.get(&label).map_or(Credits::ZERO, |x| x.0)),
            key: src.key,
            name: src.name,
            flow_type: src.flow_type,
            status: src.status.map(|s| s.as_str().to_string()),
            kind: src.kind.to_string(),
        };
        match src.kind.as_str() {
            "flow" => flows.push(u),
            "pilot" => pilots.push(u),
            "agent" => agents.push(u),
            _ => others.push(u),
        }
    }
    for list in [&mut flows, &mut pilots, &mut agents, &mut others] {
        list.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
    }

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
                credits: sums.0,
                events: sums.1,
                input_tokens: sums.3,
                output_tokens: sums.4,
            })
        })
        .collect();
    actions.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
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
    })
}
