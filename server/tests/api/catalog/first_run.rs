//! First run of an organization made from nothing: the command line through the real
//! binary, every page's empty state, and the invited owner's one-time password link.

use super::{catalog, helpers, platform};
use crate::helpers::spawn_app;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

/// The command line, as a vendor would use it: the real binary on a fresh SQLite file.
#[test]
fn the_command_line_sets_up_an_organization() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let file = dir.path().join("catalog.toml");
    std::fs::write(&file, include_str!("../../../demo/acme.toml")).unwrap();
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
        ok && !out.contains("0 would") && out.contains("unchanged"),
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
        "rates",
        "set",
        "--org",
        "trial",
        "--feature",
        "ai_rewrite",
        "--model",
        "gpt-4o-mini",
        "--per-1k-input-tokens",
        "0.15",
        "--per-1k-output-tokens",
        "0.6",
    ]);
    assert!(ok && out.contains("ai_rewrite\tgpt-4o-mini"), "{out}");
    let (ok, out) = run(&[
        "rates",
        "set",
        "--org",
        "trial",
        "--feature",
        "ai_rewrite",
        "--from",
        "2020-01-01T00:00:00Z",
    ]);
    assert!(!ok && out.contains("effective_from"), "{out}");
    let (ok, out) = run(&["rates", "set", "--org", "trial", "--feature", "nope"]);
    assert!(!ok && out.contains("nope"), "{out}");
    let (ok, out) = run(&["rates", "list", "--org", "trial"]);
    assert!(ok && out.contains("in/1k 0.15\tout/1k 0.6"), "{out}");
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
        let html = helpers::page(&client, &format!("{base}{page}")).await;
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
    // A page shows the same refusal in place, with a link to the view it can show.
    for page in ["/usage", "/users", "/flows", "/activity", "/requests"] {
        let res = client
            .get(format!("{base}{page}?team=Sales&to=2026-13-45"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{page}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(r#"data-testid="filter-error-field">to<"#),
            "{page}: {html}"
        );
        assert!(html.contains("must be a date"), "{page}: {html}");
        assert!(
            html.contains(&format!(r#"href="{page}?team=Sales""#)),
            "{page}: {html}"
        );
        assert!(!html.contains(r#"aria-label="Filters""#), "{page}: {html}");
    }

    // With a catalog but no event yet: the exact first event.
    let doc: app::catalog::CatalogDoc = serde_json::from_value(catalog()).unwrap();
    server::catalog::apply(db, &made.organization, &doc, false, &actor, now)
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    let html = helpers::page(&client, &format!("{base}/usage")).await;
    assert!(html.contains("No usage has arrived yet"), "{html}");
    assert!(html.contains("/api/v1/events"), "{html}");
    assert!(html.contains("personalized_email"), "{html}");

    // The first event: with no full day of usage yet the forecast reads today's burn, and
    // an organization without agents shows no agent cards.
    let first = vec![
        json!({"id": "first-1", "timestamp": Utc::now().to_rfc3339(),
        "feature": "personalized_email", "credits": "2"}),
    ];
    let out = server::ingest::ingest(db, made.organization.id, &first, Utc::now())
        .await
        .unwrap();
    assert_eq!(out.accepted, 1);
    let html = helpers::page(&client, &format!("{base}/usage")).await;
    assert!(html.contains("credits burned so far today"), "{html}");
    assert!(!html.contains(r#"data-testid="agent-"#), "{html}");
}

crate::on_both_backends!(empty_organization_pages);

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
