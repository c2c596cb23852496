//! Rows of the "where the credits went" tables: a usage report's groups with their share and
//! the compare period's credits beside them.

use super::range::DateRange;
use super::usage::{Scope, UsageReport, usage_scoped};
use crate::entities::organization;
use crate::error::Result;
use app::credits::Credits;
use app::filter::GroupBy;
use app::model::ShareRow;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// Usage grouped by `group` over `range` and, side by side, over the compare range.
pub(super) async fn with_compare<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    range: DateRange,
    compare: Option<DateRange>,
    s: &Scope,
    group: &[GroupBy],
) -> Result<(UsageReport, Option<UsageReport>)> {
    let before = async {
        match compare {
            Some(c) => usage_scoped(db, org, c, s, group).await.map(Some),
            None => Ok(None),
        }
    };
    futures::try_join!(usage_scoped(db, org, range, s, group), before)
}

/// Each row's first group key → its (credits, events, quantity).
pub(super) fn by_key(r: &UsageReport) -> HashMap<String, (Credits, i64, i64)> {
    r.rows
        .iter()
        .filter_map(|row| {
            Some((
                r.leading(row)?.to_string(),
                (row.credits, row.events, row.quantity),
            ))
        })
        .collect()
}

/// The rows of a by-X table: each key named by `name`, with the compare period's credits.
pub(super) fn share_rows(
    now: &UsageReport,
    before: Option<&UsageReport>,
    name: impl Fn(&str) -> (String, Option<String>, Option<String>),
) -> Vec<ShareRow> {
    let before = before.map(by_key);
    now.rows
        .iter()
        .filter_map(|row| {
            let key = now.leading(row)?.to_string();
            let (name, category, unit) = name(&key);
            Some(ShareRow {
                compare_credits: before
                    .as_ref()
                    .map(|b| b.get(&key).map_or(Credits::ZERO, |x| x.0)),
                key,
                name,
                category,
                credits: row.credits,
                events: row.events,
                quantity: row.quantity,
                unit,
                money: None,
            })
        })
        .collect()
}
