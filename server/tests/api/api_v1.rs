//! Black-box tests of /api/v1 over real HTTP, on SQLite and PostgreSQL.

use crate::helpers::{Api, api_key, org_id, seed, spawn_app, sum};
use app::credits::Credits;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

fn credits(v: &Value) -> Credits {
    Credits::parse(v.as_str().expect("a decimal string")).expect("exact decimal")
}

fn ev(id: &str, feature: &str, credits: &str, user: Option<&str>) -> Value {
    let mut e = json!({"id": id, "timestamp": Utc::now().to_rfc3339(), "feature": feature, "credits": credits});
    if let Some(u) = user {
        e["user"] = json!(u);
    }
    e
}

async fn pool<'a>(balance: &'a Value, key: &str) -> &'a Value {
    balance["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == key)
        .expect("pool listed")
}

async fn keys_decide_everything(db: &DatabaseConnection) {
    seed(db, 400, 1, Utc::now()).await;
    let base = spawn_app(db).await;
    let http = reqwest::Client::new();
    let no_key = http
        .get(format!("{base}/api/v1/balance"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);
    let body: Value = no_key.json_or_text().await;
    assert_eq!(body["error"], "unauthorized");
    for bad in ["Bearer nope", "Bearer cm_abcdefgh_wrongsecret", "Basic xyz"] {
        let r = http
            .get(format!("{base}/api/v1/balance"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad}");
    }
    let key = api_key(db, "acme").await;
    let api = Api::new(&base, &key);
    assert_eq!(api.get("/api/v1/balance").await.0, 200);

    // Revoked keys are refused at once.
    sea_orm::ConnectionTrait::execute_unprepared(
        db,
        "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP",
    )
    .await
    .unwrap();
    assert_eq!(api.get("/api/v1/balance").await.0, 401);

    // The OpenAPI document is public and lists every route.
    let doc: Value = http
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json_or_text()
        .await;
    for path in [
        "/api/v1/events",
        "/api/v1/balance",
        "/api/v1/authorize",
        "/api/v1/usage",
        "/api/v1/allocations/{end_user}",
        "/api/v1/catalog",
        "/api/v1/grants",
        "/api/platform/v1/organizations",
        "/api/platform/v1/organizations/{slug}/catalog",
        "/api/platform/v1/organizations/{slug}/api-keys",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert_eq!(api.get("/api/v1/nothing-here").await.0, 404);
}

async fn events_bad_input_is_named(db: &DatabaseConnection) {
    seed(db, 300, 2, Utc::now()).await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let (s, b) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/events",
            Some("{not json".into()),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("body")));
    let (s, b) = api.post("/api/v1/events", json!([{"events": []}])).await;
    assert_eq!((s, b["field"].as_str()), (400, Some("body")));
    let (s, b) = api.post("/api/v1/events", json!({"evnts": []})).await;
    assert_eq!((s, b["field"].as_str()), (400, Some("events")));
    let (s, b) = api
        .post("/api/v1/events", json!({"events": {"id": "a"}}))
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("events")));
    let many: Vec<Value> = (0..1001)
        .map(|i| ev(&format!("m{i}"), "personalized_email", "1", None))
        .collect();
    let (s, b) = api.post("/api/v1/events", json!({"events": many})).await;
    assert_eq!((s, b["field"].as_str()), (413, Some("events")));
    let huge = json!({"events": [{"id": "x", "metadata": {"pad": "y".repeat(1_100_000)}}]});
    assert_eq!(api.post("/api/v1/events", huge).await.0, 413);

    let batch = json!({"events": [
        ev("ok-1", "personalized_email", "2.5", Some("member@acme.test")),
        {"id": "b1", "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email", "credits": "1.0001"},
        {"id": "b2", "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email", "credits": -1},
        {"id": "b3", "timestamp": "2030-01-01T00:00:00Z", "feature": "personalized_email", "credits": 1},
        {"id": "b4", "timestamp": Utc::now().to_rfc3339(), "feature": "nope", "credits": 1},
        {"id": "b5", "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email", "pool": "nope", "credits": 1},
        {"id": "b6", "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email", "credits": 1, "quantity": "x"},
        {"timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email", "credits": 1},
        ev("ok-1", "personalized_email", "2.5", None),
    ]});
    let (s, b) = api.post("/api/v1/events", batch).await;
    assert_eq!(s, 200);
    assert_eq!(
        (b["accepted"].as_u64(), b["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    let named: Vec<(u64, &str)> = b["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        vec![
            (1, "credits"),
            (2, "credits"),
            (3, "timestamp"),
            (4, "feature"),
            (5, "pool"),
            (6, "quantity"),
            (7, "id")
        ]
    );
}

async fn balance_authorize_and_allocations(db: &DatabaseConnection) {
    seed(db, 300, 3, Utc::now()).await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let (_, before) = api.get("/api/v1/balance").await;
    let ai = pool(&before, "ai_credits").await;
    let remaining0 = credits(&ai["remaining"]);
    assert_eq!(
        remaining0,
        credits(&ai["included"])
            + credits(&ai["purchased"])
            + credits(&ai["promotional"])
            + credits(&ai["allowance"])
    );
    assert!(remaining0 >= Credits::whole(5_000));

    // Ingest 12.345 credits: the balance drops by exactly that.
    let (s, _) = api
        .post(
            "/api/v1/events",
            json!({"events": [ev("bal-1", "research_agent_search", "12.345", None)]}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, after) = api.get("/api/v1/balance").await;
    assert_eq!(
        credits(&pool(&after, "ai_credits").await["remaining"]),
        remaining0 - Credits(12_345)
    );

    // Authorize against the pool…
    let (s, a) = api
        .post(
            "/api/v1/authorize",
            json!({"feature": "personalized_email", "credits": 1}),
        )
        .await;
    assert_eq!(
        (s, a["allowed"].as_bool(), a["reason"].as_str()),
        (200, Some(true), Some("ok"))
    );
    let too_much = (remaining0 + Credits::whole(1)).to_decimal_string();
    let (_, a) = api
        .post(
            "/api/v1/authorize",
            json!({"feature": "personalized_email", "credits": too_much}),
        )
        .await;
    assert_eq!(
        (a["allowed"].as_bool(), a["reason"].as_str()),
        (Some(false), Some("pool_exhausted"))
    );
    // …and against an end user's allocation.
    let (s, al) = api
        .put("/api/v1/allocations/cust-new", json!({"credits": "5"}))
        .await;
    assert_eq!(
        (s, al["cap"].as_str(), al["used"].as_str()),
        (200, Some("5"), Some("0"))
    );
    api.post(
        "/api/v1/events",
        json!({"events": [ev("cap-1", "personalized_email", "4", Some("cust-new"))]}),
    )
    .await;
    let (_, a) = api
        .post(
            "/api/v1/authorize",
            json!({"user": "cust-new", "feature": "personalized_email", "credits": "2"}),
        )
        .await;
    assert_eq!(
        (
            a["allowed"].as_bool(),
            a["reason"].as_str(),
            a["remaining"].as_str()
        ),
        (Some(false), Some("allocation_exhausted"), Some("1"))
    );
    let (_, a) = api
        .post(
            "/api/v1/authorize",
            json!({"user": "cust-new", "feature": "personalized_email", "credits": "1"}),
        )
        .await;
    assert_eq!(a["allowed"].as_bool(), Some(true));
    let (_, al) = api
        .put("/api/v1/allocations/cust-new", json!({"credits": 10}))
        .await;
    assert_eq!(
        (al["used"].as_str(), al["remaining"].as_str()),
        (Some("4"), Some("6"))
    );

    // Bad input names its field.
    for (body, field) in [
        (json!({"feature": "personalized_email"}), "credits"),
        (json!({"credits": 1}), "feature"),
        (json!({"feature": "nope", "credits": 1}), "feature"),
        (
            json!({"feature": "personalized_email", "credits": "1.23456"}),
            "credits",
        ),
    ] {
        let (s, b) = api.post("/api/v1/authorize", body).await;
        assert_eq!((s, b["field"].as_str()), (400, Some(field)));
    }
    let (s, b) = api
        .put(
            "/api/v1/allocations/cust-new",
            json!({"credits": 1, "pool": "nope"}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("pool")));

    // Every request was logged, with the key's prefix and the end user where there is one.
    let acme = org_id(db, "acme").await;
    let mut logged = 0;
    for _ in 0..50 {
        logged = sum(db, "request_log", "1", acme, "").await;
        if logged >= 15 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(logged, 15, "every request logged once");
    assert!(
        sum(
            db,
            "request_log",
            "1",
            acme,
            "AND end_user = 'cust-new' AND endpoint = '/api/v1/authorize' AND status = 200"
        )
        .await
            >= 2
    );
    assert!(sum(db, "request_log", "1", acme, "AND status = 400").await >= 4);
}

async fn usage_matches_raw_events(db: &DatabaseConnection) {
    seed(db, 2_000, 4, Utc::now()).await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let acme = org_id(db, "acme").await;
    let (s, u) = api
        .get("/api/v1/usage?range=last_90&group_by=feature")
        .await;
    assert_eq!(s, 200, "{u}");
    let rows = u["rows"].as_array().unwrap();
    let total: Credits = rows.iter().map(|r| credits(&r["credits"])).sum();
    assert_eq!(total, credits(&u["total"]["credits"]));
    // Independently, from the raw events of the same local days.
    let from = u["from"].as_str().unwrap();
    let raw = sum(db, "usage_events", "credits_milli", acme, "").await;
    assert_eq!(
        total,
        Credits(raw),
        "90 days cover every demo event (from {from})"
    );
    let email = rows
        .iter()
        .find(|r| r["group"]["feature"] == "personalized_email")
        .unwrap();
    let fid: i64 = sum(db, "features", "id", acme, "AND key = 'personalized_email'").await;
    assert_eq!(
        credits(&email["credits"]),
        Credits(
            sum(
                db,
                "usage_events",
                "credits_milli",
                acme,
                &format!("AND feature_id = {fid}")
            )
            .await
        )
    );

    // Filters: one user, grouped by month; a team; a category.
    let uid = sum(db, "users", "id", acme, "AND email = 'owner@acme.test'").await;
    let (_, u) = api
        .get("/api/v1/usage?range=last_90&user=owner@acme.test&group_by=month")
        .await;
    let user_total: Credits = u["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| credits(&r["credits"]))
        .sum();
    assert_eq!(
        user_total,
        Credits(
            sum(
                db,
                "usage_events",
                "credits_milli",
                acme,
                &format!("AND user_id = {uid}")
            )
            .await
        )
    );
    let (s, u) = api
        .get("/api/v1/usage?range=last_90&team=Sales&group_by=team,category")
        .await;
    assert_eq!(s, 200);
    assert!(
        u["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["group"]["team"] == "Sales")
    );

    // CSV with the same rows.
    let res = api
        .http
        .get(format!(
            "{base}/api/v1/usage?range=last_90&group_by=feature"
        ))
        .header("authorization", format!("Bearer {}", api.key))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("feature,credits,overage,events,quantity")
    );
    assert_eq!(lines.count(), rows.len());

    for (q, field) in [
        ("group_by=hour", "group_by"),
        ("from=2026-13-01", "from"),
        ("tz=Asia/Tokyo", "tz"),
        ("team=Nobody", "team"),
        ("colour=red", "colour"),
        ("from=2026-02-01&to=2026-01-01", "from"),
    ] {
        let (s, b) = api.get(&format!("/api/v1/usage?{q}")).await;
        assert_eq!((s, b["field"].as_str()), (400, Some(field)), "{q}");
    }
}

async fn one_organization_never_sees_another(db: &DatabaseConnection) {
    seed(db, 500, 5, Utc::now()).await;
    let base = spawn_app(db).await;
    let acme = Api::new(&base, &api_key(db, "acme").await);
    let globex = Api::new(&base, &api_key(db, "globex").await);
    let (acme_id, globex_id) = (org_id(db, "acme").await, org_id(db, "globex").await);
    let acme_before = sum(db, "usage_events", "credits_milli", acme_id, "").await;

    // Same event id in both organizations: independent idempotency keys.
    let (_, a) = acme
        .post(
            "/api/v1/events",
            json!({"events": [ev("shared-1", "personalized_email", "3", None)]}),
        )
        .await;
    let (_, g) = globex
        .post(
            "/api/v1/events",
            json!({"events": [ev("shared-1", "personalized_email", "5", None)]}),
        )
        .await;
    assert_eq!(
        (a["accepted"].as_u64(), g["accepted"].as_u64()),
        (Some(1), Some(1))
    );
    // Globex naming an acme member cannot attribute usage to them: it becomes a globex end user.
    globex
        .post(
            "/api/v1/events",
            json!({"events": [ev("g-2", "personalized_email", "1", Some("owner@acme.test"))]}),
        )
        .await;
    assert_eq!(
        sum(db, "usage_events", "credits_milli", acme_id, "").await - acme_before,
        3_000
    );
    assert_eq!(
        sum(
            db,
            "end_users",
            "1",
            globex_id,
            "AND external_id = 'owner@acme.test'"
        )
        .await,
        1
    );

    // Reports, allocations and authorizations only ever see the caller's organization.
    let (s, b) = globex.get("/api/v1/usage?range=last_90&team=Sales").await;
    assert_eq!(
        (s, b["field"].as_str()),
        (400, Some("team")),
        "acme's team is unknown to globex"
    );
    let (_, gu) = globex.get("/api/v1/usage?range=last_90").await;
    assert_eq!(
        credits(&gu["total"]["credits"]),
        Credits(sum(db, "usage_events", "credits_milli", globex_id, "").await)
    );
    globex
        .put("/api/v1/allocations/cust-001", json!({"credits": 1}))
        .await;
    let (_, a) = acme
        .post(
            "/api/v1/authorize",
            json!({"user": "cust-001", "feature": "personalized_email", "credits": 2}),
        )
        .await;
    assert_eq!(
        a["allowed"].as_bool(),
        Some(true),
        "globex's cap does not bind acme's end user"
    );
    let (_, ab) = acme.get("/api/v1/balance").await;
    let (_, gb) = globex.get("/api/v1/balance").await;
    assert_ne!(ab, gb);
}

async fn eight_http_clients_count_exactly_once(db: &DatabaseConnection) {
    seed(db, 200, 6, Utc::now()).await;
    let base = spawn_app(db).await;
    let key = api_key(db, "acme").await;
    let acme = org_id(db, "acme").await;
    let before = sum(db, "usage_events", "credits_milli", acme, "").await;
    let mut tasks = Vec::new();
    for c in 0..8u64 {
        let api = Api::new(&base, &key);
        tasks.push(tokio::spawn(async move {
            for b in 0..4u64 {
                let events: Vec<Value> = (0..50u64)
                    .map(|k| {
                        ev(
                            &format!("h-{}", (c * 11 + b * 17 + k) % 300),
                            "ai_rewrite",
                            "0.25",
                            None,
                        )
                    })
                    .collect();
                let (s, _) = api.post("/api/v1/events", json!({"events": events})).await;
                assert_eq!(s, 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let distinct = sum(db, "usage_events", "1", acme, "AND event_id LIKE 'h-%'").await;
    assert_eq!(
        sum(db, "usage_events", "credits_milli", acme, "").await - before,
        distinct * 250
    );
    assert_eq!(
        sum(db, "usage_daily", "credits_milli", acme, "").await,
        sum(db, "usage_events", "credits_milli", acme, "").await
    );
}

crate::on_both_backends!(
    keys_decide_everything,
    events_bad_input_is_named,
    balance_authorize_and_allocations,
    usage_matches_raw_events,
    one_organization_never_sees_another,
    eight_http_clients_count_exactly_once,
);

trait JsonOrText {
    async fn json_or_text(self) -> Value;
}

impl JsonOrText for reqwest::Response {
    async fn json_or_text(self) -> Value {
        let t = self.text().await.unwrap();
        serde_json::from_str(&t).unwrap_or(Value::String(t))
    }
}
