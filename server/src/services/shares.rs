//! Rows of the "where the credits went" tables: a usage report's groups with their share and
//! the compare period's credits beside them.

use super::usage::UsageReport;
use app::credits::Credits;
use app::model::ShareRow;
use std::collections::HashMap;

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
            })
        })
        .collect()
}
