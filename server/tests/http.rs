//! The real HTTP server: the first HTML response already carries the numbers (SSR).

mod helpers;

use leptos::prelude::LeptosOptions;
use server::services::overview::overview;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_page_is_server_rendered_with_the_balance() {
    let t = helpers::sqlite().await;
    helpers::seed(&t.db, 3_000, 5, chrono::Utc::now()).await;
    let options = LeptosOptions::builder()
        .output_name("credit-meter")
        .site_root("target/site")
        .build();
    let app = server::web::router(t.db.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
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
        1,
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
