//! The organization's own catalog and grants: `GET /api/v1/catalog`, `POST /api/v1/grants`,
//! `GET /api/v1/grants`.

use super::auth::ApiCaller;
use super::{body_error, typed_body};
use crate::error::Error;
use crate::grants::{self, NewGrant};
use app::catalog::{CatalogDoc, Decimal};
use app::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The key's organization's catalog: every pool, category, feature and team not archived.
#[utoipa::path(get, path = "/api/v1/catalog", security(("api_key" = [])),
    responses((status = 200, body = CatalogDoc), (status = 401)))]
pub async fn get_catalog(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<CatalogDoc>, Error> {
    Ok(Json(
        crate::catalog::show(&state.db, caller.organization_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    /// Pool key.
    #[schema(example = "ai_credits", min_length = 1, max_length = 64)]
    pool: String,
    /// `promotional`, `allowance`, `adjustment` (credits added as a correction) or `debit`
    /// (credits taken from the pool's grants in burn order as a correction, never past what
    /// it holds); a correction needs its reason in `description` and never expires.
    #[schema(example = "promotional")]
    kind: String,
    /// More than 0, at most 1000000000000, at most 3 decimals.
    #[schema(value_type = String, example = "500", pattern = r"^[0-9]{1,13}(\.[0-9]{1,3})?$")]
    credits: Decimal,
    /// RFC 3339; in the future. Missing: never expires.
    #[schema(example = "2027-01-31T23:59:59Z")]
    expires_at: Option<String>,
    /// 0–1000, lower burns first; default 10 for allowance, 20 for the others.
    #[schema(example = 20)]
    priority: Option<i32>,
    /// At most 200 characters.
    #[schema(example = "Launch promotion")]
    description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GrantOut {
    id: i64,
    pool: String,
    /// included, purchased, promotional, allowance or adjustment (a debit: negative
    /// `original`, nothing remaining).
    kind: String,
    description: String,
    granted_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    priority: i32,
    #[schema(example = "500")]
    original: String,
    #[schema(example = "500")]
    remaining: String,
    /// active, exhausted, expired or voided (as of now).
    status: String,
}

impl GrantOut {
    fn new(g: &crate::entities::grant::Model, pool: &str, now: DateTime<Utc>) -> Self {
        GrantOut {
            id: g.id,
            pool: pool.to_string(),
            kind: g.kind.to_string(),
            description: g.description.clone(),
            granted_at: g.granted_at,
            expires_at: g.expires_at,
            priority: g.priority,
            original: app::credits::Credits(g.original_milli).to_decimal_string(),
            remaining: app::credits::Credits(g.remaining_milli).to_decimal_string(),
            status: sea_orm::ActiveEnum::to_value(&crate::services::credits::status_now(g, now)),
        }
    }
}

/// An RFC 3339 time field.
pub(crate) fn time_field(field: &str, text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AppError::invalid(
                field,
                "must be an RFC 3339 time such as 2027-01-31T23:59:59Z",
            )
            .into()
        })
}

/// Give promotional credits or an allowance; usable at once.
#[utoipa::path(post, path = "/api/v1/grants", request_body = GrantIn, security(("api_key" = [])),
    responses((status = 201, body = GrantOut), (status = 400), (status = 401)))]
pub async fn post_grant(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<GrantOut>), Error> {
    let g: GrantIn = typed_body(&body.map_err(body_error)?)?;
    let credits = app::credits::Credits::parse(&g.credits.0)
        .map_err(|e| AppError::invalid("credits", e.to_string()))?;
    let expires_at = g
        .expires_at
        .as_deref()
        .map(|t| time_field("expires_at", t))
        .transpose()?;
    let now = Utc::now();
    let new = NewGrant {
        pool: g.pool,
        kind: g.kind,
        credits,
        expires_at,
        priority: g.priority,
        description: g.description,
    };
    let txn = state.db.begin().await?;
    let (row, pool) = grants::add(&txn, caller.organization_id, &new, now).await?;
    crate::audit::record(
        &txn,
        caller.organization_id,
        &crate::audit::Actor::named(format!("API key {}", caller.prefix)),
        "add_grant",
        &format!(
            "{} {} credits to {}",
            row.kind,
            credits.to_decimal_string(),
            pool.key
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(GrantOut::new(&row, &pool.key, now)),
    ))
}

/// Every grant of the organization, newest first.
#[utoipa::path(get, path = "/api/v1/grants", security(("api_key" = [])),
    responses((status = 200, body = [GrantOut]), (status = 401)))]
pub async fn get_grants(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<Vec<GrantOut>>, Error> {
    let now = Utc::now();
    let rows = grants::list(&state.db, caller.organization_id).await?;
    Ok(Json(
        rows.iter()
            .map(|(g, pool)| GrantOut::new(g, pool, now))
            .collect(),
    ))
}
