//! Usage by team: credits, events and money per team over the range (with the compare
//! period's credits). A member of two teams counts in both rows, as on the users page.

use super::range::DateRange;
use super::shares::{share_rows, with_compare};
use super::usage::{Scope, UsageReport, regroup};
use super::value::{Amounts, Valuer};
use crate::entities::{organization, team};
use crate::error::Result;
use app::filter::GroupBy;
use app::model::ShareRow;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Every team with usage over `range`, biggest first; empty for an organization without
/// teams (the question is not asked then).
pub async fn by_team<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    (range, compare): (DateRange, Option<DateRange>),
    s: &Scope,
    valuer: &Valuer,
) -> Result<Vec<ShareRow>> {
    let teams = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org.id))
        .count(db)
        .await?;
    if teams == 0 {
        return Ok(Vec::new());
    }
    // By feature too: each feature's credits are valued at its pool's price.
    let by = [GroupBy::Team, GroupBy::Feature];
    let (now, before) = with_compare(db, org, range, compare, s, &by).await?;
    let money = valuer.value(&now, GroupBy::Team)?.per;
    let one = |r: &UsageReport| regroup(r, &[GroupBy::Team], |g| vec![g[0].clone()]);
    let (now, before) = (one(&now), before.as_ref().map(one));
    let mut rows = share_rows(&now, before.as_ref(), |k| (k.to_string(), None, None));
    for r in &mut rows {
        r.money = money.get(&r.key).and_then(Amounts::single);
    }
    rows.sort_by(|a, b| b.credits.cmp(&a.credits).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
