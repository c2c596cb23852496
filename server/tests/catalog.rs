//! A real organization from nothing, over real HTTP on both backends: a platform key
//! provisions it with its catalog, its API key ingests, the balance and the usage show the
//! plan's credits and the exact burn; re-applying, renaming, archiving, refusals, grants,
//! and the keys' boundaries. And the same path through the real `server` binary.

mod helpers;

use app::credits::Credits;
use chrono::Utc;
use helpers::{Api, spawn_app};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

fn catalog() -> Value {
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

async fn platform(db: &DatabaseConnection, base: &str) -> Api {
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

on_both_backends!(
    from_nothing_to_usage,
    keys_stay_on_their_side,
    bad_documents_name_the_field,
    grants_by_hand
);

/// The command line, as a vendor would use it: the real binary on a fresh SQLite file.
#[test]
fn the_command_line_sets_up_an_organization() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let file = dir.path().join("catalog.toml");
    std::fs::write(&file, include_str!("../demo/acme.toml")).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let f = file.to_str().unwrap();
    let (ok, out) = run(&[
        "org",
        "create",
        "--slug",
        "trial",
        "--name",
        "Trial Co",
        "--catalog",
        f,
    ]);
    assert!(
        ok && out.contains("added feature personalized_email"),
        "{out}"
    );
    let (ok, out) = run(&["catalog", "apply", "--org", "trial", f, "--dry-run"]);
    assert!(
        ok && out.contains("0 would") == false && out.contains("unchanged"),
        "{out}"
    );
    assert!(
        !out.contains("would add"),
        "the same file again changes nothing: {out}"
    );
    let renamed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"AI rewrite\"", "\"Rewrite\"");
    std::fs::write(&file, renamed).unwrap();
    let (ok, out) = run(&["catalog", "apply", "--org", "trial", f, "--dry-run"]);
    assert!(
        ok && out.contains("would change feature ai_rewrite: name: AI rewrite → Rewrite"),
        "{out}"
    );
    let (_, shown) = run(&["catalog", "show", "--org", "trial"]);
    assert!(
        shown.contains("name = \"AI rewrite\""),
        "a dry run changed nothing: {shown}"
    );
    let (ok, out) = run(&[
        "grant",
        "add",
        "--org",
        "trial",
        "--pool",
        "ai_credits",
        "--credits",
        "500",
        "--kind",
        "promotional",
        "--description",
        "Welcome",
    ]);
    assert!(
        ok && out.contains("promotional 500 credits to ai_credits"),
        "{out}"
    );
    let (ok, out) = run(&[
        "grant",
        "add",
        "--org",
        "trial",
        "--pool",
        "ai_credits",
        "--credits",
        "5",
        "--kind",
        "purchased",
    ]);
    assert!(!ok && out.contains("kind"), "{out}");
    let (ok, out) = run(&[
        "team", "add", "--org", "trial", "--key", "support", "--name", "Support",
    ]);
    assert!(ok && out.contains("added team support"), "{out}");
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[[pools]]\nkey = \"p\"\nname = \"P\"\nprice_per_credit = \"x\"\ncurrency = \"USD\"\n",
    )
    .unwrap();
    let (ok, out) = run(&[
        "catalog",
        "apply",
        "--org",
        "trial",
        broken.to_str().unwrap(),
    ]);
    assert!(
        !ok && out.contains("line 4: pools[0].price_per_credit (key \"p\")"),
        "{out}"
    );
    let (ok, key) = run(&["platform-key", "create", "--name", "vendor"]);
    assert!(ok && key.starts_with("cmp_"), "{key}");
}

/// Every page of an organization made from nothing (no pool, no feature, no event) renders
/// its empty state, never an error; the usage page shows the next step.
async fn empty_organization_pages(db: &DatabaseConnection) {
    let base = spawn_app(db).await;
    let now = Utc::now();
    let new = server::provision::NewOrganization {
        slug: "bare".into(),
        name: "Bare Co".into(),
        ..Default::default()
    };
    let actor = server::audit::Actor::named("test");
    let made = server::provision::create_organization(db, &new, &actor, now)
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    server::accounts::create_user(
        db,
        made.organization.id,
        "owner@bare.example",
        "Bare Owner",
        app::roles::Role::Owner,
        helpers::DEMO_PASSWORD,
        now,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap();
    let client = helpers::browser(&base, "owner@bare.example").await;
    for page in [
        "/usage",
        "/users",
        "/flows",
        "/activity",
        "/credits",
        "/requests",
        "/settings",
    ] {
        let res = client.get(format!("{base}{page}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{page}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("Could not load"), "{page}: {html}");
        if page == "/usage" {
            assert!(html.contains("Your catalog has no features yet"), "{html}");
            assert!(html.contains("/settings#catalog"));
        }
    }
    // An export asked for a filter it cannot read answers 400 naming the field, never the
    // default range's rows.
    for (query, field) in [
        ("to=2026-13-45", "to"),
        ("range=forever", "range"),
        ("frequency=hourly", "frequency"),
    ] {
        let res = client
            .get(format!("{base}/export/activity.csv?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{query}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"], field, "{query}: {body}");
    }

    // With a catalog but no event yet: the exact first event.
    let doc: app::catalog::CatalogDoc = serde_json::from_value(catalog()).unwrap();
    server::catalog::apply(db, &made.organization, &doc, false, &actor, now)
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    let html = client
        .get(format!("{base}/usage"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("No usage has arrived yet"), "{html}");
    assert!(html.contains("/api/v1/events"), "{html}");
    assert!(html.contains("personalized_email"), "{html}");
}

on_both_backends!(empty_organization_pages);

/// The owner invited by the platform API chooses a password through the one-time link and
/// is signed in; the link works once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_link_sets_a_password_once() {
    let t = helpers::sqlite().await;
    let base = spawn_app(&t.db).await;
    let platform = platform(&t.db, &base).await;
    let (status, made) = platform
        .post(
            "/api/platform/v1/organizations",
            json!({"slug": "linked", "name": "Linked", "owner_email": "Owner@Linked.example", "catalog": catalog()}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["owner"]["email"], "owner@linked.example");
    let url = made["owner"]["set_password_url"].as_str().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_string();
    let browser = helpers::browser_anonymous(&base);
    let set = |password: &'static str, confirm: &'static str| {
        let (browser, base, token) = (browser.clone(), base.clone(), token.clone());
        async move {
            browser
                .post(format!("{base}/api/set_password"))
                .form(&[
                    ("token", token.as_str()),
                    ("password", password),
                    ("confirm", confirm),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        set("long-enough-1", "long-enough-2").await.status(),
        400,
        "the two differ"
    );
    assert_eq!(set("short", "short").await.status(), 400, "too short");
    let ok = set("long-enough-pw", "long-enough-pw").await;
    assert!(
        ok.status().is_success() || ok.status().is_redirection(),
        "{}",
        ok.status()
    );
    let usage = browser.get(format!("{base}/usage")).send().await.unwrap();
    assert_eq!(usage.status(), 200, "signed in by the link");
    let again = set("another-password", "another-password").await;
    assert_eq!(again.status(), 400, "a link works once");
    let page = browser
        .get(format!("{base}/set-password?token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the page needs no session");
}
