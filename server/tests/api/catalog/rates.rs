//! `[[rates]]` in the catalog document, over the platform API on both backends: applied
//! idempotently, a changed rate is a new version from the apply time, shown in the
//! organization's document and rating its events; a bad rate names its field.

use super::{catalog, credits, platform, provision};
use crate::helpers::spawn_app;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

fn with_rates(rates: Value) -> Value {
    let mut doc = catalog();
    doc["rates"] = rates;
    doc
}

async fn catalog_rates_are_versions(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let platform = platform(db, &base).await;
    let api = provision(&platform, "rated").await;
    let put = |doc: Value| platform.put("/api/platform/v1/organizations/rated/catalog", doc);
    let rate = json!([{"feature": "reply", "per_1k_input_tokens": "0.5", "minimum": "0.01"}]);
    let (s, report) = put(with_rates(rate.clone())).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["added"][0]["kind"], "rate", "{report}");
    let (s, again) = put(with_rates(rate)).await;
    assert_eq!(s, 200, "{again}");
    assert!(
        again["added"].as_array().unwrap().is_empty()
            && again["changed"].as_array().unwrap().is_empty(),
        "the same rates again change nothing: {again}"
    );
    let (_, doc) = api.get("/api/v1/catalog").await;
    assert_eq!(doc["rates"][0]["per_1k_input_tokens"], "0.5", "{doc}");

    let cut = json!([{"feature": "reply", "per_1k_input_tokens": "0.25"}]);
    let (_, changed) = put(with_rates(cut)).await;
    assert_eq!(changed["changed"][0]["kind"], "rate", "{changed}");
    let (_, versions) = api.get("/api/v1/rates").await;
    assert_eq!(
        versions.as_array().unwrap().len(),
        2,
        "history is kept: {versions}"
    );

    // The version in effect now rates an event sent without credits: 0.25 × 2 = 0.5.
    let at = Utc::now().to_rfc3339();
    let ev = json!({"events": [{"id": "r1", "timestamp": at, "feature": "reply", "input_tokens": 2000}]});
    let (s, out) = api.post("/api/v1/events", ev).await;
    assert_eq!((s, out["accepted"].as_i64()), (200, Some(1)), "{out}");
    let (_, usage) = api.get("/api/v1/usage?range=last_7").await;
    assert_eq!(credits(&usage["total"]["credits"]).0, 500, "{usage}");

    for (rates, field) in [
        (json!([{"feature": "nope"}]), "rates[0].feature"),
        (
            json!([{"feature": "reply", "per_unit": "1e3"}]),
            "rates[0].per_unit",
        ),
        (
            json!([{"feature": "reply"}, {"feature": "reply"}]),
            "rates[1].model",
        ),
        (json!([{"feature": "reply", "price": "1"}]), "rates[0]"),
    ] {
        let (s, b) = put(with_rates(rates.clone())).await;
        assert_eq!(s, 400, "{rates} → {b}");
        assert!(
            b.to_string().contains(field),
            "{rates} → {b} should name {field}"
        );
    }
}

crate::on_both_backends!(catalog_rates_are_versions);
