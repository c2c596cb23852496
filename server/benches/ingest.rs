//! Ingest throughput and the running server, on SQLite and PostgreSQL:
//! - events/s with batches of 500 over real HTTP to the release `server` binary (its own
//!   process) from 1 and 4 concurrent clients, through the ingest service directly, and the
//!   same rows bulk-inserted straight into `usage_events` (no ledger, no rollups) — the ratio;
//! - the server's peak RSS (VmHWM) after the ingest load;
//! - SSR of the overview page (`/usage`, signed in): p50 / p99.
//!
//! `INGEST_BACKENDS=sqlite` (or `postgres`) runs one backend only. `INGEST_SEED` (default
//! 100,000; `scripts/bench` passes `BENCH_EVENTS`) demo events are there first;
//! `INGEST_BATCHES` (default 100) batches per client and round; `INGEST_ROUNDS` (default 3)
//! rounds, the paths taking turns, best round kept. `INGEST_COMPARE_BIN` (labelled
//! `INGEST_COMPARE_LABEL`) adds another server binary to the same rounds — a build from
//! before a change, for a before / after measured side by side. Run with `scripts/bench`
//! (it starts PostgreSQL).

// The benchmarks use a part of the integration tests' helpers.
#[allow(dead_code)]
#[path = "../tests/api/helpers.rs"]
mod helpers;

use chrono::Utc;
use sea_orm::{ActiveValue::NotSet, EntityTrait, Set, TransactionTrait};
use serde_json::{Value, json};
use server::db::rows::Conflict;
use server::entities::usage_event;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BATCH: usize = 500;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// A batch of AI events; `rated` ones leave out `credits` (the meter prices their tokens by
/// the rate the run sets), the others send them.
fn batch(prefix: &str, n: usize, rated: bool) -> Vec<Value> {
    let now = Utc::now().to_rfc3339();
    (0..n)
        .map(|i| {
            let mut e = json!({"id": format!("{prefix}-{i}"), "timestamp": now, "feature": "personalized_email",
                   "user": format!("cust-{:03}", i % 50), "source": {"kind": "flow", "key": "lead_nurture"},
                   "action": "generate_email", "model": "gpt-4o-mini", "input_tokens": 900, "output_tokens": 200});
            if !rated {
                e["credits"] = json!("1.25");
            }
            e
        })
        .collect()
}

/// The release server binary on `url`, listening on a free port, with SQLite's
/// `synchronous` setting `sync`; returns (child, base URL).
async fn start_server(bin: &str, url: &str, sync: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    // The caller owns the child and kills and reaps it.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .env("DATABASE_URL", url)
        .env("SEED_DEMO", "0")
        .env("LEPTOS_OUTPUT_NAME", "credit-meter")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("LEPTOS_ENV", "PROD")
        .env("RUST_LOG", "warn")
        .env("SQLITE_SYNCHRONOUS", sync)
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let base = format!("http://{addr}");
    for _ in 0..300 {
        if reqwest::get(format!("{base}/login")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not come up on {addr}");
}

/// Peak resident memory of a process, in MB (Linux `VmHWM`).
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// `clients` concurrent clients, each sending `batches` batches one after another. The request
/// bodies are serialised before the clock starts: the load generator shares the two cores with
/// the server, and building JSON is not the server's work.
async fn http_run(
    base: &str,
    key: &str,
    (clients, batches, rated): (usize, usize, bool),
    tag: &str,
) -> f64 {
    let bodies: Vec<Vec<String>> = (0..clients)
        .map(|c| {
            (0..batches)
                .map(|b| {
                    json!({"events": batch(&format!("{tag}-{c}-{b}"), BATCH, rated)}).to_string()
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for bodies in bodies {
        let api = helpers::Api::new(base, key);
        tasks.push(tokio::spawn(async move {
            for body in bodies {
                let (s, out) = api
                    .send(reqwest::Method::POST, "/api/v1/events", Some(body))
                    .await;
                assert_eq!((s, out["accepted"].as_u64()), (200, Some(BATCH as u64)));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (clients * batches * BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn direct_run(db: &sea_orm::DatabaseConnection, batches: usize, tag: &str) -> f64 {
    let org = helpers::org_id(db, "acme").await;
    let batches: Vec<Vec<Value>> = (0..batches)
        .map(|b| batch(&format!("{tag}-{b}"), BATCH, false))
        .collect();
    let started = Instant::now();
    for events in &batches {
        let out = server::ingest::ingest(db, org, events, Utc::now())
            .await
            .unwrap();
        assert_eq!(out.accepted, BATCH);
    }
    (batches.len() * BATCH) as f64 / started.elapsed().as_secs_f64()
}

/// The rows ingest would write to `usage_events`, inserted straight: one transaction and one
/// multi-row INSERT per batch of 500 (the statement ingest uses), no ledger, no rollups, no
/// duplicate check.
async fn bulk_run(db: &sea_orm::DatabaseConnection, batches: usize, tag: &str) -> f64 {
    let org = helpers::org_id(db, "acme").await;
    let any = usage_event::Entity::find().one(db).await.unwrap().unwrap();
    let started = Instant::now();
    for b in 0..batches {
        let now = Utc::now();
        let rows = (0..BATCH).map(|i| usage_event::ActiveModel {
            id: NotSet,
            organization_id: Set(org),
            event_id: Set(format!("{tag}-{b}-{i}")),
            occurred_at: Set(now),
            pool_id: Set(any.pool_id),
            feature_id: Set(any.feature_id),
            user_id: Set(None),
            end_user_id: Set(any.end_user_id),
            source_id: Set(any.source_id),
            action_id: Set(any.action_id),
            company_id: Set(None),
            credits_milli: Set(1_250),
            overage_milli: Set(0),
            quantity: Set(1),
            input_tokens: Set(Some(900)),
            output_tokens: Set(Some(200)),
            cached_input_tokens: Set(None),
            model_id: Set(None),
            priced_by_sender: Set(true),
            metadata: Set(None),
            received_at: Set(now),
        });
        let txn = db.begin().await.unwrap();
        server::db::rows::insert(&txn, rows.collect(), Conflict::Fail)
            .await
            .unwrap();
        txn.commit().await.unwrap();
    }
    (batches * BATCH) as f64 / started.elapsed().as_secs_f64()
}

/// p50 / p99 (ms) of server-side rendering `/usage` for the signed-in owner.
async fn ssr(base: &str, runs: usize) -> (f64, f64, usize) {
    let owner = helpers::browser(base, "owner@acme.test").await;
    let mut ms = Vec::new();
    let mut bytes = 0;
    for i in 0..=runs {
        let t = Instant::now();
        let res = owner.get(format!("{base}/usage")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        bytes = res.text().await.unwrap().len();
        if i > 0 {
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99), bytes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seeded = env("INGEST_SEED", 100_000);
    let batches = env("INGEST_BATCHES", 100) as usize;
    let rounds = env("INGEST_ROUNDS", 3).max(1) as usize;
    let mut ingest_rows = Vec::new();
    let mut server_rows = Vec::new();
    let only = std::env::var("INGEST_BACKENDS").unwrap_or_default();
    for backend in ["SQLite (WAL)", "PostgreSQL 15"] {
        if !only.is_empty() && !backend.to_lowercase().contains(&only.to_lowercase()) {
            continue;
        }
        let t = if backend.starts_with("SQLite") {
            helpers::sqlite().await
        } else {
            helpers::postgres().await
        };
        helpers::seed(&t.db, seeded, 1, Utc::now()).await;
        let key = helpers::api_key(&t.db, "acme").await;
        let own = env!("CARGO_BIN_EXE_server");
        let (mut child, base) = start_server(own, &t.url, "full").await;
        // Other servers measured in the same rounds (4 clients): SQLite's faster, less
        // durable setting, and `INGEST_COMPARE_BIN` (another build, e.g. before a change).
        let mut others = Vec::new();
        if backend.starts_with("SQLite") {
            let label = "`SQLITE_SYNCHRONOUS=normal` (others: `full`)".to_string();
            others.push((label, start_server(own, &t.url, "normal").await, 0f64));
        }
        if let Ok(bin) = std::env::var("INGEST_COMPARE_BIN") {
            let label = std::env::var("INGEST_COMPARE_LABEL").unwrap_or_else(|_| bin.clone());
            others.push((
                format!("`{label}`"),
                start_server(&bin, &t.url, "full").await,
                0f64,
            ));
        }
        let rss_idle = peak_rss_mb(child.id());
        let (s50, s99, bytes) = ssr(&base, 30).await;
        // The paths take turns, round after round, and each keeps its best round: this
        // machine's speed drifts by a third within minutes, which would otherwise land on
        // whichever path ran at a slow moment.
        let (mut bulk, mut direct, mut one, mut four) = (0f64, 0f64, 0f64, 0f64);
        let mut rated = 0f64;
        let price = server::rates::RateInput {
            feature: "personalized_email".into(),
            model: Some("gpt-4o-mini".into()),
            per_1k_input_tokens: Some("0.5".into()),
            per_1k_output_tokens: Some("2".into()),
            ..Default::default()
        };
        let acme = helpers::org_id(&t.db, "acme").await;
        server::rates::set(&t.db, acme, &price, Utc::now())
            .await
            .expect("the bench's rate");
        for r in 0..rounds {
            bulk = bulk.max(bulk_run(&t.db, batches, &format!("b{r}")).await);
            direct = direct.max(direct_run(&t.db, batches, &format!("d{r}")).await);
            one = one.max(http_run(&base, &key, (1, batches, false), &format!("h1-{r}")).await);
            four = four.max(http_run(&base, &key, (4, batches, false), &format!("h4-{r}")).await);
            rated = rated.max(http_run(&base, &key, (4, batches, true), &format!("hr-{r}")).await);
            for (i, (_, (_, other_base), best)) in others.iter_mut().enumerate() {
                let shape = (4, batches, false);
                let rate = http_run(other_base, &key, shape, &format!("o{i}-{r}")).await;
                *best = best.max(rate);
            }
        }
        for (_, (c, _), _) in &mut others {
            c.kill().ok();
            c.wait().ok();
        }
        let rss = peak_rss_mb(child.id());
        child.kill().ok();
        child.wait().ok();
        let n = batches * BATCH;
        ingest_rows.push(format!(
            "| {backend} | bulk INSERT into `usage_events` (no ledger, no rollups) | 1 | {n} | {bulk:.0} | 1.00 |"
        ));
        ingest_rows.push(format!(
            "| {backend} | ingest service (no HTTP) | 1 | {n} | {direct:.0} | {:.2} |",
            direct / bulk
        ));
        for (clients, rate) in [(1, one), (4, four)] {
            ingest_rows.push(format!(
                "| {backend} | HTTP `POST /api/v1/events`, server binary | {clients} | {} | {rate:.0} | {:.2} |",
                n * clients,
                rate / bulk
            ));
        }
        ingest_rows.push(format!(
            "| {backend} | HTTP, every event rated by the meter (÷ sender-priced, same rounds: {:.2}) | 4 | {} | {rated:.0} | {:.2} |",
            rated / four,
            n * 4,
            rated / bulk
        ));
        for (label, _, rate) in &others {
            ingest_rows.push(format!(
                "| {backend} | HTTP, server binary {label} | 4 | {} | {rate:.0} | {:.2} |",
                n * 4,
                rate / bulk
            ));
        }
        server_rows.push(format!(
            "| {backend} | {s50:.1} | {s99:.1} | {bytes} | {rss_idle:.0} | {rss:.0} |"
        ));
    }
    println!(
        "\n### Ingest, batches of {BATCH}, on top of {seeded} demo events (best of {rounds} rounds)\n\n| backend | path | clients | events | events/s | ÷ bulk insert |\n|---|---|---:|---:|---:|---:|"
    );
    for r in ingest_rows {
        println!("{r}");
    }
    println!(
        "\n### Server process: overview SSR (signed in, 30 requests) and memory\n\n| backend | `/usage` SSR p50 ms | p99 ms | HTML bytes | RSS after start MB | peak RSS after ingest load MB |\n|---|---:|---:|---:|---:|---:|"
    );
    for r in server_rows {
        println!("{r}");
    }
}
