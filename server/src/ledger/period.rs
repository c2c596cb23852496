//! Billing periods: they start at local midnight on the organization's anchor day, in the
//! organization's own time zone. Anchor days past a month's end fall on its last day.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    /// Exclusive.
    pub end: DateTime<Utc>,
    pub start_date: NaiveDate,
    /// Exclusive: the first day of the next period.
    pub end_date: NaiveDate,
}

impl Period {
    /// Last day of the period (inclusive), for display.
    pub fn last_day(&self) -> NaiveDate {
        self.end_date - Duration::days(1)
    }

    /// Days left including `today` (0 once the period is over).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.end_date - today).num_days().max(0)
    }

    pub fn previous(&self, anchor_day: u32, tz: Tz) -> Period {
        period_containing(anchor_day, tz, self.start - Duration::seconds(1))
    }

    pub fn next(&self, anchor_day: u32, tz: Tz) -> Period {
        period_containing(anchor_day, tz, self.end)
    }
}

/// The calendar day of `at` in time zone `tz`.
pub fn local_day(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Local midnight of `day` in `tz` as an instant (the first valid instant if a DST change
/// skips midnight).
pub fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let later = naive + Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .expect("an hour after a gap exists")
                .with_timezone(&Utc)
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (NaiveDate::from_ymd_opt(ny, nm, 1).unwrap() - NaiveDate::from_ymd_opt(year, month, 1).unwrap())
        .num_days() as u32
}

fn anchor_date(year: i32, month: u32, anchor_day: u32) -> NaiveDate {
    let day = anchor_day.clamp(1, days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn add_months(year: i32, month: u32, delta: i32) -> (i32, u32) {
    let zero_based = year * 12 + month as i32 - 1 + delta;
    (
        zero_based.div_euclid(12),
        zero_based.rem_euclid(12) as u32 + 1,
    )
}

/// The billing period that contains instant `at`.
pub fn period_containing(anchor_day: u32, tz: Tz, at: DateTime<Utc>) -> Period {
    let today = local_day(tz, at);
    let this_anchor = anchor_date(today.year(), today.month(), anchor_day);
    let (sy, sm) = if today >= this_anchor {
        (today.year(), today.month())
    } else {
        add_months(today.year(), today.month(), -1)
    };
    let start_date = anchor_date(sy, sm, anchor_day);
    let (ey, em) = add_months(sy, sm, 1);
    let end_date = anchor_date(ey, em, anchor_day);
    Period {
        start: local_midnight(tz, start_date),
        end: local_midnight(tz, end_date),
        start_date,
        end_date,
    }
}

/// The Monday of the week `day` falls in (weeks run Monday to Sunday).
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The whole weeks inside `from..=to` (as the Mondays of the first and last) and the days
/// left at either edge, for reading whole weeks from a weekly rollup and the rest from a
/// daily one. No whole week inside: every day is an edge day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekSplit {
    pub weeks: Option<(NaiveDate, NaiveDate)>,
    pub before: Option<(NaiveDate, NaiveDate)>,
    pub after: Option<(NaiveDate, NaiveDate)>,
}

pub fn split_weeks(from: NaiveDate, to: NaiveDate) -> WeekSplit {
    let first = monday_of(from + Duration::days(6)); // the first Monday on or after `from`
    let last = monday_of(to + Duration::days(1)) - Duration::days(7); // the last whole week's Monday
    if first > last {
        return WeekSplit {
            weeks: None,
            before: (from <= to).then_some((from, to)),
            after: None,
        };
    }
    let end = last + Duration::days(6);
    WeekSplit {
        weeks: Some((first, last)),
        before: (from < first).then(|| (from, first - Duration::days(1))),
        after: (end < to).then(|| (end + Duration::days(1), to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn period_follows_anchor_in_local_time() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-11-15 03:00 UTC is still Nov 14 in New York.
        let at = Utc.with_ymd_and_hms(2026, 11, 15, 3, 0, 0).unwrap();
        let p = period_containing(15, tz, at);
        assert_eq!(
            (p.start_date, p.end_date),
            (d(2026, 10, 15), d(2026, 11, 15))
        );
        assert_eq!(
            p.start,
            Utc.with_ymd_and_hms(2026, 10, 15, 4, 0, 0).unwrap()
        );
        assert_eq!(p.end, Utc.with_ymd_and_hms(2026, 11, 15, 5, 0, 0).unwrap()); // after DST ends
        assert_eq!(p.days_left(d(2026, 11, 14)), 1);
        assert_eq!(p.last_day(), d(2026, 11, 14));
    }

    #[test]
    fn anchor_past_month_end_uses_last_day() {
        let tz: Tz = "UTC".parse().unwrap();
        let p = period_containing(31, tz, Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap());
        assert_eq!((p.start_date, p.end_date), (d(2026, 2, 28), d(2026, 3, 31)));
        let p = period_containing(31, tz, Utc.with_ymd_and_hms(2026, 2, 27, 12, 0, 0).unwrap());
        assert_eq!((p.start_date, p.end_date), (d(2026, 1, 31), d(2026, 2, 28)));
    }

    #[test]
    fn year_boundaries_and_neighbours() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let p = period_containing(1, tz, Utc.with_ymd_and_hms(2026, 1, 1, 0, 30, 0).unwrap());
        assert_eq!((p.start_date, p.end_date), (d(2026, 1, 1), d(2026, 2, 1)));
        assert_eq!(p.previous(1, tz).start_date, d(2025, 12, 1));
        assert_eq!(p.next(1, tz).start_date, d(2026, 2, 1));
        // 2025-12-31 23:30 UTC is already Jan 1 in Berlin.
        let q = period_containing(
            1,
            tz,
            Utc.with_ymd_and_hms(2025, 12, 31, 23, 30, 0).unwrap(),
        );
        assert_eq!(q, p);
    }

    #[test]
    fn periods_tile_without_gaps() {
        let tz: Tz = "Australia/Sydney".parse().unwrap();
        let mut p = period_containing(30, tz, Utc.with_ymd_and_hms(2025, 1, 10, 0, 0, 0).unwrap());
        for _ in 0..30 {
            let n = p.next(30, tz);
            assert_eq!(n.start, p.end);
            assert!(n.end > n.start);
            p = n;
        }
    }

    fn on(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_split_into_whole_weeks_and_edge_days() {
        // 2026-11-02 is a Monday, 2026-11-29 a Sunday.
        assert_eq!(monday_of(on("2026-11-29")), on("2026-11-23"));
        assert_eq!(monday_of(on("2026-11-23")), on("2026-11-23"));
        let s = split_weeks(on("2026-11-02"), on("2026-12-01"));
        assert_eq!(s.weeks, Some((on("2026-11-02"), on("2026-11-23"))));
        assert_eq!(s.before, None);
        assert_eq!(s.after, Some((on("2026-11-30"), on("2026-12-01"))));
        let s = split_weeks(on("2026-10-24"), on("2026-11-22"));
        assert_eq!(s.before, Some((on("2026-10-24"), on("2026-10-25"))));
        assert_eq!(s.weeks, Some((on("2026-10-26"), on("2026-11-16"))));
        assert_eq!(s.after, None);
        // Shorter than a week, or a week that is not whole: days only.
        let s = split_weeks(on("2026-11-04"), on("2026-11-10"));
        assert_eq!(s.weeks, None);
        assert_eq!(s.before, Some((on("2026-11-04"), on("2026-11-10"))));
        // Exactly one week.
        let s = split_weeks(on("2026-11-09"), on("2026-11-15"));
        assert_eq!(
            (s.weeks, s.before, s.after),
            (Some((on("2026-11-09"), on("2026-11-09"))), None, None)
        );
    }

    #[test]
    fn a_split_covers_every_day_once() {
        let start = on("2026-10-01");
        for a in 0..40 {
            for len in 0..40 {
                let (from, to) = (start + Duration::days(a), start + Duration::days(a + len));
                let s = split_weeks(from, to);
                let mut days = Vec::new();
                for (x, y) in [s.before, s.after].into_iter().flatten() {
                    let mut t = x;
                    while t <= y {
                        days.push(t);
                        t += Duration::days(1);
                    }
                }
                if let Some((x, y)) = s.weeks {
                    assert_eq!(x.weekday(), chrono::Weekday::Mon);
                    let mut t = x;
                    while t <= y + Duration::days(6) {
                        days.push(t);
                        t += Duration::days(1);
                    }
                }
                days.sort();
                let want: Vec<NaiveDate> = (0..=len).map(|i| from + Duration::days(i)).collect();
                assert_eq!(days, want, "{from}..={to}");
            }
        }
    }
}
