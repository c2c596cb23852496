//! One shape for every table of the dashboard: the page renders it (sortable, paged) and the
//! CSV export writes the very same rows, so a download always matches what is on screen.

use crate::credits::{Credits, Money, format_count};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Text(String),
    Credits(Credits),
    Count(i64),
    /// An exact amount of money in its currency.
    Money(Money),
    /// A share or change in percent (one decimal); `None` = not defined (e.g. from zero).
    Percent(Option<f64>),
    /// A change against the compare period, in percent; `None` = no base to compare with.
    Change(Option<f64>),
    /// A status word shown as a badge (active, expired, exhausted…).
    Status(String),
    Empty,
}

/// Text for a CSV cell that a spreadsheet shows as text: a leading `=`, `+`, `-`, `@`, tab
/// or carriage return would start a formula, so it gets a `'` in front (OWASP's advice).
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    /// What the page shows.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Status(s) => s.clone(),
            Cell::Credits(c) => c.display(),
            Cell::Count(n) => format_count(*n),
            Cell::Money(m) => m.display(),
            Cell::Percent(Some(p)) => format!("{p:.1}%"),
            Cell::Change(Some(p)) if *p > 0.0 => format!("+{p:.1}%"),
            Cell::Change(Some(p)) => format!("{p:.1}%"),
            Cell::Percent(None) | Cell::Change(None) | Cell::Empty => String::new(),
        }
    }

    /// What the CSV holds: exact decimals, no thousands separators.
    pub fn csv(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Status(s) => csv_text(s),
            Cell::Credits(c) => c.to_decimal_string(),
            Cell::Count(n) => n.to_string(),
            Cell::Money(m) => m.to_decimal_string(),
            Cell::Percent(Some(p)) | Cell::Change(Some(p)) => format!("{p:.1}"),
            Cell::Percent(None) | Cell::Change(None) | Cell::Empty => String::new(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Credits(_) | Cell::Count(_) | Cell::Money(_) | Cell::Percent(_) | Cell::Change(_)
        )
    }

    /// Sort order within a column: empties first, numbers by value, text case-insensitively.
    pub fn compare(&self, other: &Cell) -> Ordering {
        fn num(c: &Cell) -> Option<f64> {
            match c {
                Cell::Credits(c) => Some(c.0 as f64),
                Cell::Count(n) => Some(*n as f64),
                Cell::Money(m) => Some(m.minor as f64),
                Cell::Percent(p) | Cell::Change(p) => *p,
                _ => None,
            }
        }
        match (self, other) {
            (Cell::Empty, Cell::Empty) => Ordering::Equal,
            (Cell::Empty, _) => Ordering::Less,
            (_, Cell::Empty) => Ordering::Greater,
            _ => match (num(self), num(other)) {
                (Some(a), Some(b)) => a.total_cmp(&b),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => self
                    .display()
                    .to_lowercase()
                    .cmp(&other.display().to_lowercase()),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub label: String,
    pub numeric: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Stable key of the row (for tests and links).
    pub key: String,
    pub cells: Vec<Cell>,
}

/// Where a row's first cell leads on screen: `path` filtered to `field` = the row's key (a
/// user row → `/usage?user=…`). The CSV has no links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub path: String,
    pub field: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Export name: `/export/{id}.csv`.
    pub id: TableId,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    #[serde(default)]
    pub drill: Option<Drill>,
}

impl Table {
    /// `columns`: labels; a leading `#` marks a numeric (right-aligned) column.
    pub fn new(id: TableId, title: impl Into<String>, columns: &[&str]) -> Table {
        Table {
            id,
            title: title.into(),
            columns: columns
                .iter()
                .map(|c| Column {
                    label: c.trim_start_matches('#').to_string(),
                    numeric: c.starts_with('#'),
                })
                .collect(),
            rows: Vec::new(),
            drill: None,
        }
    }

    /// Rows link to `path` filtered to `field` = their key.
    pub fn drills_to(mut self, path: &str, field: &str) -> Table {
        self.drill = Some(Drill {
            path: path.to_string(),
            field: field.to_string(),
        });
        self
    }

    pub fn row(&mut self, key: impl Into<String>, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "table {}", self.id);
        self.rows.push(Row {
            key: key.into(),
            cells,
        });
    }

    /// Rows sorted by one column (stable: equal values keep their order).
    pub fn sorted(&self, column: usize, descending: bool) -> Vec<Row> {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| {
            let o = a.cells[column].compare(&b.cells[column]);
            if descending { o.reverse() } else { o }
        });
        rows
    }

    /// Header line then one record per row, as CSV text fields.
    pub fn records(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        std::iter::once(self.columns.iter().map(|c| c.label.clone()).collect()).chain(
            self.rows
                .iter()
                .map(|r| r.cells.iter().map(Cell::csv).collect()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_exact_and_display_is_grouped() {
        let c = Cell::Credits(Credits(1_234_567_890));
        assert_eq!(c.csv(), "1234567.89");
        assert_eq!(c.display(), "1,234,567.89");
        assert_eq!(Cell::Count(12_000).csv(), "12000");
        assert_eq!(Cell::text("=HYPERLINK(\"x\")").csv(), "'=HYPERLINK(\"x\")");
        assert_eq!(Cell::text("@sum").csv(), "'@sum");
        assert_eq!(Cell::text("a=b").csv(), "a=b");
        assert_eq!(
            Cell::Credits(Credits(-1_500)).csv(),
            "-1.5",
            "numbers stay numbers"
        );
        let usd = Money {
            minor: 123_405,
            currency: "USD".into(),
            exponent: 2,
            symbol: "$".into(),
        };
        assert_eq!(Cell::Money(usd.clone()).display(), "$1,234.05");
        assert_eq!(Cell::Money(usd).csv(), "1234.05");
    }

    #[test]
    fn sorts_numbers_by_value_and_empties_first() {
        let mut t = Table::new(TableId::Daily, "T", &["Name", "#Credits"]);
        t.row("a", vec![Cell::text("b"), Cell::Credits(Credits(900))]);
        t.row("b", vec![Cell::text("A"), Cell::Credits(Credits(10_000))]);
        t.row("c", vec![Cell::Empty, Cell::Credits(Credits(50))]);
        let keys = |rows: Vec<Row>| rows.into_iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(keys(t.sorted(1, true)), ["b", "a", "c"]);
        assert_eq!(keys(t.sorted(0, false)), ["c", "b", "a"]);
        assert!(t.columns[1].numeric && !t.columns[0].numeric);
        assert_eq!(t.records().count(), 4);
    }
}

/// Every table a page shows and `/export/{id}.csv` downloads; its word (`flow-agents`) is
/// the id in the export's address and the page's `data-testid`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum TableId {
    Categories,
    Features,
    Agents,
    Sources,
    Companies,
    /// The overview's usage by team.
    Teams,
    /// The overview's usage by model.
    Models,
    Daily,
    Users,
    Allocations,
    Flows,
    Actions,
    Pilots,
    FlowAgents,
    OtherSources,
    /// The flows page's usage by model.
    FlowModels,
    Activity,
    Pools,
    Periods,
    Grants,
    Purchases,
    Requests,
    /// The settings page's audit log (no export: it is the organization's record).
    Audit,
}

/// Which page's data a table comes from (one service call answers all of its tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Overview,
    Users,
    Flows,
    Activity,
    Credits,
    Requests,
}

impl TableId {
    /// Its word in the export's address.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Which page's data it comes from; `None` for a table without an export.
    pub fn source(self) -> Option<Source> {
        match self {
            TableId::Categories => Some(Source::Overview),
            TableId::Features => Some(Source::Overview),
            TableId::Agents => Some(Source::Overview),
            TableId::Sources => Some(Source::Overview),
            TableId::Companies => Some(Source::Overview),
            TableId::Models => Some(Source::Overview),
            TableId::Teams => Some(Source::Overview),
            TableId::Daily => Some(Source::Overview),
            TableId::Users => Some(Source::Users),
            TableId::Allocations => Some(Source::Users),
            TableId::Flows => Some(Source::Flows),
            TableId::Actions => Some(Source::Flows),
            TableId::Pilots => Some(Source::Flows),
            TableId::FlowAgents => Some(Source::Flows),
            TableId::OtherSources => Some(Source::Flows),
            TableId::FlowModels => Some(Source::Flows),
            TableId::Activity => Some(Source::Activity),
            TableId::Pools => Some(Source::Credits),
            TableId::Periods => Some(Source::Credits),
            TableId::Grants => Some(Source::Credits),
            TableId::Purchases => Some(Source::Credits),
            TableId::Requests => Some(Source::Requests),
            TableId::Audit => None,
        }
    }
}
