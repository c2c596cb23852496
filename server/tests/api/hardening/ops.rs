use crate::helpers::{Api, api_key, seed, spawn_app_with};
use app::model::Cursor;
use chrono::{Duration, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use serde_json::json;
use server::config::Config;
use server::entities::request_log;

/// The balancer's checks and the Prometheus metrics, checked by promtool.
pub async fn health_readiness_and_metrics(db: &DatabaseConnection) {
    seed(db, 200, 71, Utc::now()).await;
    let base = spawn_app_with(db, Config::default()).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let batch = json!({"events": [crate::hardening::input::dated("m1", 0), {"id": "bad"}]});
    assert_eq!(api.post("/api/v1/events", batch).await.0, 200);
    let http = reqwest::Client::new();
    for (path, want) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let res = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap(), want);
    }
    let text = crate::helpers::page(&http, &format!("{base}/metrics")).await;
    for series in [
        "http_requests_total{route=\"/api/v1/events\",method=\"POST\",status=\"200\"}",
        "http_request_duration_seconds_bucket{route=\"/api/v1/events\"",
        "ingest_events_total{outcome=\"accepted\"}",
        "ingest_events_total{outcome=\"rejected\"}",
        "ingest_group_events_bucket",
    ] {
        assert!(text.contains(series), "{series} missing from\n{text}");
    }
    promtool_accepts(&text);
}

fn promtool_accepts(text: &str) {
    use std::io::Write;
    let promtool = std::env::var("PROMTOOL")
        .expect("PROMTOOL is not set: run the tests with scripts/test, which installs promtool");
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool: {said}");
    assert!(!said.contains("error"), "promtool: {said}");
}

/// Beyond the in-flight limit requests are shed at once (503 with Retry-After), never
/// queued without bound, and the server keeps answering.
pub async fn load_beyond_the_limit_is_shed(db: &DatabaseConnection) {
    seed(db, 2_000, 72, Utc::now()).await;
    let tight = Config {
        max_in_flight: 2,
        ..Config::default()
    };
    let base = spawn_app_with(db, tight).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let calls = (0..40).map(|_| {
        let api = api.clone();
        async move {
            let res = api
                .http
                .get(format!("{}/api/v1/usage", api.base))
                .header("authorization", format!("Bearer {}", api.key))
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.headers().contains_key("retry-after"),
            )
        }
    });
    let answers = futures::future::join_all(calls).await;
    let shed = answers.iter().filter(|(s, _)| *s == 503).count();
    assert!(shed > 0, "some were shed: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, retry)| *s == 200 || (*s == 503 && *retry)),
        "{answers:?}"
    );
    assert_eq!(
        api.get("/api/v1/usage").await.0,
        200,
        "and the server still answers"
    );
}

/// A body of far more events than a batch holds is refused while it is read.
pub async fn an_oversized_batch_is_refused_while_parsing(db: &DatabaseConnection) {
    seed(db, 200, 73, Utc::now()).await;
    let api = Api::new(
        &spawn_app_with(db, Config::default()).await,
        &api_key(db, "acme").await,
    );
    let body = format!("{{\"events\": [{}{{}}]}}", "{},".repeat(299_999));
    let (status, answer) = api
        .send(reqwest::Method::POST, "/api/v1/events", Some(body))
        .await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["field"], "events");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("300000 events"),
        "{answer}"
    );
}

/// Request log rows past their retention are deleted; newer ones stay.
pub async fn the_request_log_keeps_its_retention(db: &DatabaseConnection) {
    let orgs = seed(db, 200, 74, Utc::now()).await;
    let now = Utc::now();
    let row = |days: i64| request_log::ActiveModel {
        organization_id: Set(orgs[0].organization_id),
        at: Set(now - Duration::days(days)),
        method: Set("GET".into()),
        endpoint: Set("/api/v1/usage".into()),
        status: Set(200),
        latency_us: Set(1),
        ..Default::default()
    };
    for chunk in 0..12 {
        let rows = (0..1_000).map(|i| row(if (chunk + i) % 2 == 0 { 91 } else { 89 }));
        request_log::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    assert_eq!(server::api::log::prune(db, now, 90).await.unwrap(), 6_000);
    assert_eq!(request_log::Entity::find().count(db).await.unwrap(), 6_000);
}

/// The request log is read a page at a time, forward and back, without a row skipped or
/// repeated where many requests share a timestamp; the page links and the download agree.
pub async fn the_request_log_pages_by_keyset(db: &DatabaseConnection) {
    let orgs = seed(db, 200, 75, Utc::now()).await;
    let org = orgs[0].organization_id;
    let now = Utc::now();
    let rows = (0..1_150).map(|i| request_log::ActiveModel {
        organization_id: Set(org),
        // Seven requests per second: ties that only the id orders.
        at: Set(now - Duration::seconds(i / 7)),
        method: Set("GET".into()),
        endpoint: Set("/api/v1/usage".into()),
        status: Set(if i % 10 == 0 { 500 } else { 200 }),
        latency_us: Set(1),
        ..Default::default()
    });
    request_log::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .unwrap();
    let filter = app::filter::Filter::default();
    let read = |cursor: Cursor| {
        let filter = filter.clone();
        async move {
            server::services::requests::request_log(db, org, &filter, &cursor, true, now)
                .await
                .unwrap()
        }
    };
    let at = |before: Option<String>, after: Option<String>| Cursor {
        before,
        after,
        page_size: 100,
        sort: Default::default(),
    };
    let first = read(at(None, None)).await;
    let counts = first.counts.unwrap();
    assert_eq!((counts.total, counts.failed), (1_150, 115));
    let (mut forward, mut page) = (Vec::new(), first);
    loop {
        forward.extend(page.rows.iter().map(|r| r.id));
        match page.next.clone() {
            Some(next) => page = read(at(Some(next), None)).await,
            None => break,
        }
    }
    let newest_first: Vec<i64> = request_log::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.organization_id == org)
        .map(|r| (r.at, r.id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .rev()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(forward, newest_first);
    // Back from the last page to the first.
    let mut backward = Vec::new();
    loop {
        backward.splice(0..0, page.rows.iter().map(|r| r.id));
        match page.prev.clone() {
            Some(prev) => page = read(at(None, Some(prev))).await,
            None => break,
        }
    }
    assert_eq!(backward, forward);
    // The page links, and the download of every row.
    let base = spawn_app_with(db, Config::default()).await;
    let owner = crate::helpers::browser(&base, "owner@acme.test").await;
    let get = |url: String| {
        let owner = owner.clone();
        async move { crate::helpers::page(&owner, &url).await }
    };
    let html = get(format!("{base}/requests?page_size=25")).await;
    let next = html
        .split(r#"href=""#)
        .find_map(|h| {
            h.split_once(r#"" rel="next""#)
                .map(|(h, _)| h.replace("&amp;", "&"))
        })
        .expect("a Next link");
    assert!(next.starts_with("/requests?page_size=25&before="), "{next}");
    let html = get(format!("{base}{next}")).await;
    assert!(html.contains(r#"rel="prev""#), "{html}");
    let csv = get(format!("{base}/export/requests.csv")).await;
    assert_eq!(csv.lines().count(), 1 + 1_150);
    // A download the viewer may not have is refused with a status, not a cut connection.
    let member = crate::helpers::browser(&base, "member@acme.test").await;
    let refused = member
        .get(format!("{base}/export/requests.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let why: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(why["error"], "forbidden", "{why}");
}

crate::on_both_backends!(
    health_readiness_and_metrics,
    load_beyond_the_limit_is_shed,
    an_oversized_batch_is_refused_while_parsing,
    the_request_log_keeps_its_retention,
    the_request_log_pages_by_keyset,
);
