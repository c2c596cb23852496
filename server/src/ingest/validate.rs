//! Checking one incoming usage event, field by field, before anything touches the database.
//! Every rejection names the field it is about.

use crate::entities::source::SourceKind;
use app::credits::{Credits, CreditsError};
use chrono::{DateTime, Duration, Utc};
use sea_orm::Iterable;
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
pub use crate::ledger::rate::MAX_MODEL_LEN;
/// An event's fields, in a fixed order (`wire` stores them by position).
pub const FIELDS: [&str; 15] = [
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
    "cached_input_tokens",
    "model",
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
    pub source: Option<(SourceKind, String)>,
    pub action: Option<String>,
    pub company: Option<String>,
    /// As sent, or (when the sender left them out) rated by the meter before burning.
    pub credits: Credits,
    /// The sender gave `credits` (its price wins); else the meter rates the usage.
    pub priced_by_sender: bool,
    pub quantity: i64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cached_input_tokens: Option<i64>,
    pub model: Option<String>,
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

/// A field that failed its check, and why.
type Bad = (String, String);

fn bad(field: &str, why: impl Into<String>) -> Bad {
    (field.to_string(), why.into())
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
    checked(index, o, unknown, window)
        .map_err(|(field, why)| Rejection::new(index, raw_id, &field, why))
}

fn checked(
    index: usize,
    o: &(impl Fields + ?Sized),
    unknown: Option<&str>,
    window: Window,
) -> Result<ValidEvent, Bad> {
    if let Some(unknown) = unknown {
        return Err(bad(unknown, "is not a known field"));
    }
    let owned = |field: &str, max: usize| -> Result<Option<String>, Bad> {
        let t = text(o, field, max, false).map_err(|e| bad(field, e))?;
        Ok(t.map(str::to_string))
    };
    let required = |field: &str, max: usize| -> Result<String, Bad> {
        let t = text(o, field, max, true).map_err(|e| bad(field, e))?;
        t.map(str::to_string)
            .ok_or_else(|| bad(field, "is required"))
    };
    let id = required("id", MAX_ID_LEN)?;
    let at = timestamp(o, window)?;
    let feature = required("feature", 64)?;
    let pool = owned("pool", 64)?;
    let user = owned("user", 256)?;
    let source = source(o)?;
    let action = owned("action", 128)?;
    if action.is_some() && source.as_ref().is_none_or(|(k, _)| *k != SourceKind::Flow) {
        return Err(bad("action", "needs a source of kind flow"));
    }
    let count_of = |field: &str, max| count(o, field, max).map_err(|e| bad(field, e));
    let credits = event_credits(o)?;
    // Checked in this order: an event with several bad fields is answered for the first.
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
        company: owned("company", 128)?,
        credits: credits.unwrap_or(Credits::ZERO),
        priced_by_sender: credits.is_some(),
        quantity: count_of("quantity", MAX_QUANTITY)?.unwrap_or(1),
        input_tokens: count_of("input_tokens", MAX_TOKENS)?,
        output_tokens: count_of("output_tokens", MAX_TOKENS)?,
        cached_input_tokens: count_of("cached_input_tokens", MAX_TOKENS)?,
        model: owned("model", MAX_MODEL_LEN)?,
        metadata: metadata(o)?,
    })
}

/// An RFC 3339 time inside the window: at most 5 minutes ahead, not before the backfill.
fn timestamp(o: &(impl Fields + ?Sized), window: Window) -> Result<DateTime<Utc>, Bad> {
    let at = match o.field("timestamp") {
        Some(FieldRef::Str(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                let why = "must be an RFC 3339 time such as 2026-11-22T10:00:00Z";
                bad("timestamp", why)
            })?,
        None | Some(FieldRef::Null) => return Err(bad("timestamp", "is required")),
        Some(_) => return Err(bad("timestamp", "must be an RFC 3339 string")),
    };
    if at > window.now + Duration::minutes(5) {
        return Err(bad("timestamp", "is more than 5 minutes in the future"));
    }
    if at < window.now - window.backfill {
        let days = window.backfill.num_days();
        let why = format!("is older than the backfill window of {days} days");
        return Err(bad("timestamp", why));
    }
    Ok(at)
}

/// `{"kind": …, "key": …}`: (kind, key), the kind one of [`SourceKind`]'s words.
fn source(o: &(impl Fields + ?Sized)) -> Result<Option<(SourceKind, String)>, Bad> {
    let s = match o.field("source") {
        None | Some(FieldRef::Null) => return Ok(None),
        Some(FieldRef::Obj(s)) => s,
        Some(_) => return Err(bad("source", "must be an object with kind and key")),
    };
    let kind = text(s, "kind", 16, true)
        .map_err(|e| bad("source.kind", e))?
        .ok_or_else(|| bad("source.kind", "is required"))?;
    let kind = SourceKind::iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| {
            let words: Vec<&str> = SourceKind::iter().map(SourceKind::as_str).collect();
            bad(
                "source.kind",
                format!("must be one of {}", words.join(", ")),
            )
        })?;
    let key = text(s, "key", 128, true)
        .map_err(|e| bad("source.key", e))?
        .ok_or_else(|| bad("source.key", "is required"))?;
    Ok(Some((kind, key.to_string())))
}

/// The sender's credits; `None` when left out (the meter rates the event).
fn event_credits(o: &(impl Fields + ?Sized)) -> Result<Option<Credits>, Bad> {
    if matches!(o.field("credits"), None | Some(FieldRef::Null)) {
        return Ok(None);
    }
    let credits = credits(o, "credits").map_err(|e| bad("credits", e))?;
    if credits > MAX_EVENT_CREDITS {
        let max = MAX_EVENT_CREDITS.to_decimal_string();
        return Err(bad("credits", format!("must be at most {max} per event")));
    }
    Ok(Some(credits))
}

/// A JSON object of at most [`MAX_METADATA_BYTES`], stored as its text.
fn metadata(o: &(impl Fields + ?Sized)) -> Result<Option<String>, Bad> {
    match o.field("metadata") {
        None | Some(FieldRef::Null) => Ok(None),
        Some(FieldRef::Obj(m)) => {
            let s = serde_json::to_string(m).unwrap_or_default();
            // PostgreSQL's jsonb has no NUL character.
            if s.contains("\\u0000") {
                return Err(bad("metadata", "must not contain NUL characters"));
            }
            if s.len() > MAX_METADATA_BYTES {
                let why = format!("must be at most {MAX_METADATA_BYTES} bytes");
                return Err(bad("metadata", why));
            }
            Ok(Some(s))
        }
        Some(_) => Err(bad("metadata", "must be an object")),
    }
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
        assert_eq!(field_of(with("model", json!(""))), "model");
        assert_eq!(field_of(with("model", json!("m".repeat(129)))), "model");
        assert_eq!(
            field_of(with("cached_input_tokens", json!(-1))),
            "cached_input_tokens"
        );
        // Without credits the event is left for the meter to rate (or refuse) at ingest.
        let mut v = ok();
        v.as_object_mut().unwrap().remove("credits");
        v["model"] = json!("gpt-4o-mini");
        let unpriced = validate(0, &v, now()).unwrap();
        assert!(!unpriced.priced_by_sender);
        assert_eq!(unpriced.credits, Credits::ZERO);
        assert_eq!(unpriced.model.as_deref(), Some("gpt-4o-mini"));
        assert!(validate(0, &ok(), now()).unwrap().priced_by_sender);
    }
}
