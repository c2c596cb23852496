//! What the load balancer and the operator see: `GET /healthz` (the process is up),
//! `GET /readyz` (the database answers and every migration is applied) and `GET /metrics`
//! (Prometheus text: requests by route and status with latency histograms, ingest events
//! by outcome, group-commit sizes, queue depths). The metrics hold no tenant data: their
//! labels are routes, methods, statuses and outcomes.

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use std::sync::OnceLock;
use std::time::Instant;

pub const REQUESTS: &str = "http_requests_total";
pub const LATENCY: &str = "http_request_duration_seconds";
pub const INGEST_EVENTS: &str = "ingest_events_total";
pub const GROUP_EVENTS: &str = "ingest_group_events";
pub const INGEST_QUEUE: &str = "ingest_queue_batches";
pub const LOG_QUEUE: &str = "request_log_queue_entries";

/// The process's recorder, installed by the first router (tests start several).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let events = [1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LATENCY.into()), &seconds)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(GROUP_EVENTS.into()), &events));
        match builder.map(PrometheusBuilder::install_recorder) {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) | Err(e) => {
                tracing::warn!("metrics are off: {e}");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// Every metric's help text (promtool wants one per metric).
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route pattern, method and status"
    );
    describe_histogram!(
        LATENCY,
        Unit::Seconds,
        "Time to answer an HTTP request, by route pattern"
    );
    describe_counter!(
        INGEST_EVENTS,
        "Usage events answered by outcome: accepted, duplicate, rejected"
    );
    describe_histogram!(
        GROUP_EVENTS,
        "Events written per group commit (one transaction)"
    );
    describe_gauge!(
        INGEST_QUEUE,
        "Validated batches waiting for an ingest writer"
    );
    describe_gauge!(LOG_QUEUE, "API request log entries waiting to be written");
}

pub fn router<S: Clone + Send + Sync + 'static>(db: DatabaseConnection) -> Router<S> {
    handle();
    describe();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(|| async { handle().render() }))
        .with_state(db)
}

async fn ready(State(db): State<DatabaseConnection>) -> Response {
    match crate::db::migrations::Migrator::get_pending_migrations(&db).await {
        Ok(pending) if pending.is_empty() => "ready".into_response(),
        Ok(pending) => {
            let text = format!("{} migrations pending", pending.len());
            (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
        }
        Err(e) => {
            tracing::warn!("not ready: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Counts every routed request by its route pattern (never the raw path: ids and
/// query strings would make a series per value) and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// Counts the events of one answered batch by outcome.
pub fn ingested(accepted: usize, duplicates: usize, rejected: usize) {
    for (outcome, n) in [
        ("accepted", accepted),
        ("duplicate", duplicates),
        ("rejected", rejected),
    ] {
        metrics::counter!(INGEST_EVENTS, "outcome" => outcome).increment(n as u64);
    }
}
