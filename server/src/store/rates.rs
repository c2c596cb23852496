//! An organization's rate versions: read for a batch's features (once per batch), listed,
//! and stored one version at a time.

use crate::entities::rate;
use crate::error::Result;
use crate::ledger::rate::{Price, RateVersion, parse_price};
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// The stored price of a version (checked when it was stored).
pub fn price_of(r: &rate::Model) -> Result<Price> {
    let part = |text: &str| {
        parse_price(text).map_err(|e| AppError::internal(format!("stored rate {}: {e}", r.id)))
    };
    Ok(Price {
        per_unit: part(&r.per_unit)?,
        per_1k_input_tokens: part(&r.per_1k_input_tokens)?,
        per_1k_output_tokens: part(&r.per_1k_output_tokens)?,
        per_1k_cached_input_tokens: part(&r.per_1k_cached_input_tokens)?,
        minimum: part(&r.minimum)?,
    })
}

/// The version as the ledger reads it ("" is the any-model price).
pub fn version_of(r: &rate::Model) -> Result<RateVersion> {
    Ok(RateVersion {
        feature_id: r.feature_id,
        model: (!r.model.is_empty()).then(|| r.model.clone()),
        effective_from: r.effective_from,
        price: price_of(r)?,
    })
}

/// Every version of the given features.
pub async fn for_features<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    feature_ids: &[i64],
) -> Result<Vec<RateVersion>> {
    if feature_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = rate::Entity::find()
        .filter(rate::Column::OrganizationId.eq(org_id))
        .filter(rate::Column::FeatureId.is_in(feature_ids.iter().copied()))
        .all(db)
        .await?;
    rows.iter().map(version_of).collect()
}

/// Every version, by feature, model and time.
pub async fn list<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<Vec<rate::Model>> {
    Ok(rate::Entity::find()
        .filter(rate::Column::OrganizationId.eq(org_id))
        .order_by_asc(rate::Column::FeatureId)
        .order_by_asc(rate::Column::Model)
        .order_by_asc(rate::Column::EffectiveFrom)
        .all(db)
        .await?)
}

/// Stores a version; one at the same (feature, model, time) is replaced (it has not taken
/// effect: versions are only made for now or later).
pub async fn put<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    v: &RateVersion,
    now: DateTime<Utc>,
) -> Result<rate::Model> {
    let text = |d: rust_decimal::Decimal| Set(d.normalize().to_string());
    let model = v.model.clone().unwrap_or_default();
    let row = rate::ActiveModel {
        organization_id: Set(org_id),
        feature_id: Set(v.feature_id),
        model: Set(model.clone()),
        effective_from: Set(v.effective_from),
        per_unit: text(v.price.per_unit),
        per_1k_input_tokens: text(v.price.per_1k_input_tokens),
        per_1k_output_tokens: text(v.price.per_1k_output_tokens),
        per_1k_cached_input_tokens: text(v.price.per_1k_cached_input_tokens),
        minimum: text(v.price.minimum),
        created_at: Set(now),
        ..Default::default()
    };
    use rate::Column as C;
    rate::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([C::OrganizationId, C::FeatureId, C::Model, C::EffectiveFrom])
                .update_columns([
                    C::PerUnit,
                    C::Per1kInputTokens,
                    C::Per1kOutputTokens,
                    C::Per1kCachedInputTokens,
                    C::Minimum,
                    C::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    rate::Entity::find()
        .filter(C::OrganizationId.eq(org_id))
        .filter(C::FeatureId.eq(v.feature_id))
        .filter(C::Model.eq(model))
        .filter(C::EffectiveFrom.eq(v.effective_from))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("the stored rate is gone").into())
}
