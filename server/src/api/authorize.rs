//! `POST /api/v1/authorize`: may this user spend N credits on feature F now?

use super::auth::{ApiCaller, LoggedEndUser};
use super::{body_error, credits_field, json_body, string_field};
use crate::error::Error;
use crate::ledger::allocation::Decision;
use crate::services::allocations;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuthorizeIn {
    /// Member email or end-user external id.
    #[schema(min_length = 1, max_length = 256)]
    user: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    feature: String,
    #[schema(value_type = String, example = "2.5", pattern = r"^[0-9]{1,13}(\.[0-9]{1,3})?$")]
    credits: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuthorizeOut {
    allowed: bool,
    /// `ok`, `pool_exhausted` or `allocation_exhausted`.
    reason: &'static str,
    /// What may still be spent (the smaller of pool and allocation).
    remaining: String,
    pool: String,
}

/// Decide whether a spend is covered by the pool (after all grants) and the user's allocation.
#[utoipa::path(post, path = "/api/v1/authorize", request_body = AuthorizeIn, security(("api_key" = [])),
    responses((status = 200, body = AuthorizeOut), (status = 400), (status = 401)))]
pub async fn post_authorize(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let bytes = body.map_err(body_error)?;
    let body = json_body(&bytes)?;
    let user = string_field(&body, "user", false)?;
    let feature = string_field(&body, "feature", true)?.unwrap_or_default();
    let credits = credits_field(&body, "credits")?;
    let a = allocations::authorize(
        &state.db,
        caller.organization_id,
        user,
        feature,
        credits,
        Utc::now(),
    )
    .await?;
    let reason = match a.decision {
        Decision::Allowed => "ok",
        Decision::PoolExhausted => "pool_exhausted",
        Decision::AllocationExhausted => "allocation_exhausted",
    };
    let mut response = Json(AuthorizeOut {
        allowed: a.decision == Decision::Allowed,
        reason,
        remaining: a.remaining.to_decimal_string(),
        pool: a.pool,
    })
    .into_response();
    if let Some(u) = user {
        response
            .extensions_mut()
            .insert(LoggedEndUser(u.to_string()));
    }
    Ok(response)
}
