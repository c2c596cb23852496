use crate::helpers::{Api, api_key, org_id, seed, spawn_app_with, sum};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use server::config::Config;

pub fn dated(id: &str, days_ago: i64) -> serde_json::Value {
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

/// The largest numbers a client can send are refused on their own, naming the field, and
/// leave the organization working; lifetime totals stop at their cap the same way.
pub async fn huge_numbers_are_refused_and_poison_nothing(db: &DatabaseConnection) {
    seed(db, 200, 56, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let api = Api::new(
        &spawn_app_with(db, Config::default()).await,
        &api_key(db, "acme").await,
    );
    let with = |id: &str, k: &str, v: serde_json::Value| {
        let mut e = dated(id, 0);
        e[k] = v;
        e
    };
    let hostile = json!({"events": [
        with("h1", "quantity", json!(i64::MAX)),
        with("h2", "input_tokens", json!(u64::MAX)),
        with("h3", "credits", json!("9223372036854775.807")),
        with("h4", "credits", json!(1e300)),
        dated("ok1", 0),
    ]});
    let (status, body) = api.post("/api/v1/events", hostile).await;
    assert_eq!(status, 200, "{body}");
    let fields: Vec<&str> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["quantity", "input_tokens", "credits", "credits"],
        "{body}"
    );
    assert_eq!(body["accepted"], 1);
    // An organization with a long history near the lifetime cap.
    let cap = server::ingest::totals::CAP;
    db.execute_unprepared(&format!(
        "UPDATE organizations SET lifetime_credits_milli = {} WHERE id = {org}",
        cap - 1_500
    ))
    .await
    .unwrap();
    let near = json!({"events": [dated("n1", 0), dated("n2", 0)]});
    let (_, body) = api.post("/api/v1/events", near).await;
    assert_eq!(body["accepted"], 1, "{body}");
    assert_eq!(body["rejected"][0]["field"], "credits", "{body}");
    assert!(
        body["rejected"][0]["error"]
            .as_str()
            .unwrap()
            .contains("lifetime")
    );
    // The organization still answers, and other batches still land.
    let (status, body) = api.get("/api/v1/usage").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .post(
            "/api/v1/events",
            json!({"events": [with("z1", "credits", json!("0"))]}),
        )
        .await;
    assert_eq!(
        (status, body["accepted"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
}

/// Credits sent as JSON numbers are read from their text, never through `f64`: digits an
/// `f64` would drop are kept, or refused as too precise, never rounded away.
pub async fn credits_sent_as_json_numbers_stay_exact(db: &DatabaseConnection) {
    seed(db, 200, 57, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let api = Api::new(
        &spawn_app_with(db, Config::default()).await,
        &api_key(db, "acme").await,
    );
    let raw = |id: &str, credits: &str| {
        let mut e = dated(id, 0).to_string();
        e = e.replace(r#""credits":"1""#, &format!(r#""credits":{credits}"#));
        e
    };
    let body = format!(
        r#"{{"events": [{}, {}, {}]}}"#,
        raw("x1", "987654321.125"),
        raw("x2", "1.0000000000000001"),
        raw("x3", "2.5000"),
    );
    let (status, out) = api
        .send(reqwest::Method::POST, "/api/v1/events", Some(body))
        .await;
    assert_eq!((status, out["accepted"].as_u64()), (200, Some(2)), "{out}");
    assert_eq!(out["rejected"][0]["index"], 1, "{out}");
    assert_eq!(out["rejected"][0]["field"], "credits", "{out}");
    let stored = sum(
        db,
        "usage_events",
        "credits_milli",
        org,
        "AND event_id IN ('x1', 'x3')",
    )
    .await;
    assert_eq!(stored, 987_654_321_125 + 2_500);
    // Bodies other than events read numbers the same way.
    let put = r#"{"credits": 12345678901234.567}"#.to_string();
    let (status, cap) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/allocations/cust-exact",
            Some(put),
        )
        .await;
    assert_eq!(
        (status, cap["cap"].as_str()),
        (200, Some("12345678901234.567")),
        "{cap}"
    );
    let ask = r#"{"feature": "personalized_email", "credits": 0.30000000000000004}"#;
    let (status, out) = api
        .send(reqwest::Method::POST, "/api/v1/authorize", Some(ask.into()))
        .await;
    assert_eq!(
        (status, out["field"].as_str()),
        (400, Some("credits")),
        "{out}"
    );
}

crate::on_both_backends!(
    events_older_than_the_backfill_window_are_refused,
    huge_numbers_are_refused_and_poison_nothing,
    credits_sent_as_json_numbers_stay_exact,
);
