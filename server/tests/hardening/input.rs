use crate::helpers::{Api, api_key, seed, spawn_app_with};
use chrono::{Duration, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::config::Config;

fn dated(id: &str, days_ago: i64) -> serde_json::Value {
    json!({
        "id": id,
        "timestamp": (Utc::now() - Duration::days(days_ago)).to_rfc3339(),
        "feature": "personalized_email",
        "user": "member@acme.test",
        "credits": "1",
    })
}

pub async fn events_older_than_the_backfill_window_are_refused(db: &DatabaseConnection) {
    seed(db, 200, 55, Utc::now()).await;
    let key = api_key(db, "acme").await;
    let strict = Api::new(&spawn_app_with(db, Config::default()).await, &key);
    let batch = json!({"events": [dated("b1", 34), dated("b2", 36), dated("b3", 20_000)]});
    let (status, body) = strict.post("/api/v1/events", batch.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 1, "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{body}");
    assert!(rejected.iter().all(|r| r["field"] == "timestamp"), "{body}");
    assert!(
        rejected[0]["error"].as_str().unwrap().contains("35 days"),
        "{body}"
    );
    // A wider window is a setting.
    let wide = Config {
        backfill_days: 40,
        ..Config::default()
    };
    let lenient = Api::new(&spawn_app_with(db, wide).await, &key);
    let (_, body) = lenient.post("/api/v1/events", batch).await;
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(1), Some(1)),
        "{body}"
    );
}

crate::on_both_backends!(events_older_than_the_backfill_window_are_refused);
