//! Shared by the integration tests: fresh databases on both backends, seeded demo data.

use app::ids::OrgId;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::demo::{DemoOptions, OrgSummary, seed_demo};

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh, migrated SQLite database in a temp directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let db = server::startup::connect_and_migrate(&url)
        .await
        .expect("sqlite connects and migrates");
    TestDb {
        db,
        url,
        _dir: Some(dir),
    }
}

/// A fresh, migrated database on the PostgreSQL server named by `TEST_POSTGRES_URL` (the test
/// command starts one). Missing, it fails loudly: a silently skipped backend is a defect.
pub async fn postgres() -> TestDb {
    let admin_url = std::env::var("TEST_POSTGRES_URL").expect(
        "TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a PostgreSQL server",
    );
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    let name = format!("t_{}_{}", std::process::id(), rand::random::<u32>());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    let url = format!("{base}/{name}");
    let db = server::startup::connect_and_migrate(&url)
        .await
        .expect("postgres migrates");
    TestDb {
        db,
        url,
        _dir: None,
    }
}

/// The fixed "now" of the tests: a Sunday afternoon in November 2026.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).unwrap()
}

pub async fn seed(
    db: &DatabaseConnection,
    events: u64,
    seed: u64,
    now: DateTime<Utc>,
) -> Vec<OrgSummary> {
    let mut opts = DemoOptions::new(now);
    opts.events = events;
    opts.seed = seed;
    seed_demo(db, &opts).await.expect("demo data seeds")
}

/// Runs each listed `async fn(&DatabaseConnection)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($check:ident),+ $(,)?) => {$(
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::helpers::sqlite().await;
                super::$check(&t.db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::helpers::postgres().await;
                super::$check(&t.db).await;
            }
        }
    )+};
}

/// Sums a BIGINT expression over a table for one organization (independent of the services).
pub async fn sum(db: &DatabaseConnection, table: &str, expr: &str, org: OrgId, extra: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM({expr}), 0) AS BIGINT) FROM {table} WHERE organization_id = {org} {extra}"
    );
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .expect("query runs")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("an integer")
}

pub async fn org_id(db: &DatabaseConnection, slug: &str) -> OrgId {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entities::organization;
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .expect("organization")
        .id
}

/// Serves the whole app (pages + API) on a free loopback port; returns its base URL.
pub async fn spawn_app(db: &DatabaseConnection) -> String {
    spawn_app_with(db, server::config::Config::default()).await
}

/// As `spawn_app`, with these settings.
pub async fn spawn_app_with(db: &DatabaseConnection, config: server::config::Config) -> String {
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("credit-meter")
        .site_root("target/site")
        .build();
    let app = server::web::router(db.clone(), options, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    format!("http://{addr}")
}

pub const DEMO_PASSWORD: &str = "demo-password";

/// The body of a GET (a page's HTML), whatever its status.
pub async fn page(client: &reqwest::Client, url: &str) -> String {
    let res = client.get(url).send().await.unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "GET {url}: {status} {body}");
    body
}

/// A browser-like client (cookies, no redirects followed, this site's Origin on every
/// request) signed in as `email` with the demo password.
pub async fn browser(base: &str, email: &str) -> reqwest::Client {
    let client = browser_anonymous(base);
    let res = client
        .post(format!("{base}/api/login"))
        .form(&[("email", email), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "login as {email}: {}",
        res.status()
    );
    client
}

/// A client with a cookie jar and this site's Origin, not signed in.
pub fn browser_anonymous(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

pub async fn api_key(db: &DatabaseConnection, org: &str) -> String {
    server::api_keys::create(db, org, "test")
        .await
        .map_err(app::error::AppError::from)
        .expect("key")
        .secret
}

/// A small client for the JSON API.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Self {
        Api {
            base: base.to_string(),
            key: key.to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> (u16, serde_json::Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.key));
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b);
        }
        let res = r.send().await.expect("request sent");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::POST, path, Some(body.to_string()))
            .await
    }

    pub async fn put(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::PUT, path, Some(body.to_string()))
            .await
    }
}

// ---- Signed-in admin actions (the accounts and security tests) ----

/// POSTs JSON with a client; the status and the answer as JSON (or as text).
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = client.post(url).json(&body).send().await.unwrap();
    decoded::<app::admin::AdminOutcome>(res).await
}

/// A server function's answer: on success postcard, decoded into its type `T` and shown as
/// JSON so that assertions read fields by name; otherwise the error's text as a JSON string.
pub async fn decoded<T>(res: reqwest::Response) -> (u16, serde_json::Value)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    if status == 200 {
        let value: T = postcard::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("not a postcard answer ({e}): {bytes:?}"));
        return (status, serde_json::to_value(value).unwrap());
    }
    // A server function's error is the typed `AppError`, in postcard; other answers (a
    // refused request before the function ran) are text.
    let text = match postcard::from_bytes::<app::error::AppError>(&bytes) {
        Ok(e) => e.to_string(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    };
    (status, serde_json::Value::String(text))
}

/// The answer of the server function `name` (`/api/{name}`, no arguments) as JSON.
pub async fn server_fn<T>(client: &reqwest::Client, base: &str, name: &str) -> serde_json::Value
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let res = client
        .post(format!("{base}/api/{name}"))
        .send()
        .await
        .unwrap();
    let (status, value) = decoded::<T>(res).await;
    assert_eq!(status, 200, "/api/{name}: {value}");
    value
}

/// One admin action through the `/api/admin` server function.
pub async fn act(
    client: &reqwest::Client,
    base: &str,
    action: serde_json::Value,
) -> (u16, serde_json::Value) {
    post_json(
        client,
        &format!("{base}/api/admin"),
        serde_json::json!({ "action": action }),
    )
    .await
}

pub async fn user_id(db: &DatabaseConnection, email: &str) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entities::user;
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
        .expect("user")
        .id
}

/// The id of the organization's first credit request (tests make one).
pub async fn request_id(db: &DatabaseConnection, org: OrgId) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entities::credit_request;
    credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(org))
        .one(db)
        .await
        .unwrap()
        .expect("credit request")
        .id
}

/// The id of the organization's first API key.
pub async fn key_id(db: &DatabaseConnection, org: OrgId) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entities::api_key;
    api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(org))
        .one(db)
        .await
        .unwrap()
        .expect("API key")
        .id
}

pub async fn audit_count(db: &DatabaseConnection, org: OrgId) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use server::entities::audit_log;
    audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(org))
        .count(db)
        .await
        .unwrap()
}

/// What the organization's main pool has left now, as the overview shows it.
pub async fn main_balance(db: &DatabaseConnection, org: OrgId) -> app::credits::Credits {
    server::services::overview::overview(db, org, &Default::default(), Utc::now())
        .await
        .unwrap()
        .balance
        .remaining
}

/// A usage event of `member@acme.test` on `personalized_email`, `minutes_ago` before now.
pub fn event(id: &str, credits: &str, minutes_ago: i64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "timestamp": (Utc::now() - chrono::Duration::minutes(minutes_ago)).to_rfc3339(),
        "feature": "personalized_email",
        "user": "member@acme.test",
        "credits": credits,
    })
}
