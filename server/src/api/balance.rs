//! `GET /api/v1/balance`: every pool's balance as exact decimal strings.

use super::auth::ApiCaller;
use crate::error::Error;
use crate::services::balance::pool_balance;
use crate::store::{organizations, pools};
use axum::Json;
use axum::extract::{Extension, State};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PoolBalanceOut {
    pool: String,
    name: String,
    /// included + purchased + promotional + allowance, live now.
    #[schema(example = "1234.5")]
    remaining: String,
    included: String,
    purchased: String,
    promotional: String,
    allowance: String,
    /// Left on adjustments (corrections that added credits).
    adjusted: String,
    /// Usage beyond every grant in the current period.
    overage: String,
    period_start: NaiveDate,
    /// Last day of the period (inclusive).
    period_end: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceOut {
    pools: Vec<PoolBalanceOut>,
}

/// Balance of every pool of the key's organization.
#[utoipa::path(get, path = "/api/v1/balance", security(("api_key" = [])), responses((status = 200, body = BalanceOut), (status = 401)))]
pub async fn get_balance(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<BalanceOut>, Error> {
    let now = Utc::now();
    let org = organizations::get(&state.db, caller.organization_id).await?;
    let mut out = Vec::new();
    for pool in pools::list(&state.db, org.id).await? {
        let b = pool_balance(&state.db, &org, &pool, now).await?;
        out.push(PoolBalanceOut {
            pool: pool.key.clone(),
            name: pool.name.clone(),
            remaining: b.remaining().to_decimal_string(),
            included: b.included.to_decimal_string(),
            purchased: b.purchased.to_decimal_string(),
            promotional: b.promotional.to_decimal_string(),
            allowance: b.allowance.to_decimal_string(),
            adjusted: b.adjusted.to_decimal_string(),
            overage: b.overage.to_decimal_string(),
            period_start: b.period.start_date,
            period_end: b.period.last_day(),
        });
    }
    Ok(Json(BalanceOut { pools: out }))
}
