//! The demo's rate cards: its AI features (the templates that send tokens) name a model and
//! are rated by the meter's rule from their tokens, with one price cut part-way through the
//! history; the other features keep sending credits. The versions are written as history
//! (the product refuses a version in the past; the generator writes what was in effect).

use super::catalog::TEMPLATES;
use super::setup::OrgRefs;
use crate::entities::model;
use crate::ingest::rollup::Counted;
use crate::ledger::rate::{Price, RateBook, RateVersion, Usage};
use crate::store;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

/// The models the demo's AI features run on, most used first.
pub const MODELS: [&str; 2] = ["gpt-4o-mini", "claude-3-5-haiku"];

/// The model with a price of its own (above the any-model price).
const PREMIUM: usize = 1;

/// The demo organization's rate book and its models' ids (in [`MODELS`] order).
pub struct DemoRates {
    book: RateBook,
    model_ids: Vec<i64>,
}

/// Credits per 1,000 (input, output) tokens for a feature whose flat price was `milli` per
/// event: the typical event (~1,600 in, ~425 out) comes to about the same.
fn token_price(milli: i64, input: i64, output: i64) -> Price {
    let scale = Decimal::new(milli, 3);
    Price {
        per_1k_input_tokens: (scale * Decimal::new(input, 2)).normalize(),
        per_1k_output_tokens: (scale * Decimal::new(output, 2)).normalize(),
        ..Price::default()
    }
}

/// Writes the models and each AI feature's versions: from `from` (the history's start) the
/// list price and the premium model's own, from `cut` a lower list price.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    refs: &OrgRefs,
    from: DateTime<Utc>,
    cut: DateTime<Utc>,
) -> anyhow::Result<DemoRates> {
    let mut model_ids = Vec::new();
    for name in MODELS {
        let row = model::ActiveModel {
            organization_id: Set(refs.organization_id),
            name: Set(name.to_string()),
            ..Default::default()
        };
        model_ids.push(model::Entity::insert(row).exec(db).await?.last_insert_id);
    }
    let mut versions = Vec::new();
    for t in TEMPLATES.iter().filter(|t| t.tokens) {
        let Some(&(feature_id, _)) = refs.features.get(t.feature) else {
            continue;
        };
        let milli = t.milli_per_unit.0;
        let version = |model: Option<&str>, at, price| RateVersion {
            feature_id,
            model: model.map(str::to_string),
            effective_from: at,
            price,
        };
        versions.extend([
            version(None, from, token_price(milli, 30, 120)),
            version(None, cut, token_price(milli, 25, 100)),
            version(Some(MODELS[PREMIUM]), from, token_price(milli, 40, 160)),
        ]);
    }
    versions.sort_by_key(|v| (v.feature_id, v.model.clone(), v.effective_from));
    versions.dedup_by_key(|v| (v.feature_id, v.model.clone(), v.effective_from));
    for v in &versions {
        store::rates::put(db, refs.organization_id, v, from).await?;
    }
    Ok(DemoRates {
        book: RateBook::new(versions),
        model_ids,
    })
}

impl DemoRates {
    /// Gives an event that sends tokens a model (the first one three times in four) and the
    /// credits its version in effect at `at` rates them at, as ingest would.
    pub fn rate(
        &self,
        rng: &mut ChaCha8Rng,
        e: &mut Counted,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (Some(input_tokens), Some(output_tokens)) = (e.input_tokens, e.output_tokens) else {
            return Ok(());
        };
        let i = usize::from(rng.random_range(0..4) == 0);
        e.model_id = Some(self.model_ids[i]);
        e.rated = true;
        let usage = Usage {
            quantity: e.quantity,
            input_tokens,
            output_tokens,
            cached_input_tokens: 0,
        };
        e.credits = self
            .book
            .price(e.feature_id, Some(MODELS[i]), at)
            .and_then(|p| p.rate(usage))
            .ok_or_else(|| anyhow::anyhow!("a demo AI feature without a price at {at}"))?;
        Ok(())
    }
}
