//! The platform API under `/api/platform/v1`, for the vendor's automation: provision
//! organizations, apply their catalogs, make their API keys. Authenticated with a platform
//! key (`server platform-key create`); an organization's API key is refused here.

use super::{body_error, typed_body};
use crate::audit::Actor;
use crate::entities::{organization, platform_key};
use crate::error::Error;
use crate::provision::{self, NewOrganization};
use app::catalog::{CatalogDoc, CatalogReport};
use app::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Lets only a live platform key through; it names the actor of the audit log.
pub async fn require_platform_key(
    State(state): State<super::ApiState>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let key = match token {
        Some(t) => crate::platform_keys::verify(&state.db, t).await,
        None => Ok(None),
    };
    match key {
        Ok(Some(k)) => {
            req.extensions_mut().insert(k);
            next.run(req).await
        }
        Ok(None) => Error::from(AppError::Unauthorized).into_response(),
        Err(e) => e.into_response(),
    }
}

fn actor(key: &platform_key::Model) -> Actor {
    Actor::named(format!("platform key {}", key.prefix))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationIn {
    /// 1–40 of a-z, 0-9 and -.
    #[schema(example = "trial")]
    slug: String,
    #[schema(example = "Trial Co")]
    name: String,
    /// IANA time zone of the organization's days and periods; default UTC.
    #[schema(example = "Europe/Berlin")]
    time_zone: Option<String>,
    /// Day of the month billing periods start, 1–28; default 1.
    #[schema(example = 1)]
    anchor_day: Option<u32>,
    /// The first owner: answered with a one-time link to choose a password.
    #[schema(example = "owner@trial.example")]
    owner_email: Option<String>,
    #[schema(example = "Olivia Owner")]
    owner_name: Option<String>,
    catalog: Option<CatalogDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationOut {
    slug: String,
    name: String,
    time_zone: String,
    anchor_day: i32,
    created_at: DateTime<Utc>,
}

impl From<&organization::Model> for OrganizationOut {
    fn from(o: &organization::Model) -> Self {
        OrganizationOut {
            slug: o.slug.clone(),
            name: o.name.clone(),
            time_zone: o.time_zone.clone(),
            anchor_day: o.period_anchor_day,
            created_at: o.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OwnerOut {
    email: String,
    /// Open once to choose a password; valid for 7 days.
    set_password_url: String,
    expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedOut {
    organization: OrganizationOut,
    catalog: Option<CatalogReport>,
    owner: Option<OwnerOut>,
}

/// Where users reach the dashboard: `PUBLIC_URL`, else the host this request came to.
fn base_url(config: &crate::config::Config, headers: &HeaderMap) -> String {
    if let Some(u) = &config.public_url {
        return u.clone();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    format!("http://{host}")
}

/// Create an organization, optionally with its catalog and an invited owner.
#[utoipa::path(post, path = "/api/platform/v1/organizations", request_body = OrganizationIn,
    security(("platform_key" = [])),
    responses((status = 201, body = CreatedOut), (status = 400), (status = 401)))]
pub async fn post_organization(
    State(state): State<super::ApiState>,
    Extension(key): Extension<platform_key::Model>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedOut>), Error> {
    let o: OrganizationIn = typed_body(&body.map_err(body_error)?)?;
    let new = NewOrganization {
        slug: o.slug,
        name: o.name,
        time_zone: o.time_zone,
        anchor_day: o.anchor_day,
        catalog: o.catalog,
        owner_email: o.owner_email,
        owner_name: o.owner_name,
    };
    let now = Utc::now();
    let made = provision::create_organization(&state.db, &new, &actor(&key), now)
        .await
        .map_err(|e| e.rename_field(in_catalog))?;
    let base = base_url(&state.config, &headers);
    let owner = made.owner.map(|(u, token)| OwnerOut {
        email: u.email,
        set_password_url: crate::accounts::set_password_url(&base, &token),
        expires_at: now + chrono::Duration::days(crate::accounts::LINK_DAYS),
    });
    Ok((
        StatusCode::CREATED,
        Json(CreatedOut {
            organization: (&made.organization).into(),
            catalog: made.catalog,
            owner,
        }),
    ))
}

/// A catalog problem's field, as the request body names it (`catalog.features[2].pool`).
fn in_catalog(field: &str) -> Option<String> {
    ["pools[", "categories[", "features[", "teams["]
        .iter()
        .any(|t| field.starts_with(t))
        .then(|| format!("catalog.{field}"))
}

/// Every organization of this meter.
#[utoipa::path(get, path = "/api/platform/v1/organizations", security(("platform_key" = [])),
    responses((status = 200, body = [OrganizationOut]), (status = 401)))]
pub async fn get_organizations(
    State(state): State<super::ApiState>,
) -> Result<Json<Vec<OrganizationOut>>, Error> {
    let rows = organization::Entity::find()
        .order_by_asc(organization::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Json(rows.iter().map(OrganizationOut::from).collect()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DryRun {
    /// `true`: answer what would change, change nothing.
    dry_run: Option<bool>,
}

/// `?dry_run=true|false` (or absent); anything else is refused naming the parameter.
fn dry_run(query: Option<&str>) -> Result<bool, Error> {
    let mut out = false;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("dry_run", "true" | "1") => out = true,
            ("dry_run", "false" | "0") => out = false,
            ("dry_run", _) => {
                return Err(AppError::invalid("dry_run", "must be true or false").into());
            }
            (other, _) => {
                return Err(AppError::invalid(other, "is not a parameter of this route").into());
            }
        }
    }
    Ok(out)
}

/// Apply a catalog document (idempotent): answers what was added, changed, archived, removed.
#[utoipa::path(put, path = "/api/platform/v1/organizations/{slug}/catalog", request_body = CatalogDoc,
    security(("platform_key" = [])),
    params(("slug" = String, Path, description = "organization slug"), DryRun),
    responses((status = 200, body = CatalogReport), (status = 400), (status = 401), (status = 404)))]
pub async fn put_catalog(
    State(state): State<super::ApiState>,
    Extension(key): Extension<platform_key::Model>,
    Path(slug): Path<String>,
    uri: axum::http::Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CatalogReport>, Error> {
    let dry = dry_run(uri.query())?;
    let doc: CatalogDoc = typed_body(&body.map_err(body_error)?)?;
    let org = crate::store::organizations::by_slug(&state.db, &slug).await?;
    let txn = state.db.begin().await?;
    let report = crate::catalog::apply(&txn, &org, &doc, dry, &actor(&key), Utc::now()).await?;
    txn.commit().await?;
    Ok(Json(report))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyIn {
    /// 1–100 characters.
    #[schema(example = "production")]
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeyOut {
    id: i64,
    name: String,
    prefix: String,
    /// The whole key: shown once, never again.
    secret: String,
}

/// Create an API key of the organization; its secret is answered once.
#[utoipa::path(post, path = "/api/platform/v1/organizations/{slug}/api-keys", request_body = KeyIn,
    security(("platform_key" = [])),
    params(("slug" = String, Path, description = "organization slug")),
    responses((status = 201, body = KeyOut), (status = 400), (status = 401), (status = 404)))]
pub async fn post_api_key(
    State(state): State<super::ApiState>,
    Extension(key): Extension<platform_key::Model>,
    Path(slug): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<KeyOut>), Error> {
    let k: KeyIn = typed_body(&body.map_err(body_error)?)?;
    let org = crate::store::organizations::by_slug(&state.db, &slug).await?;
    let txn = state.db.begin().await?;
    let made = crate::api_keys::create_for(&txn, org.id, &k.name, None).await?;
    let detail = format!("key {} ({})", made.prefix, k.name.trim());
    crate::audit::record(
        &txn,
        org.id,
        &actor(&key),
        "create_api_key",
        &detail,
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyOut {
            id: made.id,
            name: k.name.trim().to_string(),
            prefix: made.prefix,
            secret: made.secret,
        }),
    ))
}
