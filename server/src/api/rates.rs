//! `PUT /api/v1/rates/{feature}` (a new version of a feature's price) and
//! `GET /api/v1/rates` (every feature's versions).

use super::auth::ApiCaller;
use super::{body_error, typed_body};
use crate::error::Error;
use crate::rates::{self, RateInput, RateOut};
use app::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

/// A price version. Every part is a decimal string (0 to 1000000 credits, at most 9
/// decimals); an omitted part is 0.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIn {
    /// The model this price is for (at most 128 characters); `null` or omitted: any model.
    #[schema(example = "gpt-4o-mini")]
    model: Option<String>,
    /// RFC 3339, now or later; default now.
    #[schema(example = "2027-01-01T00:00:00Z")]
    effective_from: Option<String>,
    /// Credits per unit of `quantity`.
    #[schema(example = "0")]
    per_unit: Option<String>,
    #[schema(example = "0.15")]
    per_1k_input_tokens: Option<String>,
    #[schema(example = "0.6")]
    per_1k_output_tokens: Option<String>,
    #[schema(example = "0.075")]
    per_1k_cached_input_tokens: Option<String>,
    /// The least an event is rated at.
    #[schema(example = "0")]
    minimum: Option<String>,
}

fn rfc3339(field: &str, text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AppError::invalid(
                field,
                "must be an RFC 3339 time such as 2027-01-01T00:00:00Z",
            )
            .into()
        })
}

/// Add a version of the feature's price; one at the same feature, model and time is replaced.
#[utoipa::path(put, path = "/api/v1/rates/{feature}", request_body = RateIn, security(("api_key" = [])),
    params(("feature" = String, Path, description = "feature key")),
    responses((status = 200, body = RateOut), (status = 400), (status = 401), (status = 404)))]
pub async fn put_rate(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(feature): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RateOut>, Error> {
    let bytes = body.map_err(body_error)?;
    let r: RateIn = typed_body(&bytes)?;
    let input = RateInput {
        feature,
        model: r.model,
        effective_from: r
            .effective_from
            .map(|t| rfc3339("effective_from", &t))
            .transpose()?,
        per_unit: r.per_unit,
        per_1k_input_tokens: r.per_1k_input_tokens,
        per_1k_output_tokens: r.per_1k_output_tokens,
        per_1k_cached_input_tokens: r.per_1k_cached_input_tokens,
        minimum: r.minimum,
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let out = rates::set(&txn, caller.organization_id, &input, Utc::now()).await?;
    txn.commit().await?;
    Ok(Json(out))
}

/// Every feature's price versions, by feature, model and time.
#[utoipa::path(get, path = "/api/v1/rates", security(("api_key" = [])),
    responses((status = 200, body = Vec<RateOut>), (status = 401)))]
pub async fn get_rates(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<Vec<RateOut>>, Error> {
    Ok(Json(rates::list(&state.db, caller.organization_id).await?))
}
