//! `PUT /api/v1/allocations/{end_user}`: set an end user's cap per period in a pool.

use super::auth::{ApiCaller, LoggedEndUser};
use super::{body_error, credits_field, json_body, string_field};
use crate::error::Error;
use crate::services::allocations;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AllocationIn {
    /// Pool key; defaults to `ai_credits` (or the first pool).
    #[schema(min_length = 1, max_length = 64)]
    pool: Option<String>,
    /// Cap per billing period.
    #[schema(value_type = String, example = "500", pattern = r"^[0-9]{1,13}(\.[0-9]{1,3})?$")]
    credits: String,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationOut {
    end_user: String,
    pool: String,
    cap: String,
    used: String,
    remaining: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
}

/// Set (or change) an end user's allocation; the end user is registered if new.
#[utoipa::path(put, path = "/api/v1/allocations/{end_user}", request_body = AllocationIn, security(("api_key" = [])),
    params(("end_user" = String, Path, description = "end-user external id")),
    responses((status = 200, body = AllocationOut), (status = 400), (status = 401)))]
pub async fn put_allocation(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(end_user): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let bytes = body.map_err(body_error)?;
    let body = json_body(&bytes)?;
    let pool = string_field(&body, "pool", false)?;
    let cap = credits_field(&body, "credits")?;
    let a = allocations::set_end_user_cap(
        &state.db,
        caller.organization_id,
        &end_user,
        pool,
        cap,
        Utc::now(),
    )
    .await?;
    let mut response = Json(AllocationOut {
        end_user: end_user.clone(),
        pool: a.pool,
        cap: a.cap.to_decimal_string(),
        used: a.used.to_decimal_string(),
        remaining: a.remaining.to_decimal_string(),
        period_start: a.period.start_date,
        period_end: a.period.last_day(),
    })
    .into_response();
    response.extensions_mut().insert(LoggedEndUser(end_user));
    Ok(response)
}
