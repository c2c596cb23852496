//! Rates the events their senders left unpriced: the versions of the batch's features are
//! read once, each event gets the price in effect at its time for its model (else for any
//! model). An event with no price in effect is refused alone, naming `credits`.

use super::IngestOutcome;
use super::Validated;
use super::validate::{MAX_EVENT_CREDITS, Rejection, ValidEvent};
use crate::entities::feature;
use crate::error::Result;
use crate::ledger::rate::{RateBook, Usage};
use app::ids::OrgId;
use sea_orm::ConnectionTrait;
use std::collections::{HashMap, HashSet};

/// Sets the credits of every unpriced event on a known feature; answers the (batch, index)
/// of those it refused. Rating is deterministic, so batches applied again rate the same.
pub(super) async fn rate_unpriced<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    features: &HashMap<String, feature::Model>,
    batches: &mut [Validated],
    outs: &mut [IngestOutcome],
) -> Result<HashSet<(usize, usize)>> {
    let mut ids: Vec<i64> = batches
        .iter()
        .flat_map(|b| &b.valid)
        .filter(|e| !e.priced_by_sender)
        .filter_map(|e| features.get(&e.feature).map(|f| f.id))
        .collect();
    let mut refused = HashSet::new();
    if ids.is_empty() {
        return Ok(refused);
    }
    ids.sort_unstable();
    ids.dedup();
    let book = RateBook::new(crate::store::rates::for_features(db, org_id, &ids).await?);
    for e in batches.iter_mut().flat_map(|b| &mut b.valid) {
        // An unknown feature is refused for its feature when the events are placed.
        let Some(f) = features.get(&e.feature).filter(|_| !e.priced_by_sender) else {
            continue;
        };
        if let Err(why) = rate(&book, f.id, e) {
            let r = Rejection::new(e.index, Some(&e.id), "credits", why);
            outs[e.batch].rejected.push(r);
            refused.insert((e.batch, e.index));
        }
    }
    Ok(refused)
}

/// The event's credits by the book, or why it has none.
fn rate(book: &RateBook, feature_id: i64, e: &mut ValidEvent) -> Result<(), String> {
    let Some(price) = book.price(feature_id, e.model.as_deref(), e.at) else {
        let model = e
            .model
            .as_ref()
            .map_or(String::new(), |m| format!(" (model {m:?})"));
        return Err(format!(
            "is required: feature {:?}{model} has no rate in effect at {}",
            e.feature,
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ));
    };
    let usage = Usage {
        quantity: e.quantity,
        input_tokens: e.input_tokens.unwrap_or(0),
        output_tokens: e.output_tokens.unwrap_or(0),
        cached_input_tokens: e.cached_input_tokens.unwrap_or(0),
    };
    match price.rate(usage) {
        Some(c) if c <= MAX_EVENT_CREDITS => {
            e.credits = c;
            Ok(())
        }
        _ => Err(format!(
            "rated above the most an event may cost ({})",
            MAX_EVENT_CREDITS.to_decimal_string()
        )),
    }
}
