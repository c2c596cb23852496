//! Checking one incoming usage event, field by field, before anything touches the database.
//! Every rejection names the field it is about.

use app::credits::{Credits, CreditsError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub const MAX_EVENTS: usize = 1000;
pub const MAX_ID_LEN: usize = 128;
pub const MAX_METADATA_BYTES: usize = 4096;
/// Per-event maxima: far above any real event, and low enough that millions of events sum
/// into a rollup row without leaving 64 bits.
pub const MAX_EVENT_CREDITS: Credits = Credits(1_000_000_000_000);
pub const MAX_QUANTITY: i64 = 1_000_000_000;
pub const MAX_TOKENS: i64 = 10_000_000_000;
pub const SOURCE_KINDS: [&str; 5] = ["agent", "flow", "pilot", "tool", "session"];
/// An event's fields, in a fixed order (`wire` stores them by position).
pub const FIELDS: [&str; 13] = [
    "id",
    "timestamp",
    "feature",
    "pool",
    "user",
    "source",
    "action",
    "company",
    "credits",
    "quantity",
    "input_tokens",
    "output_tokens",
    "metadata",
];

/// An event that passed every check that needs no database.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidEvent {
    /// Which batch of an ingest group it came in (0 when ingested alone).
    pub batch: usize,
    pub index: usize,
    pub id: String,
    pub at: DateTime<Utc>,
    pub feature: String,
    pub pool: Option<String>,
    pub user: Option<String>,
    /// (kind, key)
    pub source: Option<(String, String)>,
    pub action: Option<String>,
    pub company: Option<String>,
    pub credits: Credits,
    pub quantity: i64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub metadata: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub index: usize,
    pub id: Option<String>,
    pub field: String,
    pub error: String,
}

impl Rejection {
    pub fn new(index: usize, id: Option<&str>, field: &str, error: impl Into<String>) -> Self {
        Rejection {
            index,
            id: id.map(str::to_string),
            field: field.to_string(),
            error: format!("{field}: {}", error.into()),
        }
    }
}

/// A field's value as the checks see it, whatever the body was parsed into.
pub enum FieldRef<'a> {
    Null,
    Str(&'a str),
    /// A number's text: as sent, or as `serde_json` prints a parsed one.
    Num(Cow<'a, str>),
    Obj(&'a Map<String, Value>),
    /// A boolean or an array.
    Other,
}

/// Something with named fields: a JSON object, or an event as read by `wire`.
pub trait Fields {
    /// The field, `None` when absent.
    fn field(&self, name: &str) -> Option<FieldRef<'_>>;
}

impl Fields for Map<String, Value> {
    fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        Some(match self.get(name)? {
            Value::Null => FieldRef::Null,
            Value::String(s) => FieldRef::Str(s),
            Value::Number(n) => FieldRef::Num(Cow::Owned(n.to_string())),
            Value::Object(o) => FieldRef::Obj(o),
            Value::Bool(_) | Value::Array(_) => FieldRef::Other,
        })
    }
}

/// A string field: present (when required), non-empty and at most `max` bytes.
pub fn text<'a>(
    o: &'a (impl Fields + ?Sized),
    field: &str,
    max: usize,
    required: bool,
) -> Result<Option<&'a str>, String> {
    match o.field(field) {
        None | Some(FieldRef::Null) if required => Err("is required".into()),
        None | Some(FieldRef::Null) => Ok(None),
        Some(FieldRef::Str(s)) if s.trim().is_empty() => Err("must not be empty".into()),
        Some(FieldRef::Str(s)) if s.len() > max => Err(format!("must be at most {max} characters")),
        Some(FieldRef::Str(s)) if s.chars().any(char::is_control) => {
            Err("must not contain control characters".into())
        }
        Some(FieldRef::Str(s)) => Ok(Some(s)),
        Some(_) => Err("must be a string".into()),
    }
}

fn count(o: &(impl Fields + ?Sized), field: &str, max: i64) -> Result<Option<i64>, String> {
    let bad = || format!("must be an integer from 0 to {max}");
    match o.field(field) {
        None | Some(FieldRef::Null) => Ok(None),
        Some(FieldRef::Num(n)) => match n.parse::<i64>() {
            Ok(v) if (0..=max).contains(&v) => Ok(Some(v)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

/// A credits amount given as a JSON number or a decimal string (exact, ≤ 3 decimals).
pub fn credits(o: &(impl Fields + ?Sized), field: &str) -> Result<Credits, String> {
    let given = o.field(field);
    let text = match &given {
        None | Some(FieldRef::Null) => return Err("is required".into()),
        Some(FieldRef::Num(n)) => n,
        Some(FieldRef::Str(s)) => *s,
        Some(_) => return Err("must be a number or a decimal string".into()),
    };
    Credits::parse(text).map_err(|e| match e {
        CreditsError::NotANumber => "must be a decimal number such as 12 or 0.125".to_string(),
        other => other.to_string(),
    })
}

/// When a batch arrived, and how far back its events may be dated.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub now: DateTime<Utc>,
    pub backfill: Duration,
}

/// The default backfill window: a billing period and a few days of late delivery.
pub const DEFAULT_BACKFILL_DAYS: u32 = 35;

impl Window {
    pub fn new(now: DateTime<Utc>, backfill_days: u32) -> Self {
        Window {
            now,
            backfill: Duration::days(backfill_days.into()),
        }
    }
}

impl From<DateTime<Utc>> for Window {
    fn from(now: DateTime<Utc>) -> Self {
        Window::new(now, DEFAULT_BACKFILL_DAYS)
    }
}

/// Checks event number `index` of a batch received in `window`.
pub fn validate(index: usize, value: &Value, window: Window) -> Result<ValidEvent, Rejection> {
    let Value::Object(o) = value else {
        return Err(not_an_object(index));
    };
    let unknown = o.keys().find(|k| !FIELDS.contains(&k.as_str()));
    validate_fields(index, o, unknown.map(String::as_str), window)
}

pub fn not_an_object(index: usize) -> Rejection {
    Rejection::new(index, None, "event", "must be a JSON object")
}

/// Checks event number `index`, given its fields and the first key that is not an event field.
pub fn validate_fields(
    index: usize,
    o: &(impl Fields + ?Sized),
    unknown: Option<&str>,
    window: Window,
) -> Result<ValidEvent, Rejection> {
    let raw_id = match o.field("id") {
        Some(FieldRef::Str(s)) => Some(s),
        _ => None,
    };
    let reject = |field: &str, e: String| Rejection::new(index, raw_id, field, e);
    if let Some(unknown) = unknown {
        return Err(reject(unknown, "is not a known field".into()));
    }
    let id = text(o, "id", MAX_ID_LEN, true)
        .map_err(|e| reject("id", e))?
        .unwrap()
        .to_string();
    let at = match o.field("timestamp") {
        Some(FieldRef::Str(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                reject(
                    "timestamp",
                    "must be an RFC 3339 time such as 2026-11-22T10:00:00Z".into(),
                )
            })?,
        None | Some(FieldRef::Null) => return Err(reject("timestamp", "is required".into())),
        Some(_) => return Err(reject("timestamp", "must be an RFC 3339 string".into())),
    };
    if at > window.now + Duration::minutes(5) {
        return Err(reject(
            "timestamp",
            "is more than 5 minutes in the future".into(),
        ));
    }
    if at < window.now - window.backfill {
        return Err(reject(
            "timestamp",
            format!(
                "is older than the backfill window of {} days",
                window.backfill.num_days()
            ),
        ));
    }
    let feature = text(o, "feature", 64, true)
        .map_err(|e| reject("feature", e))?
        .unwrap()
        .to_string();
    let pool = text(o, "pool", 64, false)
        .map_err(|e| reject("pool", e))?
        .map(str::to_string);
    let user = text(o, "user", 256, false)
        .map_err(|e| reject("user", e))?
        .map(str::to_string);
    let source = match o.field("source") {
        None | Some(FieldRef::Null) => None,
        Some(FieldRef::Obj(s)) => {
            let kind = text(s, "kind", 16, true)
                .map_err(|e| reject("source.kind", e))?
                .unwrap();
            if !SOURCE_KINDS.contains(&kind) {
                return Err(reject(
                    "source.kind",
                    format!("must be one of {}", SOURCE_KINDS.join(", ")),
                ));
            }
            let key = text(s, "key", 128, true)
                .map_err(|e| reject("source.key", e))?
                .unwrap();
            Some((kind.to_string(), key.to_string()))
        }
        Some(_) => {
            return Err(reject(
                "source",
                "must be an object with kind and key".into(),
            ));
        }
    };
    let action = text(o, "action", 128, false)
        .map_err(|e| reject("action", e))?
        .map(str::to_string);
    if action.is_some() && source.as_ref().is_none_or(|(k, _)| k != "flow") {
        return Err(reject("action", "needs a source of kind flow".into()));
    }
    let company = text(o, "company", 128, false)
        .map_err(|e| reject("company", e))?
        .map(str::to_string);
    let credits = credits(o, "credits").map_err(|e| reject("credits", e))?;
    if credits > MAX_EVENT_CREDITS {
        let max = MAX_EVENT_CREDITS.to_decimal_string();
        return Err(reject(
            "credits",
            format!("must be at most {max} per event"),
        ));
    }
    let quantity = count(o, "quantity", MAX_QUANTITY)
        .map_err(|e| reject("quantity", e))?
        .unwrap_or(1);
    let input_tokens =
        count(o, "input_tokens", MAX_TOKENS).map_err(|e| reject("input_tokens", e))?;
    let output_tokens =
        count(o, "output_tokens", MAX_TOKENS).map_err(|e| reject("output_tokens", e))?;
    let metadata = match o.field("metadata") {
        None | Some(FieldRef::Null) => None,
        Some(FieldRef::Obj(m)) => {
            let s = serde_json::to_string(m).unwrap_or_default();
            // PostgreSQL's jsonb has no NUL character.
            if s.contains("\\u0000") {
                return Err(reject("metadata", "must not contain NUL characters".into()));
            }
            if s.len() > MAX_METADATA_BYTES {
                return Err(reject(
                    "metadata",
                    format!("must be at most {MAX_METADATA_BYTES} bytes"),
                ));
            }
            Some(s)
        }
        Some(_) => return Err(reject("metadata", "must be an object".into())),
    };
    Ok(ValidEvent {
        batch: 0,
        index,
        id,
        at,
        feature,
        pool,
        user,
        source,
        action,
        company,
        credits,
        quantity,
        input_tokens,
        output_tokens,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Window {
        Window::new("2026-11-22T12:00:00Z".parse().unwrap(), 35)
    }

    fn ok() -> Value {
        json!({"id": "e1", "timestamp": "2026-11-22T11:59:00Z", "feature": "personalized_email", "credits": "1.5"})
    }

    fn field_of(v: Value) -> String {
        validate(0, &v, now()).unwrap_err().field
    }

    #[test]
    fn a_minimal_event_passes_with_defaults() {
        let e = validate(3, &ok(), now()).unwrap();
        assert_eq!((e.index, e.credits, e.quantity), (3, Credits(1_500), 1));
        let mut v = ok();
        v["credits"] = json!(0.125);
        assert_eq!(validate(0, &v, now()).unwrap().credits, Credits(125));
    }

    #[test]
    fn each_bad_field_is_named() {
        let with = |k: &str, val: Value| {
            let mut v = ok();
            v[k] = val;
            v
        };
        assert_eq!(field_of(json!([1])), "event");
        assert_eq!(field_of(with("id", json!(""))), "id");
        assert_eq!(field_of(with("id", json!("x".repeat(129)))), "id");
        assert_eq!(field_of(with("timestamp", json!("yesterday"))), "timestamp");
        assert_eq!(
            field_of(with("timestamp", json!("2026-11-22T12:06:00Z"))),
            "timestamp"
        );
        assert_eq!(
            field_of(with("timestamp", json!("2026-10-18T11:59:59Z"))),
            "timestamp",
            "older than the 35-day backfill window"
        );
        assert_eq!(
            field_of(with("timestamp", json!("1970-01-01T00:00:00Z"))),
            "timestamp"
        );
        assert_eq!(field_of(with("feature", json!(7))), "feature");
        assert_eq!(field_of(with("id", json!("a\u{0}b"))), "id", "NUL in an id");
        assert_eq!(field_of(with("user", json!("x\ny"))), "user");
        let nul = json!({"k": "a\u{0}"});
        assert_eq!(field_of(with("metadata", nul)), "metadata");
        assert_eq!(
            field_of(with("quantity", json!(9_223_372_036_854_775_807i64))),
            "quantity"
        );
        assert_eq!(
            field_of(with("input_tokens", json!(10_000_000_001i64))),
            "input_tokens"
        );
        assert_eq!(
            field_of(with("credits", json!("1000000000.001"))),
            "credits"
        );
        assert_eq!(
            field_of(with("credits", json!("9223372036854775.807"))),
            "credits"
        );
        let mut max = ok();
        max["credits"] = json!("1000000000");
        max["quantity"] = json!(1_000_000_000);
        assert!(
            validate(0, &max, now()).is_ok(),
            "the maxima themselves pass"
        );
        assert_eq!(field_of(with("credits", json!(-1))), "credits");
        assert_eq!(field_of(with("credits", json!("1.2345"))), "credits");
        assert_eq!(field_of(with("credits", json!(true))), "credits");
        assert_eq!(field_of(with("quantity", json!(1.5))), "quantity");
        assert_eq!(field_of(with("input_tokens", json!(-3))), "input_tokens");
        assert_eq!(
            field_of(with("source", json!({"kind": "robot", "key": "x"}))),
            "source.kind"
        );
        assert_eq!(field_of(with("action", json!("summarize"))), "action");
        assert_eq!(
            field_of(with("metadata", json!({"x": "y".repeat(5000)}))),
            "metadata"
        );
        assert_eq!(field_of(with("colour", json!("red"))), "colour");
        let mut v = ok();
        v.as_object_mut().unwrap().remove("credits");
        assert_eq!(field_of(v), "credits");
    }
}
