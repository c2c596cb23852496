//! The generated OpenAPI document of `/api/v1`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Credit meter API", version = "1", description = "Usage ingest, balances, authorization and usage reports. Authenticate with `Authorization: Bearer <api key>`."),
    paths(
        super::events::post_events,
        super::balance::get_balance,
        super::authorize::post_authorize,
        super::usage::get_usage,
        super::allocations::put_allocation,
    ),
    modifiers(&BearerKey)
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
