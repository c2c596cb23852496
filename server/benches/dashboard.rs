//! Dashboard questions at scale: p50 / p99 of every page's query service (with and without
//! filters and compare-with), next to the same question answered by a naive GROUP BY over
//! the raw events in the same run, on SQLite and PostgreSQL.
//!
//! `BENCH_EVENTS` (default 1,000,000) demo events are generated first; `BENCH_RUNS` (default
//! 30) timings per question, `BENCH_NAIVE_RUNS` (default 5) per naive query;
//! `BENCH_BACKENDS=sqlite` (or `postgres`) runs one backend only, `BENCH_ONLY=users,credits`
//! only the questions whose names contain one of the words. Run with `scripts/bench`;
//! prints Markdown tables.
//!
//! Regression check (CI, 100,000 events): `BENCH_CHECK=docs/bench-baseline.json` fails when a
//! question's naive ÷ service ratio falls below a third of the recorded one;
//! `BENCH_RECORD=<file>` writes the ratios of this run as the new baseline.

// The benchmarks use a part of the integration tests' helpers.
#[allow(dead_code)]
#[path = "../tests/api/helpers.rs"]
mod helpers;

use app::filter::{Compare, Filter, RangePreset};
use app::model::{ActivitySort, Cursor};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

type Question<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

/// A timed question from an expression (evaluated anew on each run).
macro_rules! q {
    ($body:expr) => {
        Box::new(move || {
            Box::pin(async move {
                $body;
            }) as Pin<Box<dyn Future<Output = ()> + '_>>
        })
    };
}

/// The naive side's team filter: Sales' members by name.
const SALES: &str = "AND e.user_id IN (SELECT tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Sales')";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// (p50, p99) in milliseconds.
async fn time(runs: u64, q: &Question<'_>) -> (f64, f64) {
    q().await; // warm-up
    let mut ms: Vec<f64> = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        let t = Instant::now();
        q().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}

async fn raw(db: &DatabaseConnection, sql: &str, values: Vec<Value>) {
    db.query_all_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .expect("naive query runs");
}

/// `$1`-style placeholders for PostgreSQL, `?` for SQLite.
fn sql(db: &DatabaseConnection, text: &str) -> String {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let mut n = 0;
        text.chars()
            .map(|c| {
                if c == '?' {
                    n += 1;
                    format!("${n}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_string()
    }
}

async fn bench(
    db: &DatabaseConnection,
    backend: &str,
    events: u64,
    runs: u64,
    naive_runs: u64,
) -> serde_json::Map<String, serde_json::Value> {
    let now = Utc::now();
    let t = Instant::now();
    helpers::seed(db, events, 42, now).await;
    let seeded = t.elapsed();
    let org = helpers::org_id(db, "acme").await;
    let last_30 = Filter {
        range: RangePreset::Last30,
        ..Default::default()
    };
    let team_compare = Filter {
        range: RangePreset::Last30,
        team: Some("Sales".into()),
        compare: Compare::PreviousPeriod,
        ..Default::default()
    };
    // A cursor 90 % of the way down the last 90 days (found once, the naive way).
    let deep = {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql(db, "SELECT id, occurred_at FROM usage_events WHERE organization_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET ?"),
                vec![org.into(), ((events * 8 / 10 * 9 / 10) as i64).into()],
            ))
            .await
            .unwrap();
        let r = &rows[0];
        let id: i64 = r.try_get("", "id").unwrap();
        let at: chrono::DateTime<Utc> = r.try_get("", "occurred_at").unwrap();
        format!("{}_{}", at.timestamp_micros(), id)
    };
    let team = Filter {
        range: RangePreset::Last30,
        team: Some("Sales".into()),
        ..Default::default()
    };
    let member = Filter {
        range: RangePreset::Last30,
        user: Some("member@acme.test".into()),
        ..Default::default()
    };
    let compare = Filter {
        range: RangePreset::Last30,
        compare: Compare::PreviousPeriod,
        ..Default::default()
    };
    let from = now - Duration::days(30);
    use server::services::*;
    let (last_30, team_compare, team, member, compare) =
        (&last_30, &team_compare, &team, &member, &compare);
    let deep = &deep;
    // Raw events of a range grouped several ways (the naive side of the overview questions).
    let grouped = move |groups: &'static [&'static str],
                        extra: &'static str,
                        ranges: Vec<DateTime<Utc>>| async move {
        for since in ranges {
            for group in groups {
                raw(db, &sql(db, &format!("SELECT {group}, SUM(e.credits_milli), COUNT(*) FROM usage_events e JOIN features f ON f.id = e.feature_id WHERE e.organization_id = ? AND e.occurred_at >= ? AND e.occurred_at < ? {extra} GROUP BY {group}")), vec![org.into(), since.into(), (since + Duration::days(30)).into()]).await;
            }
        }
    };
    let flows_naive = move |since: DateTime<Utc>| async move {
        raw(db, &sql(db, "SELECT source_id, action_id, SUM(credits_milli), SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(output_tokens, 0)) FROM usage_events WHERE organization_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY source_id, action_id"), vec![org.into(), since.into(), (since + Duration::days(30)).into()]).await;
    };
    let activity_page = move |before: Option<String>| async move {
        let c = Cursor {
            before,
            after: None,
            page_size: 50,
            sort: ActivitySort::Newest,
        };
        let last_90 = Filter {
            range: RangePreset::Last90,
            ..Default::default()
        };
        activity::activity(db, org, &last_90, &c, now)
            .await
            .unwrap();
    };
    let questions: Vec<(&str, Question, Question)> = vec![
        (
            "overview, last 30 days",
            q!(overview::overview(db, org, last_30, now).await.unwrap()),
            q!(grouped(&["f.category_id", "e.feature_id", "date(e.occurred_at)", "e.organization_id"], "", vec![from]).await),
        ),
        (
            "overview, team + compare",
            q!(overview::overview(db, org, team_compare, now).await.unwrap()),
            q!(grouped(&["f.category_id", "e.feature_id", "date(e.occurred_at)"], SALES, vec![from, from - Duration::days(30)]).await),
        ),
        (
            "users, last 30 days",
            q!(users::users_view(db, org, last_30, now).await.unwrap()),
            q!(raw(db, &sql(db, "SELECT user_id, end_user_id, feature_id, SUM(credits_milli) FROM usage_events WHERE organization_id = ? AND occurred_at >= ? GROUP BY user_id, end_user_id, feature_id"), vec![org.into(), from.into()]).await),
        ),
        (
            "flows & agents, last 30 days",
            q!(flows::flows_view(db, org, last_30, now).await.unwrap()),
            q!(flows_naive(from).await),
        ),
        (
            "overview, one member",
            q!(overview::overview(db, org, member, now).await.unwrap()),
            q!(grouped(&["f.category_id", "e.feature_id", "date(e.occurred_at)", "e.source_id"], "AND e.user_id = (SELECT id FROM users WHERE email = 'member@acme.test')", vec![from]).await),
        ),
        (
            "users, team filter",
            q!(users::users_view(db, org, team, now).await.unwrap()),
            q!(raw(db, &sql(db, &format!("SELECT e.user_id, e.end_user_id, e.feature_id, SUM(e.credits_milli) FROM usage_events e WHERE e.organization_id = ? AND e.occurred_at >= ? {SALES} GROUP BY e.user_id, e.end_user_id, e.feature_id")), vec![org.into(), from.into()]).await),
        ),
        (
            "flows & agents, compare",
            q!(flows::flows_view(db, org, compare, now).await.unwrap()),
            q!({
                flows_naive(from).await;
                flows_naive(from - Duration::days(30)).await;
            }),
        ),
        (
            "activity, page 1",
            q!(activity_page(None).await),
            q!(raw(db, &sql(db, "SELECT * FROM usage_events WHERE organization_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 50"), vec![org.into()]).await),
        ),
        (
            "activity, deep page (90 %)",
            q!(activity_page(Some(deep.clone())).await),
            // OFFSET pagination, what keyset replaces.
            q!(raw(db, &sql(db, "SELECT * FROM usage_events WHERE organization_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 50 OFFSET ?"), vec![org.into(), ((events * 8 / 10 * 9 / 10) as i64).into()]).await),
        ),
        (
            "credits",
            q!(credits::credits_view(db, org, now).await.unwrap()),
            q!(raw(db, &sql(db, "SELECT pool_id, SUM(credits_milli), SUM(overage_milli) FROM usage_events WHERE organization_id = ? GROUP BY pool_id"), vec![org.into()]).await),
        ),
    ];
    let mut sizes = Vec::new();
    for table in [
        "usage_events",
        "usage_daily",
        "usage_action_daily",
        "usage_user_daily",
        "usage_feature_daily",
        "usage_model_daily",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        sizes.push(format!("{table} {}", row.try_get::<i64>("", "n").unwrap()));
    }
    // The same rollups' keys without the model: the rows they would hold without it
    // (`usage_feature_daily` is `usage_model_daily` without it).
    let mut before_model = Vec::new();
    for (table, key) in [
        (
            "usage_daily",
            "day, pool_id, feature_id, user_id, end_user_id, source_id, company_id",
        ),
        (
            "usage_action_daily",
            "day, feature_id, user_id, end_user_id, source_id, action_id",
        ),
    ] {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT DISTINCT organization_id, {key} FROM {table}) k"
        );
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        before_model.push(format!("{table} {}", row.try_get::<i64>("", "n").unwrap()));
    }
    println!(
        "\n### {backend}, {events} events (seeded in {:.1} s)\n\nRows: {}.\nWithout the model dimension: {}.\n",
        seeded.as_secs_f64(),
        sizes.join(", "),
        before_model.join(", ")
    );
    println!("| question | p50 ms | p99 ms | naive p50 ms | naive ÷ service |");
    println!("|---|---:|---:|---:|---:|");
    let mut ratios = serde_json::Map::new();
    // `BENCH_ONLY=users,credits` times only the questions whose name contains one of these.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let picked = |name: &str| only.is_empty() || only.split(',').any(|w| name.contains(w.trim()));
    for (name, service, naive) in questions.iter().filter(|q| picked(q.0)) {
        let (p50, p99) = time(runs, service).await;
        let (n50, _) = time(naive_runs, naive).await;
        let ratio = n50 / p50;
        // Page 1 of the log is the same index scan either way: no ratio to speak of.
        let shown = if *name == "activity, page 1" {
            "— (same index scan)".to_string()
        } else {
            format!("{ratio:.0}×")
        };
        println!("| {name} | {p50:.1} | {p99:.1} | {n50:.1} | {shown} |");
        ratios.insert(name.to_string(), ratio.into());
    }
    ratios
}

/// Compares the ratios with a recorded baseline; returns the questions that regressed 3× or more.
fn regressions(
    baseline: &serde_json::Value,
    backend: &str,
    now: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (question, ratio) in now {
        let (Some(was), Some(is)) = (baseline[backend][question].as_f64(), ratio.as_f64()) else {
            continue;
        };
        if is < was / 3.0 {
            out.push(format!(
                "{backend} / {question}: naive ÷ service {is:.2} < {was:.2} / 3"
            ));
        }
    }
    out
}

fn main() {
    let events = env("BENCH_EVENTS", 1_000_000);
    let runs = env("BENCH_RUNS", 30);
    let naive_runs = env("BENCH_NAIVE_RUNS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let all = rt.block_on(async {
        let mut all = serde_json::Map::new();
        let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
        if only.is_empty() || only == "sqlite" {
            let t = helpers::sqlite().await;
            let r = bench(&t.db, "SQLite (WAL)", events, runs, naive_runs).await;
            all.insert("sqlite".into(), r.into());
        }
        if only.is_empty() || only == "postgres" {
            let t = helpers::postgres().await;
            let r = bench(&t.db, "PostgreSQL 15", events, runs, naive_runs).await;
            all.insert("postgres".into(), r.into());
        }
        all
    });
    if let Ok(path) = std::env::var("BENCH_RECORD") {
        let text = serde_json::to_string_pretty(&all).unwrap();
        std::fs::write(&path, text + "\n").expect("baseline written");
        println!("\nratios recorded in {path}");
    }
    if let Ok(path) = std::env::var("BENCH_CHECK") {
        let text = std::fs::read_to_string(&path).expect("baseline readable");
        let baseline: serde_json::Value = serde_json::from_str(&text).expect("baseline is JSON");
        let mut failed = Vec::new();
        for (backend, ratios) in &all {
            failed.extend(regressions(&baseline, backend, ratios.as_object().unwrap()));
        }
        if !failed.is_empty() {
            eprintln!(
                "\nperformance regression against {path}:\n{}",
                failed.join("\n")
            );
            std::process::exit(1);
        }
        println!("\nno ratio fell below a third of {path}");
    }
}
