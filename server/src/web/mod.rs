//! The HTTP server: Leptos pages and server functions, the REST API, exports, static files,
//! health checks and metrics.

mod limits;
mod serve;

pub use serve::serve;

use crate::api::{self, ApiState, log::RequestLogger};
use crate::auth::{csrf, store::DbSessionStore};
use crate::config::Config;
use crate::meter::MeterServiceImpl;
use app::error::AppError;
use app::service::Services;
use app::{App, shell};
use axum::{Router, response::Redirect, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The whole HTTP surface. Must be called inside a Tokio runtime (it starts the request-log
/// and ingest writers).
pub fn router(db: DatabaseConnection, leptos_options: LeptosOptions, config: Config) -> Router {
    router_with_writers(db, leptos_options, config).0
}

/// The router, and the request log's writer task: it ends once the router is dropped and
/// every entry is written.
pub fn router_with_writers(
    db: DatabaseConnection,
    leptos_options: LeptosOptions,
    config: Config,
) -> (Router, tokio::task::JoinHandle<()>) {
    let config_proxies = config.trusted_proxies.clone();
    let retention_days = config.request_log_retention_days;
    let (log, log_writer) = RequestLogger::start(db.clone());
    let bounds = config.clone();
    let telemetry = crate::telemetry::router(db.clone());
    let payments: Arc<dyn crate::payment::PaymentProvider> = Arc::new(crate::payment::Bounded {
        inner: Arc::new(crate::payment::InvoiceProvider),
        limit: config.payment_timeout,
    });
    let config = Arc::new(config);
    let api_state = ApiState {
        db: db.clone(),
        config: config.clone(),
        log,
        ingest: crate::ingest::queue::IngestQueue::start(db.clone(), payments.clone()),
    };
    let sessions = session_layer(db.clone(), config.secure_cookies());
    start_cleanup(db.clone(), retention_days);
    let services_db = db.clone();
    let mut meter = MeterServiceImpl::new(db);
    meter.limits = crate::auth::limit::LoginLimits::new(config_proxies);
    meter.payments = payments;
    meter.config = config;
    let services = Services(Arc::new(meter));
    let routes = generate_route_list(App);
    // Pages behind sign-in: every route but signing in, first-run setup and set-password.
    let signed_pages: Arc<Vec<String>> = Arc::new(
        routes
            .iter()
            .map(|r| r.path().to_string())
            .filter(|p| !matches!(p.as_str(), "/login" | "/setup" | "/set-password"))
            .collect(),
    );
    let app = Router::new()
        .merge(api::router(api_state))
        .merge(crate::export::router(services.clone()))
        // `/` is the usage dashboard; a plain HTTP redirect works without any script.
        .route("/", get(|| async { Redirect::temporary("/usage") }))
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(services.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::from_fn_with_state(
            (services_db, signed_pages),
            require_login,
        ))
        .layer(axum::middleware::from_fn(csrf::require_same_origin))
        .layer(axum::middleware::from_fn(limits::cap_sign_in_bodies))
        .layer(sessions)
        .layer(compression())
        .with_state(leptos_options);
    // Health checks and metrics stay outside the bounds: a busy server still answers them.
    let app = limits::bound(app, &bounds)
        .layer(axum::middleware::from_fn(crate::telemetry::track))
        .merge(telemetry);
    (app, log_writer)
}

/// A page request without a signed-in user goes to the login page (and comes back after).
/// Decided before rendering, so the answer is a plain 303 even for streamed pages.
async fn require_login(
    axum::extract::State((db, pages)): axum::extract::State<(DatabaseConnection, Arc<Vec<String>>)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.method() == axum::http::Method::GET
        && pages.iter().any(|p| p == request.uri().path())
    {
        let (mut parts, body) = request.into_parts();
        match crate::auth::signed_in(&db, &parts).await {
            Ok((viewer, me)) => {
                // The page's server functions reuse the viewer (see `auth::viewer`); the page
                // renders its header from `Me` without asking again.
                parts.extensions.insert(viewer);
                parts.extensions.insert(me);
                next.run(axum::extract::Request::from_parts(parts, body))
                    .await
            }
            Err(crate::error::Error::App(app::error::AppError::Unauthorized)) => {
                let here = parts.uri.path_and_query().map_or("/usage", |p| p.as_str());
                let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            Err(e) => e.into_response(),
        }
    } else {
        next.run(request).await
    }
}

/// Brotli or gzip for whatever the client accepts: the wasm bundle travels at ~27 % of its
/// size, pages and JSON at a fraction. CSV exports stream uncompressed: Chromium cancelled a
/// compressed streamed download. Quality 5 keeps on-the-fly brotli cheap (a few ms per MB).
fn compression() -> tower_http::compression::CompressionLayer<
    tower_http::compression::predicate::And<
        tower_http::compression::DefaultPredicate,
        tower_http::compression::predicate::NotForContentType,
    >,
> {
    use tower_http::compression::predicate::{NotForContentType, Predicate};
    use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate};
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(5))
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("text/csv")))
}

/// Hourly, on every server (each step is idempotent): expired sessions, idle rate-limit
/// buckets and request log rows past their retention are deleted.
fn start_cleanup(db: DatabaseConnection, retention_days: u32) {
    tokio::spawn(async move {
        let sessions = DbSessionStore { db: db.clone() };
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let now = chrono::Utc::now();
            if let Err(e) = sessions.delete_expired().await {
                tracing::warn!("could not delete expired sessions: {e}");
            }
            if let Err(e) = crate::auth::limit::prune(&db, now).await {
                tracing::warn!("could not prune rate limits: {}", AppError::from(e));
            }
            if let Err(e) = crate::api::log::prune(&db, now, retention_days).await {
                tracing::warn!("could not prune the request log: {}", AppError::from(e));
            }
        }
    });
}

/// Sessions in the database; the cookie is HttpOnly, SameSite=Lax, Secure behind https, and
/// lasts a week of inactivity.
fn session_layer(db: DatabaseConnection, secure: bool) -> SessionManagerLayer<DbSessionStore> {
    let store = DbSessionStore { db };
    SessionManagerLayer::new(store)
        .with_name("cm_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)))
}
