//! Keyset paging on (key, id), shared by the activity log and the request log: a deep page
//! costs the same as the first, and a cursor is `"<key>_<id>"` of the row it continues from.

use crate::error::Result;
use app::error::AppError;
use app::model::Cursor;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};

/// A time as a key: nanoseconds, as SQLite may store them (PostgreSQL keeps microseconds);
/// a key with less precision than the stored time would skip the rows sharing it.
pub fn time_key(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt()
        .unwrap_or_else(|| t.timestamp_micros().saturating_mul(1_000))
}

pub fn time_of(key: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(key)
}

pub fn encode(key: i64, id: i64) -> String {
    format!("{key}_{id}")
}

pub fn decode(cursor: &str) -> Result<(i64, i64)> {
    let bad = || AppError::invalid("cursor", "is not a cursor from this log");
    let (k, id) = cursor.split_once('_').ok_or_else(bad)?;
    Ok((
        k.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// `(key, id) < (value, id)` (or `>`): a row-value comparison the index serves in one range
/// scan, however deep the page.
pub fn beyond(
    key: Expr,
    id_col: Expr,
    value: sea_orm::Value,
    id: i64,
    descending: bool,
) -> SimpleExpr {
    let row = Expr::tuple([key, id_col]);
    let at = Expr::tuple([Expr::val(value), Expr::val(id)]);
    if descending { row.lt(at) } else { row.gt(at) }
}

/// Which way a page is read: `after` goes back (Previous), `before` continues (Next).
pub fn is_backward(cursor: &Cursor) -> bool {
    cursor.after.is_some()
}

/// The cursor the page starts from, decoded.
pub fn start(cursor: &Cursor) -> Result<Option<(i64, i64)>> {
    cursor
        .after
        .as_deref()
        .or(cursor.before.as_deref())
        .map(decode)
        .transpose()
}

/// A page from `rows` read `size + 1` deep in reading order: the rows in display order and
/// the Next / Previous cursors (`None` where there is no page that way).
pub fn page<T>(
    mut rows: Vec<T>,
    size: u64,
    cursor: &Cursor,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>, Option<String>) {
    let backward = is_backward(cursor);
    // The extra row tells whether another page exists in the reading direction.
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    if backward {
        rows.reverse();
    }
    let (next, prev) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => {
            let next_exists = backward || more;
            let prev_exists = if backward {
                more
            } else {
                cursor.before.is_some()
            };
            (
                next_exists.then(|| key(last)),
                prev_exists.then(|| key(first)),
            )
        }
        _ => (None, None),
    };
    (rows, next, prev)
}
