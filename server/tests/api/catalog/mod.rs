//! A real organization from nothing, over real HTTP on both backends: a platform key
//! provisions it with its catalog, its API key ingests, the balance and the usage show the
//! plan's credits and the exact burn; re-applying, renaming, archiving, refusals, grants,
//! and the keys' boundaries; `first_run` has the CLI, empty pages and the owner link.

use crate::helpers;

mod first_run;
mod rates;

use crate::helpers::{Api, spawn_app};
use app::credits::Credits;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub fn catalog() -> Value {
    json!({
        "pools": [{"key": "ai_credits", "name": "AI credits", "price_per_credit": "0.10",
                   "currency": "USD", "included_per_period": "10000", "allowance_per_period": "0"},
                  {"key": "voice", "name": "Voice minutes", "price_per_credit": "0.02",
                   "currency": "EUR", "included_per_period": 500}],
        "categories": [{"key": "ai_messages", "name": "AI generated messages"}],
        "features": [
            {"key": "personalized_email", "name": "Personalized email", "unit": "message",
             "category": "ai_messages", "pool": "ai_credits"},
            {"key": "reply", "name": "Reply", "unit": "message", "category": "ai_messages",
             "pool": "ai_credits"}],
        "teams": [{"key": "sales", "name": "Sales"}]
    })
}

fn event(id: &str, feature: &str, credits: &str) -> Value {
    json!({"id": id, "timestamp": Utc::now().to_rfc3339(), "feature": feature, "credits": credits})
}

fn pool<'a>(balance: &'a Value, key: &str) -> &'a Value {
    balance["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == key)
        .unwrap_or_else(|| panic!("pool {key} in {balance}"))
}

fn credits(v: &Value) -> Credits {
    Credits::parse(v.as_str().expect("a decimal string")).expect("exact")
}

pub async fn platform(db: &DatabaseConnection, base: &str) -> Api {
    let key = server::platform_keys::create(db, "test", Utc::now())
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    Api::new(base, &key.secret)
}

/// Provisions `slug` with the test catalog; the organization's API client.
async fn provision(platform: &Api, slug: &str) -> Api {
    let (status, made) = platform
        .post(
            "/api/platform/v1/organizations",
            json!({"slug": slug, "name": "Trial Co", "time_zone": "Europe/Berlin", "anchor_day": 1,
                   "owner_email": format!("owner@{slug}.example"), "catalog": catalog()}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["organization"]["slug"], slug);
    assert!(
        made["owner"]["set_password_url"]
            .as_str()
            .unwrap()
            .contains("/set-password?token=")
    );
    let added = made["catalog"]["added"].as_array().unwrap().len();
    assert_eq!(added, 6, "2 pools, 1 category, 2 features, 1 team: {made}");
    let (status, key) = platform
        .post(
            &format!("/api/platform/v1/organizations/{slug}/api-keys"),
            json!({"name": "prod"}),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    Api::new(&platform.base, key["secret"].as_str().unwrap())
}

async fn from_nothing_to_usage(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let platform = platform(db, &base).await;
    let api = provision(&platform, "trial").await;

    // Before any usage the plan's included credits are there.
    let (_, balance) = api.get("/api/v1/balance").await;
    assert_eq!(
        credits(&pool(&balance, "ai_credits")["included"]),
        Credits::whole(10_000)
    );
    assert_eq!(
        credits(&pool(&balance, "voice")["remaining"]),
        Credits::whole(500)
    );

    let batch = json!({"events": [event("e1", "personalized_email", "12.5"),
                                  event("e2", "reply", "0.125"),
                                  event("e3", "unknown_thing", "1")]});
    let (status, out) = api.post("/api/v1/events", batch).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["accepted"], 2);
    assert_eq!(out["rejected"][0]["field"], "feature");
    let (_, balance) = api.get("/api/v1/balance").await;
    assert_eq!(
        credits(&pool(&balance, "ai_credits")["remaining"]),
        Credits(10_000_000 - 12_625),
        "exact burn"
    );
    let (_, usage) = api.get("/api/v1/usage?range=last_7&group_by=feature").await;
    assert_eq!(usage["total"]["credits"], "12.625", "{usage}");

    // Numbers past the documented maxima are refused alone, and poison nothing after them.
    let mut huge = event("e-huge", "reply", "1");
    huge["quantity"] = json!(i64::MAX);
    let mut nul = event("e-\u{0}", "reply", "1");
    nul["credits"] = json!("1");
    let (status, out) = api
        .post("/api/v1/events", json!({"events": [huge, nul]}))
        .await;
    assert_eq!((status, out["accepted"].as_i64()), (200, Some(0)), "{out}");
    assert_eq!(out["rejected"][0]["field"], "quantity", "{out}");
    assert_eq!(out["rejected"][1]["field"], "id", "{out}");
    let (status, usage) = api.get("/api/v1/usage?range=last_7&group_by=feature").await;
    assert_eq!(
        (status, usage["total"]["credits"].as_str()),
        (200, Some("12.625"))
    );

    // The same document again changes nothing.
    let path = "/api/platform/v1/organizations/trial/catalog";
    let (status, report) = platform.put(path, catalog()).await;
    assert_eq!(status, 200, "{report}");
    for list in ["added", "changed", "archived", "removed"] {
        assert_eq!(report[list], json!([]), "{list}: {report}");
    }
    assert_eq!(report["unchanged"], 6);

    // Renaming keeps the history under the new name.
    let mut doc = catalog();
    doc["features"][0]["name"] = json!("Tailored email");
    let (_, report) = platform.put(path, doc.clone()).await;
    assert_eq!(
        report["changed"][0]["key"], "personalized_email",
        "{report}"
    );
    let org = helpers::org_id(db, "trial").await;
    let o = server::services::overview::overview(db, org, &Default::default(), Utc::now())
        .await
        .unwrap();
    let row = o
        .features
        .iter()
        .find(|f| f.key == "personalized_email")
        .unwrap();
    assert_eq!(
        (row.name.as_str(), row.credits),
        ("Tailored email", Credits(12_500))
    );

    // A used feature cannot move to another pool; the field is named.
    let mut moved = doc.clone();
    moved["features"][0]["pool"] = json!("voice");
    let (status, err) = platform.put(path, moved).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("features[0].pool")),
        "{err}"
    );

    // Left out: the used feature is archived (refused for new events), the unused removed.
    let mut fewer = doc.clone();
    fewer["features"] = json!([]);
    let (_, report) = platform
        .put(&format!("{path}?dry_run=true"), fewer.clone())
        .await;
    assert_eq!(report["dry_run"], true);
    let (_, report) = platform.put(path, fewer).await;
    assert_eq!(
        report["archived"].as_array().unwrap().len(),
        2,
        "both have usage: {report}"
    );
    let (_, out) = api
        .post(
            "/api/v1/events",
            json!({"events": [event("e4", "reply", "1")]}),
        )
        .await;
    assert_eq!(out["rejected"][0]["field"], "feature", "{out}");
    assert!(
        out["rejected"][0]["error"]
            .as_str()
            .unwrap()
            .contains("archived"),
        "{out}"
    );
    let o = server::services::overview::overview(db, org, &Default::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(o.total, Credits(12_625), "history stays");
    let (_, shown) = api.get("/api/v1/catalog").await;
    assert_eq!(shown["features"], json!([]), "{shown}");
    // Back in the document, it is restored.
    let (_, report) = platform.put(path, doc).await;
    assert!(
        report["changed"]
            .to_string()
            .contains("restored from the archive"),
        "{report}"
    );
}

async fn keys_stay_on_their_side(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let platform = platform(db, &base).await;
    let a = provision(&platform, "alpha").await;
    let b = provision(&platform, "beta").await;
    let mut other = catalog();
    other["features"][1]["key"] = json!("beta_only");
    let (status, _) = platform
        .put("/api/platform/v1/organizations/beta/catalog", other)
        .await;
    assert_eq!(status, 200);
    let (_, alpha) = a.get("/api/v1/catalog").await;
    let (_, beta) = b.get("/api/v1/catalog").await;
    assert!(alpha.to_string().contains("\"reply\"") && !alpha.to_string().contains("beta_only"));
    assert!(beta.to_string().contains("beta_only"));

    // A platform key is no organization key, and the other way round.
    assert_eq!(
        Api::new(&base, &platform.key)
            .get("/api/v1/balance")
            .await
            .0,
        401
    );
    assert_eq!(
        Api::new(&base, &a.key)
            .get("/api/platform/v1/organizations")
            .await
            .0,
        401
    );
    assert_eq!(
        Api::new(&base, "nope")
            .get("/api/platform/v1/organizations")
            .await
            .0,
        401
    );
    let (status, list) = platform.get("/api/platform/v1/organizations").await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 2));

    // Revoked at once.
    let prefix = platform.key.split('_').nth(1).unwrap();
    server::platform_keys::revoke(db, prefix, Utc::now())
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    assert_eq!(platform.get("/api/platform/v1/organizations").await.0, 401);
}

async fn bad_documents_name_the_field(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let platform = platform(db, &base).await;
    let cases = [
        (
            json!({"slug": "x", "name": "X", "catalog": {"pools": [{"key": "p"}]}}),
            "catalog.pools[0]",
        ),
        (json!({"slug": "x", "name": "X", "colour": 1}), "colour"),
        (json!(["not", "an", "object"]), "body"),
        (json!({"slug": "Bad Slug", "name": "X"}), "slug"),
        (
            json!({"slug": "x", "name": "X", "time_zone": "Mars/Base"}),
            "time_zone",
        ),
        (
            json!({"slug": "x", "name": "X", "anchor_day": 31}),
            "anchor_day",
        ),
        (
            json!({"slug": "x", "name": "X", "owner_email": "nope"}),
            "owner_email",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = platform
            .post("/api/platform/v1/organizations", body.clone())
            .await;
        assert_eq!(status, 400, "{body} → {err}");
        assert_eq!(err["field"], field, "{body} → {err}");
    }
    let mut doc = catalog();
    doc["features"][0]["pool"] = json!("nowhere");
    let (status, err) = platform
        .post(
            "/api/platform/v1/organizations",
            json!({"slug": "x", "name": "X", "catalog": doc}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("catalog.features[0].pool")),
        "{err}"
    );
    let mut float = catalog();
    float["pools"][0]["price_per_credit"] = json!(0.1);
    let (status, err) = platform
        .post(
            "/api/platform/v1/organizations",
            json!({"slug": "x", "name": "X", "catalog": float}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["field"], "catalog.pools[0].price_per_credit", "{err}");
    // Nothing of the refused requests was left behind.
    assert_eq!(
        platform.get("/api/platform/v1/organizations").await.1,
        json!([])
    );
    let (status, _) = platform
        .put("/api/platform/v1/organizations/nobody/catalog", catalog())
        .await;
    assert_eq!(status, 404);
    let (status, err) = platform
        .put(
            "/api/platform/v1/organizations/nobody/catalog?dry_run=maybe",
            catalog(),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("dry_run")),
        "{err}"
    );
}

async fn grants_by_hand(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let platform = platform(db, &base).await;
    let api = provision(&platform, "gifts").await;
    let later = (Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (status, g) = api
        .post(
            "/api/v1/grants",
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "250.5",
                   "expires_at": later, "description": "Launch promotion"}),
        )
        .await;
    assert_eq!(status, 201, "{g:?}");
    assert_eq!(
        (g["priority"].as_i64(), g["remaining"].as_str()),
        (Some(20), Some("250.5"))
    );
    let (_, balance) = api.get("/api/v1/balance").await;
    assert_eq!(
        credits(&pool(&balance, "ai_credits")["promotional"]),
        Credits(250_500)
    );
    let (_, list) = api.get("/api/v1/grants").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        3,
        "two included, one promotional: {list}"
    );
    let past = (Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let bad = [
        (
            json!({"pool": "ai_credits", "kind": "included", "credits": "1"}),
            "kind",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "0"}),
            "credits",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "9223372036854775807"}),
            "credits",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": 1.5}),
            "credits",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "1", "expires_at": past}),
            "expires_at",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "1", "expires_at": "soon"}),
            "expires_at",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "1", "priority": -1}),
            "priority",
        ),
        (
            json!({"pool": "nope", "kind": "promotional", "credits": "1"}),
            "pool",
        ),
        (
            json!({"pool": "ai_credits", "kind": "promotional", "credits": "1", "x": 1}),
            "x",
        ),
    ];
    for (body, field) in bad {
        let (status, err) = api.post("/api/v1/grants", body.clone()).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (400, Some(field)),
            "{body} → {err}"
        );
    }
}

crate::on_both_backends!(
    from_nothing_to_usage,
    keys_stay_on_their_side,
    bad_documents_name_the_field,
    grants_by_hand
);
