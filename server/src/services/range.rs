//! Turning a `Filter`'s range (and compare-with) into concrete local dates.

use crate::entities::organization;
use crate::error::Result;
use crate::ledger::{self, period_containing};
use app::error::AppError;
use app::filter::{Compare, Filter, RangePreset};
use app::ids::OrgId;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use chrono_tz::Tz;

/// Inclusive range of local days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The local days of a period (periods end at local midnight, exclusive).
    pub fn of_period(p: &crate::ledger::Period) -> DateRange {
        DateRange {
            from: p.start_date,
            to: p.end_date.pred_opt().unwrap_or(p.end_date),
        }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

pub const MAX_DAYS: i64 = 3700;

/// Checks that `tz`, when given, is the organization's zone: rollups are kept per local day.
pub fn check_tz(filter: &Filter, org: &organization::Model) -> Result<()> {
    match &filter.tz {
        Some(tz) if tz != &org.time_zone => Err(AppError::invalid(
            "tz",
            format!("usage is kept per day in the organization's time zone {}; pass that or leave tz out", org.time_zone),
        )
        .into()),
        _ => Ok(()),
    }
}

/// Where every filtered question starts: the asker's organization, its zone and the range
/// the filter stands for (the filter's `tz` must be the organization's).
pub struct Resolved {
    pub org: organization::Model,
    pub tz: Tz,
    pub range: DateRange,
}

pub async fn for_filter<C: sea_orm::ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Resolved> {
    let org = crate::store::organizations::get(db, org_id).await?;
    check_tz(filter, &org)?;
    let tz = crate::store::organizations::tz(&org)?;
    let range = resolve(filter, &org, tz, now)?;
    Ok(Resolved { org, tz, range })
}

pub fn resolve(
    filter: &Filter,
    org: &organization::Model,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateRange> {
    let today = ledger::local_day(tz, now);
    let anchor = org.period_anchor_day as u32;
    let last = |n: i64| DateRange {
        from: today - Duration::days(n - 1),
        to: today,
    };
    let range = if filter.is_custom() {
        let to = filter.to.unwrap_or(today);
        let from = filter.from.unwrap_or(to - Duration::days(29));
        if from > to {
            return Err(AppError::invalid("from", "must not be after to").into());
        }
        DateRange { from, to }
    } else {
        match filter.range {
            RangePreset::Last7 => last(7),
            RangePreset::Last30 | RangePreset::Custom => last(30),
            RangePreset::Last90 => last(90),
            RangePreset::CurrentPeriod => {
                let p = period_containing(anchor, tz, now);
                DateRange {
                    from: p.start_date,
                    to: p.last_day(),
                }
            }
            RangePreset::PreviousPeriod => {
                let p = period_containing(anchor, tz, now).previous(anchor, tz);
                DateRange {
                    from: p.start_date,
                    to: p.last_day(),
                }
            }
        }
    };
    if range.days() > MAX_DAYS {
        return Err(
            AppError::invalid("from", format!("a range may span at most {MAX_DAYS} days")).into(),
        );
    }
    Ok(range)
}

/// The range to compare with, if any: the previous billing period for period presets, the
/// same number of days just before otherwise; or the same dates a year earlier.
pub fn compare_with(
    filter: &Filter,
    range: DateRange,
    org: &organization::Model,
    tz: Tz,
) -> Option<DateRange> {
    match filter.compare {
        Compare::None => None,
        Compare::PreviousYear => Some(DateRange {
            from: range.from.checked_sub_months(Months::new(12))?,
            to: range.to.checked_sub_months(Months::new(12))?,
        }),
        Compare::PreviousPeriod
            if !filter.is_custom()
                && matches!(
                    filter.range,
                    RangePreset::CurrentPeriod | RangePreset::PreviousPeriod
                ) =>
        {
            let anchor = org.period_anchor_day as u32;
            let start = ledger::period::local_midnight(tz, range.from);
            let p = period_containing(anchor, tz, start).previous(anchor, tz);
            Some(DateRange {
                from: p.start_date,
                to: p.last_day(),
            })
        }
        Compare::PreviousPeriod => Some(DateRange {
            from: range.from - Duration::days(range.days()),
            to: range.from - Duration::days(1),
        }),
    }
}
