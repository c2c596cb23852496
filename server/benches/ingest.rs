//! Ingest throughput: events/s with batches of 500, over real HTTP on loopback from 1 and 4
//! concurrent clients, and through the ingest service directly, on SQLite and PostgreSQL.
//! Run with `scripts/bench` (it starts PostgreSQL); prints a Markdown table.

#[path = "../tests/helpers/mod.rs"]
mod helpers;

use chrono::Utc;
use serde_json::{Value, json};
use std::time::Instant;

const BATCH: usize = 500;
const BATCHES_PER_CLIENT: usize = 20;

fn batch(prefix: &str, n: usize) -> Vec<Value> {
    let now = Utc::now().to_rfc3339();
    (0..n)
        .map(|i| {
            json!({"id": format!("{prefix}-{i}"), "timestamp": now, "feature": "personalized_email",
                   "user": format!("cust-{:03}", i % 50), "source": {"kind": "flow", "key": "lead_nurture"},
                   "action": "generate_email", "credits": "1.25", "input_tokens": 900, "output_tokens": 200})
        })
        .collect()
}

async fn http_run(db: &sea_orm::DatabaseConnection, clients: usize, tag: &str) -> f64 {
    let base = helpers::spawn_app(db).await;
    let key = helpers::api_key(db, "acme").await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = helpers::Api::new(&base, &key);
        let tag = tag.to_string();
        tasks.push(tokio::spawn(async move {
            for b in 0..BATCHES_PER_CLIENT {
                let (s, body) = api
                    .post(
                        "/api/v1/events",
                        json!({"events": batch(&format!("{tag}-{c}-{b}"), BATCH)}),
                    )
                    .await;
                assert_eq!((s, body["accepted"].as_u64()), (200, Some(BATCH as u64)));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (clients * BATCHES_PER_CLIENT * BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn direct_run(db: &sea_orm::DatabaseConnection, tag: &str) -> f64 {
    let org = helpers::org_id(db, "acme").await;
    let started = Instant::now();
    for b in 0..BATCHES_PER_CLIENT * 2 {
        let out = server::ingest::ingest(db, org, &batch(&format!("{tag}-{b}"), BATCH), Utc::now())
            .await
            .unwrap();
        assert_eq!(out.accepted, BATCH);
    }
    (BATCHES_PER_CLIENT * 2 * BATCH) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("| backend | path | clients | events | events/s |");
    println!("|---|---|---:|---:|---:|");
    for backend in ["sqlite", "postgres"] {
        let t = if backend == "sqlite" {
            helpers::sqlite().await
        } else {
            helpers::postgres().await
        };
        helpers::seed(&t.db, 2_000, 1, Utc::now()).await;
        let direct = direct_run(&t.db, "d").await;
        println!(
            "| {backend} | ingest service (no HTTP) | 1 | {} | {direct:.0} |",
            BATCHES_PER_CLIENT * 2 * BATCH
        );
        for clients in [1, 4] {
            let rate = http_run(&t.db, clients, &format!("h{clients}")).await;
            println!(
                "| {backend} | HTTP POST /api/v1/events | {clients} | {} | {rate:.0} |",
                clients * BATCHES_PER_CLIENT * BATCH
            );
        }
    }
}
