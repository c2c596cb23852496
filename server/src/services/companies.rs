//! Usage by company: agencies tag each event with the company it was done for, and the
//! overview shows where the credits went per company (with the compare period).

use super::range::DateRange;
use super::shares::{share_rows, with_compare};
use super::usage::Scope;
use crate::entities::{company, organization};
use crate::error::Result;
use app::filter::GroupBy;
use app::model::ShareRow;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Credits per company over `range` (and `compare`), biggest first; empty for an
/// organization without companies (the question is not asked then).
pub async fn by_company<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    range: DateRange,
    compare: Option<DateRange>,
    s: &Scope,
) -> Result<Vec<ShareRow>> {
    let names: HashMap<String, String> = company::Entity::find()
        .filter(company::Column::OrganizationId.eq(org.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key, c.name))
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let (now, before) = with_compare(db, org, range, compare, s, &[GroupBy::Company]).await?;
    let mut rows = share_rows(&now, before.as_ref(), |k| {
        let name = names.get(k).cloned().unwrap_or_else(|| k.to_string());
        (name, None, None)
    });
    rows.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
