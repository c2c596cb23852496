//! The charts of the usage page, built with charming from the overview's numbers.

use crate::model::{ChartDrill, DailyPoint, Overview};
use charming::{
    Chart,
    component::{Axis, Grid, Legend, LegendType},
    element::{
        AxisLabel, AxisLine, AxisLineStyle, AxisTick, AxisType, ItemStyle, Label, LineStyle,
        LineStyleType, MarkPoint, MarkPointData, Pointer, SplitLine, Tooltip, Trigger,
    },
    series::{Gauge, GaugeDetail, GaugeProgress, GaugeTitle, Line, Pie},
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

/// Share of included credits used, 0–100 (more shows as a full dial).
pub fn included_gauge(percent_used: i64) -> Chart {
    let color = match percent_used {
        p if p >= 100 => "#c0392b",
        p if p >= 80 => "#b86e00",
        _ => "#2f5bd3",
    };
    Chart::new().series(
        Gauge::new()
            .name("Included credits used")
            .min(0)
            .max(100)
            .start_angle(200)
            .end_angle(-20)
            .radius("95%")
            .center(("50%", "60%"))
            .progress(
                GaugeProgress::new()
                    .show(true)
                    .width(16)
                    .item_style(ItemStyle::new().color(color)),
            )
            // A plain dial: the number says it all; ticks and labels only add noise.
            .axis_line(AxisLine::new().line_style(AxisLineStyle::new().width(16)))
            .axis_tick(AxisTick::new().show(false))
            .split_line(SplitLine::new().show(false))
            .axis_label(AxisLabel::new().show(false))
            .pointer(Pointer::new().show(false))
            .title(GaugeTitle::new().show(false))
            .detail(GaugeDetail::new().formatter("{value}%").font_size(26))
            .data(vec![(percent_used.min(100) as f64, "used")]),
    )
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
        gauge: included_gauge(o.balance.included_used_percent()).to_string(),
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
