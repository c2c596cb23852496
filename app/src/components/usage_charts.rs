//! The charts of the usage page, built with charming from the overview's numbers.

use crate::model::{ChartDrill, DailyPoint, Overview};
use charming::{
    Chart,
    component::{Axis, Grid, Legend, LegendType},
    element::{
        AxisType, Label, LineStyle, LineStyleType, MarkPoint, MarkPointData, Tooltip, Trigger,
    },
    series::{Line, Pie},
};

/// Lines drawn besides the total; the rest stay in the tables.
const MAX_LINES: usize = 6;

pub fn feature_chart(o: &Overview) -> Chart {
    let mut chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().type_(LegendType::Scroll).top(0))
        .grid(Grid::new().left(56).right(16).top(40).bottom(32))
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(o.buckets.clone()),
        )
        .y_axis(Axis::new().type_(AxisType::Value));
    let totals: Vec<f64> = (0..o.buckets.len())
        .map(|i| o.series.iter().map(|s| s.values[i].as_chart_value()).sum())
        .collect();
    chart = chart.series(
        Line::new()
            .name("All features")
            .data(totals)
            .show_symbol(false)
            .line_style(LineStyle::new().width(3)),
    );
    for s in o.series.iter().take(MAX_LINES) {
        let values: Vec<f64> = s.values.iter().map(|c| c.as_chart_value()).collect();
        chart = chart.series(
            Line::new()
                .name(s.name.clone())
                .data(values)
                .show_symbol(false),
        );
    }
    if let Some(prev) = &o.compare_series {
        let values: Vec<f64> = prev.iter().map(|c| c.as_chart_value()).collect();
        chart = chart.series(
            Line::new()
                .name("Compare period")
                .data(values)
                .show_symbol(false)
                .line_style(LineStyle::new().type_(LineStyleType::Dashed).width(2)),
        );
    }
    chart
}

/// Credits per day; anomalous days carry a marker.
pub fn daily_chart(points: &[DailyPoint], anomalies: &[chrono::NaiveDate]) -> Chart {
    let days: Vec<String> = points
        .iter()
        .map(|p| p.day.format("%b %-d").to_string())
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.credits.as_chart_value()).collect();
    let marks: Vec<MarkPointData> = points
        .iter()
        .enumerate()
        .filter(|(_, p)| anomalies.contains(&p.day))
        .map(|(i, p)| {
            MarkPointData::new()
                .name("Unusually high")
                .x_axis(i as f64)
                .y_axis(p.credits.as_chart_value())
                .value(p.credits.as_chart_value().round())
        })
        .collect();
    let mut line = Line::new().name("Credits").data(values).show_symbol(false);
    if !marks.is_empty() {
        line = line.mark_point(MarkPoint::new().data(marks));
    }
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(56).right(16).top(40).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(days))
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(line)
}

/// Distribution of the range's credits by category.
pub fn category_pie(o: &Overview) -> Chart {
    let data: Vec<(f64, String)> = o
        .categories
        .iter()
        .map(|c| (c.credits.as_chart_value(), c.name.clone()))
        .collect();
    Chart::new()
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Item)
                .formatter("{b}: {c} ({d}%)"),
        )
        .legend(Legend::new().type_(LegendType::Scroll).bottom(0))
        .series(
            Pie::new()
                .name("Credits by category")
                .radius(vec!["40%", "68%"])
                .center(vec!["50%", "45%"])
                .label(Label::new().show(false))
                .data(data),
        )
}

/// Every chart of the usage page, as ECharts options (JSON) for the browser.
pub fn charts(o: &Overview) -> crate::model::Charts {
    let week = &o.daily[o.daily.len().saturating_sub(7)..];
    crate::model::Charts {
        features: feature_chart(o).to_string(),
        categories: category_pie(o).to_string(),
        daily: daily_chart(&o.daily, &o.anomalies).to_string(),
        daily_week: daily_chart(week, &o.anomalies).to_string(),
        feature_drill: ChartDrill::new(
            "feature",
            o.series.iter().map(|s| (s.name.as_str(), s.key.as_str())),
        ),
        category_drill: ChartDrill::new(
            "category",
            o.categories
                .iter()
                .map(|c| (c.name.as_str(), c.key.as_str())),
        ),
    }
}
