//! Rates over real HTTP, on SQLite and PostgreSQL: versions set by the API and the CLI's
//! service, events rated at ingest by the version in effect at their time (model first,
//! then any model), unrated events refused alone, and the stored credits equal to the
//! rule applied to the raw events.

use crate::helpers::{Api, api_key, org_id, seed, spawn_app, sum};
use chrono::{Duration, SecondsFormat, Utc};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

fn at(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn rejected(body: &Value) -> Vec<(String, String)> {
    body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["field"].as_str().unwrap().into(),
            )
        })
        .collect()
}

async fn credits_of(db: &DatabaseConnection, org: app::ids::OrgId, id: &str) -> i64 {
    let extra = format!("AND event_id = '{id}'");
    sum(db, "usage_events", "credits_milli", org, &extra).await
}

async fn rates_set_versions_and_refuse_bad_input(db: &DatabaseConnection) {
    seed(db, 200, 1, Utc::now()).await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let other = Api::new(&base, &api_key(db, "globex").await);
    // The demo's own rate cards, as history.
    let count = |list: &Value| list.as_array().unwrap().len();
    let before = count(&api.get("/api/v1/rates").await.1);
    let others = other.get("/api/v1/rates").await.1;
    let (s, b) = api
        .put(
            "/api/v1/rates/reply_suggestion",
            json!({"per_1k_input_tokens": "0.0025", "per_unit": "0.1"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["feature"], "reply_suggestion");
    assert_eq!(b["model"], Value::Null);
    assert_eq!(b["per_1k_input_tokens"], "0.0025");
    assert_eq!(b["per_1k_output_tokens"], "0");

    let past = at(Utc::now() - Duration::hours(1));
    let cases = [
        (
            "/api/v1/rates/no_such_feature",
            json!({}),
            404,
            "no_such_feature",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"effective_from": past}),
            400,
            "effective_from",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"effective_from": "soon"}),
            400,
            "effective_from",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"per_unit": "-1"}),
            400,
            "per_unit",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"minimum": "1e3"}),
            400,
            "minimum",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"per_unit": 1.5}),
            400,
            "per_unit",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"per_1k_input_tokens": "0.0000000001"}),
            400,
            "per_1k_input_tokens",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"model": ""}),
            400,
            "model",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"model": "x".repeat(129)}),
            400,
            "model",
        ),
        (
            "/api/v1/rates/reply_suggestion",
            json!({"price": "1"}),
            400,
            "price",
        ),
    ];
    for (path, body, status, named) in cases {
        let (s, b) = api.put(path, body.clone()).await;
        assert_eq!(s, status, "{path} {body} → {b}");
        assert!(
            b.to_string().contains(named),
            "{body} → {b} should name {named}"
        );
    }
    let (s, list) = api.get("/api/v1/rates").await;
    assert_eq!(s, 200);
    assert_eq!(count(&list), before + 1, "{list}");
    // Another organization's rates are untouched.
    assert_eq!(other.get("/api/v1/rates").await.1, others);
}

async fn events_are_rated_by_the_version_in_effect(db: &DatabaseConnection) {
    seed(db, 200, 1, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let now = Utc::now();
    let change = now + Duration::minutes(2);
    let put = |body: Value| api.put("/api/v1/rates/reply_suggestion", body);
    assert_eq!(
        put(json!({"per_1k_input_tokens": "0.0025", "per_1k_output_tokens": "0.01"}))
            .await
            .0,
        200
    );
    assert_eq!(
        put(json!({"effective_from": at(change), "per_1k_input_tokens": "0.005"}))
            .await
            .0,
        200
    );
    let (s, b) =
        put(json!({"model": "gpt-4o", "per_1k_input_tokens": "1", "minimum": "0.5"})).await;
    assert_eq!(s, 200, "{b}");
    // Every version made so far is in effect from here.
    let now = Utc::now() + Duration::milliseconds(5);

    let ev = |id: &str, t: chrono::DateTime<Utc>, extra: Value| {
        let mut e = json!({"id": id, "timestamp": at(t), "feature": "reply_suggestion"});
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        e
    };
    let before = change - Duration::milliseconds(1);
    let events = json!([
        // 0.0025 × 1.8 + 0.01 × 0.3 = 0.0075 → 0.008 (half-up once, not per part)
        ev("r-old", before, json!({"input_tokens": 1800, "output_tokens": 300})),
        // At the change: 0.005 × 1.8 = 0.009
        ev("r-new", change, json!({"input_tokens": 1800, "output_tokens": 300})),
        // The model's own price: 1 × 0.1 = 0.1, raised to the minimum 0.5
        ev("r-model", now, json!({"input_tokens": 100, "model": "gpt-4o"})),
        // Another model falls back to any model: 0.0025 × 1 = 0.0025 → 0.003
        ev("r-fallback", now, json!({"input_tokens": 1000, "model": "other"})),
        // The sender's price wins.
        ev("r-sent", now, json!({"input_tokens": 1800, "credits": "7"})),
        // No rate for this feature: refused alone, naming credits.
        {"id": "r-none", "timestamp": at(now), "feature": "voice_call", "input_tokens": 5},
    ]);
    let (s, b) = api
        .post("/api/v1/events", json!({"events": events.clone()}))
        .await;
    assert!(s == 200 || s == 207, "{s} {b}");
    assert_eq!(b["accepted"], 5, "{b}");
    assert_eq!(
        rejected(&b),
        vec![("r-none".to_string(), "credits".to_string())]
    );
    let why = b["rejected"][0]["error"].as_str().unwrap();
    assert!(
        why.contains("voice_call") && why.contains("no rate"),
        "{why}"
    );
    for (id, milli) in [
        ("r-old", 8),
        ("r-new", 9),
        ("r-model", 500),
        ("r-fallback", 3),
        ("r-sent", 7000),
    ] {
        assert_eq!(credits_of(db, acme, id).await, milli, "{id}");
    }
    let sender = sum(
        db,
        "usage_events",
        "1",
        acme,
        "AND event_id LIKE 'r-%' AND priced_by_sender",
    )
    .await;
    assert_eq!(sender, 1);
    // A replay counts once: duplicates, no new credits.
    let total = sum(db, "usage_events", "credits_milli", acme, "").await;
    let (_, again) = api.post("/api/v1/events", json!({"events": events})).await;
    assert_eq!(again["duplicates"], 5, "{again}");
    assert_eq!(
        sum(db, "usage_events", "credits_milli", acme, "").await,
        total
    );
    assert_eq!(
        sum(db, "usage_daily", "credits_milli", acme, "").await,
        total
    );
}

crate::on_both_backends!(
    rates_set_versions_and_refuse_bad_input,
    events_are_rated_by_the_version_in_effect,
);
