//! What usage cost: credits valued at the price of the feature's pool in effect at the start
//! of each local day (`money::PriceBook`); the credits of a feature at one price are rounded
//! down once to the minor unit and the parts summed; currencies are kept apart.

use super::range::DateRange;
use super::usage::UsageReport;
use crate::entities::{feature, organization, pool};
use crate::error::Result;
use crate::money::PriceBook;
use crate::store;
use app::credits::{Credits, Money, Price};
use app::error::AppError;
use app::filter::GroupBy;
use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

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

/// A report's money: in all (`None` when some part could not be valued) and per key.
pub struct Valued {
    pub total: Option<Amounts>,
    pub per: HashMap<String, Amounts>,
}

fn too_much() -> crate::error::Error {
    AppError::internal("a sum of credits or money passed the 64-bit range").into()
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

    /// The pool's price per credit (micros) on a report row: the version in effect at the
    /// start of its day, or for a row of the whole range the one price in effect over it
    /// (`None` when the price changed within the range).
    fn micros(
        &self,
        pool: &pool::Model,
        day: Option<&str>,
        range: DateRange,
    ) -> Result<Option<i64>> {
        let midnight = |d: NaiveDate| crate::ledger::period::local_midnight(self.tz, d);
        Ok(match day {
            Some(d) => {
                let d: NaiveDate = d
                    .parse()
                    .map_err(|_| AppError::internal(format!("a day label {d:?}")))?;
                Some(self.book.micros_at(pool, midnight(d)))
            }
            None => self
                .book
                .micros_over(pool, midnight(range.from), midnight(range.to)),
        })
    }

    /// The money of a report grouped by feature (and maybe day): in all and per value of
    /// `by`. The credits of each feature at each price are rounded down once to the minor
    /// unit. A row without a day whose range saw its pool's price change cannot be valued:
    /// its key is left out of `per` and the whole is `None`.
    pub fn value(&self, r: &UsageReport, by: GroupBy) -> Result<Valued> {
        // (key, feature, pool, price) → credits
        let mut credits: HashMap<(String, &str, i64, i64), Credits> = HashMap::new();
        let mut unknown = HashSet::new();
        for row in &r.rows {
            let key = r.value(row, by).unwrap_or_default().to_string();
            let feature = r.value(row, GroupBy::Feature).unwrap_or_default();
            let Some(pool) = self
                .feature_pool
                .get(feature)
                .and_then(|id| self.pools.get(id))
            else {
                continue;
            };
            match self.micros(pool, r.value(row, GroupBy::Day), r.range)? {
                Some(micros) => {
                    let c = credits.entry((key, feature, pool.id, micros)).or_default();
                    *c = Credits(c.0.checked_add(row.credits.0).ok_or_else(too_much)?);
                }
                None => {
                    unknown.insert(key);
                }
            }
        }
        let mut total = Amounts::default();
        let mut per: HashMap<String, Amounts> = HashMap::new();
        for ((key, _, pool_id, micros), c) in credits {
            let pool = &self.pools[&pool_id];
            let price = Price {
                micros,
                ..crate::money::price_of(pool)
            };
            let m = price.cost(c).ok_or_else(too_much)?;
            total.add(m.clone())?;
            if !unknown.contains(&key) {
                per.entry(key).or_default().add(m)?;
            }
        }
        Ok(Valued {
            total: unknown.is_empty().then_some(total),
            per,
        })
    }
}
