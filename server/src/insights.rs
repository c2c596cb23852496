//! Pure rules behind the overview's hints: when the balance runs out at the current burn
//! rate, and which days are well above the usual. No database, no clock.

use app::credits::Credits;
use app::model::Forecast;
use chrono::{Duration, NaiveDate};

/// Days of recent usage the burn rate is averaged over.
pub const RATE_WINDOW_DAYS: i64 = 7;

/// `recent`: credits burned on each of the last full days (oldest first).
pub fn forecast(
    remaining: Credits,
    recent: &[Credits],
    today: NaiveDate,
    period_end: NaiveDate,
) -> Forecast {
    let days = recent.len() as i64;
    // Summed wide: a week of near-maximal days must not overflow.
    let burned: i128 = recent.iter().map(|c| i128::from(c.0)).sum();
    let rate = if days == 0 {
        0
    } else {
        i64::try_from(burned / i128::from(days)).unwrap_or(i64::MAX)
    };
    // Whole days until the balance is gone (today counts as the first); a date past the
    // calendar's end means it does not run out in any date there is.
    let runs_out_on = (rate > 0)
        .then(|| {
            let left = i128::from(remaining.0.max(0));
            let whole_days = (left + i128::from(rate) - 1) / i128::from(rate);
            Duration::try_days(i64::try_from(whole_days).ok()?)
                .and_then(|d| today.checked_add_signed(d))
        })
        .flatten();
    Forecast {
        daily_rate: Credits(rate),
        window_days: days,
        runs_out_on,
        before_period_end: runs_out_on.is_some_and(|d| d <= period_end),
    }
}

/// Days whose usage is far above the usual: more than twice the median day and more than
/// three (scaled) median absolute deviations above it. Needs a week of data to say anything.
pub fn anomalies(days: &[(NaiveDate, Credits)]) -> Vec<NaiveDate> {
    if days.len() < 7 {
        return Vec::new();
    }
    let median = |mut v: Vec<i64>| -> i64 {
        v.sort_unstable();
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2
        }
    };
    let m = median(days.iter().map(|d| d.1.0).collect());
    let mad = median(days.iter().map(|d| (d.1.0 - m).abs()).collect());
    // 1.4826 × MAD estimates the standard deviation of normal data.
    let spread = (mad as f64 * 1.4826 * 3.0) as i64;
    days.iter()
        .filter(|(_, c)| m > 0 && c.0 > 2 * m && c.0 - m > spread)
        .map(|(d, _)| *d)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + Duration::days(n)
    }

    #[test]
    fn forecast_runs_out_after_remaining_over_rate_days() {
        let f = forecast(Credits(10_500), &[Credits(1_000); 7], day(0), day(29));
        assert_eq!(f.daily_rate, Credits(1_000));
        assert_eq!(f.runs_out_on, Some(day(11)));
        assert!(f.before_period_end);
        let late = forecast(Credits(100_000), &[Credits(1_000); 7], day(0), day(29));
        assert_eq!(late.runs_out_on, Some(day(100)));
        assert!(!late.before_period_end);
    }

    #[test]
    fn a_huge_balance_with_little_use_never_overflows() {
        let f = forecast(Credits(i64::MAX), &[Credits(1); 7], day(0), day(29));
        assert_eq!(f.runs_out_on, None);
        assert!(!f.before_period_end);
        let f = forecast(
            Credits(i64::MAX),
            &[Credits(i64::MAX); 7],
            NaiveDate::MAX,
            NaiveDate::MAX,
        );
        assert_eq!(f.daily_rate, Credits(i64::MAX));
    }

    #[test]
    fn no_burn_means_no_run_out() {
        let f = forecast(Credits(5), &[Credits(0); 7], day(0), day(29));
        assert_eq!(f.runs_out_on, None);
        assert!(!f.before_period_end);
        assert_eq!(
            forecast(Credits(5), &[], day(0), day(1)).daily_rate,
            Credits(0)
        );
    }

    #[test]
    fn an_empty_balance_runs_out_today() {
        let f = forecast(Credits(-20), &[Credits(3); 7], day(4), day(29));
        assert_eq!(f.runs_out_on, Some(day(4)));
    }

    #[test]
    fn marks_a_spike_but_not_weekly_rhythm() {
        let mut days: Vec<(NaiveDate, Credits)> = (0..28)
            .map(|i| {
                let weekend = i % 7 >= 5;
                (
                    day(i),
                    Credits(if weekend { 300 } else { 1_000 + (i % 3) * 50 }),
                )
            })
            .collect();
        assert_eq!(anomalies(&days), Vec::<NaiveDate>::new());
        days[10].1 = Credits(3_500);
        assert_eq!(anomalies(&days), vec![day(10)]);
    }

    #[test]
    fn too_little_data_or_no_usage_says_nothing() {
        let few: Vec<_> = (0..6).map(|i| (day(i), Credits(i * 1000))).collect();
        assert!(anomalies(&few).is_empty());
        let zeros: Vec<_> = (0..10).map(|i| (day(i), Credits(0))).collect();
        assert!(anomalies(&zeros).is_empty());
    }
}
