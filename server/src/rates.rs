//! Setting and listing rate versions, for the REST API, the command line and the catalog.
//! A version takes effect now or later, never in the past: the ledger of closed history
//! stays as it was burned (corrections are adjustments).

use crate::entities::{feature, rate};
use crate::error::Result;
use crate::ledger::rate::{Price, RateVersion, model_name, parse_price};
use crate::store;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A new version as asked: each price part is decimal text, omitted parts are 0.
#[derive(Clone, Debug, Default)]
pub struct RateInput {
    pub feature: String,
    pub model: Option<String>,
    pub effective_from: Option<DateTime<Utc>>,
    pub per_unit: Option<String>,
    pub per_1k_input_tokens: Option<String>,
    pub per_1k_output_tokens: Option<String>,
    pub per_1k_cached_input_tokens: Option<String>,
    pub minimum: Option<String>,
}

/// A stored version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RateOut {
    #[schema(example = "ai_chat")]
    pub feature: String,
    /// The model this price is for; `null` for any model the feature has no own price for.
    #[schema(example = "gpt-4o-mini")]
    pub model: Option<String>,
    pub effective_from: DateTime<Utc>,
    #[schema(example = "0")]
    pub per_unit: String,
    #[schema(example = "0.15")]
    pub per_1k_input_tokens: String,
    #[schema(example = "0.6")]
    pub per_1k_output_tokens: String,
    #[schema(example = "0.075")]
    pub per_1k_cached_input_tokens: String,
    #[schema(example = "0")]
    pub minimum: String,
    pub created_at: DateTime<Utc>,
}

impl RateOut {
    fn new(r: rate::Model, feature: &str) -> Self {
        RateOut {
            feature: feature.to_string(),
            model: (!r.model.is_empty()).then_some(r.model),
            effective_from: r.effective_from,
            per_unit: r.per_unit,
            per_1k_input_tokens: r.per_1k_input_tokens,
            per_1k_output_tokens: r.per_1k_output_tokens,
            per_1k_cached_input_tokens: r.per_1k_cached_input_tokens,
            minimum: r.minimum,
            created_at: r.created_at,
        }
    }
}

/// The price the input asks for, each part checked under its own name.
fn price(input: &RateInput) -> Result<Price> {
    let part = |field: &str, text: &Option<String>| match text {
        None => Ok(Default::default()),
        Some(t) => parse_price(t).map_err(|e| AppError::invalid(field, e.to_string())),
    };
    Ok(Price {
        per_unit: part("per_unit", &input.per_unit)?,
        per_1k_input_tokens: part("per_1k_input_tokens", &input.per_1k_input_tokens)?,
        per_1k_output_tokens: part("per_1k_output_tokens", &input.per_1k_output_tokens)?,
        per_1k_cached_input_tokens: part(
            "per_1k_cached_input_tokens",
            &input.per_1k_cached_input_tokens,
        )?,
        minimum: part("minimum", &input.minimum)?,
    })
}

fn model(m: &Option<String>) -> Result<Option<String>> {
    m.as_deref()
        .map(|m| model_name(m).map_err(|why| AppError::invalid("model", why).into()))
        .transpose()
}

/// Stores a new version of a feature's price (for a model, or any model).
pub async fn set<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    input: &RateInput,
    now: DateTime<Utc>,
) -> Result<RateOut> {
    let key = input.feature.as_str();
    // A key no feature can have is not looked up (PostgreSQL refuses NUL in text).
    if key.is_empty() || key.len() > 64 || key.chars().any(char::is_control) {
        return Err(AppError::not_found(format!("feature {key:?}")).into());
    }
    let feature = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org_id))
        .filter(feature::Column::Key.eq(input.feature.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("feature {}", input.feature)))?;
    let effective_from = input.effective_from.unwrap_or(now);
    if effective_from < now {
        let why = "must not be in the past: history stays as it was rated (correct it with an adjustment)";
        return Err(AppError::invalid("effective_from", why).into());
    }
    let version = RateVersion {
        feature_id: feature.id,
        model: model(&input.model)?,
        effective_from,
        price: price(input)?,
    };
    let stored = store::rates::put(db, org_id, &version, now).await?;
    Ok(RateOut::new(stored, &feature.key))
}

/// Every feature's versions, by feature key, model and time.
pub async fn list<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<Vec<RateOut>> {
    let keys: HashMap<i64, String> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.key))
        .collect();
    let mut out: Vec<RateOut> = store::rates::list(db, org_id)
        .await?
        .into_iter()
        .map(|r| {
            let key = keys.get(&r.feature_id).cloned().unwrap_or_default();
            RateOut::new(r, &key)
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.feature, &a.model, a.effective_from).cmp(&(&b.feature, &b.model, b.effective_from))
    });
    Ok(out)
}
