//! Real server processes killed and stopped under ingest: nothing acknowledged is lost,
//! nothing counts twice, the ledger and the rollups still add up.

use crate::helpers::{self, TestDb, api_key, org_id, seed, sum};
use app::ids::OrgId;
use chrono::Utc;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENTS: usize = 4;
const BATCH: usize = 50;

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `server serve` on `url` and waits until it is ready.
async fn start(url: &str, port: u16) -> Server {
    // The caller owns the child and kills and reaps it.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("SEED_DEMO", "0")
        .env("LEPTOS_OUTPUT_NAME", "credit-meter")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not become ready");
}

fn batch(client: usize, n: usize) -> (Vec<String>, serde_json::Value) {
    let ids: Vec<String> = (0..BATCH).map(|i| format!("c{client}-{n}-{i}")).collect();
    let events: Vec<_> = ids
        .iter()
        .map(|id| {
            json!({"id": id, "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email",
                   "user": "member@acme.test", "credits": "1.125", "quantity": 3})
        })
        .collect();
    (ids, json!({ "events": events }))
}

#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    /// Answers that were not 200.
    unexpected: Vec<String>,
    /// Ids of batches whose connection was accepted (by the kernel, at least) but cut
    /// without an answer: a server that took such a batch must have answered it.
    unanswered: Vec<String>,
}

/// Sends batches until `stop`, resending each until it is answered 200; on a fresh
/// connection each time, so a stopped server refuses instead of cutting a reused one.
fn client(
    n: usize,
    base: Arc<Mutex<String>>,
    key: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    strict: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let mut k = 0;
        while !stop.load(Ordering::SeqCst) {
            let (ids, body) = batch(n, k);
            let url = format!("{}/api/v1/events", base.lock().unwrap());
            let sent = http.post(url).bearer_auth(&key).json(&body).send().await;
            match sent {
                Ok(r) if r.status() == 200 => {
                    let out: serde_json::Value = r.json().await.unwrap();
                    let done =
                        out["accepted"].as_u64().unwrap() + out["duplicates"].as_u64().unwrap();
                    assert_eq!(done as usize, BATCH, "{out}");
                    seen.lock().unwrap().acknowledged.extend(ids);
                    k += 1;
                }
                Ok(r) => seen
                    .lock()
                    .unwrap()
                    .unexpected
                    .push(format!("status {}", r.status())),
                Err(e) => {
                    if strict && !e.is_connect() {
                        seen.lock().unwrap().unanswered.extend(ids);
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await
                }
            }
        }
    })
}

/// burned (from grants) + overage, to compare before and after.
async fn booked(t: &TestDb, org: OrgId) -> i64 {
    sum(&t.db, "grants", "original_milli - remaining_milli", org, "").await
        + sum(&t.db, "usage_events", "overage_milli", org, "").await
}

async fn check_totals(t: &TestDb, org: OrgId, acknowledged: &[String], before: (i64, i64)) {
    let list: Vec<String> = acknowledged.iter().map(|i| format!("'{i}'")).collect();
    let stored = sum(
        &t.db,
        "usage_events",
        "1",
        org,
        &format!("AND event_id IN ({})", list.join(",")),
    )
    .await;
    assert_eq!(
        stored as usize,
        acknowledged.len(),
        "every acknowledged event is stored once"
    );
    let used = sum(&t.db, "usage_events", "credits_milli", org, "").await - before.0;
    assert_eq!(
        booked(t, org).await - before.1,
        used,
        "burned + overage = used"
    );
    crate::hardening::rebuild::rollups_match_events(&t.db, org).await;
}

/// 20 × `kill -9` during 4-client ingest; clients resend what was not acknowledged.
pub async fn killed_servers_lose_nothing(t: &TestDb) {
    seed(&t.db, 300, 81, Utc::now()).await;
    let org = org_id(&t.db, "acme").await;
    let key = api_key(&t.db, "acme").await;
    let before = (
        sum(&t.db, "usage_events", "credits_milli", org, "").await,
        booked(t, org).await,
    );
    let rounds: usize = std::env::var("FAULT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let port = free_port();
    let base = Arc::new(Mutex::new(format!("http://127.0.0.1:{port}")));
    let (stop, seen) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Seen::default())),
    );
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            client(
                n,
                base.clone(),
                key.clone(),
                stop.clone(),
                seen.clone(),
                false,
            )
        })
        .collect();
    for _ in 0..rounds {
        let mut s = start(&t.url, port).await;
        tokio::time::sleep(Duration::from_millis(150 + rand::random::<u64>() % 300)).await;
        s.child.kill().unwrap();
        s.child.wait().unwrap();
    }
    let mut last = start(&t.url, port).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    last.child.kill().unwrap();
    last.child.wait().unwrap();
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.unexpected.is_empty(), "{:?}", seen.unexpected);
    assert!(
        seen.acknowledged.len() >= rounds * BATCH,
        "ingest made progress: {}",
        seen.acknowledged.len()
    );
    check_totals(t, org, &seen.acknowledged, before).await;
}

/// SIGTERM during ingest: requests in flight are answered, the process exits cleanly,
/// and everything answered is stored.
pub async fn a_stopped_server_answers_what_it_took(t: &TestDb) {
    seed(&t.db, 300, 82, Utc::now()).await;
    let org = org_id(&t.db, "acme").await;
    let key = api_key(&t.db, "acme").await;
    let before = (
        sum(&t.db, "usage_events", "credits_milli", org, "").await,
        booked(t, org).await,
    );
    let port = free_port();
    let mut s = start(&t.url, port).await;
    let base = Arc::new(Mutex::new(s.base.clone()));
    let (stop, seen) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Seen::default())),
    );
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            client(
                n,
                base.clone(),
                key.clone(),
                stop.clone(),
                seen.clone(),
                true,
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || s.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "a clean exit: {status}");
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.unexpected.is_empty(), "{:?}", seen.unexpected);
    // A cut connection's batch was never taken: none of it is stored.
    let cut: Vec<String> = seen.unanswered.iter().map(|i| format!("'{i}'")).collect();
    if !cut.is_empty() {
        let filter = format!("AND event_id IN ({})", cut.join(","));
        let stored = sum(&t.db, "usage_events", "1", org, &filter).await;
        assert_eq!(stored, 0, "a batch taken was stored but not answered");
    }
    assert!(!seen.acknowledged.is_empty());
    check_totals(t, org, &seen.acknowledged, before).await;
}

macro_rules! with_url_on_both_backends {
    ($($check:ident),+ $(,)?) => {$(
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$check(&super::helpers::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$check(&super::helpers::postgres().await).await;
            }
        }
    )+};
}

with_url_on_both_backends!(
    killed_servers_lose_nothing,
    a_stopped_server_answers_what_it_took
);
