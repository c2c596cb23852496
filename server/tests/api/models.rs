//! Model as a usage dimension, on SQLite and PostgreSQL: `group_by=model` and the `model`
//! filter equal the raw events, models sent at ingest are named once per organization, and
//! a question no rollup can answer is a 400 naming the field.

use crate::helpers::{Api, api_key, org_id, seed, spawn_app, sum};
use app::credits::Credits;
use app::ids::OrgId;
use chrono::{Duration, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::entities::{model, usage_event};
use std::collections::HashMap;

/// (credits, events, input tokens) per model name (`None`: no model) over the raw events.
async fn raw_by_model(
    db: &DatabaseConnection,
    org: OrgId,
    only: Option<&str>,
) -> HashMap<Option<String>, (i64, i64, i64)> {
    let names: HashMap<i64, String> = model::Entity::find()
        .filter(model::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let events = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::OccurredAt.gte(Utc::now() - Duration::days(100)))
        .all(db)
        .await
        .unwrap();
    let mut out: HashMap<Option<String>, (i64, i64, i64)> = HashMap::new();
    for e in events {
        let name = e.model_id.map(|m| names[&m].clone());
        if only.is_some_and(|o| name.as_deref() != Some(o)) {
            continue;
        }
        let x = out.entry(name).or_default();
        x.0 += e.credits_milli;
        x.1 += 1;
        x.2 += e.input_tokens.unwrap_or(0);
    }
    out
}

fn credits(v: &Value) -> i64 {
    Credits::parse(v.as_str().unwrap()).unwrap().0
}

async fn usage_by_model_equals_the_raw_events(db: &DatabaseConnection) {
    seed(db, 3_000, 7, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let (s, body) = api.get("/api/v1/usage?range=last_90&group_by=model").await;
    assert_eq!(s, 200, "{body}");
    let mut want = raw_by_model(db, org, None).await;
    assert!(
        want.len() >= 3,
        "the demo runs AI features on two models: {want:?}"
    );
    for row in body["rows"].as_array().unwrap() {
        let key = row["group"]["model"].as_str().map(str::to_string);
        let (c, events, input) = want.remove(&key).expect("a group of raw events");
        assert_eq!(credits(&row["credits"]), c, "{key:?}");
        assert_eq!(row["events"].as_i64().unwrap(), events, "{key:?}");
        assert_eq!(row["input_tokens"].as_i64().unwrap(), input, "{key:?}");
    }
    assert!(want.is_empty(), "every model is listed: {want:?}");

    // The overview splits the credits into rated by the meter and priced by the sender.
    let last_90 = app::filter::Filter {
        range: app::filter::RangePreset::Last90,
        ..Default::default()
    };
    let o = server::services::overview::overview(db, org, &last_90, Utc::now())
        .await
        .unwrap();
    let rated = sum(
        db,
        "usage_events",
        "credits_milli",
        org,
        "AND NOT priced_by_sender",
    )
    .await;
    assert!(
        rated > 0 && rated < o.total.0,
        "the demo rates its AI features only"
    );
    assert_eq!(o.rated, Some(Credits(rated)));

    // Filtered to one model and grouped otherwise: that model's events only.
    let path = "/api/v1/usage?range=last_90&model=gpt-4o-mini&group_by=feature";
    let (s, body) = api.get(path).await;
    assert_eq!(s, 200, "{body}");
    let one = raw_by_model(db, org, Some("gpt-4o-mini")).await;
    let (c, events, _) = one[&Some("gpt-4o-mini".to_string())];
    assert_eq!(credits(&body["total"]["credits"]), c);
    assert_eq!(body["total"]["events"].as_i64().unwrap(), events);

    for (path, field) in [
        ("/api/v1/usage?model=no-such-model", "model"),
        ("/api/v1/usage?group_by=company,action", "group_by"),
        (
            &*format!("/api/v1/usage?model={}", "m".repeat(201)),
            "model",
        ),
    ] {
        let (s, b) = api.get(path).await;
        assert_eq!((s, b["field"].as_str()), (400, Some(field)), "{path} → {b}");
    }
}

async fn models_sent_at_ingest_are_named_once(db: &DatabaseConnection) {
    seed(db, 200, 3, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let ev = |id: &str, model: &str| {
        json!({"id": id, "timestamp": at, "feature": "voice_call", "credits": "2",
               "input_tokens": 100, "output_tokens": 10, "model": model})
    };
    let batch = json!({"events": [ev("m-1", "new-model"), ev("m-2", "new-model"), ev("m-3", "gpt-4o-mini")]});
    let (s, b) = api.post("/api/v1/events", batch).await;
    assert_eq!((s, b["accepted"].as_i64()), (200, Some(3)), "{b}");
    let named = model::Entity::find()
        .filter(model::Column::OrganizationId.eq(org))
        .filter(model::Column::Name.eq("new-model"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(named.len(), 1, "one row per name");
    let (_, body) = api
        .get("/api/v1/usage?range=last_7&model=new-model&group_by=model")
        .await;
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(
        (
            credits(&rows[0]["credits"]),
            rows[0]["input_tokens"].as_i64()
        ),
        (4000, Some(200))
    );
    // Another organization has no such model.
    let other = Api::new(&base, &api_key(db, "globex").await);
    let (s, b) = other.get("/api/v1/usage?model=new-model").await;
    assert_eq!((s, b["field"].as_str()), (400, Some("model")), "{b}");
}

crate::on_both_backends!(
    usage_by_model_equals_the_raw_events,
    models_sent_at_ingest_are_named_once
);
