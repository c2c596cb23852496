//! The versioned REST API under `/api/v1`, for the SaaS that sells the credits. Every route
//! but the OpenAPI document needs `Authorization: Bearer <api key>`; the key decides the
//! organization, never the request body. Handlers are thin: they parse, then call the same
//! services the dashboard uses.

mod allocations;
pub mod auth;
mod authorize;
mod balance;
mod catalog;
mod events;
pub mod log;
pub mod openapi;
mod platform;
mod rates;
mod usage;

use crate::error::Error;
use crate::ingest::wire::{self, Object};
use app::error::AppError;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{Router, middleware};
use sea_orm::DatabaseConnection;

/// Request bodies above this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub config: std::sync::Arc<crate::config::Config>,
    pub log: log::RequestLogger,
    pub ingest: crate::ingest::queue::IngestQueue,
}

pub fn router<S: Clone + Send + Sync + 'static>(state: ApiState) -> Router<S> {
    let protected = Router::new()
        .route("/events", post(events::post_events))
        .route("/balance", get(balance::get_balance))
        .route("/authorize", post(authorize::post_authorize))
        .route("/usage", get(usage::get_usage))
        .route("/allocations/{end_user}", put(allocations::put_allocation))
        .route("/catalog", get(catalog::get_catalog))
        .route("/rates", get(rates::get_rates))
        .route("/rates/{feature}", put(rates::put_rate))
        .route(
            "/grants",
            post(catalog::post_grant).get(catalog::get_grants),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let v1 = Router::new()
        .route("/openapi.json", get(openapi::document))
        .merge(protected)
        .fallback(not_found);
    let platform = Router::new()
        .route(
            "/organizations",
            post(platform::post_organization).get(platform::get_organizations),
        )
        .route("/organizations/{slug}/catalog", put(platform::put_catalog))
        .route(
            "/organizations/{slug}/api-keys",
            post(platform::post_api_key),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            platform::require_platform_key,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", v1)
        .nest("/api/platform/v1", platform)
        .with_state(state)
}

async fn not_found() -> Error {
    AppError::not_found("API route").into()
}

/// Parses a JSON body into a request type; a problem names the field it is in
/// (`catalog.features[2].pool`), or `body`.
pub(crate) fn typed_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." {
            "body".to_string()
        } else {
            path
        };
        AppError::invalid(field, e.into_inner().to_string()).into()
    })
}

/// Parses a JSON object body, naming `body` when it is not one.
/// Numbers keep their text, so credits sent as JSON numbers stay exact.
pub(crate) fn json_body(bytes: &[u8]) -> Result<Object<'_>, Error> {
    match wire::object(bytes) {
        Ok(Some(o)) => Ok(o),
        Ok(None) => Err(AppError::invalid("body", "must be a JSON object").into()),
        Err(e) => Err(AppError::invalid("body", format!("malformed JSON: {e}")).into()),
    }
}

/// A credits field of a body, with the same rules as an event's `credits`.
pub(crate) fn credits_field(
    body: &Object<'_>,
    field: &str,
) -> Result<app::credits::Credits, Error> {
    crate::ingest::validate::credits(body, field).map_err(|e| AppError::invalid(field, e).into())
}

/// A string field of a body, with the same rules as an event's string fields.
pub(crate) fn string_field<'a>(
    body: &'a Object<'_>,
    field: &str,
    required: bool,
) -> Result<Option<&'a str>, Error> {
    crate::ingest::validate::text(body, field, 256, required)
        .map_err(|e| AppError::invalid(field, e).into())
}

/// Maps axum's body rejections (too large, unreadable) to our JSON errors.
pub(crate) fn body_error(r: axum::extract::rejection::BytesRejection) -> Error {
    if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge {
            field: "body".into(),
            message: format!("must be at most {MAX_BODY_BYTES} bytes"),
        }
        .into()
    } else {
        AppError::invalid("body", r.body_text()).into()
    }
}
