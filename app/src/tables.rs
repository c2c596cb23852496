//! The tables of every page, built from the services' models. Pages render these and the CSV
//! export writes them, so both always hold the same rows for the same filters.

use crate::credits::Credits;
use crate::model::*;
use crate::table::{Cell, Table, TableId};

/// A "where did the credits go" table: name, credits, share, count (+ change with compare).
pub fn shares(id: TableId, title: &str, rows: &[ShareRow], total: Credits) -> Table {
    let compare = rows.iter().any(|r| r.compare_credits.is_some());
    let money = rows.iter().any(|r| r.money.is_some());
    let mut cols = vec!["Name", "#Credits", "#Share", "#Count", "#Events"];
    if money {
        cols.push("#Money");
    }
    if compare {
        cols.extend(["#Compare credits", "#Change"]);
    }
    let mut t = Table::new(id, title, &cols);
    for r in rows {
        let count = match &r.unit {
            Some(u) => format!("{} {u}s", crate::credits::format_count(r.quantity)),
            None => crate::credits::format_count(r.quantity),
        };
        let mut cells = vec![
            Cell::text(r.name.clone()),
            Cell::Credits(r.credits),
            Cell::Percent(Some(r.share_percent(total))),
            // Units differ per feature, so the count is text with its unit; CSV keeps it so.
            Cell::Text(count),
            Cell::Count(r.events),
        ];
        if money {
            cells.push(r.money.clone().map_or(Cell::Empty, Cell::Money));
        }
        if compare {
            cells.push(r.compare_credits.map_or(Cell::Empty, Cell::Credits));
            cells.push(Cell::Change(r.change_percent()));
        }
        t.row(r.key.clone(), cells);
    }
    t
}

pub fn categories(o: &Overview) -> Table {
    shares(TableId::Categories, "By category", &o.categories, o.total)
        .drills_to("/usage", "category")
}

pub fn features(o: &Overview) -> Table {
    shares(TableId::Features, "By feature", &o.features, o.total).drills_to("/usage", "feature")
}

pub fn agents(o: &Overview) -> Table {
    shares(TableId::Agents, "Agents", &o.agents, o.total)
}

pub fn sources(o: &Overview) -> Table {
    shares(
        TableId::Sources,
        "Where the credits went, highest first",
        &o.sources,
        o.total,
    )
    .drills_to("/usage", "source")
}

pub fn teams(o: &Overview) -> Table {
    shares(TableId::Teams, "By team", &o.teams, o.total).drills_to("/usage", "team")
}

pub fn companies(o: &Overview) -> Table {
    shares(TableId::Companies, "By company", &o.companies, o.total).drills_to("/usage", "company")
}

/// Usage by model: credits, events and the tokens they came from (+ compare credits).
fn models(id: TableId, rows: &[ModelUsage]) -> Table {
    let compare = rows.iter().any(|r| r.compare_credits.is_some());
    let mut cols = vec![
        "Model",
        "#Credits",
        "#Events",
        "#Input tokens",
        "#Output tokens",
        "#Money",
    ];
    if compare {
        cols.push("#Compare credits");
    }
    let mut t = Table::new(id, "By model", &cols);
    for r in rows {
        let mut cells = vec![
            Cell::text(r.model.clone()),
            Cell::Credits(r.credits),
            Cell::Count(r.events),
            r.input_tokens.map_or(Cell::Empty, Cell::Count),
            r.output_tokens.map_or(Cell::Empty, Cell::Count),
            r.money.clone().map_or(Cell::Empty, Cell::Money),
        ];
        if compare {
            cells.push(r.compare_credits.map_or(Cell::Empty, Cell::Credits));
        }
        t.row(r.model.clone(), cells);
    }
    t.drills_to("/usage", "model")
}

pub fn overview_models(o: &Overview) -> Table {
    models(TableId::Models, &o.models)
}

pub fn flow_models(v: &FlowsView) -> Table {
    models(TableId::FlowModels, &v.models)
}

pub fn daily(o: &Overview) -> Table {
    let mut t = Table::new(
        TableId::Daily,
        "Credits per day",
        &["Day", "#Credits", "Unusually high"],
    );
    for p in &o.daily {
        t.row(
            p.day.to_string(),
            vec![
                Cell::text(p.day.to_string()),
                Cell::Credits(p.credits),
                Cell::text(if o.anomalies.contains(&p.day) {
                    "yes"
                } else {
                    ""
                }),
            ],
        );
    }
    t
}

pub fn pools(v: &CreditsView) -> Table {
    let mut t = Table::new(
        TableId::Pools,
        "Pools",
        &[
            "Pool",
            "#Purchased",
            "#Allocated",
            "#Used this period",
            "#Remaining",
            "#Expired",
        ],
    );
    for p in &v.pools {
        t.row(
            p.key.clone(),
            vec![
                Cell::text(p.name.clone()),
                Cell::Credits(p.purchased),
                Cell::Credits(p.allocated),
                Cell::Credits(p.used),
                Cell::Credits(p.remaining),
                Cell::Credits(p.expired),
            ],
        );
    }
    t
}

pub fn periods(v: &CreditsView) -> Table {
    let mut t = Table::new(
        TableId::Periods,
        "Billing periods (main pool)",
        &[
            "Period",
            "#Included",
            "#Purchased",
            "#Adjusted",
            "#Used",
            "#Overage",
            "#Expired",
            "#End users",
        ],
    );
    for p in &v.periods {
        let current = if p.current { " (current)" } else { "" };
        t.row(
            p.start.to_string(),
            vec![
                Cell::text(format!("{} – {}{current}", p.start, p.end)),
                Cell::Credits(p.included),
                Cell::Credits(p.purchased),
                Cell::Credits(p.adjusted),
                Cell::Credits(p.used),
                Cell::Credits(p.overage),
                Cell::Credits(p.expired),
                Cell::Credits(p.end_user_used),
            ],
        );
    }
    t
}

pub fn grants(v: &CreditsView) -> Table {
    let mut t = Table::new(
        TableId::Grants,
        "Grants",
        &[
            "Description",
            "Pool",
            "Kind",
            "Granted",
            "Expires",
            "Status",
            "#Original",
            "#Remaining",
        ],
    );
    for (i, g) in v.grants.iter().enumerate() {
        t.row(
            i.to_string(),
            vec![
                Cell::text(g.description.clone()),
                Cell::text(g.pool.clone()),
                Cell::text(g.kind.clone()),
                Cell::text(g.granted.clone()),
                Cell::opt(g.expires.clone()),
                Cell::Status(g.status.clone()),
                Cell::Credits(g.original),
                Cell::Credits(g.remaining),
            ],
        );
    }
    t
}

pub fn purchases(v: &CreditsView) -> Table {
    let mut t = Table::new(
        TableId::Purchases,
        "Purchases",
        &["Date", "Pool", "Origin", "Status", "#Credits", "#Price"],
    );
    for (i, p) in v.purchases.iter().enumerate() {
        let origin = if p.origin == "auto_recharge" {
            "Auto-recharge"
        } else {
            "Top-up"
        };
        t.row(
            i.to_string(),
            vec![
                Cell::text(p.date.clone()),
                Cell::text(p.pool.clone()),
                Cell::text(origin),
                Cell::Status(p.status.clone()),
                Cell::Credits(p.amount),
                Cell::Money(p.price.clone()),
            ],
        );
    }
    t
}

/// The user × subcategory table: one column per feature, biggest consumers first.
pub fn users(v: &UsersView) -> Table {
    let mut cols: Vec<&str> = vec!["User", "Kind", "#Total", "#Events"];
    let feature_cols: Vec<String> = v.features.iter().map(|f| format!("#{}", f.1)).collect();
    cols.extend(feature_cols.iter().map(String::as_str));
    let mut t = Table::new(TableId::Users, "Credits by user and feature", &cols);
    for u in &v.users {
        let mut cells = vec![
            Cell::text(u.name.clone().unwrap_or_else(|| "(not attributed)".into())),
            Cell::text(u.kind.clone()),
            Cell::Credits(u.total),
            Cell::Count(u.events),
        ];
        cells.extend(u.by_feature.iter().map(|c| Cell::Credits(*c)));
        t.row(u.name.clone().unwrap_or_default(), cells);
    }
    t.drills_to("/usage", "user")
}

pub fn allocations(v: &UsersView) -> Table {
    let mut t = Table::new(
        TableId::Allocations,
        "Allocations this period, closest to running out first",
        &[
            "Who",
            "Kind",
            "Pool",
            "#Cap",
            "#Used",
            "#Remaining",
            "#Used %",
        ],
    );
    for a in &v.allocations {
        t.row(
            a.subject.clone(),
            vec![
                Cell::text(a.subject.clone()),
                Cell::text(a.kind.clone()),
                Cell::text(a.pool.clone()),
                Cell::Credits(a.cap),
                Cell::Credits(a.used),
                Cell::Credits(a.remaining),
                Cell::Percent(Some(a.used_percent())),
            ],
        );
    }
    t.drills_to("/usage", "user")
}

fn source_table(
    id: TableId,
    title: &str,
    rows: &[SourceUsage],
    compare: bool,
    flows: bool,
) -> Table {
    let mut cols: Vec<&str> = vec!["Name"];
    if flows {
        cols.extend(["Status", "Type"]);
    }
    cols.extend([
        "#Credits",
        "#Events",
        "#Units",
        "#Input tokens",
        "#Output tokens",
    ]);
    if compare {
        cols.extend(["#Compare credits", "#Change"]);
    }
    let mut t = Table::new(id, title, &cols);
    for s in rows {
        let mut cells = vec![Cell::text(s.name.clone())];
        if flows {
            cells.push(s.status.clone().map_or(Cell::Empty, Cell::Status));
            cells.push(Cell::opt(s.flow_type.clone()));
        }
        cells.extend([
            Cell::Credits(s.credits),
            Cell::Count(s.events),
            Cell::Count(s.quantity),
            Cell::Count(s.input_tokens),
            Cell::Count(s.output_tokens),
        ]);
        if compare {
            cells.push(s.compare_credits.map_or(Cell::Empty, Cell::Credits));
            cells.push(Cell::Change(
                s.compare_credits.and_then(|c| change_percent(s.credits, c)),
            ));
        }
        // A flow's row narrows to `flow`, any other source's to `source` (`kind:key`).
        let key = if flows {
            s.key.clone()
        } else {
            format!("{}:{}", s.kind, s.key)
        };
        t.row(key, cells);
    }
    if flows {
        t.drills_to("/flows", "flow")
    } else {
        t.drills_to("/flows", "source")
    }
}

pub fn flows(v: &FlowsView) -> Table {
    source_table(TableId::Flows, "Flows", &v.flows, v.compare, true)
}

pub fn pilots(v: &FlowsView) -> Table {
    source_table(TableId::Pilots, "AI pilots", &v.pilots, v.compare, false)
}

pub fn flow_agents(v: &FlowsView) -> Table {
    source_table(TableId::FlowAgents, "Agents", &v.agents, v.compare, false)
}

pub fn other_sources(v: &FlowsView) -> Table {
    source_table(
        TableId::OtherSources,
        "AI tools and browser sessions",
        &v.others,
        v.compare,
        false,
    )
}

pub fn actions(v: &FlowsView) -> Table {
    let mut t = Table::new(
        TableId::Actions,
        "Actions in flows",
        &[
            "Action",
            "Flow",
            "#Credits",
            "#Runs",
            "#Input tokens",
            "#Output tokens",
            "#Tokens",
        ],
    );
    for a in &v.actions {
        t.row(
            a.source_key.clone(),
            vec![
                Cell::text(a.name.clone()),
                Cell::text(a.source.clone()),
                Cell::Credits(a.credits),
                Cell::Count(a.events),
                Cell::Count(a.input_tokens),
                Cell::Count(a.output_tokens),
                Cell::Count(a.input_tokens + a.output_tokens),
            ],
        );
    }
    // An action's row opens the activity of its flow.
    t.drills_to("/activity", "source")
}

pub fn requests(v: &RequestLogView) -> Table {
    let mut t = Table::new(
        TableId::Requests,
        "Request log",
        &[
            "Time",
            "Method",
            "Endpoint",
            "End user",
            "API key",
            "#Status",
            "#Latency (ms)",
        ],
    );
    for r in &v.rows {
        t.row(
            r.id.to_string(),
            vec![
                Cell::text(r.time.clone()),
                Cell::text(r.method.clone()),
                Cell::text(r.endpoint.clone()),
                Cell::opt(r.end_user.clone()),
                Cell::opt(r.api_key.clone()),
                Cell::Count(r.status as i64),
                // Microseconds as an exact 3-decimal amount of milliseconds.
                Cell::Credits(Credits(r.latency_us as i64)),
            ],
        );
    }
    t
}

pub fn activity(rows: &[ActivityRow]) -> Table {
    let mut t = Table::new(
        TableId::Activity,
        "Activity",
        &[
            "Time", "Event id", "Feature", "Source", "Action", "User", "Company", "#Units",
            "#Tokens", "#Credits",
        ],
    );
    for r in rows {
        t.row(
            r.event_id.clone(),
            vec![
                Cell::text(r.time.clone()),
                Cell::text(r.event_id.clone()),
                Cell::text(r.feature.clone()),
                Cell::opt(r.source.clone()),
                Cell::opt(r.action.clone()),
                Cell::opt(r.user.clone()),
                Cell::opt(r.company.clone()),
                Cell::Count(r.quantity),
                r.tokens.map_or(Cell::Empty, Cell::Count),
                Cell::Credits(r.credits),
            ],
        );
    }
    t
}
