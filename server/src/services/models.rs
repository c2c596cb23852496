//! Usage by model: what the usage that named a model (`gpt-4o-mini`…) came to in events,
//! tokens, credits and money, with the compare period's credits. The overview and the flows
//! page show it; usage without a model is not in it.

use super::range::DateRange;
use super::shares::{by_key, with_compare};
use super::usage::{Scope, regroup};
use super::value::{Amounts, Valuer};
use crate::entities::organization;
use crate::error::Result;
use app::credits::Credits;
use app::filter::GroupBy;
use app::model::ModelUsage;
use sea_orm::ConnectionTrait;

/// Every model with usage over `range`, most credits first.
pub async fn by_model<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    range: DateRange,
    compare: Option<DateRange>,
    s: &Scope,
    valuer: &Valuer,
) -> Result<Vec<ModelUsage>> {
    // By feature and day too: each day's credits are valued at their pool's price then.
    let by = [GroupBy::Model, GroupBy::Feature, GroupBy::Day];
    let (detail, before) = with_compare(db, org, range, compare, s, &by).await?;
    let (_, money) = valuer.value(&detail, GroupBy::Model)?;
    let now = regroup(&detail, &[GroupBy::Model], |g| vec![g[0].clone()]);
    let before = before
        .map(|b| regroup(&b, &[GroupBy::Model], |g| vec![g[0].clone()]))
        .as_ref()
        .map(by_key);
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
