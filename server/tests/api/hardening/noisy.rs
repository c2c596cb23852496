//! Noisy neighbour: one organization's rollups are rebuilt from all of its events while
//! another organization ingests over HTTP. The other organization must see no error, and
//! its latencies are reported beside the same ingest with no rebuild, in the same run.
//! `NOISY_EVENTS` sets the demo's size (default 20,000; `scripts/soak` uses 1,000,000).

use crate::hardening::rebuild::rollups_match_events;
use crate::helpers::{Api, api_key, org_id, seed, spawn_app_with};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::config::Config;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 2;
const BATCH: usize = 50;

fn batch(prefix: &str) -> serde_json::Value {
    let events: Vec<_> = (0..BATCH)
        .map(|i| {
            json!({"id": format!("{prefix}-{i}"), "timestamp": Utc::now().to_rfc3339(),
                   "feature": "personalized_email", "credits": "0.5"})
        })
        .collect();
    json!({ "events": events })
}

/// What one phase of the other organization's ingest saw.
struct Seen {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

impl Seen {
    fn quantile(&self, q: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort_unstable();
        l[((l.len() - 1) as f64 * q).round() as usize]
    }
}

/// `CLIENTS` clients send batches until `stop` is set and each has sent at least `min`.
async fn ingest_until(api: Arc<Api>, phase: &str, min: usize, stop: Arc<AtomicBool>) -> Seen {
    let clients = (0..CLIENTS).map(|c| {
        let (api, stop, phase) = (api.clone(), stop.clone(), phase.to_string());
        tokio::spawn(async move {
            let mut seen = Seen {
                latencies: Vec::new(),
                errors: Vec::new(),
            };
            let mut n = 0;
            while n < min || !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let (status, body) = api
                    .post("/api/v1/events", batch(&format!("{phase}-{c}-{n}")))
                    .await;
                seen.latencies.push(started.elapsed());
                if status != 200 || body["accepted"].as_u64() != Some(BATCH as u64) {
                    seen.errors.push(format!("{status} {body}"));
                }
                n += 1;
            }
            seen
        })
    });
    let mut all = Seen {
        latencies: Vec::new(),
        errors: Vec::new(),
    };
    for c in clients {
        let s = c.await.unwrap();
        all.latencies.extend(s.latencies);
        all.errors.extend(s.errors);
    }
    all
}

pub async fn a_rebuild_does_not_hold_up_another_organization(db: &DatabaseConnection) {
    let events = std::env::var("NOISY_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    seed(db, events, 81, Utc::now()).await;
    let (noisy, quiet) = (org_id(db, "acme").await, org_id(db, "globex").await);
    let base = spawn_app_with(db, Config::default()).await;
    let api = Arc::new(Api::new(&base, &api_key(db, "globex").await));

    let baseline = ingest_until(api.clone(), "before", 20, Arc::new(AtomicBool::new(true))).await;
    let stop = Arc::new(AtomicBool::new(false));
    let during = tokio::spawn(ingest_until(api.clone(), "during", 20, stop.clone()));
    let started = Instant::now();
    let bar = indicatif::ProgressBar::hidden();
    server::ingest::recalculate::recalculate(db, Some("acme"), &bar)
        .await
        .unwrap();
    let rebuild = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let during = during.await.unwrap();

    let backend = format!("{:?}", db.get_database_backend());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "noisy neighbour ({backend}, {events} demo events): rebuild of acme {:.1} s; globex batches of {BATCH}, {CLIENTS} clients: \
         without rebuild p50 {:.1} ms p99 {:.1} ms ({} batches); during rebuild p50 {:.1} ms p99 {:.1} ms ({} batches), {} errors",
        rebuild.as_secs_f64(),
        ms(baseline.quantile(0.5)),
        ms(baseline.quantile(0.99)),
        baseline.latencies.len(),
        ms(during.quantile(0.5)),
        ms(during.quantile(0.99)),
        during.latencies.len(),
        during.errors.len(),
    );
    assert!(baseline.errors.is_empty(), "{:?}", baseline.errors);
    assert!(during.errors.is_empty(), "{:?}", during.errors);
    rollups_match_events(db, noisy).await;
    rollups_match_events(db, quiet).await;
}

crate::on_both_backends!(a_rebuild_does_not_hold_up_another_organization);
