//! `POST /api/v1/authorize`: may this user spend N credits on feature F now?

use super::auth::{ApiCaller, LoggedEndUser};
use super::{body_error, json_body};
use crate::error::Error;
use crate::ledger::allocation::Decision;
use crate::services::allocations;
use app::credits::Credits;
use app::error::AppError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuthorizeIn {
    /// Member email or end-user external id.
    user: Option<String>,
    feature: String,
    #[schema(value_type = String, example = "2.5")]
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

/// Reads a credits amount given as a JSON number or decimal string.
pub(crate) fn credits_field(body: &Value, field: &str) -> Result<Credits, Error> {
    let text = match body.get(field) {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err(AppError::invalid(field, "is required").into()),
        Some(_) => return Err(AppError::invalid(field, "must be a number or a decimal string").into()),
    };
    Credits::parse(&text).map_err(|e| AppError::invalid(field, e.to_string()).into())
}

pub(crate) fn string_field<'a>(body: &'a Value, field: &str, required: bool) -> Result<Option<&'a str>, Error> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(AppError::invalid(field, "is required").into()),
        Some(_) => Err(AppError::invalid(field, "must be a non-empty string").into()),
    }
}

/// Decide whether a spend is covered by the pool (after all grants) and the user's allocation.
#[utoipa::path(post, path = "/api/v1/authorize", request_body = AuthorizeIn, security(("api_key" = [])),
    responses((status = 200, body = AuthorizeOut), (status = 400), (status = 401)))]
pub async fn post_authorize(State(state): State<super::ApiState>, Extension(caller): Extension<ApiCaller>, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let body = json_body(&body.map_err(body_error)?)?;
    let user = string_field(&body, "user", false)?;
    let feature = string_field(&body, "feature", true)?.unwrap_or_default();
    let credits = credits_field(&body, "credits")?;
    let a = allocations::authorize(&state.db, caller.organization_id, user, feature, credits, Utc::now()).await?;
    let reason = match a.decision {
        Decision::Allowed => "ok",
        Decision::PoolExhausted => "pool_exhausted",
        Decision::AllocationExhausted => "allocation_exhausted",
    };
    let mut response = Json(AuthorizeOut { allowed: a.decision == Decision::Allowed, reason, remaining: a.remaining.to_decimal_string(), pool: a.pool }).into_response();
    if let Some(u) = user {
        response.extensions_mut().insert(LoggedEndUser(u.to_string()));
    }
    Ok(response)
}
