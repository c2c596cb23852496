//! Usage by model: what the usage that named a model (`gpt-4o-mini`…) came to in events,
//! tokens, credits and money, with the compare period's credits. The overview and the flows
//! page fold it from a report they ask anyway (grouped by model and feature among others);
//! usage without a model is not in it.

use super::shares::by_key;
use super::usage::{UsageReport, regroup};
use super::value::{Amounts, Valuer};
use crate::error::Result;
use app::credits::Credits;
use app::filter::GroupBy;
use app::model::ModelUsage;

/// Every model of `now` (a report grouped by model and feature), most credits first, with
/// `before`'s credits beside.
pub fn by_model(
    now: &UsageReport,
    before: Option<&UsageReport>,
    valuer: &Valuer,
) -> Result<Vec<ModelUsage>> {
    let money = valuer.value(now, GroupBy::Model)?.per;
    let model = |r: &UsageReport| {
        let i = r.group_by.iter().position(|g| *g == GroupBy::Model);
        regroup(r, &[GroupBy::Model], move |g| {
            vec![i.and_then(|i| g.get(i).cloned()).flatten()]
        })
    };
    let (now, before) = (model(now), before.map(model));
    let before = before.as_ref().map(by_key);
    Ok(now
        .rows
        .iter()
        .filter_map(|row| {
            let model = now.leading(row)?;
            Some(ModelUsage {
                model: model.to_string(),
                events: row.events,
                input_tokens: row.tokens.map(|t| t.0),
                output_tokens: row.tokens.map(|t| t.1),
                credits: row.credits,
                compare_credits: before
                    .as_ref()
                    .map(|b| b.get(model).map_or(Credits::ZERO, |x| x.0)),
                money: money.get(model).and_then(Amounts::single),
            })
        })
        .collect())
}
