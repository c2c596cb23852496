//! The generated OpenAPI document of `/api/v1`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Credit meter API", version = "1", description = "Usage ingest (events priced by the sender, or rated by the meter from their units, tokens and model), balances, authorization, usage reports, the catalog, rates and grants: authenticate with `Authorization: Bearer <api key>` (an organization's key). The platform routes under `/api/platform/v1` provision organizations and take a platform key instead (`server platform-key create`); neither key works on the other's routes."),
    paths(
        super::events::post_events,
        super::balance::get_balance,
        super::authorize::post_authorize,
        super::usage::get_usage,
        super::allocations::put_allocation,
        super::catalog::get_catalog,
        super::catalog::post_grant,
        super::catalog::get_grants,
        super::rates::put_rate,
        super::rates::get_rates,
        super::platform::post_organization,
        super::platform::get_organizations,
        super::platform::put_catalog,
        super::platform::post_api_key,
    ),
    components(schemas(super::events::EventIn)),
    modifiers(&BearerKey, &Overload)
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for scheme in ["api_key", "platform_key"] {
            components.add_security_scheme(
                scheme,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every route may answer 503 (with `Retry-After`) when the server sheds load.
struct Overload;

impl Modify for Overload {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::ResponseBuilder;
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("503".into())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description("overloaded: retry after `Retry-After` seconds")
                            .into()
                    });
            }
        }
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
