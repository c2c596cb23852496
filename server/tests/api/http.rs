//! The real HTTP server: the first HTML response already carries the numbers (SSR).

use crate::helpers;

use server::services::overview::overview;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_page_is_server_rendered_with_the_balance() {
    let t = helpers::sqlite().await;
    helpers::seed(&t.db, 3_000, 5, chrono::Utc::now()).await;
    let base = helpers::spawn_app(&t.db).await;
    let addr = base.trim_start_matches("http://");

    // Not signed in: the page sends the browser to the login page, and back afterwards.
    let anonymous = helpers::browser_anonymous(&base);
    let page = anonymous
        .get(format!("{base}/usage?range=last_7"))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_redirection(), "{}", page.status());
    assert_eq!(
        page.headers()["location"],
        "/login?next=%2Fusage%3Frange%3Dlast_7"
    );
    let login = anonymous.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let export = anonymous
        .get(format!("{base}/export/users.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 401, "exports need a session too");

    let client = helpers::browser(&base, "owner@acme.test").await;
    let root = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert!(
        root.status().is_redirection(),
        "/ redirects to the dashboard"
    );
    assert_eq!(root.headers()["location"], "/usage");

    let page = client
        .get(format!("http://{addr}/usage"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let expected = overview(
        &t.db,
        app::ids::OrgId(1),
        &app::filter::Filter::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(html.contains("Acme Outreach"));
    assert_eq!(
        testid_text(&html, "remaining"),
        expected.balance.remaining.display(),
        "remaining in SSR html"
    );
    assert_eq!(
        testid_text(&html, "purchased"),
        expected.balance.purchased_remaining.display()
    );
    assert_eq!(
        testid_text(&html, "included-used"),
        expected.balance.included_used.display()
    );
    assert!(html.contains(r#"id="daily-chart""#));
    assert!(html.contains("/echarts.min.js"));
    // A hydrated single-page app: no islands, and the server functions' answers travel with
    // the page (hydration asks the server for nothing again).
    assert!(!html.contains("<leptos-island"));
    let carried: Vec<Result<app::model::OverviewPage, app::error::AppError>> =
        carried_answers(&html);
    let answers: Vec<_> = carried.into_iter().filter_map(Result::ok).collect();
    // Made once: a page rendered again during SSR would carry its answers again, under ids
    // the hydrating browser never reads.
    assert_eq!(
        answers.len(),
        1,
        "the overview's answer is in the page once"
    );
    assert_eq!(answers[0].overview.balance, expected.balance);

    // A server function called with arguments it cannot read answers 400, naming them.
    for body in [&b"\x00\xff"[..], b"filter=%00", b""] {
        let res = client
            .post(format!("http://{addr}/api/overview"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let error: app::error::AppError =
            postcard::from_bytes(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(status, 400, "{body:?}: {error:?}");
        assert!(
            matches!(&error, app::error::AppError::Invalid { field, .. } if field == "arguments"),
            "{error:?}"
        );
    }
    // ...and poisons nothing: the page still answers.
    helpers::page(&client, &format!("http://{addr}/usage")).await;

    // Pages are compressed for clients that accept it.
    let compressed = client
        .get(format!("http://{addr}/usage"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");

    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

/// The text inside the element carrying `data-testid="{id}"`.
fn testid_text<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!(r#"data-testid="{id}""#))
        .unwrap_or_else(|| panic!("no {id} in html"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    &rest[start..start + end]
}

/// The answers a page carries for hydration (`__RESOLVED_RESOURCES[n] = "…"`): base64 of
/// postcard (see `app::data`); those that decode as `T`.
fn carried_answers<T: serde::de::DeserializeOwned>(html: &str) -> Vec<T> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    html.split("__RESOLVED_RESOURCES[")
        .skip(1)
        .filter_map(|chunk| {
            let quoted = chunk.split_once("] = \"")?.1.split_once('"')?.0;
            postcard::from_bytes(&engine.decode(quoted).ok()?).ok()
        })
        .collect()
}
