//! API-key authentication, and the request log entry for every authenticated (or
//! attributable) request.

use super::ApiState;
use crate::api_keys::hash_key;
use crate::entities::{api_key, request_log};
use crate::error::Error;
use app::error::AppError;
use app::ids::OrgId;
use axum::extract::{OriginalUri, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::time::Instant;

/// Who is calling: resolved from the API key only.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub organization_id: OrgId,
    pub key_id: i64,
    pub prefix: String,
}

/// Set by a handler on its response to name the end user in the request log.
#[derive(Clone, Debug)]
pub struct LoggedEndUser(pub String);

/// The key's row if the bearer token is a live key; else the organization the token's prefix
/// points at (to log the failure there), if any.
async fn lookup(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Result<api_key::Model, Option<api_key::Model>>, Error> {
    let mut parts = token.splitn(3, '_');
    let (Some("cm"), Some(prefix), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err(None));
    };
    let candidates = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .all(db)
        .await?;
    let hash = hash_key(token);
    let mut seen = None;
    for k in candidates {
        if k.secret_hash == hash && k.revoked_at.is_none() {
            return Ok(Ok(k));
        }
        seen = Some(k);
    }
    Ok(Err(seen))
}

pub async fn require_api_key(
    State(state): State<ApiState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // Inside the nested router the path lost its `/api/v1` prefix; log the one called.
    let endpoint = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_string(), |u| u.0.path().to_string());
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let found = match &token {
        Some(t) => match lookup(&state.db, t).await {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        },
        None => Err(None),
    };
    let (key, response) = match found {
        Ok(key) => {
            touch_last_used(&state.db, &key);
            req.extensions_mut().insert(ApiCaller {
                organization_id: key.organization_id,
                key_id: key.id,
                prefix: key.prefix.clone(),
            });
            (Some(key), next.run(req).await)
        }
        Err(known) => (known, Error::from(AppError::Unauthorized).into_response()),
    };
    if let Some(key) = key {
        state.log.record(request_log::ActiveModel {
            organization_id: Set(key.organization_id),
            at: Set(Utc::now()),
            method: Set(method),
            endpoint: Set(endpoint),
            end_user: Set(response
                .extensions()
                .get::<LoggedEndUser>()
                .map(|u| u.0.clone())),
            api_key_prefix: Set(Some(key.prefix)),
            status: Set(response.status().as_u16() as i32),
            latency_us: Set(started.elapsed().as_micros().min(i32::MAX as u128) as i32),
            ..Default::default()
        });
    }
    response
}

/// Records "last used" at most once a minute per key, off the request path.
fn touch_last_used(db: &DatabaseConnection, key: &api_key::Model) {
    let now = Utc::now();
    if key
        .last_used_at
        .is_some_and(|t| now - t < Duration::seconds(60))
    {
        return;
    }
    let (db, org, id) = (db.clone(), key.organization_id, key.id);
    tokio::spawn(async move {
        let _ = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::OrganizationId.eq(org))
            .filter(api_key::Column::Id.eq(id))
            .exec(&db)
            .await;
    });
}
