//! Billing period records: per period, what was included, purchased, used, expired and used
//! by end users — derived from grants, purchases and the daily rollup, so they can never
//! disagree with the ledger.

use super::balance::org_tz;
use super::range::DateRange;
use super::usage::{Scope, UsageRow, daily_totals};
use crate::entities::{grant, organization, pool, purchase};
use crate::error::Result;
use crate::ledger::{self, GrantKind, Period};
use app::credits::Credits;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRecord {
    pub period: Period,
    pub included: Credits,
    pub purchased: Credits,
    pub used: Credits,
    pub overage: Credits,
    /// Left on grants that expired during the period (only once expired).
    pub expired: Credits,
    pub end_user_used: Credits,
    pub current: bool,
}

/// The current period and up to `previous` before it, newest first.
pub async fn period_records<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    pool: &pool::Model,
    previous: usize,
    now: DateTime<Utc>,
) -> Result<Vec<PeriodRecord>> {
    let org_id = org.id;
    let tz = org_tz(org)?;
    let anchor = org.period_anchor_day as u32;
    let mut periods = vec![ledger::period_containing(anchor, tz, now)];
    for _ in 0..previous {
        let before = periods[periods.len() - 1].previous(anchor, tz);
        periods.push(before);
    }
    // Use of every period from two day-grouped queries over the whole span (not two per period).
    let span = DateRange {
        from: DateRange::of_period(&periods[periods.len() - 1]).from,
        to: DateRange::of_period(&periods[0]).to,
    };
    let (all_scope, end_user_scope) = (Scope::pool(pool.id), Scope::pool_end_users(pool.id));
    // Independent reads, side by side on pooled connections.
    let (grants, purchases, all_days, end_user_days) = futures::try_join!(
        async {
            let grants = grant::Entity::find()
                .filter(grant::Column::OrganizationId.eq(org_id))
                .filter(grant::Column::PoolId.eq(pool.id))
                .filter(grant::Column::Status.ne("voided"))
                .all(db)
                .await;
            Ok::<_, crate::error::Error>(grants?)
        },
        async {
            let purchases = purchase::Entity::find()
                .filter(purchase::Column::OrganizationId.eq(org_id))
                .filter(purchase::Column::PoolId.eq(pool.id))
                .all(db)
                .await;
            Ok(purchases?)
        },
        daily_totals(db, org_id, span, &all_scope),
        daily_totals(db, org_id, span, &end_user_scope)
    )?;
    let within = |days: &[(chrono::NaiveDate, UsageRow)], r: DateRange| {
        let mut sum = (Credits::ZERO, Credits::ZERO);
        for (_, row) in days.iter().filter(|(d, _)| *d >= r.from && *d <= r.to) {
            sum.0 += row.credits;
            sum.1 += row.overage;
        }
        sum
    };
    let mut out = Vec::new();
    for (i, p) in periods.into_iter().enumerate() {
        let in_period = |t: DateTime<Utc>| t >= p.start && t < p.end;
        let included_grants: Vec<&grant::Model> = grants
            .iter()
            .filter(|g| g.kind == GrantKind::Included.as_str() && in_period(g.granted_at))
            .collect();
        let mut included: Credits = included_grants
            .iter()
            .map(|g| Credits(g.original_milli))
            .sum();
        if i == 0 && included_grants.is_empty() {
            included = Credits(pool.included_per_period_milli);
        }
        let expired = grants
            .iter()
            .filter(|g| {
                g.expires_at
                    .is_some_and(|e| e > p.start && e <= p.end && e <= now)
            })
            .map(|g| Credits(g.remaining_milli))
            .sum();
        let days = DateRange::of_period(&p);
        let ((used, overage), (end_user_used, _)) =
            (within(&all_days, days), within(&end_user_days, days));
        out.push(PeriodRecord {
            period: p,
            included,
            purchased: purchases
                .iter()
                .filter(|x| in_period(x.created_at))
                .map(|x| Credits(x.amount_milli))
                .sum(),
            used,
            overage,
            expired,
            end_user_used,
            current: i == 0,
        });
    }
    Ok(out)
}
