//! Bounds on what a request may cost: sign-in bodies capped before parsing, a timeout on
//! every request, and a limit on requests served at once beyond which the server sheds
//! load (503 with `Retry-After`) instead of queueing without bound.

use crate::config::Config;
use app::error::AppError;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;

/// Signing in, first-run setup and set-password read a few fields: their bodies are capped
/// far below the 2 MB of other requests, before anything parses them.
const SIGN_IN_BODY_LIMIT: usize = 16 * 1024;

pub async fn cap_sign_in_bodies(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !matches!(
        request.uri().path(),
        "/api/login" | "/api/setup" | "/api/set_password"
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, SIGN_IN_BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        }
        Err(_) => crate::error::Error::from(AppError::TooLarge {
            field: "body".into(),
            message: format!("must be at most {SIGN_IN_BODY_LIMIT} bytes"),
        })
        .into_response(),
    }
}

/// `router` with a timeout on every request and a limit on requests in flight.
pub fn bound(router: axum::Router, config: &Config) -> axum::Router {
    router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(overloaded))
            .load_shed()
            .concurrency_limit(config.max_in_flight)
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                config.request_timeout,
            )),
    )
}

async fn overloaded(_: tower::BoxError) -> Response {
    let busy = AppError::unavailable("the server is at its limit of requests in flight", 1);
    crate::error::Error::from(busy).into_response()
}
