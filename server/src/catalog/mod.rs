//! The catalog as data: an organization's pools (price, currency, included credits and
//! allowance per period), categories, features and teams, applied idempotently from one
//! document (a TOML file, the JSON of the REST API, the settings page). Keys are immutable;
//! used entries are archived, never deleted, so history keeps their names.
//!
//! `check` validates a document, `plan` (pure) compares it with what is stored and decides
//! every change, `store` reads the stored catalog and applies a plan in one transaction.

pub mod check;
pub mod plan;
pub mod store;

pub use check::Problem;
pub use store::{apply, show};

use app::catalog::CatalogDoc;
use app::error::AppError;

/// A problem as the API's error: the field names the entry (`features[2].pool`).
impl From<Problem> for AppError {
    fn from(p: Problem) -> AppError {
        let message = match &p.key {
            Some(k) => format!("{} (key {k:?})", p.message),
            None => p.message.clone(),
        };
        AppError::invalid(p.field, message)
    }
}

/// Reads a TOML catalog file. Errors name the line and the key: `line 12, features[2].pool
/// (key "x"): …`.
pub fn parse_toml(text: &str) -> std::result::Result<CatalogDoc, String> {
    let doc: CatalogDoc = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let msg = e.message().trim().to_string();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })?;
    check::check(&doc).map_err(|p| describe(text, &p))?;
    Ok(doc)
}

/// A problem of a TOML file, with the line of the value it is about.
pub fn describe(text: &str, p: &Problem) -> String {
    let key = p
        .key
        .as_ref()
        .map(|k| format!(" (key {k:?})"))
        .unwrap_or_default();
    match locate(text, &p.field) {
        Some(line) => format!("line {line}: {}{key}: {}", p.field, p.message),
        None => format!("{}{key}: {}", p.field, p.message),
    }
}

/// The line of `table[index].field` (or `table[index]`, `table`) in a TOML text.
fn locate(text: &str, path: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let (table, rest) = path.split_once('[').unwrap_or((path, ""));
    let (index, field) = rest.split_once(']').unwrap_or(("", ""));
    let field = field.trim_start_matches('.');
    let (_, value) = root.get_ref().iter().find(|(k, _)| k.get_ref() == table)?;
    let mut span = value.span();
    if let (DeValue::Array(items), Ok(i)) = (value.get_ref(), index.parse::<usize>()) {
        let item = items.get(i)?;
        span = item.span();
        if let DeValue::Table(t) = item.get_ref()
            && let Some((k, v)) = t.iter().find(|(k, _)| k.get_ref() == field)
        {
            span = k.span().start..v.span().end;
        }
    }
    Some(line_of(text, span.start))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"[[pools]]
key = "ai_credits"
name = "AI credits"
price_per_credit = "0.10"
currency = "USD"
included_per_period = 10000

[[categories]]
key = "ai_messages"
name = "AI generated messages"

[[features]]
key = "personalized_email"
name = "Personalized email"
unit = "message"
category = "ai_messages"
pool = "ai_credits"

[[features]]
key = "reply"
name = "Reply"
unit = "message"
category = "ai_messages"
pool = "inbox"
"#;

    #[test]
    fn a_problem_names_its_line_and_key() {
        let e = parse_toml(FILE).unwrap_err();
        assert!(
            e.starts_with("line 24: features[1].pool (key \"reply\")"),
            "{e}"
        );
        let ok = FILE.replace("pool = \"inbox\"", "pool = \"ai_credits\"");
        let doc = parse_toml(&ok).unwrap();
        assert_eq!(doc.pools[0].included_per_period.0, "10000");
    }

    #[test]
    fn syntax_and_unknown_fields_name_the_line() {
        let e = parse_toml(&FILE.replace("unit = \"message\"\ncategory", "colour = 1\ncategory"))
            .unwrap_err();
        assert!(e.starts_with("line 15:") && e.contains("colour"), "{e}");
        let e = parse_toml("[[pools]]\nkey = \n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse_toml(&FILE.replace("\"0.10\"", "0.1")).unwrap_err();
        assert!(e.starts_with("line 4:") && e.contains("float"), "{e}");
    }
}
