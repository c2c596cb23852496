//! What usage cost: credits valued on each local day at the price then in effect of the
//! feature's pool (`money::PriceBook`), each day's part rounded down to the minor unit and
//! the parts summed; amounts in different currencies are kept apart.

use super::usage::UsageReport;
use crate::entities::{feature, organization, pool};
use crate::error::Result;
use crate::money::PriceBook;
use crate::store;
use app::credits::{Credits, Money};
use app::error::AppError;
use app::filter::GroupBy;
use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Money in one or more currencies, one amount per currency in the order first seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Amounts(Vec<Money>);

impl Amounts {
    pub fn add(&mut self, m: Money) -> Result<()> {
        match self.0.iter_mut().find(|a| a.currency == m.currency) {
            Some(a) => {
                a.minor = a
                    .minor
                    .checked_add(m.minor)
                    .ok_or_else(|| AppError::internal("a money sum passed the 64-bit range"))?;
            }
            None => self.0.push(m),
        }
        Ok(())
    }

    /// The amount when it is in one currency.
    pub fn single(&self) -> Option<Money> {
        match self.0.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    pub fn into_vec(self) -> Vec<Money> {
        self.0
    }
}

/// The organization's pools, their price versions and which pool each feature draws on.
pub struct Valuer {
    book: PriceBook,
    pools: HashMap<i64, pool::Model>,
    /// feature key → pool id
    feature_pool: HashMap<String, i64>,
    tz: Tz,
}

impl Valuer {
    pub async fn load<C: ConnectionTrait>(db: &C, org: &organization::Model) -> Result<Valuer> {
        let (versions, pools, features) = futures::try_join!(
            store::pool_prices::list(db, org.id),
            store::pools::list(db, org.id),
            async {
                Ok::<_, crate::error::Error>(
                    feature::Entity::find()
                        .filter(feature::Column::OrganizationId.eq(org.id))
                        .all(db)
                        .await?,
                )
            }
        )?;
        Ok(Valuer {
            book: PriceBook::new(versions),
            pools: pools.into_iter().map(|p| (p.id, p)).collect(),
            feature_pool: features.into_iter().map(|f| (f.key, f.pool_id)).collect(),
            tz: store::organizations::tz(org)?,
        })
    }

    /// What `credits` of the feature (its key) used on local `day` cost; `None` for a
    /// feature the organization does not have.
    pub fn cost(&self, feature: &str, day: NaiveDate, credits: Credits) -> Result<Option<Money>> {
        let Some(pool) = self
            .feature_pool
            .get(feature)
            .and_then(|id| self.pools.get(id))
        else {
            return Ok(None);
        };
        let at = crate::ledger::period::local_midnight(self.tz, day);
        self.book.cost_at(pool, credits, at).map(Some)
    }

    /// The money of a report grouped by day and feature (and `by`): in all, and per value of
    /// `by` (a key of the report's rows).
    pub fn value(
        &self,
        r: &UsageReport,
        by: GroupBy,
    ) -> Result<(Amounts, HashMap<String, Amounts>)> {
        let mut total = Amounts::default();
        let mut per: HashMap<String, Amounts> = HashMap::new();
        for row in &r.rows {
            let (Some(day), Some(feature)) =
                (r.value(row, GroupBy::Day), r.value(row, GroupBy::Feature))
            else {
                continue;
            };
            let day: NaiveDate = day
                .parse()
                .map_err(|_| AppError::internal(format!("a day label {day:?}")))?;
            let Some(m) = self.cost(feature, day, row.credits)? else {
                continue;
            };
            if let Some(key) = r.value(row, by) {
                per.entry(key.to_string()).or_default().add(m.clone())?;
            }
            total.add(m)?;
        }
        Ok((total, per))
    }
}
